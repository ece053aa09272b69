"""The signed record XML inside the record's PDF: a PDF/A-3 associated file, ``hocbaso-record.xml``
(``/AFRelationship /Source``, ``text/xml``), beside the JSON attachment.

Order (docs/signing.md, "The record XML in the PDF"): the homeroom teacher's batch adds the XML with their
XAdES signature to the unsigned draft (``pdf_xml_attach``, a full rewrite: nothing is signed yet), then signs the
PDF (PAdES); the principal's and the seal's batches each replace the XML's stream, with one more XAdES signature,
in an incremental update (``pdf_xml_replace``: one object, same number) and then sign the PDF. The earlier PAdES
signatures stay intact (their byte ranges are untouched). A PDF reader's difference analysis would call a changed
stream a modification; ``XmlAttachmentRule`` allows exactly this one: the XML's stream replaced by one whose
``<record>`` is the same and that keeps every earlier XAdES signature (``validate.validate_pdf`` uses it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zlib

import pikepdf

from hocbaso.core.limits import pdf_attachment_read, pdf_attachments
from hocbaso.signing.errors import SigningError
from hocbaso.signing.pades import _last_startxref, _ref, _write_xref_stream, _write_xref_table, pdf_date
from hocbaso.signing.xades import DS, c14n, tsa_timestamper, xades_sign
from hocbaso.tt27.record_xml import NS, XmlRecordError, parse, record_to_xml

XML_ATTACHMENT = "hocbaso-record.xml"
MIME = "text/xml"


def _stream_dict(xml: bytes, compressed: bytes, when: dt.datetime) -> bytes:
    return (b"<< /Type /EmbeddedFile /Subtype /text#2Fxml /Filter /FlateDecode /Length "
            + str(len(compressed)).encode() + b" /Params << /Size " + str(len(xml)).encode()
            + b" /ModDate " + pdf_date(when) + b" /CheckSum <" + hashlib.md5(xml).hexdigest().encode() + b"> >> >>")


def pdf_xml_attach(pdf: bytes, xml: bytes, *, when: dt.datetime | None = None) -> bytes:
    """``pdf`` (not yet signed) with ``xml`` as its associated file ``hocbaso-record.xml`` (``/Source``)."""
    when = when or dt.datetime.now(dt.timezone.utc)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        if doc.Root.get("/AcroForm") is not None and any(
                f.get("/FT") == pikepdf.Name.Sig for f in doc.Root.AcroForm.get("/Fields", [])):
            raise SigningError("Tệp PDF đã được ký; không thêm được tệp XML bằng cách ghi lại toàn bộ.")
        stream = pikepdf.Stream(doc, zlib.compress(xml, 6))
        stream.Type, stream.Subtype, stream.Filter = pikepdf.Name.EmbeddedFile, pikepdf.Name("/text/xml"), \
            pikepdf.Name.FlateDecode
        stream.Params = pikepdf.Dictionary(Size=len(xml), ModDate=pikepdf.String(pdf_date(when).decode()[1:-1]),
                                           CheckSum=pikepdf.String(hashlib.md5(xml).digest()))
        ref = doc.make_indirect(stream)
        spec = doc.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Filespec, F=pikepdf.String(XML_ATTACHMENT), UF=pikepdf.String(XML_ATTACHMENT),
            Desc=pikepdf.String("Học bạ số dạng XML, có chữ ký số XAdES (urn:hocbaso:record:xml:1)"),
            AFRelationship=pikepdf.Name.Source, EF=pikepdf.Dictionary(F=ref, UF=ref)))
        names = doc.Root.get("/Names")
        if names is None:
            doc.Root.Names = names = pikepdf.Dictionary()
        files = names.get("/EmbeddedFiles")
        if files is None:
            names.EmbeddedFiles = files = pikepdf.Dictionary(Names=pikepdf.Array())
        entries = list(files.get("/Names", pikepdf.Array()))
        pairs = [(str(entries[i]), entries[i + 1]) for i in range(0, len(entries), 2)] + [(XML_ATTACHMENT, spec)]
        files.Names = pikepdf.Array([item for name, obj in sorted(pairs, key=lambda p: p[0])
                                     for item in (pikepdf.String(name), obj)])
        af = doc.Root.get("/AF")
        if af is None:
            doc.Root.AF = pikepdf.Array([spec])
        else:
            af.append(spec)
        out = io.BytesIO()
        doc.save(out, deterministic_id=True)
    return out.getvalue()


def _xml_spec(doc: pikepdf.Pdf):
    spec = pdf_attachments(doc).get(XML_ATTACHMENT)
    if spec is None:
        raise SigningError("Tệp PDF không có tệp XML học bạ đính kèm.")
    return spec


def pdf_xml_read(pdf: bytes) -> bytes | None:
    """The record XML attached to ``pdf``, or ``None``."""
    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            spec = pdf_attachments(doc).get(XML_ATTACHMENT)
            return None if spec is None else pdf_attachment_read(spec, what="Tệp XML học bạ đính kèm")
    except pikepdf.PdfError:
        return None


def pdf_xml_replace(pdf: bytes, xml: bytes, *, when: dt.datetime | None = None) -> bytes:
    """``pdf`` plus an incremental update that replaces the stream of its ``hocbaso-record.xml`` by ``xml``
    (the same object number; nothing else changes)."""
    when = when or dt.datetime.now(dt.timezone.utc)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        stream = _xml_spec(doc).obj.EF.F
        num, gen = stream.objgen
        trailer = doc.trailer
        size = int(trailer.Size)
        extra = b" /Root " + _ref(*doc.Root.objgen)
        info = trailer.get("/Info")
        if info is not None and info.is_indirect:
            extra += b" /Info " + _ref(*info.objgen)
        if "/ID" in trailer:
            extra += b" /ID " + trailer.ID.unparse()
    startxref = _last_startxref(pdf)
    base = len(pdf) + (0 if pdf.endswith(b"\n") else 1)
    out = bytearray(b"" if pdf.endswith(b"\n") else b"\n")
    compressed = zlib.compress(xml, 6)
    offsets = {num: (base, gen)}
    out += f"{num} {gen} obj\n".encode() + _stream_dict(xml, compressed, when) + b"\nstream\n" + compressed \
        + b"\nendstream\nendobj\n"
    if pdf[startxref:startxref + 4] == b"xref":
        _write_xref_table(out, offsets, size, startxref, extra, base=base)
    else:
        _write_xref_stream(out, offsets, size, startxref, extra, base=base)
    return pdf + bytes(out)


def pdfs_xml_sign(signer, pdfs: list[bytes], *, role: tuple[str, str], records: list[dict] | None = None) -> list[bytes]:
    """Each PDF of a batch with its record XML signed once more by ``signer`` (one ``sign_digests`` call), before
    the PDF's own signature: with ``records`` (the teacher's batch) the XML is made from each record and attached;
    without, the attached XML gets the next signature in an incremental update. A PDF without the XML (a draft
    rendered before the XML existed) is returned as it was. With a TSA in ``signer.settings``, B-T."""
    if records is not None:
        xmls = [record_to_xml(record) for record in records]
    else:
        xmls = [pdf_xml_read(pdf) for pdf in pdfs]
    todo = [i for i, xml in enumerate(xmls) if xml is not None]
    signed = xades_sign(signer, [xmls[i] for i in todo], role=role, timestamper=tsa_timestamper(signer.settings))
    out = list(pdfs)
    for i, xml in zip(todo, signed, strict=True):
        out[i] = pdf_xml_attach(pdfs[i], xml) if records is not None else pdf_xml_replace(pdfs[i], xml)
    return out


# ---- the difference analysis ----------------------------------------------------------------------------------

def xml_update_allowed(old_xml: bytes, new_xml: bytes) -> bool:
    """Whether ``new_xml`` may replace ``old_xml`` after a PDF signature: the same ``<record>`` (canonically)
    and every earlier signature kept as it was (more may follow)."""
    try:
        old, new = parse(old_xml), parse(new_xml)
    except XmlRecordError:
        return False
    if c14n(old.find(f"{{{NS}}}record")) != c14n(new.find(f"{{{NS}}}record")):
        return False
    kept = {c14n(s) for s in new.findall(f"{{{DS}}}Signature")}
    return all(c14n(s) in kept for s in old.findall(f"{{{DS}}}Signature"))


def diff_policy():
    """pyHanko's default difference policy plus ``XmlAttachmentRule``."""
    # deferred: pyHanko's validator, only when a signature is checked
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel, StandardDiffPolicy
    from pyhanko.sign.diff_analysis.rules_api import ReferenceUpdate, WhitelistRule  # deferred: as above

    class XmlAttachmentRule(WhitelistRule):
        """The record XML's stream replaced by one that keeps its record and its earlier signatures."""

        def apply(self, old, new):
            try:
                new_spec = _spec_of(new.root)
                old_spec = _spec_of(old.root)
                if new_spec is None or old_spec is None:
                    return
                new_ref = new_spec.raw_get("/EF").raw_get("/F")
                old_ref = old_spec.raw_get("/EF").raw_get("/F")
                if new_ref.reference != old_ref.reference:
                    return
                if xml_update_allowed(old_ref.get_object().data, new_ref.get_object().data):
                    yield ReferenceUpdate(new_ref.reference)
            except Exception:  # anything unexpected: not whitelisted, the policy then refuses the change
                return

    return StandardDiffPolicy(
        global_rules=[*DEFAULT_DIFF_POLICY.global_rules,
                      XmlAttachmentRule().as_qualified(ModificationLevel.LTA_UPDATES)],
        form_rule=DEFAULT_DIFF_POLICY.form_rule)


def _spec_of(root):
    for item in root.get("/AF", []) or []:
        spec = item.get_object() if hasattr(item, "get_object") else item
        if str(spec.get("/F", "")) == XML_ATTACHMENT and str(spec.get("/AFRelationship", "")) == "/Source":
            return spec
    return None
