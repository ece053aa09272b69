"""Building small .xlsx files in memory for the tests, the way schools write them."""

import datetime as dt
import io

from openpyxl import Workbook, load_workbook

PUPIL_HEADERS = ["STT", "Lớp", "Mã định danh", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Nơi sinh",
                 "Họ tên cha", "Họ tên mẹ", "Số đăng bộ", "Ngày nhập học"]


def xlsx(sheets: dict[str, list[list]], *, merges: dict[str, list[str]] | None = None) -> bytes:
    """A workbook with one sheet per key; each value is the sheet's rows from row 1."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        ws = workbook.create_sheet(title)
        for row in rows:
            ws.append(row)
        for rng in (merges or {}).get(title, []):
            ws.merge_cells(rng)
    return save(workbook)


def receiving_school(w, django_user_model):
    """``w``'s class signed and issued; at ``w.other_school`` a principal (``w.receiver``), the 2025-2026 year
    (``w.next_year``) and its class 5A (``w.class5a``), ready to take in a transferred pupil."""
    from hocbaso.conftest import make_staff
    from hocbaso.directory.models import Role, SchoolClass, SchoolYear
    from hocbaso.records.tests.test_lifecycle import sign_and_issue

    sign_and_issue(w)
    w.receiver = make_staff(django_user_model, w.other_school, "hieutruong2", "Ngô Văn Nhận", Role.PRINCIPAL)
    w.next_year = SchoolYear.objects.create(school=w.other_school, name="2025-2026", start_date=dt.date(2025, 9, 5),
                                            end_date=dt.date(2026, 5, 31))
    w.class5a = SchoolClass.objects.create(school_year=w.next_year, grade=5, name="5A", homeroom_teacher=w.outsider)
    return w


def save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def load(data: bytes):
    return load_workbook(io.BytesIO(data))


def pupil_row(stt, class_name, identity, name, birth, gender="Nam", *, ethnicity="Kinh",
              birthplace="Xã Trường Xuân, Huyện Đắk Song, Tỉnh Đắk Nông", father="Nguyễn Văn Bố",
              mother="Trần Thị Mẹ", registry=None, joined=dt.date(2024, 9, 5)):
    return [stt, class_name, identity, name, birth, gender, ethnicity, birthplace, father, mother,
            registry or f"{stt}/2024", joined]


def problems_at(report) -> set[tuple]:
    """(sheet, row, column letter, code) of every problem, to compare with what a test expects."""
    return {(p.sheet, p.row, p.column, p.code) for p in report.problems}
