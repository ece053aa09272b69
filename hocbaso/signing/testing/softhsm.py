"""A real PKCS#11 token for tests: SoftHSM2 with its own configuration and token directory.

SoftHSM2 reads ``SOFTHSM2_CONF`` when the PKCS#11 library is first initialised in a process, so create the
``SoftHSM`` and all its tokens before anything opens a PKCS#11 session (a session-scoped fixture).
"""

import os
import shutil
import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

MODULE_CANDIDATES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                     "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so", "/usr/local/lib/softhsm/libsofthsm2.so")


def softhsm_module() -> str | None:
    """The SoftHSM2 PKCS#11 module's path, or None when softhsm2 is not installed."""
    if not shutil.which("softhsm2-util"):
        return None
    return next((p for p in MODULE_CANDIDATES if os.path.exists(p)), None)


class SoftHSM:
    """A SoftHSM2 installation private to ``workdir``; sets ``SOFTHSM2_CONF`` for this process."""

    def __init__(self, workdir: Path):
        self.module = softhsm_module()
        if self.module is None:
            raise RuntimeError("softhsm2 is not installed (Debian package softhsm2)")
        self.workdir = Path(workdir)
        tokens = self.workdir / "tokens"
        tokens.mkdir(parents=True, exist_ok=True)
        self.conf = self.workdir / "softhsm2.conf"
        self.conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
                             "slots.removable = false\n")
        self._previous = os.environ.get("SOFTHSM2_CONF")
        os.environ["SOFTHSM2_CONF"] = str(self.conf)

    def init_token(self, label: str, pin: str, so_pin: str = "12345678") -> None:
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin,
                        "--so-pin", so_pin], check=True, capture_output=True, env={**os.environ})

    def generate_ec_key(self, token_label: str, pin: str, key_label: str):
        """A P-256 key pair generated inside the token (the private key never leaves it); returns the public
        key as a cryptography object."""
        import pkcs11
        from pkcs11 import Attribute, KeyType
        from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

        token = pkcs11.lib(self.module).get_token(token_label=token_label)
        with token.open(rw=True, user_pin=pin) as session:
            params = session.create_domain_parameters(
                KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True)
            public, _private = params.generate_keypair(store=True, label=key_label, id=key_label.encode())
            return serialization.load_der_public_key(encode_ec_public_key(public))

    def store_certificate(self, token_label: str, pin: str, cert_label: str, cert: x509.Certificate) -> None:
        import pkcs11
        from pkcs11 import Attribute, CertificateType, ObjectClass

        der = cert.public_bytes(serialization.Encoding.DER)
        token = pkcs11.lib(self.module).get_token(token_label=token_label)
        with token.open(rw=True, user_pin=pin) as session:
            session.create_object({
                Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True, Attribute.LABEL: cert_label, Attribute.ID: cert_label.encode(),
                Attribute.VALUE: der, Attribute.SUBJECT: cert.subject.public_bytes(),
            })

    def restore_environment(self) -> None:
        if self._previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = self._previous
