"""Rendering học bạ PDFs with one long-lived typst compiler per process.

Every PDF is PDF/A-3b (ISO 19005-3, level B): fonts embedded (Tinos, subset to Latin + Vietnamese,
shipped in ``fonts/``; system fonts are never looked at), XMP metadata with ``pdfaid:part 3`` and
``pdfaid:conformance B``, typst's sRGB output intent, and each pupil-year's ``hocbaso.record/N`` JSON
attached as an associated file (``/AFRelationship /Data``, see ``attachment.py``).

The same data always gives the same bytes: the document date comes from the record (its issue time,
else its effective date, else the end of its school year), the embedded JSON does not depend on the
dicts' key order, and typst derives the PDF's document ID from the content. ``Renderer.years``
compiles records in batches and splits them: there the same items and batch size give the same bytes. Many
records on every core, in such batches: ``batches.py`` (``render_many``).
"""

import datetime as dt
import io
import json
import threading
from pathlib import Path

import orjson
import pikepdf
import typst

from hocbaso.documents import view as views
from hocbaso.documents.attachment import ATTACHMENT, attachment_name, canonical_json
from hocbaso.documents.split import BATCH_TITLE, Part, batch_split, sigbox_links_take
from hocbaso.tt27.record_format import nfc

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "templates" / "hocba.typ"
FONTS = HERE / "fonts"
PDF_STANDARD = "a-3b"
BATCH_PAGES = 2  # the pages of a pupil-year in a batch document: the template's fixed footers say "Trang n / 2"
VIETNAM = dt.timezone(dt.timedelta(hours=7))

# (page counted from 1, x1, y1, x2, y2) in PDF points, origin at the page's bottom-left.
Box = tuple[int, float, float, float, float]


def document_date(records: list[dict]) -> dt.datetime:
    """The date written into the PDF, derived from the data only: the latest of the records' issue
    times (``issuance.issued_at``), else effective dates, else 31 May of the school year's end, at
    midnight Vietnam time."""
    dates = []
    for record in records:
        issuance = record.get("issuance") or {}
        if issuance.get("issued_at"):
            when = dt.datetime.fromisoformat(issuance["issued_at"])
            dates.append(when if when.tzinfo else when.replace(tzinfo=VIETNAM))
        else:
            day = dt.date.fromisoformat(issuance["effective_date"]) if issuance.get("effective_date") \
                else dt.date(int(record["school_year"][5:9]), 5, 31)
            dates.append(dt.datetime(day.year, day.month, day.day, tzinfo=VIETNAM))
    latest = max(dates)
    # typst wants a fixed offset; the PDF date keeps it (D:20250601080000+07'00').
    return latest.astimezone(dt.timezone(latest.utcoffset()))


def verify_url_for(record: dict, verify_url: str | None) -> str | None:
    """The URL the record's QR code opens: ``verify_url`` as given, or with ``{lookup_code}`` replaced by
    the record's lookup code (then ``None`` for a record not yet issued, which has none)."""
    if not verify_url or "{lookup_code}" not in verify_url:
        return verify_url or None
    code = (record.get("issuance") or {}).get("lookup_code")
    return verify_url.replace("{lookup_code}", code) if code else None


def sigboxes(query_result: str) -> dict[str, Box]:
    """The signature boxes from typst's answer to ``query("<sigbox>", field="value")``: by key, the page and the
    rectangle in PDF coordinates (points from the bottom left)."""
    boxes = {}
    for item in json.loads(query_result):
        top = item["page-height"] - item["y"]
        boxes[item["key"]] = (item["page"], round(item["x"], 2), round(top - item["h"], 2),
                              round(item["x"] + item["w"], 2), round(top, 2))
    return boxes


def _input_json(value) -> str:
    """``value`` as JSON text for typst's ``sys.inputs`` (the template decodes it: only the values count, not the
    spelling): orjson, a batch's view and records in a quarter of ``json.dumps``'s time, or ``json.dumps`` for what
    orjson refuses (a lone surrogate, an integer beyond 64 bits)."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value, ensure_ascii=False)


def _year_title(record: dict) -> str:
    return f"Học bạ - {record['pupil']['full_name']} - Lớp {record['class_name']} - Năm học {record['school_year']}"


def _year_footer(record: dict) -> str:
    lookup = (record.get("issuance") or {}).get("lookup_code")
    return (f"{record['pupil']['full_name']} · Lớp {record['class_name']} · Năm học {record['school_year']}"
            + (f" · Mã tra cứu: {lookup}" if lookup else ""))


class Renderer:
    """One typst compiler, fonts loaded once, rendering any number of records in turn.

    Not safe for concurrent use from several threads: give each thread or process its own."""

    def __init__(self):
        self._compiler = typst.Compiler(str(TEMPLATE), root=str(HERE), font_paths=[str(FONTS)],
                                        ignore_system_fonts=True)

    # ------------------------------------------------------------------ one school year

    def year(self, record: dict, *, verify_url: str | None = None, copy_number: int | None = None,
             place: str | None = None) -> bytes:
        """The học bạ of one pupil-year as PDF/A-3b bytes, its record attached as ``hocbaso-record.json``.

        ``verify_url``: the QR code's target (``{lookup_code}`` is filled in); no QR without it.
        ``copy_number``: when set, every page carries "BẢN SAO — Lần cấp: N" (a certified copy).
        ``place``: the place before the signature date; the record's commune by default (its district on a
        record issued before 1/7/2025)."""
        return self._year(record, verify_url=verify_url, copy_number=copy_number, place=place)

    def year_with_boxes(self, record: dict, *, verify_url: str | None = None, copy_number: int | None = None,
                        place: str | None = None) -> tuple[bytes, dict[str, Box]]:
        """``year(...)`` and where its signature boxes are, from one layout:
        ``{"teacher": box, "principal": box}`` (see ``signature_boxes``)."""
        pdf = self._year(record, verify_url=verify_url, copy_number=copy_number, place=place)
        school_year = nfc(record["school_year"])
        return pdf, {role: box for key, box in self._boxes().items()
                     for role in ("teacher", "principal") if key == f"{role}-{school_year}"}

    def _year(self, record, *, verify_url, copy_number, place) -> bytes:
        record = nfc(record)
        year = views.year_view(record, verify_url=verify_url_for(record, verify_url), place=place)
        page_view = {
            "title": _year_title(record),
            "author": record["school"]["name"],
            "school": views.school_view(record),
            "copy_number": copy_number,
            "cover": None,
            "footer": _year_footer(record),
            "years": [year],
        }
        return self._compile(page_view, [record])

    # ------------------------------------------------------------------ many school years, one compile

    def years(self, jobs: list[tuple[dict, str | None, int | None]], *,
              normalized: bool = False) -> list[tuple[bytes, dict[str, Box]]]:
        """Many pupil-years ``(record, verify_url, copy_number)``: for each, its own PDF/A-3b (as ``year``
        gives: the same pages, attachment and metadata) and its signature boxes, in the jobs' order.

        Consecutive jobs that share the copy number, the school and the document date are compiled as one
        typst document and split (``split.batch_split``): typst has a large cost per document, so a batch of
        16 to 32 demo records costs about 30-35% less CPU per record than separate compiles. The fonts in each file are
        the batch's subsets: the bytes depend on the batch (the same batch gives the same bytes), not only
        on the record, and a one-job batch is compiled alone, byte-identical to ``year``. The batch document
        asks typst for no introspection (no second layout pass): its footers assume two pages per year, and
        a year that took another number of pages is compiled again alone, byte-identical to ``year``.
        ``normalized``: the caller has checked that every string of the records is in NFC already (see
        ``render_many``), so they are not copied to normalise them."""
        out: list[tuple[bytes, dict[str, Box]]] = []
        group: list[tuple[dict, str | None, int | None]] = []
        key = None
        for record, verify_url, copy_number in jobs:
            if not normalized:
                record = nfc(record)
            job_key = (copy_number, record["school"].get("name"), document_date([record]))
            if group and job_key != key:
                out += self._years(group)
                group = []
            group.append((record, verify_url, copy_number))
            key = job_key
        if group:
            out += self._years(group)
        return out

    def _years(self, group) -> list[tuple[bytes, dict[str, Box]]]:
        if len(group) == 1:
            record, verify_url, copy_number = group[0]
            return [self.year_with_boxes(record, verify_url=verify_url, copy_number=copy_number)]
        records = [record for record, _url, _copy in group]
        years = []
        for index, (record, verify_url, _copy) in enumerate(group):
            year = views.year_view(record, verify_url=verify_url_for(record, verify_url))
            year.update(footer=_year_footer(record), box_key=str(index))
            years.append(year)
        page_view = {"title": BATCH_TITLE, "author": records[0]["school"]["name"],
                     "school": views.school_view(records[0]), "copy_number": group[0][2], "cover": None,
                     "footer": "", "years": years, "batch": True}
        attachments = [{"name": f"{index}-{ATTACHMENT}", "school_year": record["school_year"],
                        "format": record["format"], "json": canonical_json(record).decode("utf-8")}
                       for index, record in enumerate(records)]
        pdf = self._compiler.compile(
            sys_inputs={"view": _input_json(page_view), "records": _input_json(attachments)},
            pdf_standards=PDF_STANDARD, timestamp=document_date(records), pdf_tags=False)
        with pikepdf.open(io.BytesIO(pdf)) as source:
            boxes = sigbox_links_take(source)
            # Each record ends with its signature boxes and the next starts on a new page. Its footers say
            # "Trang 1 / 2" and "Trang 2 / 2" (the template's batch mode): a record that took another number of
            # pages (very long comments) is compiled again on its own below, with counted pages.
            parts, boxes_of, again, first = [], [], [], 1
            for index, record in enumerate(records):
                last = boxes[f"teacher-{index}"][0]
                if last - first + 1 == BATCH_PAGES:
                    parts.append(Part(first=first - 1, count=BATCH_PAGES, attachment=f"{index}-{ATTACHMENT}",
                                      name=ATTACHMENT, title=_year_title(record)))
                    boxes_of.append({role: (box[0] - first + 1, *box[1:]) for role in ("teacher", "principal")
                                     for box in [boxes[f"{role}-{index}"]]})
                else:
                    again.append(index)
                first = last + 1
            out = list(zip(batch_split(source, parts), boxes_of))
        for index in again:
            record, verify_url, copy_number = group[index]
            out.insert(index, self.year_with_boxes(record, verify_url=verify_url, copy_number=copy_number))
        return out

    # ------------------------------------------------------------------ the whole primary history

    def history(self, records: list[dict], *, history: list[dict], verify_url: str | None = None,
                copy_number: int | None = None, commune: str | None = None, record_number: str | None = None,
                place: str | None = None) -> bytes:
        """The whole primary history as one PDF/A-3b, the parts of the template's book in its order: the cover,
        the identity page with the principal's signature place and the school-history table (quá trình học tập,
        blank rows for the grades still to come), the instructions (hướng dẫn ghi học bạ), then one year page
        per record in school-year order, each the same page as the year's own document; every year's record
        attached, named by school year.

        ``history``: rows of the school-history table (see ``view.history_rows``). ``commune``: the
        school's commune for the cover (the record format does not carry it). ``record_number``: the
        number on the cover (the pupil's số đăng bộ by default). Other arguments as for ``year``."""
        return self._history(records, history=history, verify_url=verify_url, copy_number=copy_number,
                             commune=commune, record_number=record_number, place=place)

    def history_with_boxes(self, records: list[dict], **options) -> tuple[bytes, dict[str, Box]]:
        """``history(...)`` and its signature boxes: ``cover-principal``, then ``teacher-<year>`` and
        ``principal-<year>`` for every school year."""
        pdf = self._history(records, **options)
        return pdf, self._boxes()

    def _history(self, records, *, history, verify_url=None, copy_number=None, commune=None,
                 record_number=None, place=None) -> bytes:
        if not records:
            raise ValueError("render_history needs at least one record")
        records = sorted(nfc(records), key=lambda r: r["school_year"])
        latest = records[-1]
        commune = nfc(latest["school"].get("commune") or commune or "") or None
        given_place = nfc(place) if place else None
        place = given_place or (views.without_prefix(commune) if commune else None)
        pupil = latest["pupil"]
        page_view = {
            "title": f"Học bạ - {pupil['full_name']} - {records[0]['school_year'][:4]}-{latest['school_year'][5:]}",
            "author": latest["school"]["name"],
            "school": views.school_view(latest, commune=commune),
            "copy_number": copy_number,
            "cover": views.cover_view(latest, history=nfc(history), commune=commune,
                                      record_number=nfc(record_number) if record_number else None,
                                      place=place),
            "footer": f"Học bạ của học sinh {pupil['full_name']}",
            # A year page is printed from its record alone, exactly as the year's own document (the class render,
            # the signed and issued file) prints it: its place is the record's unless the caller names one.
            "years": [views.year_view(r, verify_url=verify_url_for(r, verify_url), place=given_place)
                      for r in records],
        }
        return self._compile(page_view, records)

    # ------------------------------------------------------------------ typst

    def _compile(self, page_view: dict, records: list[dict]) -> bytes:
        attachments = [{"name": attachment_name(r["school_year"], single=len(records) == 1),
                        "school_year": r["school_year"], "format": r["format"],
                        "json": canonical_json(r).decode("utf-8")}
                       for r in records]
        return self._compiler.compile(
            sys_inputs={"view": _input_json(page_view), "records": _input_json(attachments)},
            pdf_standards=PDF_STANDARD, timestamp=document_date(records), pdf_tags=False)

    def _boxes(self) -> dict[str, Box]:
        """The signature boxes of the document compiled last (typst memoises: no second layout)."""
        return sigboxes(self._compiler.query("<sigbox>", field="value"))


# ---------------------------------------------------------------------- one process, many calls

_default: Renderer | None = None
_default_lock = threading.Lock()


def _with_default(work):
    global _default
    with _default_lock:
        if _default is None:
            _default = Renderer()
        return work(_default)


def render_year(record: dict, *, verify_url: str | None = None, copy_number: int | None = None,
                place: str | None = None) -> bytes:
    """``Renderer.year`` on this process's shared renderer (thread-safe)."""
    return _with_default(lambda r: r.year(record, verify_url=verify_url, copy_number=copy_number, place=place))


def render_history(records: list[dict], *, history: list[dict], verify_url: str | None = None,
                   copy_number: int | None = None, commune: str | None = None, record_number: str | None = None,
                   place: str | None = None) -> bytes:
    """``Renderer.history`` on this process's shared renderer (thread-safe)."""
    return _with_default(lambda r: r.history(records, history=history, verify_url=verify_url,
                                             copy_number=copy_number, commune=commune,
                                             record_number=record_number, place=place))


def signature_boxes(record: dict, *, verify_url: str | None = None, copy_number: int | None = None,
                    place: str | None = None) -> dict[str, Box]:
    """Where the signatures go on ``render_year(record, ...)`` called with the same arguments:
    ``{"teacher": (page, x1, y1, x2, y2), "principal": (...)}``, page counted from 1, PDF points with
    the origin at the page's bottom-left (as pyHanko expects). The principal's box leaves room for the seal."""
    return _with_default(lambda r: r.year_with_boxes(record, verify_url=verify_url, copy_number=copy_number,
                                                     place=place)[1])

