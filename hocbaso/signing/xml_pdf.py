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
from hocbaso.signing.xades import DS, c14n
from hocbaso.tt27.record_xml import NS, XmlRecordError, parse

XML_ATTACHMENT = "hocbaso-record.xml"
MIME = "text/xml"


def _stream_dict(xml: bytes, compressed: bytes, when: dt.datetime) -> bytes:
    return (b"<< /Type /EmbeddedFile /Subtype /text#2Fxml /Filter /FlateDecode /Length "
            + str(len(compressed)).encode() + b" /Params << /Size " + str(len(xml)).encode()
            + b" /ModDate " + pdf_date(when) + b" /CheckSum <" + hashlib.md5(xml).hexdigest().encode() + b"> >> >>")


def _trailer_extra(doc: pikepdf.Pdf) -> bytes:
    trailer = doc.trailer
    extra = b" /Root " + _ref(*doc.Root.objgen)
    info = trailer.get("/Info")
    if info is not None and info.is_indirect:
        extra += b" /Info " + _ref(*info.objgen)
    if "/ID" in trailer:
        extra += b" /ID " + trailer.ID.unparse()
    return extra


def _update(pdf: bytes, objects: dict[tuple[int, int], bytes], size: int, extra: bytes) -> bytes:
    """``pdf`` plus one incremental update writing ``objects`` (``(num, gen)`` → the object's body)."""
    startxref = _last_startxref(pdf)
    base = len(pdf)
    out = bytearray(b"" if pdf.endswith(b"\n") else b"\n")
    offsets = {}
    for (num, gen), body in sorted(objects.items()):
        offsets[num] = (base + len(out), gen)
        out += f"{num} {gen} obj\n".encode() + body + b"\nendobj\n"
    if pdf[startxref:startxref + 4] == b"xref":
        _write_xref_table(out, offsets, size, startxref, extra, base=base)
    else:
        _write_xref_stream(out, offsets, size, startxref, extra, base=base)
    return pdf + bytes(out)


def _stream_body(xml: bytes, when: dt.datetime) -> bytes:
    compressed = zlib.compress(xml, 6)
    return _stream_dict(xml, compressed, when) + b"\nstream\n" + compressed + b"\nendstream"


def pdf_xml_attach(pdf: bytes, xml: bytes, *, when: dt.datetime | None = None) -> bytes:
    """``pdf`` with ``xml`` as its associated file ``hocbaso-record.xml`` (``/AFRelationship /Source``, listed in
    the catalog's ``/AF`` and ``/Names /EmbeddedFiles``), added in an incremental update: the file stream, its
    file specification and the containers that list it."""
    when = when or dt.datetime.now(dt.timezone.utc)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        size = int(doc.trailer.Size)
        if XML_ATTACHMENT in pdf_attachments(doc):
            raise SigningError("Tệp PDF đã có tệp XML học bạ đính kèm.")
        root = doc.Root
        stream = doc.make_indirect(pikepdf.Stream(doc, b""))  # a number for the stream, written below
        spec = doc.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Filespec, F=pikepdf.String(XML_ATTACHMENT), UF=pikepdf.String(XML_ATTACHMENT),
            Desc=pikepdf.String("Học bạ số dạng XML, có chữ ký số XAdES (urn:hocbaso:record:xml:1)"),
            AFRelationship=pikepdf.Name.Source, EF=pikepdf.Dictionary(F=stream, UF=stream)))
        changed = [root, spec]

        def owner(*chain):  # the innermost indirect object holding the last of ``chain`` (root if none)
            for item in reversed(chain):
                if item.is_indirect:
                    return item
            return root

        af = root.get("/AF")
        if af is None:
            root.AF = pikepdf.Array([spec])
        else:
            af.append(spec)
            changed.append(owner(af))
        names = root.get("/Names")
        if names is None:
            root.Names = pikepdf.Dictionary(EmbeddedFiles=pikepdf.Dictionary(Names=pikepdf.Array()))
            names = root.Names
        files = names.get("/EmbeddedFiles")
        if files is None:
            names.EmbeddedFiles = pikepdf.Dictionary(Names=pikepdf.Array())
            files = names.EmbeddedFiles
            changed.append(owner(names))
        if "/Kids" in files:
            raise SigningError("Cây tên tệp đính kèm của PDF có nhánh (/Kids); chưa hỗ trợ.")
        entries = list(files.get("/Names", pikepdf.Array()))
        pairs = [(str(entries[i]), entries[i + 1]) for i in range(0, len(entries), 2)] + [(XML_ATTACHMENT, spec)]
        listed = files.get("/Names")
        array = pikepdf.Array([item for name, obj in sorted(pairs, key=lambda p: p[0])
                               for item in (pikepdf.String(name), obj)])
        if listed is not None and listed.is_indirect:
            while len(listed):
                del listed[0]
            for item in array:
                listed.append(item)
            changed.append(listed)
        else:
            files.Names = array
            changed.append(owner(names, files))
        objects = {obj.objgen: obj.unparse(resolved=True) for obj in changed}
        objects[stream.objgen] = _stream_body(xml, when)
        size = max(size, *(num + 1 for num, _gen in objects))
        extra = _trailer_extra(doc)
    return _update(pdf, objects, size, extra)


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


def _located(pdf: bytes):
    """(the attached XML or None, the XML stream's (num, gen), the trailer's /Size and its other entries)."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        spec = pdf_attachments(doc).get(XML_ATTACHMENT)
        if spec is None:
            return None, None, 0, b""
        stream = spec.obj.EF.F
        xml = pdf_attachment_read(spec, what="Tệp XML học bạ đính kèm")
        return xml, stream.objgen, int(doc.trailer.Size), _trailer_extra(doc)


def pdf_xml_replace(pdf: bytes, xml: bytes, *, when: dt.datetime | None = None, located=None) -> bytes:
    """``pdf`` plus an incremental update that replaces the stream of its ``hocbaso-record.xml`` by ``xml``
    (the same object number; nothing else changes). ``located``: ``_located(pdf)`` when the caller has it."""
    _old, objgen, size, extra = located or _located(pdf)
    if objgen is None:
        raise SigningError("Tệp PDF không có tệp XML học bạ đính kèm.")
    return _update(pdf, {objgen: _stream_body(xml, when or dt.datetime.now(dt.timezone.utc))}, size, extra)


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
