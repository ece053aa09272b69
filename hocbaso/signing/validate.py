"""Validating the signatures of a PDF with pyHanko (an implementation independent from our writer).

Trust roots are configuration: a list of PEM files (a deployment adds the national root CA), and the built-in
CA's ``ca/root.pem`` unless ``settings.TRUST_BUILTIN_CA`` is off. ``validate_pdf(data)`` without
``trust_roots`` reads them from Django's ``settings.HOCBASO_TRUST_ROOTS`` (the environment variable of that
name, read by ``hocbaso/settings.py``); none configured, or Django not configured → nothing is trusted, and
each signature's ``trusted`` is ``False`` while ``intact``/``valid`` still say whether the file was altered."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Iterable

import pikepdf
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from hocbaso.core.limits import (PDF_STREAM_MAX, Deadline, TooLarge, pdf_attachment_read, pdf_attachments,
                                 pdf_stream_read)
from hocbaso.signing.aio import run_sync
from hocbaso.signing.pki_store import pki_folder
from hocbaso.signing.xml_pdf import diff_policy

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")
RECORD_ATTACHMENT = "hocbaso-record.json"


def configured_trust_roots() -> list[str | bytes]:
    """The trust roots from Django settings: PEM paths (``HOCBASO_TRUST_ROOTS``), and the built-in CA's root (its
    path, or its PEM bytes when the CA is in the file storage)
    unless ``TRUST_BUILTIN_CA`` is off); none when Django is not configured."""
    if not settings.configured:
        return []
    value = settings.HOCBASO_TRUST_ROOTS
    roots = [value] if isinstance(value, (str, Path)) else list(value or ())
    builtin = pki_folder() / "ca" / "root.pem" if settings.TRUST_BUILTIN_CA else None
    if builtin is not None and builtin.exists():
        roots.append(str(builtin) if isinstance(builtin, Path) else builtin.read_bytes())  # a path, or PEM bytes
    return roots


def load_roots(trust_roots: Iterable) -> list[asn1_x509.Certificate]:
    """Certificates from PEM/DER paths, PEM/DER bytes, or certificate objects (cryptography or asn1crypto)."""
    out: list[asn1_x509.Certificate] = []
    for item in trust_roots:
        if isinstance(item, asn1_x509.Certificate):
            out.append(item)
            continue
        if isinstance(item, x509.Certificate):
            out.append(asn1_x509.Certificate.load(item.public_bytes(serialization.Encoding.DER)))
            continue
        data = item if isinstance(item, bytes) else Path(item).read_bytes()
        if b"-----BEGIN" in data:
            certs = x509.load_pem_x509_certificates(data)
        else:
            certs = [x509.load_der_x509_certificate(data)]
        out += [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certs]
    return out


def _name_attr(cert: asn1_x509.Certificate, key: str) -> str:
    value = cert.subject.native.get(key, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)


def _iso(when: dt.datetime | None) -> str | None:
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(VIETNAM).isoformat()


PDF_TOTAL_MAX = 4 * PDF_STREAM_MAX  # every stream of one PDF, decoded


def pdf_streams_check(data: bytes, *, limit: int = PDF_STREAM_MAX, total: int = PDF_TOTAL_MAX) -> None:
    """Refuse, with ``TooLarge``, a PDF that any stream would make too large to read: each stream decoded
    (in chunks, capped at ``limit``) and all together under ``total``, within the time limit. Run before the
    file goes to pyHanko, which decodes streams whole. A file pikepdf cannot open passes: the readers after
    say what is wrong with it."""
    deadline = Deadline("Tệp PDF")
    try:
        document = pikepdf.open(io.BytesIO(data))
    except Exception:
        return
    decoded = 0
    with document:
        for obj in document.objects:
            deadline.check()
            if not isinstance(obj, pikepdf.Stream):
                continue
            what = "Tệp đính kèm trong PDF" if obj.get("/Type") == pikepdf.Name.EmbeddedFile else \
                "Một luồng dữ liệu trong tệp PDF"
            try:
                decoded += len(pdf_stream_read(obj, limit=limit, what=what, deadline=deadline))
            except TooLarge:
                raise
            except Exception:  # damaged or undecodable: the validator reports it
                continue
            if decoded > total:
                raise TooLarge("Tệp PDF quá lớn khi giải nén (tối đa "
                               f"{total // (1024 * 1024)} MB); hệ thống không xử lý tệp này.")


def embedded_lookup_code(data: bytes) -> str | None:
    """The lookup code (mã tra cứu) of the record attached to the PDF by ``hocbaso.documents``, if any;
    ``TooLarge`` for an attachment over the cap."""
    try:
        with pikepdf.open(io.BytesIO(data)) as doc:
            attachments = pdf_attachments(doc)
            names = [n for n in attachments if n.endswith(".json")]
            if not names:
                return None
            name = RECORD_ATTACHMENT if RECORD_ATTACHMENT in names else max(names)
            record = json.loads(pdf_attachment_read(attachments[name]).decode("utf-8"))
    except TooLarge:
        raise
    except Exception:
        return None
    issuance = record.get("issuance") if isinstance(record, dict) else None
    return (issuance or {}).get("lookup_code") or None


def validate_pdf(pdf_bytes: bytes, trust_roots: Iterable | None = None, *, other_certs: Iterable = (),
                 skip_diff: bool = False, at: dt.datetime | None = None) -> dict:
    """Every signature of the PDF, checked; raises on a file that is not a readable PDF, ``TooLarge`` on one
    whose streams or attachments decode past the caps of ``hocbaso.core.limits``.

    Returns ``{"signatures": [...], "altered": bool, "trusted": bool, "lookup_code": str|None,
    "revisions": int}``. Per signature: ``field``, ``signer_name`` (CN), ``role`` (the certificate's title
    attribute), ``organisation`` (O), ``subject``, ``issuer``, ``serial``, ``signing_time`` (the time claimed
    in the signature, Vietnam time), ``timestamp`` (the TSA's time for B-T, else None), ``level``
    ("B-B"/"B-T"), ``intact`` (the signed bytes hash to the signed digest), ``valid`` (intact and the
    cryptographic signature verifies), ``trusted`` (valid and the certificate chains to a configured root),
    ``trust_problem``, ``covers_whole_file``, ``coverage``, ``revision`` (0-based revision the signature
    closes), ``modification_level`` (what later revisions changed: NONE, LTA_UPDATES, FORM_FILLING,
    ANNOTATIONS, OTHER), ``changes_allowed``, ``ltv`` (the file's long-term validation level after this
    signature, or in its own revision: "B-LTA", "B-LT" or None, ``signing.ltv.ltv_summary``), and with ``at`` (a date to validate as
    of, ``signing.ltv.validate_at``) ``valid_at`` and ``at_indication``.

    Document time stamps (PAdES B-LTA's archive time stamps) are listed apart, in ``document_timestamps``:
    ``time``, ``tsa``, ``tsa_expires``, ``intact``, ``valid``, ``trusted``, ``covers_whole_file``,
    ``revision``; ``ltv`` is the summary. With ``at``, ``valid_at`` (every signature valid as of ``at``).

    ``altered`` is True when any signature is not intact or not valid, or when a later revision changes the
    document in a way a signature does not allow (anything beyond adding signatures, their fields and
    stamps, and validation data). An unsigned file has no signatures and ``altered`` False.
    """
    pdf_streams_check(pdf_bytes)
    result = run_sync(_validate(pdf_bytes, trust_roots, other_certs, skip_diff))
    # deferred: signing.ltv imports this module (its trust roots)
    from hocbaso.signing.ltv import ltv_summary, validate_at

    result["ltv"] = summary = ltv_summary(pdf_bytes)
    for signature in result["signatures"]:
        # validation data after the signature, or in its own revision (the school's seal at issuance signs the DSS:
        # it covers the whole file and the DSS is in it)
        later = signature["revision"] < result["revisions"] - 1 or signature["covers_whole_file"]
        signature["ltv"] = summary["level"] if later else None
    if at is not None:
        roots = configured_trust_roots() if trust_roots is None else trust_roots
        found = validate_at(pdf_bytes, at, roots)
        for signature in result["signatures"]:
            outcome = found.get(signature["field"], {})
            signature["valid_at"] = bool(outcome.get("valid"))
            signature["at_indication"] = outcome.get("indication")
        result["valid_at"] = bool(result["signatures"]) and all(s["valid_at"] for s in result["signatures"])
    return result


async def _timestamps(reader, roots, extra, skip_diff) -> list[dict]:
    """The document time stamps of the file (PAdES archive time stamps), each checked."""
    from pyhanko.sign.general import extract_certificate_info  # deferred: pyHanko
    from pyhanko.sign.validation import async_validate_pdf_timestamp  # deferred: pyHanko
    from pyhanko_certvalidator import ValidationContext  # deferred: pyHanko

    out = []
    for embedded in reader.embedded_timestamp_signatures:
        context = ValidationContext(trust_roots=roots, other_certs=extra, allow_fetching=False,
                                    revocation_mode="soft-fail")
        try:
            status = await async_validate_pdf_timestamp(embedded, context, skip_diff=skip_diff)
        except Exception:
            status = await async_validate_pdf_timestamp(embedded, context, skip_diff=True)
        cert = extract_certificate_info(embedded.signed_data).signer_cert
        out.append({
            "field": embedded.field_name, "time": _iso(status.timestamp), "tsa": _name_attr(cert, "common_name"),
            "tsa_expires": _iso(cert["tbs_certificate"]["validity"]["not_after"].native),
            "intact": bool(status.intact), "valid": bool(status.intact and status.valid),
            "trusted": bool(status.intact and status.valid and status.trusted),
            "covers_whole_file": status.coverage is not None and status.coverage.name == "ENTIRE_FILE",
            "revision": embedded.signed_revision,
        })
    return out


async def _validate(pdf_bytes, trust_roots, other_certs, skip_diff) -> dict:
    # pyHanko's validator costs ~0.4 s to import, and this module is imported by signing.packages (so by every
    # web and worker process) and by commands for its trust roots.
    # deferred: pyHanko loads only when a signature is checked
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel  # deferred: as above, pyHanko
    from pyhanko.sign.validation import async_validate_pdf_signature  # deferred: as above, pyHanko
    from pyhanko_certvalidator import ValidationContext  # deferred: as above, pyHanko

    roots = load_roots(configured_trust_roots() if trust_roots is None else trust_roots)
    extra = load_roots(other_certs)
    reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
    total_revisions = reader.xrefs.total_revisions
    signatures = []
    policy = diff_policy()  # pyHanko's default, and the record XML's stream replaced as signing.xml_pdf does
    for embedded in reader.embedded_regular_signatures:
        context = ValidationContext(trust_roots=roots, other_certs=extra, allow_fetching=False,
                                    revocation_mode="soft-fail")
        ts_context = ValidationContext(trust_roots=roots, other_certs=extra, allow_fetching=False,
                                       revocation_mode="soft-fail")
        diff_failed = False
        try:
            status = await async_validate_pdf_signature(embedded, context, ts_validation_context=ts_context,
                                                        skip_diff=skip_diff, diff_policy=policy)
        except Exception:
            # the revisions after this signature cannot even be compared: check the signature alone, and
            # count the file as altered
            diff_failed = True
            embedded.diff_result = None
            status = await async_validate_pdf_signature(embedded, context, ts_validation_context=ts_context,
                                                        skip_diff=True)
        cert = status.signing_cert
        level = status.modification_level
        changes_allowed = not diff_failed and status.docmdp_ok is not False and \
            (level is None or level != ModificationLevel.OTHER)
        tst = status.timestamp_validity
        signatures.append({
            "field": embedded.field_name,
            "signer_name": _name_attr(cert, "common_name"),
            "role": _name_attr(cert, "title"),
            "organisation": _name_attr(cert, "organization_name"),
            "subject": cert.subject.human_friendly,
            "issuer": cert.issuer.human_friendly,
            "serial": format(cert.serial_number, "x"),
            "signing_time": _iso(status.signer_reported_dt or embedded.self_reported_timestamp),
            "timestamp": _iso(tst.timestamp) if tst is not None else None,
            "timestamp_valid": (tst.valid and tst.intact) if tst is not None else None,
            "level": "B-T" if tst is not None else "B-B",
            "intact": bool(status.intact),
            "valid": bool(status.intact and status.valid),
            "trusted": bool(status.intact and status.valid and status.trusted),
            "trust_problem": str(status.trust_problem_indic.name) if status.trust_problem_indic else None,
            "covers_whole_file": status.coverage is not None and status.coverage.name == "ENTIRE_FILE",
            "coverage": status.coverage.name if status.coverage is not None else None,
            "revision": embedded.signed_revision,
            "modification_level": "UNREADABLE" if diff_failed else (level.name if level is not None else None),
            "changes_allowed": bool(changes_allowed),
        })
    timestamps = await _timestamps(reader, roots, extra, skip_diff)
    altered = any(not s["intact"] or not s["valid"] or not s["changes_allowed"] for s in signatures) or \
        any(not t["intact"] or not t["valid"] for t in timestamps)
    return {
        "signatures": signatures,
        "document_timestamps": timestamps,
        "altered": altered,
        "trusted": bool(signatures) and all(s["trusted"] for s in signatures),
        "revisions": total_revisions,
        "lookup_code": embedded_lookup_code(pdf_bytes),
    }
