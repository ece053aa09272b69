"""Splitting a batch document into one PDF/A-3b file per pupil-year.

Typst has a large fixed cost per document (a demo record: 42.6 ms of CPU compiled alone, 29.3 ms each in a
batch of 16, this split included), so ``Renderer.years`` compiles several pupils' records as one document
(the template's batch mode: every year with its own footer, page count and signature-box keys) and this
module cuts it into one file per record:
its pages, the sRGB output intent, the language and viewer preferences, its own ``hocbaso.record/1``
attachment (catalog ``/AF`` and the embedded-files name tree, renamed ``hocbaso-record.json``), and the
document information and XMP metadata with the record's own title, page count and identifiers. The fonts are
the batch's subsets, shared by its records. The same batch always gives the same bytes.
"""

import base64
import hashlib
import io
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

import pikepdf

BATCH_TITLE = "hocbaso-batch"  # the batch document's title, replaced by each record's own
CATALOG_KEYS = ("/Lang", "/ViewerPreferences", "/OutputIntents", "/MarkInfo")


@dataclass(frozen=True)
class Part:
    """One record's share of the batch: pages ``first`` (counted from 0) to ``first + count - 1``, its
    attachment as named in the batch (``attachment``) and in its own file (``name``), and its title."""

    first: int
    count: int
    attachment: str
    name: str
    title: str


def batch_split(pdf: bytes, parts: list[Part]) -> list[bytes]:
    """The batch document ``pdf`` as one PDF per part, in the parts' order."""
    out = []
    with pikepdf.open(io.BytesIO(pdf)) as source:
        xmp = source.Root.Metadata.read_bytes().decode("utf-8")
        specs = {str(spec.F): spec for spec in source.Root.AF}
        info = {key: value for key, value in source.docinfo.items()}
        # Direct dictionaries and arrays made indirect (in the throwaway batch) for copy_foreign to take them whole.
        catalog = {key: source.make_indirect(value) if isinstance(value, (pikepdf.Dictionary, pikepdf.Array))
                   and not value.is_indirect else value
                   for key in CATALOG_KEYS if (value := source.Root.get(key)) is not None}
        for part in parts:
            spec_source = specs[part.attachment]
            data = spec_source.EF.F.read_bytes()
            with pikepdf.new() as doc:
                doc.pages.extend(source.pages[part.first:part.first + part.count])
                for key, value in catalog.items():
                    doc.Root[key] = doc.copy_foreign(value) if value.is_indirect else value
                spec = doc.copy_foreign(spec_source)
                spec.F = spec.UF = pikepdf.String(part.name)
                doc.Root.AF = pikepdf.Array([spec])
                doc.Root.Names = pikepdf.Dictionary(
                    EmbeddedFiles=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String(part.name), spec])))
                ident = base64.b64encode(hashlib.md5(data).digest()).decode("ascii")
                doc.Root.Metadata = doc.make_stream(_xmp(xmp, title=part.title, pages=part.count, ident=ident).encode(),
                                                    Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML)
                for key, value in info.items():
                    doc.docinfo[key] = pikepdf.String(part.title) if key == "/Title" else doc.copy_foreign(value) \
                        if isinstance(value, pikepdf.Object) and value.is_indirect else value
                buffer = io.BytesIO()
                # The XMP is written above, consistent with the document information: pikepdf's own rewrite
                # of it (fix_metadata_version) would cost a third of the split.
                doc.save(buffer, deterministic_id=True, min_version=source.pdf_version, fix_metadata_version=False)
                out.append(buffer.getvalue())
    return out


def _xmp(xmp: str, *, title: str, pages: int, ident: str) -> str:
    xmp = xmp.replace(f">{BATCH_TITLE}<", f">{escape(title)}<")
    xmp = re.sub(r"<xmpTPg:NPages>\d+</xmpTPg:NPages>", f"<xmpTPg:NPages>{pages}</xmpTPg:NPages>", xmp)
    xmp = re.sub(r"<xmpMM:(InstanceID|DocumentID)>[^<]*</xmpMM:\1>", lambda m: f"<xmpMM:{m[1]}>{ident}</xmpMM:{m[1]}>",
                 xmp)
    return re.sub(r"<stEvt:instanceID>[^<]*</stEvt:instanceID>",
                  f"<stEvt:instanceID>{ident}_source</stEvt:instanceID>", xmp)
