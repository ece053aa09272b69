"""Dữ liệu kiểm tra dài hạn in a record's DSS (PAdES B-LT), the pieces our writer needs to put it in the seal's
revision (``records.issuance``): what the DSS holds (``DssData``, built by ``ltv.LtvSession.dss_for`` once per set
of signers), and who signed a file, read without pyHanko (``signature_certificates_in``: pikepdf and asn1crypto,
the certificates left unparsed until a new set of them is met).
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass

import pikepdf
from asn1crypto import cms, core

from hocbaso.signing.pades import der


@dataclass(frozen=True)
class DssData:
    """What a record's DSS holds, as PDF stream objects ready to write (``pades.prepare_update`` writes them in the
    school seal's own revision): the certificates of every validation path (roots left out), the OCSP answers
    and the CRLs gathered for them. The same for every record signed by the same people."""

    certs: tuple[bytes, ...]
    ocsps: tuple[bytes, ...]
    crls: tuple[bytes, ...]


def pdf_stream(data: bytes) -> bytes:
    """One DER value as a PDF stream object's body (Flate-compressed)."""
    compressed = zlib.compress(data, 6)
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(compressed) + compressed + b"\nendstream"


def signature_certificates(pdf: bytes) -> list[tuple[bytes, bytes]]:
    """``signature_certificates_in`` of ``pdf`` opened with pikepdf."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return signature_certificates_in(doc)


def signature_certificates_in(doc: pikepdf.Pdf) -> list[tuple[bytes, bytes]]:
    """Each signature's (and each of its time stamps', and each document time stamp's) signer identifier and the
    certificates its CMS carries, as the DER of a ``SignerIdentifier`` and the content of a ``CertificateSet``: what a DSS
    must hold validation data for (``LtvSession.dss_for``). Read with pikepdf and asn1crypto without parsing the
    certificates (a record's signatures are by the same few people: they are parsed once per set)."""
    out = []

    def add(signed_data) -> None:
        signer_info = signed_data["signer_infos"][0]
        out.append((signer_info["sid"].dump(), signed_data["certificates"].contents))
        attrs = signer_info["unsigned_attrs"]
        for attr in [] if isinstance(attrs, core.Void) else attrs:
            if attr["type"].native == "signature_time_stamp_token":
                for token in attr["values"]:
                    add(token["content"])

    acroform = doc.Root.get("/AcroForm")
    for item in (acroform.get("/Fields") or []) if acroform is not None else []:
        value = item.get("/V")
        if item.get("/FT") != pikepdf.Name.Sig or value is None or "/Contents" not in value:
            continue
        try:
            add(signature_cms(bytes(value.Contents))["content"])
        except Exception:  # not a CMS we can read: the verifier will say so; nothing to add for it
            continue
    return out


def certificates_entry(cert, chain) -> tuple[bytes, bytes]:
    """The ``signature_certificates`` entry of a signature still to be made by ``cert`` (asn1crypto) with its
    ``chain``: the school's seal, whose validation data go in before it signs."""
    sid = cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber(
        {"issuer": cert.issuer, "serial_number": cert.serial_number})})
    return sid.dump(), cms.CertificateSet([cms.CertificateChoices({"certificate": c}) for c in [cert, *chain]]).contents


def signature_cms(contents: bytes) -> cms.ContentInfo:
    """The CMS in a signature dictionary's ``/Contents`` (the DER object, then the zero padding the PDF reserved).
    Read by its own length: stripping the trailing zeros would also cut a CMS whose last byte is zero (one
    signature in 256; its time stamp token's signature ends it) and it would no longer parse."""
    return cms.ContentInfo.load(contents, strict=False)


def signer_of(sid_der: bytes, certs_der: bytes):  # certs_der: the CertificateSet's content
    """(the signer's certificate, the other certificates) of a ``signature_certificates`` entry, or None."""
    sid = cms.SignerIdentifier.load(sid_der)
    certs = [c.chosen for c in cms.CertificateSet.load(der(0x31, certs_der)) if c.name == "certificate"]
    if sid.name == "issuer_and_serial_number":
        wanted = (sid.chosen["issuer"].dump(), sid.chosen["serial_number"].native)
        signer = next((c for c in certs if (c.issuer.dump(), c.serial_number) == wanted), None)
    else:
        signer = next((c for c in certs if c.key_identifier == sid.chosen.native), None)
    return None if signer is None else (signer, [c for c in certs if c is not signer])
