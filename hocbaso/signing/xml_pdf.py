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

import dataclasses
import datetime as dt
import hashlib
import io
import zlib

import pikepdf

from hocbaso.core.limits import pdf_attachment_read, pdf_attachments
from hocbaso.signing.dss import signature_certificates_in
from hocbaso.signing.errors import SigningError
from hocbaso.signing.pades import (PARALLEL_CHUNK, PARALLEL_MIN, Prepared, _last_startxref, _ref, _write_xref_stream,
                                   _write_xref_table, batch_pool, pdf_date, prepare_update, prepare_workers)
from hocbaso.signing.xades import (DS, c14n, tsa_timestamper, xades_finish_one, xades_prepare, xades_prepare_one,
                                   xades_template, xades_value, xades_value_digest)
from hocbaso.tt27.record_xml import NS, XmlRecordError, parse, record_to_xml

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


def _sign_prepare_chunk(work: tuple) -> list:
    """In a worker: for each ``(record or None, pdf)``, the record's XML made (teacher) or the attached one read,
    with the signature waiting for its value: ``(xml, SignedInfo digest, located)``, or None without an XML. With
    ``certificates`` (a fourth item of ``work``), each tuple also carries the file's
    ``dss.signature_certificates_in``, read in the same opening of the file."""
    items, role, template, *rest = work
    certificates = bool(rest and rest[0])
    out = []
    for record, pdf in items:
        certs = None
        if record is not None:
            xml, located = record_to_xml(record), None
        else:
            with pikepdf.open(io.BytesIO(pdf)) as doc:
                spec = pdf_attachments(doc).get(XML_ATTACHMENT)
                if spec is None:
                    out.append(None)
                    continue
                xml = pdf_attachment_read(spec, what="Tệp XML học bạ đính kèm")
                # the old XML does not travel back
                located = (None, spec.obj.EF.F.objgen, int(doc.trailer.Size), _trailer_extra(doc))
                if certificates:
                    certs = signature_certificates_in(doc)
        prepared, digest = xades_prepare_one(xml, role, template)
        out.append((prepared, digest, located, certs) if certificates else (prepared, digest, located))
    return out


def _sign_finish_chunk(work: tuple) -> list[bytes]:
    """In a worker: each XML with its value (and time stamp) in place, attached to (or replacing the one in) its
    PDF; the new PDFs returned."""
    items, role = work
    return [pdf_xml_attach(pdf, xades_finish_one(xml, role, value, token)) if located is None else
            pdf_xml_replace(pdf, xades_finish_one(xml, role, value, token), located=located)
            for pdf, xml, value, token, located in items]


def _chunked(pool, function, items: list, extra: tuple) -> list:
    """``function((chunk, *extra))`` over ``items`` in chunks of ``PARALLEL_CHUNK``, on ``pool`` (or here when
    None), flattened in order."""
    chunks = [items[start:start + PARALLEL_CHUNK] for start in range(0, len(items), PARALLEL_CHUNK)]
    work = [(chunk, *extra) for chunk in chunks]
    done = pool.imap(function, work) if pool is not None else map(function, work)
    return [item for chunk in done for item in chunk]


def pdfs_xml_sign(signer, pdfs: list[bytes], *, role: tuple[str, str], records: list[dict] | None = None) -> list[bytes]:
    """Each PDF of a batch with its record XML signed once more by ``signer`` (one ``sign_digests`` call), before
    the PDF's own signature: with ``records`` (the teacher's batch) the XML is made from each record and attached;
    without, the attached XML gets the next signature in an incremental update. A PDF without the XML (a draft
    rendered before the XML existed) is returned as it was. With a TSA in ``signer.settings``, B-T, the batch's
    time stamps asked together. A large batch makes, reads and writes the XML in the signing batches' worker
    processes (``pades.batch_pool``: documents travel, never a key); only the signatures and the time stamps
    are made here."""
    if not pdfs:
        return []
    pool = batch_pool() if len(pdfs) >= PARALLEL_MIN and prepare_workers() > 1 else None
    template = xades_template(signer, role)
    items = [(records[i] if records is not None else None, pdf) for i, pdf in enumerate(pdfs)]
    prepared = _chunked(pool, _sign_prepare_chunk, items, (role, template))
    todo = [i for i, item in enumerate(prepared) if item is not None]
    values = [xades_value(v, signer.certificate)
              for v in signer.sign_digests([prepared[i][1] for i in todo])] if todo else []
    timestamper = tsa_timestamper(signer.settings)
    tokens = [None] * len(todo)
    if timestamper is not None and todo and pool is not None:
        # every time stamp asked at once (the client keeps ``threads`` in flight); each chunk goes to the workers
        # as soon as its tokens came (the pool's feeder thread waits for them), not after the batch's last one
        futures = [timestamper.submit(xades_value_digest(value, role)) for value in values]
        items = [(pdfs[i], prepared[i][0], value, token, prepared[i][2])
                 for i, value, token in zip(todo, values, futures)]

        def ready():
            for start in range(0, len(items), PARALLEL_CHUNK):
                yield ([(pdf, xml, value, token.result(), located)
                        for pdf, xml, value, token, located in items[start:start + PARALLEL_CHUNK]], role)

        try:
            finished = [pdf for chunk in pool.imap(_sign_finish_chunk, ready()) for pdf in chunk]
        finally:
            for future in futures:
                future.cancel()
    else:
        if timestamper is not None and todo:
            tokens = timestamper.many([xades_value_digest(value, role) for value in values])
        finished = _chunked(pool, _sign_finish_chunk,
                            [(pdfs[i], prepared[i][0], value, token, prepared[i][2])
                             for i, value, token in zip(todo, values, tokens)], (role,))
    out = list(pdfs)
    for i, pdf in zip(todo, finished, strict=True):
        out[i] = pdf
    return out


def _finish_prepare_chunk(work: tuple) -> list[Prepared]:
    """In a worker: for each ``(pdf, xades, job, when)``, the record XML finished and put in the PDF as
    ``_sign_finish_chunk`` does (``xades``: ``(xml, value, token, located)``, or None to leave the PDF as it is),
    then the PAdES update prepared on the result (``pades.prepare_update``). Neither file travels back: the
    ``Prepared`` has an empty ``prefix`` (the caller has ``pdf``) and its ``head`` starts with the XML's own
    update (the bytes after ``pdf``)."""
    items, role, reserve, style = work
    out = []
    for pdf, xades, job, when in items:
        if xades is None:
            new, added = pdf, b""
        else:
            xml, value, token, located = xades
            xml = xades_finish_one(xml, role, value, token)
            new = pdf_xml_attach(pdf, xml) if located is None else pdf_xml_replace(pdf, xml, located=located)
            added = new[len(pdf):]
        prepared = prepare_update(new, job, when=when, reserve=reserve, stamp_style=style)
        out.append(dataclasses.replace(prepared, prefix=b"", head=added + prepared.head))
    return out


class XmlPadesBatch:
    """``pdfs_xml_sign`` then ``signer.sign_batch``, with the XML's last step and the PDF's update made in ONE pass
    over the worker processes: each document goes to a worker once after its XAdES signature value is known (and
    its time stamp came), which puts the signed XML in the PDF and prepares the PAdES update on the result, as
    soon as that document's time stamp is there; neither the XML-signed PDF nor the update's prefix comes back.
    Before, the XML's finish and the PAdES preparation were two passes with a wait for the batch's slowest
    document between them, and every PDF crossed to the workers twice and back once.

        batch = XmlPadesBatch(signer, pdfs, role=ROLE_TEACHER, records=records)   # the XAdES digests prepared
        batch.certificates            # per PDF: None without the record XML (with ``certificates``: who signed)
        signed = batch.sign(job, each=store)                                      # job(index, pdf) -> SignJob

    The files are what ``pdfs_xml_sign`` + ``sign_batch`` make. A signer whose user confirms each transaction
    (``waits_for_user``) gets the two steps one after the other (its ``sign_batch`` takes no ``prepare``)."""

    def __init__(self, signer, pdfs: list[bytes], *, role: tuple[str, str], records: list[dict] | None = None,
                 certificates: bool = False):
        self.signer, self.pdfs, self.role = signer, list(pdfs), role
        self.pool = batch_pool() if len(pdfs) >= PARALLEL_MIN and prepare_workers() > 1 else None
        items = [(records[i] if records is not None else None, pdf) for i, pdf in enumerate(pdfs)]
        extra = (role, xades_template(signer, role)) + ((True,) if certificates else ())
        self._prepared = _chunked(self.pool, _sign_prepare_chunk, items, extra)
        self.certificates = [None if p is None else (p[3] if certificates else []) for p in self._prepared]

    def sign(self, job, *, indices: list[int] | None = None, each=None, progress=None) -> list[bytes]:
        """The PDFs at ``indices`` (all by default) with this signer's XAdES signature in their record XML (those
        that have it) and then its PAdES signature; ``job(position, pdf)`` makes the ``SignJob`` of the
        ``position``-th of them, ``each(position, pdf)`` as ``sign_batch``'s. Returns them in that order."""
        indices = list(range(len(self.pdfs))) if indices is None else list(indices)
        todo = [i for i in indices if self._prepared[i] is not None]
        values = dict(zip(todo, (xades_value(v, self.signer.certificate)
                                 for v in self.signer.sign_digests([self._prepared[i][1] for i in todo])))
                      if todo else ())
        timestamper = tsa_timestamper(self.signer.settings)
        role = self.role
        if getattr(self.signer, "waits_for_user", False):
            tokens = dict(zip(todo, timestamper.many([xades_value_digest(values[i], role) for i in todo])
                              if timestamper is not None and todo else [None] * len(todo)))
            finished = dict(zip(todo, _chunked(None, _sign_finish_chunk,
                                               [(self.pdfs[i], self._prepared[i][0], values[i], tokens[i],
                                                 self._prepared[i][2]) for i in todo], (role,))))
            jobs = [job(position, finished.get(i, self.pdfs[i])) for position, i in enumerate(indices)]
            return self.signer.sign_batch(jobs, each=each, progress=progress)
        # every time stamp asked at once (the client keeps ``threads`` in flight); a chunk goes to the workers as
        # soon as its tokens came (the pool's feeder thread waits for them)
        futures = {i: timestamper.submit(xades_value_digest(values[i], role)) for i in todo} \
            if timestamper is not None else {}
        pool = self.pool

        def prepare(items: list, *, reserve: int, stamp_style) -> list:
            work = [(self.pdfs[i], dataclasses.replace(item[0], pdf=b""), item[1], i) for i, item in zip(indices, items)]

            def chunks():
                for start in range(0, len(work), PARALLEL_CHUNK):
                    part = []
                    for pdf, signjob, when, i in work[start:start + PARALLEL_CHUNK]:
                        xades = None
                        if i in values:
                            token = futures[i].result() if i in futures else None
                            xades = (self._prepared[i][0], values[i], token, self._prepared[i][2])
                        part.append((pdf, xades, signjob, when))
                    yield part, role, reserve, stamp_style

            done = pool.imap(_finish_prepare_chunk, chunks()) if pool is not None else \
                map(_finish_prepare_chunk, chunks())
            for start, chunk in zip(range(0, len(work), PARALLEL_CHUNK), done):
                for (pdf, _job, _when, _i), prepared in zip(work[start:start + PARALLEL_CHUNK], chunk):
                    prepared.prefix = pdf
                    yield prepared

        try:
            return self.signer.sign_batch([job(position, self.pdfs[i]) for position, i in enumerate(indices)],
                                          each=each, progress=progress, prepare=prepare)
        finally:
            for future in futures.values():
                future.cancel()


def pdfs_xml_pades_sign(signer, pdfs: list[bytes], job, *, role: tuple[str, str],
                        records: list[dict] | None = None) -> list[bytes]:
    """``pdfs_xml_sign`` then ``signer.sign_batch`` in ONE request to the signer, for a remote signer whose user
    confirms each transaction (``RemoteSigner.sign_batch_with``): the PDF is signed over the XML as it was
    before this signature (with ``records``, the teacher's batch, the unsigned XML is attached first), the same
    transaction signs the XML's SignedInfo digests, and an incremental update after the PDF signature replaces
    the XML by the one carrying the new XAdES signature: the change ``diff_policy`` allows after a signature
    (the same record, every earlier signature kept). ``job(index, pdf) -> SignJob``."""
    if records is not None:
        xmls = [record_to_xml(record) for record in records]
        pdfs = [pdf_xml_attach(pdf, xml) for pdf, xml in zip(pdfs, xmls, strict=True)]
    else:
        xmls = [_located(pdf)[0] for pdf in pdfs]
    todo = [i for i, xml in enumerate(xmls) if xml is not None]
    prepared = xades_prepare(signer, [xmls[i] for i in todo], role=role)
    signed, values = signer.sign_batch_with([job(i, pdf) for i, pdf in enumerate(pdfs)], prepared.digests)
    out = list(signed)
    for i, xml in zip(todo, prepared.finish(values, timestamper=tsa_timestamper(signer.settings)), strict=True):
        out[i] = pdf_xml_replace(signed[i], xml)
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
