"""The học bạ as a document: the TT27 form as PDF/A-3b with its machine-readable record inside.

The renderer takes plain ``hocbaso.record/N`` dicts (``docs/record-format.md``) and needs no database; the
database side (a school's year onto disk, a pupil's whole history) is ``services.py``.

- ``render_year(record, *, verify_url=None, copy_number=None, place=None) -> bytes``: one pupil-year.
- ``render_history(records, *, history, verify_url=None, copy_number=None, commune=None,
  record_number=None, place=None) -> bytes``: cover, identity page, quá trình học tập, every year.
- ``extract_record(pdf) -> dict`` / ``extract_records(pdf) -> {school_year: dict}``: the attached records.
- ``signature_boxes(record, ...) -> {"teacher": (page, x1, y1, x2, y2), "principal": ...}``.
- ``Renderer``: one long-lived typst compiler for many records (``years``: several records per compile, split
  into one file each); ``render_many(items, workers=None)``: many records on every core, in such batches.
"""

from hocbaso.documents.attachment import NoRecordError, extract_record, extract_records
from hocbaso.documents.batches import render_many
from hocbaso.documents.render import PDF_STANDARD, Renderer, render_history, render_year, signature_boxes

__all__ = ["PDF_STANDARD", "NoRecordError", "Renderer", "extract_record", "extract_records", "render_history",
           "render_many", "render_year", "signature_boxes"]
