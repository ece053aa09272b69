"""The export of a school's results for the sector database (CSDL ngành), and the identity-number check.

Field names follow the sector catalogue's published glossary (shared/domain.md, "Beyond the
school"): ``thongtinsohocbasotieuhoc`` with ``_quatrinhhoctap`` and ``_dsbangdiem`` (by ``mamonhoc``),
``madinhdanhhocba``, ``matruong``, ``mahocsinh``, ``hovaten``, ``gioitinh`` (0/1/2), ``dantoc``,
``quoctich``, ``hotencha``, ``hotenme``, ``dahthanhctrinhlophoc``, ``dahthanhctrinhtieuhoc``,
``duoclenlop``, ``chucvugiamhieu``, ``diadanhphathanh``. docs/sector-export.md lists every field,
marks the ones that are ours, and says what is not known about the catalogue's code lists.
"""

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from django.utils import timezone
from openpyxl import Workbook

from hocbaso.directory.models import Enrolment, EnrolmentStatus, without_unit
from hocbaso.directory.selectors import school_places, vietnamese_sort_key
from hocbaso.exchange.excel.writing import BORDER, HEADER_FILL, HEADER_FONT, TEXT_FORMAT, WRAP_CENTER, put, sheet_title
from hocbaso.records.extracts import extracts_record
from hocbaso.records.models import ExtractForm, IssuedRecord
from hocbaso.records.selectors import enrolments_for_records, record_build
from hocbaso.tt27 import catalogue

FORMAT = "hocbaso.csdl/1"
# The sector database's terms (hocky) and the evaluation point each exports: term II ends with the year.
TERMS = {"1": catalogue.END_OF_TERM_I, "2": catalogue.YEAR_END, "year": catalogue.YEAR_END}
TERM_LABELS = {"1": "Học kì I", "2": "Học kì II", "year": "Cả năm học"}

# The province of birth registration: the first three digits of a personal identity number
# (Nghị định 137/2015/NĐ-CP Điều 7; the Ministry of Public Security's circulars 07/2016/TT-BCA and
# 59/2021/TT-BCA). The codes are the 63 provinces' administrative codes; numbers issued before the
# 2025 mergers keep them, so every one of them stays valid.
PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn", "008": "Tuyên Quang",
    "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu", "014": "Sơn La", "015": "Yên Bái",
    "017": "Hòa Bình", "019": "Thái Nguyên", "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang",
    "025": "Phú Thọ", "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định", "037": "Ninh Bình",
    "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh", "044": "Quảng Bình", "045": "Quảng Trị",
    "046": "Thừa Thiên Huế", "048": "Đà Nẵng", "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định",
    "054": "Phú Yên", "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng", "070": "Bình Phước",
    "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai", "077": "Bà Rịa - Vũng Tàu",
    "079": "Thành phố Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh",
    "086": "Vĩnh Long", "087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ",
    "093": "Hậu Giang", "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}
GENDER_CODES = {"male": 1, "female": 2}  # 0: not known
_GENDER_WORDS = {"male": "nam", "female": "nữ"}


def identity_number_problems(number: str | None, *, gender: str, birth_date: dt.date) -> list[str]:
    """What is wrong with a pupil's personal identity number, in Vietnamese (empty when well-formed).

    Twelve digits: the province code of birth registration (3), the century-and-gender digit (1:
    0/1 male/female born 1900–1999, 2/3 born 2000–2099, 4/5 2100–2199 …), the last two digits of the
    birth year (2), then six digits."""
    if not number:
        return ["Chưa có mã định danh cá nhân."]
    if not re.fullmatch(r"\d{12}", number):
        return [f"Mã định danh «{number}» phải gồm đúng 12 chữ số."]
    problems = []
    province = number[:3]
    if province not in PROVINCE_CODES:
        problems.append(f"Ba chữ số đầu «{province}» không phải mã tỉnh nơi đăng ký khai sinh (001–096).")
    digit = int(number[3])
    if birth_date.year >= 1900 and gender in GENDER_CODES:
        expected = 2 * ((birth_date.year - 1900) // 100) + (1 if gender == "female" else 0)
        if digit != expected:
            born = 1900 + 100 * (digit // 2)
            said = f"{'nữ' if digit % 2 else 'nam'} sinh {born}–{born + 99}"
            problems.append(f"Chữ số thứ tư ({digit}) ứng với {said}, nhưng học sinh là {_GENDER_WORDS[gender]} "
                            f"sinh năm {birth_date.year} (phải là {expected}).")
    if number[4:6] != f"{birth_date.year % 100:02d}":
        problems.append(f"Chữ số thứ năm và sáu ({number[4:6]}) phải là hai số cuối của năm sinh "
                        f"({birth_date.year % 100:02d}).")
    return problems


def identity_failures(school_year) -> list[dict]:
    """The pupils studying in ``school_year`` whose identity number the sector database would refuse, in class
    and name order: ``class_name``, ``pupil``, ``problems`` (Vietnamese). Cheap (no record is built): the data
    page shows it before anyone exports."""
    enrolments = (Enrolment.objects.filter(school_class__school_year=school_year, status=EnrolmentStatus.STUDYING)
                  .select_related("pupil", "school_class")
                  .order_by("school_class__grade", "school_class__name", "pupil__full_name", "pk"))
    out = []
    for e in enrolments:
        problems = identity_number_problems(e.pupil.identity_number, gender=e.pupil.gender,
                                            birth_date=e.pupil.birth_date)
        if problems:
            out.append({"class_name": e.school_class.name, "pupil": e.pupil, "problems": problems})
    return out


@dataclass
class SectorExport:
    """The sector document, the pupils that fail the identity check, and counts."""

    document: dict
    failures: list[dict] = field(default_factory=list)
    pupils: int = 0
    issued: list = field(default_factory=list)  # the registry rows the file names (the year's file only)

    @property
    def ok(self) -> bool:
        return not self.failures

    def failures_text(self) -> str:
        """The Vietnamese list of pupils whose identity number fails the check."""
        if not self.failures:
            return f"Mã định danh của cả {self.pupils} học sinh đều có và đúng dạng."
        lines = [f"{len(self.failures)}/{self.pupils} học sinh chưa có hoặc sai mã định danh cá nhân:"]
        for f in self.failures:
            number = f" — mã {f['madinhdanh']}" if f["madinhdanh"] else ""
            lines.append(f"- Lớp {f['lop']}, {f['hovaten']} (sinh {f['ngaysinh']}){number}: {' '.join(f['loi'])}")
        return "\n".join(lines)

    def json(self) -> str:
        return json.dumps(self.document, ensure_ascii=False, indent=2)


def _flag(value):
    return None if value is None else int(bool(value))


def _current_issued(enrolment):
    issued = list(IssuedRecord.objects.filter(enrolment=enrolment).order_by("-version")[:1])
    return issued[0] if issued else None


def _history(pupil, school) -> list[dict]:
    rows = []
    for e in (pupil.enrolments.select_related("school_class__school_year__school")
              .order_by("school_class__school_year__name", "joined_on")):
        year = e.school_class.school_year
        rows.append({"namhoc": year.name, "makhoi": e.school_class.grade, "tenlop": e.school_class.name,
                     "matruong": year.school.code, "tentruong": year.school.name, "sodangbo": e.registry_number,
                     "ngaynhaphoc": e.joined_on.isoformat(), "chuyenden": int(e.transferred_in)})
    return rows


def _pupil_document(enrolment, record: dict, period: str, term: str, principal_title: str, issued=None) -> dict:
    pupil, school_class = enrolment.pupil, enrolment.school_class
    school = school_class.school_year.school
    lists = record if period == catalogue.YEAR_END else (record.get("periods") or {}).get(period) or \
        {"subjects": [], "qualities": [], "competences": []}
    doc = {
        "madinhdanhhocba": None,
        "matruong": school.code,
        "mahocsinh": pupil.sector_code or None,
        "madinhdanh": pupil.identity_number,
        "hovaten": pupil.full_name,
        "ngaysinh": pupil.birth_date.isoformat(),
        "gioitinh": GENDER_CODES.get(pupil.gender, 0),
        "dantoc": pupil.ethnicity,
        "quoctich": pupil.nationality,
        "noisinh": pupil.birthplace,
        "quequan": pupil.hometown or None,
        "noiohiennay": pupil.address or None,
        "hotencha": pupil.father_name or None,
        "hotenme": pupil.mother_name or None,
        "hotennguoigiamho": pupil.guardian_name or None,
        "makhoi": school_class.grade,
        "tenlop": school_class.name,
        "namhoc": school_class.school_year.name,
        "_quatrinhhoctap": _history(pupil, school),
        "_dsbangdiem": [{"mamonhoc": s["code"], "tenmonhoc": catalogue.SUBJECTS[s["code"]],
                         "mucdatduoc": s["rating"], "diemktdk": s["score"], "nhanxet": s["comment"] or None}
                        for s in lists["subjects"]],
        "_dsphamchat": [{"maphamchat": q["code"], "tenphamchat": catalogue.QUALITIES[q["code"]],
                         "mucdatduoc": q["rating"], "nhanxet": q["comment"] or None} for q in lists["qualities"]],
        "_dsnangluc": [{"manangluc": c["code"], "tennangluc": catalogue.COMPETENCES[c["code"]],
                        "mucdatduoc": c["rating"], "nhanxet": c["comment"] or None} for c in lists["competences"]],
    }
    if term == "year":
        completed = record["completed_grade"]
        decision = (record.get("principal_decision") or {}).get("decision")
        doc.update({
            "madinhdanhhocba": issued.record_id if issued else None,
            "ngayhieuluc": issued.effective_date.isoformat() if issued else None,
            "ketquagiaoduc": record["outcome"],
            "khenthuong": record["award"],
            "dahthanhctrinhlophoc": _flag(completed),
            "dahthanhctrinhtieuhoc": _flag(record["completed_primary"]),
            # Điều 11: a pupil who completes the grade (after the supplementary evaluation, if any) goes up; for
            # the others the principal decides (1 promoted, 0 kept back, null not yet decided).
            "duoclenlop": 1 if completed or decision == "promote" else 0 if decision == "repeat" else None,
            "danhgiatheokhgdcanhan": int(bool(record["individual_plan"])),
            "chieucao": record["height_cm"],
            "cannang": record["weight_kg"],
            "songaynghicophep": (record["days_absent"] or {}).get("excused"),
            "songaynghikhongphep": (record["days_absent"] or {}).get("unexcused"),
            "nhanxetgvcn": record["homeroom_comment"] or None,
            "giaovienchunhiem": record["homeroom_teacher"] or None,
            "hieutruong": record["principal"] or None,
            "chucvugiamhieu": principal_title,
            "diadanhphathanh": without_unit(record["school"].get("commune") or record["school"].get("district") or ""),
        })
    return doc


def sector_export(*, school_year, term: str, only_valid: bool = False) -> SectorExport:
    """The school's results for the term (``"1"``: end of term I; ``"2"``: end of the year's term II
    results; ``"year"``: those plus the outcome, award, completion and promotion) for the pupils
    studying in the school year, with the identity check of every pupil. ``only_valid`` leaves out the
    pupils that fail the check (the rest of the file is what the sector database accepts)."""
    if term not in TERMS:
        raise ValueError(f"term must be one of {', '.join(TERMS)}, not {term!r}")
    period = TERMS[term]
    school = school_year.school
    enrolments = (enrolments_for_records().filter(school_class__school_year=school_year,
                                                   status=EnrolmentStatus.STUDYING))
    enrolments = sorted(enrolments, key=lambda e: (e.school_class.grade, e.school_class.name,
                                                   vietnamese_sort_key(e.pupil.full_name), e.pk))
    principals: dict = {}
    place = school_places([school])[school.pk]
    pupils, failures, named = [], [], []
    for enrolment in enrolments:
        pupil = enrolment.pupil
        problems = identity_number_problems(pupil.identity_number, gender=pupil.gender, birth_date=pupil.birth_date)
        if problems:
            failures.append({"lop": enrolment.school_class.name, "hovaten": pupil.full_name,
                             "ngaysinh": pupil.birth_date.strftime("%d/%m/%Y"), "madinhdanh": pupil.identity_number,
                             "mahocsinh": pupil.sector_code or None, "loi": problems})
            if only_valid:
                continue
        record = record_build(enrolment, principals=principals)
        issued = _current_issued(enrolment) if term == "year" else None
        if issued is not None:
            named.append(issued)
        pupils.append(_pupil_document(enrolment, record, period, term, "Hiệu trưởng", issued))
    document = {
        "dinhdang": FORMAT,
        "masogd": place.province_code,
        "maxa": place.commune_code,
        "matruong": school.code,
        "tentruong": school.name,
        "namhoc": school_year.name,
        "hocky": term,
        "thoidiem": period,
        "ngayxuat": timezone.localtime().isoformat(timespec="seconds"),
        "thongtinsohocbasotieuhoc": pupils,
        "kiemtramadinhdanh": failures,
    }
    return SectorExport(document, failures, len(enrolments), named)


def sector_file_record(export: SectorExport, data: bytes, *, channel: str, by=None) -> int:
    """Record the file ``data`` made from ``export`` as an extract (``ExtractForm.SECTOR``, the file's SHA-256) of
    every issued record it names (the year's file: its ``madinhdanhhocba``), as it leaves for the sector database;
    the term files carry no issued record. Returns how many were recorded."""
    if not export.issued:
        return 0
    return len(extracts_record(issued=export.issued, form=ExtractForm.SECTOR, channel=channel,
                               data=data, by=by))


# The xlsx form: one sheet per table, one column per field, the field names as headers.
_CHILD_TABLES = ("_quatrinhhoctap", "_dsbangdiem", "_dsphamchat", "_dsnangluc")
_LINK = ("matruong", "mahocsinh", "madinhdanh", "hovaten")


def _write_table(workbook: Workbook, title: str, rows: list[dict], headers: list[str] | None = None) -> None:
    ws = workbook.create_sheet(sheet_title(title))
    headers = headers or list(dict.fromkeys(k for row in rows for k in row))
    for c, name in enumerate(headers, start=1):
        cell = put(ws, 1, c, name)
        cell.font, cell.fill, cell.border, cell.alignment = HEADER_FONT, HEADER_FILL, BORDER, WRAP_CENTER
        ws.column_dimensions[cell.column_letter].width = max(10, min(40, len(name) + 4))
    for r, row in enumerate(rows, start=2):
        for c, name in enumerate(headers, start=1):
            value = row.get(name)
            if isinstance(value, list):
                value = "; ".join(map(str, value))
            cell = put(ws, r, c, value, number_format=TEXT_FORMAT if name in ("madinhdanh", "mahocsinh",
                                                                               "matruong") else None)
            cell.border = BORDER
    ws.freeze_panes = "A2"


def sector_workbook(export: SectorExport) -> Workbook:
    """The same content as the JSON document, as sheets named after the catalogue's tables."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    pupils = export.document["thongtinsohocbasotieuhoc"]
    _write_table(workbook, "thongtinsohocbasotieuhoc",
                 [{k: v for k, v in p.items() if not k.startswith("_")} for p in pupils])
    for table in _CHILD_TABLES:
        rows = [{**{k: p[k] for k in _LINK}, **child} for p in pupils for child in p[table]]
        headers = list(_LINK) + list(dict.fromkeys(k for row in rows for k in row if k not in _LINK))
        _write_table(workbook, table, rows, headers)
    _write_table(workbook, "kiemtramadinhdanh", export.failures,
                 ["lop", "hovaten", "ngaysinh", "madinhdanh", "mahocsinh", "loi"])
    meta = workbook.create_sheet("thongtinxuat")
    for r, key in enumerate(("dinhdang", "masogd", "maxa", "matruong", "tentruong", "namhoc", "hocky",
                             "thoidiem", "ngayxuat"), start=1):
        put(meta, r, 1, key).font = HEADER_FONT
        put(meta, r, 2, export.document[key], number_format=TEXT_FORMAT)
    return workbook
