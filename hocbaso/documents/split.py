"""Splitting a batch document into one PDF/A-3b file per pupil-year.

Typst has a large fixed cost per document (a demo record: 42.6 ms of CPU compiled alone, 29.3 ms each in a
batch of 16, this split included), so ``Renderer.years`` compiles several pupils' records as one document
(the template's batch mode: every year with its own fixed footers and signature boxes drawn as link annotations,
which ``sigbox_links_take`` reads and removes) and this module cuts it into one file per record:
its pages, the sRGB output intent, the language and viewer preferences, its own ``hocbaso.record/N``
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
SIGBOX_LINK = "hocbaso-sigbox:"  # a batch's signature box: a link annotation to this + the box's key
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


def sigbox_links_take(source: pikepdf.Pdf) -> dict[str, tuple[int, float, float, float, float]]:
    """The batch's signature boxes, removed from its pages: by key, the page (counted from 1) and the link
    annotation's rectangle ``(x1, y1, x2, y2)`` in PDF points from the bottom left, rounded to 0.01 pt as
    ``render.sigboxes`` rounds the positions typst reports. Other annotations stay."""
    boxes = {}
    for number, page in enumerate(source.pages, start=1):
        annots = page.obj.get("/Annots")
        if annots is None:
            continue
        kept = []
        for annot in annots:
            uri = str(action.get("/URI", "")) if (action := annot.get("/A")) is not None else ""
            if annot.get("/Subtype") == "/Link" and uri.startswith(SIGBOX_LINK):
                x1, y1, x2, y2 = (float(v) for v in annot.Rect)
                boxes[uri[len(SIGBOX_LINK):]] = (number, round(min(x1, x2), 2), round(min(y1, y2), 2),
                                                 round(max(x1, x2), 2), round(max(y1, y2), 2))
            else:
                kept.append(annot)
        if kept:
            page.obj.Annots = pikepdf.Array(kept)
        else:
            del page.obj["/Annots"]
    return boxes


def batch_split(source: pikepdf.Pdf, parts: list[Part]) -> list[bytes]:
    """The batch document ``source`` (open) as one PDF per part, in the parts' order."""
    out = []
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
            docinfo = doc.docinfo  # a property that checks the trailer under a lock at every access
            for key, value in info.items():
                docinfo[key] = pikepdf.String(part.title) if key == "/Title" else doc.copy_foreign(value) \
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
