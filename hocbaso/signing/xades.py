"""XAdES baseline signatures (ETSI EN 319 132-1; B-B, or B-T with a time-stamping server) on the record's XML
(``tt27.record_xml``): the homeroom teacher's, the principal's and the school's seal, each a separate
``ds:Signature`` after the ``<record Id="record">`` element it signs (detached in the document). A signature covers
the record element and its own signed properties, never another signature: adding one leaves the others intact.

Per signature, signed properties: ``SigningTime``, ``SigningCertificateV2`` (the certificate's SHA-256 and
issuer/serial), ``SignerRoleV2/ClaimedRoles`` (the role: Giáo viên chủ nhiệm, Hiệu trưởng, Đóng dấu trường) and
the record's ``DataObjectFormat``; with a TSA, the unsigned ``SignatureTimeStamp`` over the SignatureValue.
Canonicalisation is exclusive C14N everywhere, so a signature's bytes do not depend on where it stands.

The writer is ours, like the PAdES one: a batch of documents is prepared (lxml, C14N, digests), then the signer
signs every SignedInfo digest in one call (``Signer.sign_digests``: one PIN, one token login, one CSC
authorisation), then the values are filled in. ``xades_verify`` checks every signature with our code; the tests
check the same files with xmlsec1's command line, an independent implementation.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
from dataclasses import dataclass

from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from lxml import etree

from hocbaso.signing.aio import run_sync
from hocbaso.signing.errors import SigningError
from hocbaso.tt27.record_xml import _PARSER, DS, NS, RECORD_ID, XmlRecordError, parse

XADES = "http://uri.etsi.org/01903/v1.3.2#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SIGNED_PROPERTIES = "http://uri.etsi.org/01903#SignedProperties"

# The three signatures of an issued record: (the Id's suffix, the claimed role).
ROLE_TEACHER = ("gvcn", "Giáo viên chủ nhiệm")
ROLE_PRINCIPAL = ("ht", "Hiệu trưởng")
ROLE_SEAL = ("seal", "Đóng dấu trường")
ROLES = {code: name for code, name in (ROLE_TEACHER, ROLE_PRINCIPAL, ROLE_SEAL)}
VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")


def _ds(name):
    return f"{{{DS}}}{name}"


def _x(name):
    return f"{{{XADES}}}{name}"


def c14n(element) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _record_element(root, target_id: str = RECORD_ID):
    """The element every signature refers to: the record's ``<record Id="record">``, or (another document kind:
    a package's manifest, signing.xml_packages) the root's child whose ``Id`` is ``target_id``."""
    if target_id == RECORD_ID:
        record = root.find(f"{{{NS}}}record")
    else:
        record = next((child for child in root if isinstance(child.tag, str) and child.get("Id") == target_id), None)
    if record is None or record.get("Id") != target_id:
        raise XmlRecordError(f"Tệp XML không có phần tử Id=\"{target_id}\" được ký.")
    return record


def _sub(parent, tag, text=None, **attrs):
    element = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


@dataclass
class _Pending:
    root: object
    signature: object
    signed_info: object
    value: object


def _issuer_serial_v2(cert: x509.Certificate) -> str:
    issuer = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)).issuer
    return _b64(tsp.IssuerSerial({"issuer": [asn1_x509.GeneralName({"directory_name": issuer})],
                                  "serial_number": cert.serial_number}).dump())


def _template(role: tuple[str, str], cert: x509.Certificate, chain: list[x509.Certificate], when: dt.datetime,
              target_id: str = RECORD_ID):
    """The batch's ``ds:Signature`` with everything but the record's digest and the signature value: the signed
    properties (time, certificate, role) are the same for every document of a batch, so their digest is too."""
    code, role_name = role
    sig_id = f"sig-{code}"
    ecdsa = isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    signature = etree.Element(_ds("Signature"), {"Id": sig_id}, nsmap={"ds": DS})
    signed_info = _sub(signature, _ds("SignedInfo"))
    _sub(signed_info, _ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
    _sub(signed_info, _ds("SignatureMethod"), Algorithm=ECDSA_SHA256 if ecdsa else RSA_SHA256)
    references = []
    for uri, ref_id, kind in ((f"#{target_id}", f"ref-{code}", None), (f"#sp-{code}", None, SIGNED_PROPERTIES)):
        ref = _sub(signed_info, _ds("Reference"), Id=ref_id, Type=kind, URI=uri)
        _sub(_sub(ref, _ds("Transforms")), _ds("Transform"), Algorithm=EXC_C14N)
        _sub(ref, _ds("DigestMethod"), Algorithm=SHA256)
        references.append(_sub(ref, _ds("DigestValue")))
    _sub(signature, _ds("SignatureValue"), Id=f"sv-{code}")
    x509_data = _sub(_sub(signature, _ds("KeyInfo")), _ds("X509Data"))
    for each in [cert, *chain]:
        _sub(x509_data, _ds("X509Certificate"), _b64(each.public_bytes(serialization.Encoding.DER)))
    qualifying = etree.SubElement(_sub(signature, _ds("Object")), _x("QualifyingProperties"),
                                  {"Target": f"#{sig_id}"}, nsmap={"xades": XADES})
    signed = _sub(qualifying, _x("SignedProperties"), Id=f"sp-{code}")
    props = _sub(signed, _x("SignedSignatureProperties"))
    _sub(props, _x("SigningTime"), when.isoformat())
    cert_v2 = _sub(_sub(props, _x("SigningCertificateV2")), _x("Cert"))
    digest = _sub(cert_v2, _x("CertDigest"))
    _sub(digest, _ds("DigestMethod"), Algorithm=SHA256)
    _sub(digest, _ds("DigestValue"), _b64(cert.fingerprint(hashes.SHA256())))
    _sub(cert_v2, _x("IssuerSerialV2"), _issuer_serial_v2(cert))
    _sub(_sub(_sub(props, _x("SignerRoleV2")), _x("ClaimedRoles")), _x("ClaimedRole"), role_name)
    data_format = _sub(_sub(signed, _x("SignedDataObjectProperties")), _x("DataObjectFormat"),
                       ObjectReference=f"#ref-{code}")
    _sub(data_format, _x("MimeType"), "text/xml")
    references[1].text = _b64(hashlib.sha256(c14n(signed)).digest())  # exclusive C14N: the same in place
    return signature


def _prepare(data: bytes, role: tuple[str, str], template, parser=parse, target_id: str = RECORD_ID) -> _Pending:
    root = parser(data)
    record = _record_element(root, target_id)
    if root.find(f"{_ds('Signature')}[@Id='{template.get('Id')}']") is not None:
        raise SigningError(f"Tệp XML đã có chữ ký {role[1]}.")
    signature = copy.deepcopy(template)
    root.append(signature)
    signed_info = signature[0]
    signed_info[2].find(_ds("DigestValue")).text = _b64(hashlib.sha256(c14n(record)).digest())
    return _Pending(root, signature, signed_info, signature[1])


def _signature_value(der_value: bytes, cert: x509.Certificate) -> bytes:
    """XML-DSig's form of a signature value: ECDSA as r || s of the curve's size, RSA as is."""
    key = cert.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        r, s = decode_dss_signature(der_value)
        size = (key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return der_value


def xades_sign(signer, documents: list[bytes], *, role: tuple[str, str], timestamper=None,
               when: dt.datetime | None = None) -> list[bytes]:
    """Add one XAdES signature (``role``: ``ROLE_TEACHER``, ``ROLE_PRINCIPAL`` or ``ROLE_SEAL``) to each record
    XML of ``documents``, in order, all or nothing; ``signer`` is a ``signing.signers.Signer``, whose
    ``sign_digests`` is called once for the whole batch. ``timestamper(digest) -> token DER`` (``tsa_timestamper``)
    adds the signature time stamp (B-T)."""
    if not documents:
        return []
    prepared = xades_prepare(signer, documents, role=role, when=when)
    return prepared.finish(signer.sign_digests(prepared.digests), timestamper=timestamper)


class XadesPrepared:
    """The XAdES signatures of a batch waiting for their values: ``digests`` (one SHA-256 digest of a SignedInfo
    per document, in order) go to the signer, whose raw signatures ``finish`` puts in place. Lets a remote
    signer carry them in the same transaction as the PDFs' digests (``signing.xml_pdf``)."""

    def __init__(self, pending: list, cert: x509.Certificate):
        self.pending, self.cert = pending, cert
        self.digests = [hashlib.sha256(c14n(p.signed_info)).digest() for p in pending]

    def finish(self, values: list[bytes], *, timestamper=None) -> list[bytes]:
        """The signed documents, with ``values`` (the raw signatures, in order); with ``timestamper`` (B-T) each
        signature's time stamp, the batch's asked together when it has ``many`` (``tsa_timestamper``)."""
        for item, der_value in zip(self.pending, values, strict=True):
            item.value.text = _b64(_signature_value(der_value, self.cert))
        tokens = [None] * len(self.pending)
        if timestamper is not None:
            digests = [hashlib.sha256(c14n(item.value)).digest() for item in self.pending]
            many = getattr(timestamper, "many", None)
            tokens = many(digests) if many is not None else [timestamper(d) for d in digests]
        out = []
        for item, token in zip(self.pending, tokens):
            if token is not None:
                qualifying = item.signature.find(f"{_ds('Object')}/{_x('QualifyingProperties')}")
                stamp = _sub(_sub(_sub(qualifying, _x("UnsignedProperties")), _x("UnsignedSignatureProperties")),
                             _x("SignatureTimeStamp"), Id=f"ts-{item.signature.get('Id')[4:]}")
                _sub(stamp, _ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
                _sub(stamp, _x("EncapsulatedTimeStamp"), _b64(token))
            out.append(etree.tostring(item.root, xml_declaration=True, encoding="UTF-8"))
        return out


# ---- the same, one document at a time in a worker process (``signing.xml_batches``) -------------------

def xades_template(signer, role: tuple[str, str], when: dt.datetime | None = None) -> bytes:
    """The batch's ``ds:Signature`` template (``_template``) as bytes, for worker processes."""
    when = (when or dt.datetime.now(VIETNAM)).replace(microsecond=0)
    return etree.tostring(_template(role, signer.certificate, list(signer.chain), when))


def xades_prepare_one(data: bytes, role: tuple[str, str], template: bytes) -> tuple[bytes, bytes]:
    """``xades_prepare`` for one document from a ``xades_template``: (the document with the signature waiting
    for its value, the SignedInfo's SHA-256 digest to sign). The document is checked against the schema."""
    pending = _prepare(data, role, etree.fromstring(template))
    return (etree.tostring(pending.root, xml_declaration=True, encoding="UTF-8"),
            hashlib.sha256(c14n(pending.signed_info)).digest())


def xades_value(der_value: bytes, cert: x509.Certificate) -> str:
    """The SignatureValue's text for a raw signature."""
    return _b64(_signature_value(der_value, cert))


def xades_value_digest(value: str, role: tuple[str, str]) -> bytes:
    """SHA-256 of the canonical SignatureValue element (what its signature time stamp covers), made apart: with
    exclusive C14N an element's form does not depend on where it stands."""
    element = etree.Element(_ds("SignatureValue"), {"Id": f"sv-{role[0]}"}, nsmap={"ds": DS})
    element.text = value
    return hashlib.sha256(c14n(element)).digest()


def xades_finish_one(data: bytes, role: tuple[str, str], value: str, token: bytes | None) -> bytes:
    """``XadesPrepared.finish`` for one document from ``xades_prepare_one``: the value in place, with ``token``
    (B-T) the signature time stamp."""
    root = etree.fromstring(data, _PARSER)  # without entities or network; our own output: no schema check
    signature = root.find(f"{_ds('Signature')}[@Id='sig-{role[0]}']")
    signature.find(_ds("SignatureValue")).text = value
    if token is not None:
        qualifying = signature.find(f"{_ds('Object')}/{_x('QualifyingProperties')}")
        stamp = _sub(_sub(_sub(qualifying, _x("UnsignedProperties")), _x("UnsignedSignatureProperties")),
                     _x("SignatureTimeStamp"), Id=f"ts-{role[0]}")
        _sub(stamp, _ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
        _sub(stamp, _x("EncapsulatedTimeStamp"), _b64(token))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def xades_prepare(signer, documents: list[bytes], *, role: tuple[str, str],
                  when: dt.datetime | None = None, parser=parse, target_id: str = RECORD_ID) -> XadesPrepared:
    """The first half of ``xades_sign``: the signatures built, their digests to sign (nothing signed yet).
    ``parser`` and ``target_id``: another document kind than the record (its parser, the Id of the signed
    element), as a package's manifest (signing.xml_packages)."""
    when = (when or dt.datetime.now(VIETNAM)).replace(microsecond=0)
    cert, chain = signer.certificate, list(signer.chain)
    template = _template(role, cert, chain, when, target_id)
    return XadesPrepared([_prepare(data, role, template, parser, target_id) for data in documents], cert)


def tsa_timestamper(settings):
    """A ``timestamper`` for ``xades_sign`` from ``PadesSettings`` (``None`` without a TSA): RFC 3161 tokens
    from the same server as the PDF's signatures (``signing.tsa_client``). ``timestamper(digest) -> token DER``;
    its ``many(digests)`` asks for a batch's tokens together."""
    if not settings or not settings.tsa_url:
        return None
    from hocbaso.signing.tsa_client import tsa_client  # deferred: only with a TSA

    client = tsa_client(settings.tsa_url, timeout=settings.tsa_timeout)

    def stamp(digest: bytes) -> bytes:
        return client.stamp(digest)

    stamp.many = client.stamp_many
    stamp.submit = client.submit
    return stamp


# ---- verification ---------------------------------------------------------------------------------------------

def _check_value(cert: x509.Certificate, signed_info: bytes, value: bytes) -> bool:
    key = cert.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            half = len(value) // 2
            der_value = encode_dss_signature(int.from_bytes(value[:half], "big"), int.from_bytes(value[half:], "big"))
            key.verify(der_value, signed_info, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(value, signed_info, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def _trusted(cert: x509.Certificate, chain: list[x509.Certificate], roots: list[x509.Certificate],
             moment: dt.datetime) -> bool:
    if not roots:
        return False
    from pyhanko_certvalidator import CertificateValidator, ValidationContext  # deferred: pyHanko, verify only

    def der(c):  # cryptography's certificates or asn1crypto's (signing.validate.load_roots)
        return c if isinstance(c, asn1_x509.Certificate) else \
            asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[der(r) for r in roots], moment=moment, allow_fetching=False,
                                revocation_mode="soft-fail")
    try:
        run_sync(CertificateValidator(der(cert), intermediate_certs=[der(c) for c in chain],
                                      validation_context=context).async_validate_usage(set()))
    except Exception:
        return False
    return True


def xades_verify(data: bytes, trust_roots: list | None = None, *, parser=parse, target_id: str = RECORD_ID,
                 trust_cache: dict | None = None) -> list[dict]:
    """Each XAdES signature of a record XML, in document order: ``{"id", "role", "name", "organisation",
    "seal", "signing_time", "timestamped", "intact", "trusted"}``. ``intact``: both references' digests and the
    signature value hold (nothing of the record or the signed properties changed); ``trusted``: the certificate
    chains to one of ``trust_roots`` (cryptography's or asn1crypto's certificates) at the signing time. Raises ``XmlRecordError`` for a file that is not a
    record XML. ``parser``/``target_id``: as for ``xades_prepare``. ``trust_cache``: a dict kept by a caller
    checking many documents (an office checking a school's submission): a certificate, chain and signing time
    already found trusted or not is not validated again."""
    root = parser(data)
    record = _record_element(root, target_id)
    results = []
    for signature in root.findall(_ds("Signature")):
        results.append(_verify_one(root, record, signature, trust_roots or [], target_id, trust_cache))
    return results


def _verify_one(root, record, signature, roots, target_id: str = RECORD_ID, trust_cache: dict | None = None) -> dict:
    result = {"id": signature.get("Id"), "role": "", "name": "", "organisation": "", "seal": False,
              "signing_time": None, "timestamped": False, "intact": False, "trusted": False}
    try:
        certs = [x509.load_der_x509_certificate(base64.b64decode(e.text or ""))
                 for e in signature.iterfind(f"{_ds('KeyInfo')}/{_ds('X509Data')}/{_ds('X509Certificate')}")]
        cert, chain = certs[0], certs[1:]
    except (IndexError, ValueError):
        return result
    names = {a.oid.dotted_string: a.value for a in cert.subject}
    result["name"] = names.get("2.5.4.3", "")
    result["organisation"] = names.get("2.5.4.10", "")
    signed = signature.find(f".//{_x('SignedProperties')}")
    role = signature.find(f".//{_x('ClaimedRole')}")
    result["role"] = role.text if role is not None else ""
    result["seal"] = result["role"] == ROLE_SEAL[1]
    when = signature.findtext(f".//{_x('SigningTime')}")
    try:
        moment = dt.datetime.fromisoformat(when)
    except (TypeError, ValueError):
        return result
    result["signing_time"] = moment.isoformat()
    result["timestamped"] = signature.find(f".//{_x('EncapsulatedTimeStamp')}") is not None
    signed_info = signature.find(_ds("SignedInfo"))
    targets = {f"#{target_id}": record, f"#{signed.get('Id')}" if signed is not None else None: signed}
    intact = signed_info is not None and signed is not None
    references = signed_info.findall(_ds("Reference")) if signed_info is not None else []
    intact = intact and {r.get("URI") for r in references} == {f"#{target_id}", f"#{signed.get('Id')}"}
    for ref in references:
        target = targets.get(ref.get("URI"))
        transforms = [t.get("Algorithm") for t in ref.iterfind(f"{_ds('Transforms')}/{_ds('Transform')}")]
        expected = ref.findtext(_ds("DigestValue")) or ""
        intact = intact and target is not None and transforms == [EXC_C14N] and \
            ref.find(_ds("DigestMethod")).get("Algorithm") == SHA256 and \
            _b64(hashlib.sha256(c14n(target)).digest()) == expected.strip()
    if intact:
        digest = signature.findtext(f".//{_x('CertDigest')}/{_ds('DigestValue')}") or ""
        method = signed_info.find(_ds("CanonicalizationMethod")).get("Algorithm")
        intact = method == EXC_C14N and digest.strip() == _b64(cert.fingerprint(hashes.SHA256())) and \
            _check_value(cert, c14n(signed_info), base64.b64decode(signature.findtext(_ds("SignatureValue")) or ""))
    result["intact"] = bool(intact)
    if intact and trust_cache is not None:
        key = (cert.fingerprint(hashes.SHA256()), tuple(c.fingerprint(hashes.SHA256()) for c in chain), moment)
        if key not in trust_cache:
            trust_cache[key] = _trusted(cert, chain, roots, moment)
        result["trusted"] = trust_cache[key]
    else:
        result["trusted"] = bool(intact) and _trusted(cert, chain, roots, moment)
    return result
