"""What the public pages say about an issued file's long-term validation (docs/long-term-validation.md), read
quickly from the file (pikepdf and asn1crypto, one open, nothing validated): per signature, its level after it
(``B-LTA``, ``B-LT`` or none, the rule of ``signing.validate.validate_pdf``: a signature followed by the file's
validation data has the file's level) and the time of its signature time stamp (B-T); for the file, the level, the
last archive time stamp and when its TSA certificate expires. The lookup page (mã tra cứu) and the file check show
these beside each signer, as ``hocbaso verify`` does."""

from __future__ import annotations

import io

from django.utils.translation import gettext_lazy

LEVELS = {
    "B-LTA": gettext_lazy("Có dữ liệu kiểm tra dài hạn (LTV) và dấu thời gian lưu trữ"),
    "B-LT": gettext_lazy("Có dữ liệu kiểm tra dài hạn (LTV), chưa có dấu thời gian lưu trữ"),
}
NONE = gettext_lazy("Chưa có dữ liệu kiểm tra dài hạn (LTV)")


def _fields(doc) -> list:
    out, stack = [], list(doc.Root.get("/AcroForm", {}).get("/Fields", []))
    while stack:
        field = stack.pop(0)
        if "/Kids" in field:
            stack[:0] = list(field.Kids)
        else:
            out.append(field)
    return out


def _signature_timestamp(contents: bytes) -> str | None:
    """The time of the signature time stamp (RFC 3161 token in the CMS's unsigned attributes), ISO, or None."""
    from asn1crypto import cms, tsp  # deferred: as pikepdf, the pages that import this module need neither

    from hocbaso.signing.dss import signature_cms  # deferred: as asn1crypto

    try:
        signed = signature_cms(contents)["content"]
        attrs = signed["signer_infos"][0]["unsigned_attrs"]
        if not isinstance(attrs, cms.CMSAttributes):  # absent (Void): a B-B signature
            return None
        for attr in attrs:
            if attr["type"].dotted == "1.2.840.113549.1.9.16.2.14":  # id-aa-signatureTimeStampToken
                token = attr["values"][0]["content"]
                info = token["encap_content_info"]["content"].parsed
                if isinstance(info, tsp.TSTInfo):
                    return info["gen_time"].native.isoformat()
    except Exception:
        return None
    return None


def file_ltv(pdf: bytes) -> dict:
    """``{"level", "archive_timestamp", "tsa_expires", "document_timestamps", "signatures": {field: {"ltv",
    "timestamp"}}}`` of a signed PDF (``level`` and the rest as ``signing.ltv.ltv_summary``); the signatures of
    people and seals only, not the document time stamps."""
    import pikepdf  # deferred: loaded when a file is read

    from hocbaso.signing.ltv import ltv_summary  # deferred: pyHanko's helpers

    out = ltv_summary(pdf)
    signatures = {}
    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            for field in _fields(doc):
                value = field.get("/V")
                if value is None or field.get("/FT") != "/Sig" or value.get("/Type") == "/DocTimeStamp":
                    continue
                byte_range = [int(x) for x in value.get("/ByteRange", [])]
                end = byte_range[2] + byte_range[3] if len(byte_range) == 4 else len(pdf)
                later = b"%%EOF" in pdf[end:]  # a revision after this signature's (the validation data's)
                signatures[str(field.get("/T", ""))] = {
                    "ltv": out["level"] if later else None,
                    "timestamp": _signature_timestamp(bytes(value.Contents))}
    except Exception:
        pass
    out["signatures"] = signatures
    return out


def level_text(level: str | None) -> str:
    """A level in words, in the active language, after its ETSI name as ``hocbaso verify`` reports it
    ("B-LTA: Có dữ liệu kiểm tra dài hạn (LTV) và dấu thời gian lưu trữ")."""
    return f"{level}: {LEVELS[level]}" if level in LEVELS else str(NONE)
