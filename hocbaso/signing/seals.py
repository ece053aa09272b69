"""The installation's seal on data it vouches for outside a PDF (a year-end archive's manifest, the audit chain's
anchors): a detached signature by the built-in CA's issuing key, with that certificate, checked against this
installation's CA or against certificates the operator names (an old installation's CA root, for example)."""

import base64
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from hocbaso.signing.ca import load_pem_certificates
from hocbaso.signing.services import deployment_ca

SEAL_FORMAT = "hocbaso.seal/1"


def installation_seal(data: bytes) -> dict:
    """The seal of ``data`` by this installation: ``{"format", "certificate" (PEM), "signature" (base64)}``."""
    ca = deployment_ca()
    return {"format": SEAL_FORMAT,
            "certificate": ca.issuing.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            "signature": base64.b64encode(ca.sign_data(data)).decode("ascii")}


def installation_trust() -> list[x509.Certificate]:
    """The certificates whose seals this installation accepts without being told: its own CA's."""
    ca = deployment_ca()
    return [ca.issuing, ca.root]


def trusted_certificates(paths) -> list[x509.Certificate]:
    """The certificates in the PEM files the operator names (``--trust FILE.pem``)."""
    out = []
    for path in paths or []:
        out += load_pem_certificates(Path(path).read_bytes())
    return out


def _vouches(trusted: x509.Certificate, cert: x509.Certificate) -> bool:
    if trusted.public_bytes(serialization.Encoding.DER) == cert.public_bytes(serialization.Encoding.DER):
        return True
    try:
        cert.verify_directly_issued_by(trusted)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def seal_problems(data: bytes, seal, *, trusted: list[x509.Certificate]) -> list[str]:
    """Why ``seal`` does not vouch for ``data`` (in Vietnamese): unreadable, a signature that does not hold, or a
    signer that is neither one of ``trusted`` nor issued by one of them. Empty when it does."""
    try:
        if not isinstance(seal, dict) or seal.get("format") != SEAL_FORMAT:
            raise ValueError
        cert = x509.load_pem_x509_certificate(seal["certificate"].encode("ascii"))
        signature = base64.b64decode(seal["signature"], validate=True)
    except (ValueError, KeyError, TypeError, AttributeError):
        return ["niêm phong không đọc được"]
    key = cert.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, TypeError, ValueError):
        return ["chữ ký niêm phong không khớp với dữ liệu (dữ liệu đã bị sửa sau khi niêm phong)"]
    if not any(_vouches(t, cert) for t in trusted):
        subject = cert.subject.rfc4514_string()
        return [f"niêm phong của {subject}: không phải của hệ thống này, cũng không phải của chứng thư được chỉ định "
                "(--trust)"]
    return []
