"""The record XML's XAdES signature and the PDF's PAdES signature for a batch of records (``signing.xml_pdf``
writes the XML into the PDF): the XML made or read, its SignedInfo digests signed in one ``sign_digests`` call, its
time stamps asked together, and the rest done in the signing batches' worker processes (``pades.batch_pool``:
documents travel, never a key).

- ``XmlPadesBatch``: what the class's, the school's and the seal's batches use: the XML's finish and the PAdES
  update in one pass over the workers.
- ``pdfs_xml_sign``: the XML signed in the PDFs, nothing more (the PAdES signature left to the caller).
- ``pdfs_xml_pades_sign``: for a remote signer whose user confirms each transaction on the phone: both in one
  transaction.
"""

from __future__ import annotations

import dataclasses
import io
import re

import pikepdf

from hocbaso.core.limits import pdf_attachment_read, pdf_attachments
from hocbaso.signing.dss import signature_certificates_in
from hocbaso.signing.pades import PARALLEL_CHUNK, PARALLEL_MIN, Prepared, batch_pool, prepare_update, prepare_workers
from hocbaso.signing.xades import (EXC_C14N, _b64, tsa_timestamper, xades_finish_one, xades_prepare,
                                   xades_prepare_one, xades_template, xades_value, xades_value_digest)
from hocbaso.signing.xml_pdf import (XML_ATTACHMENT, _located, _trailer_extra, pdf_xml_attach, pdf_xml_replace)
from hocbaso.tt27.record_xml import record_to_xml


def xades_finish_bytes(data: bytes, role: tuple[str, str], value: str, token: bytes | None) -> bytes:
    """``xades.xades_finish_one`` written into the bytes as ``xades_prepare_one`` left them (the signature last, its
    value empty) instead of parsing and serialising the XML again: the same bytes (tested), for a tenth of the
    CPU; anything else goes through ``xades_finish_one``."""
    code = role[0]
    empty = f'<ds:SignatureValue Id="sv-{code}"/>'.encode()
    at, end, last = data.find(empty), data.rfind(b"</xades:QualifyingProperties>"), data.rfind(b"<ds:Signature ")
    opening = _SPLICE_ID.match(data, last) if last >= 0 else None
    if (opening is None or opening.group(1) != f"sig-{code}".encode() or not last < at < end
            or data.find(empty, at + 1) >= 0 or _SPLICE_TAIL.fullmatch(data, end) is None or not _B64.fullmatch(value)):
        return xades_finish_one(data, role, value, token)
    filled = f'<ds:SignatureValue Id="sv-{code}">{value}</ds:SignatureValue>'.encode()
    stamp = b"" if token is None else (
        f'<xades:UnsignedProperties><xades:UnsignedSignatureProperties><xades:SignatureTimeStamp Id="ts-{code}">'
        f'<ds:CanonicalizationMethod Algorithm="{EXC_C14N}"/><xades:EncapsulatedTimeStamp>{_b64(token)}'
        f'</xades:EncapsulatedTimeStamp></xades:SignatureTimeStamp></xades:UnsignedSignatureProperties>'
        f'</xades:UnsignedProperties>').encode()
    return b"".join((data[:at], filled, data[at + len(empty):end], stamp, data[end:]))


_SPLICE_ID = re.compile(rb'<ds:Signature(?: xmlns:ds="http://www\.w3\.org/2000/09/xmldsig\#")? Id="([^"]*)">')
_SPLICE_TAIL = re.compile(rb"</xades:QualifyingProperties></ds:Object></ds:Signature></[A-Za-z_][\w.:-]*>\s*")
_B64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


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
    return [pdf_xml_attach(pdf, xades_finish_bytes(xml, role, value, token)) if located is None else
            pdf_xml_replace(pdf, xades_finish_bytes(xml, role, value, token), located=located)
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
    update (the bytes after ``pdf``). With ``keep_xml``, each is ``(Prepared, the signed XML or None)``."""
    items, role, reserve, style, keep_xml = work
    out = []
    for pdf, xades, job, when in items:
        if xades is None:
            new, added, xml = pdf, b"", None
        else:
            xml, value, token, located = xades
            xml = xades_finish_bytes(xml, role, value, token)
            new = pdf_xml_attach(pdf, xml) if located is None else pdf_xml_replace(pdf, xml, located=located)
            added = new[len(pdf):]
        prepared = prepare_update(new, job, when=when, reserve=reserve, stamp_style=style)
        prepared = dataclasses.replace(prepared, prefix=b"", head=added + prepared.head)
        out.append((prepared, xml) if keep_xml else prepared)
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
        batch.xmls                    # with ``keep_xml``: index → the signed XML now in the PDF

    The files are what ``pdfs_xml_sign`` + ``sign_batch`` make. A signer whose user confirms each transaction
    (``waits_for_user``) gets the two steps one after the other (its ``sign_batch`` takes no ``prepare``)."""

    def __init__(self, signer, pdfs: list[bytes], *, role: tuple[str, str], records: list[dict] | None = None,
                 certificates: bool = False, keep_xml: bool = False):
        self.signer, self.pdfs, self.role, self.keep_xml = signer, list(pdfs), role, keep_xml
        self.xmls: dict[int, bytes] = {}  # with ``keep_xml``, after ``sign``: index → the XML now in the PDF
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

        def prepare(items: list, *, reserve: int, stamp_style):  # yields each Prepared, in order
            work = [(self.pdfs[i], dataclasses.replace(signjob, pdf=b""), when, i)
                    for i, (signjob, when) in zip(indices, items)]

            def chunks():
                for start in range(0, len(work), PARALLEL_CHUNK):
                    part = []
                    for pdf, signjob, when, i in work[start:start + PARALLEL_CHUNK]:
                        xades = None
                        if i in values:
                            token = futures[i].result() if i in futures else None
                            xades = (self._prepared[i][0], values[i], token, self._prepared[i][2])
                        part.append((pdf, xades, signjob, when))
                    yield part, role, reserve, stamp_style, self.keep_xml

            done = pool.imap(_finish_prepare_chunk, chunks()) if pool is not None else \
                map(_finish_prepare_chunk, chunks())
            for start, chunk in zip(range(0, len(work), PARALLEL_CHUNK), done):
                for (pdf, _job, _when, i), prepared in zip(work[start:start + PARALLEL_CHUNK], chunk):
                    if self.keep_xml:
                        prepared, xml = prepared
                        if xml is not None:
                            self.xmls[i] = xml
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
