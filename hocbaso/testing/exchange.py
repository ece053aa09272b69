"""Shared helpers of the exchange tests: small .xlsx files built in memory the way schools write them, packages
changed the way an attacker or a broken disk would, a school ready to receive a transfer, and the web pages' forms."""

import datetime as dt
import io
import re
import zipfile

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from hocbaso.directory.models import Role, SchoolClass, SchoolYear
from hocbaso.jobs.models import Job
from hocbaso.testing.lifecycle import sign_and_issue
from hocbaso.testing.people import make_staff

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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


# ---------------------------------------------------------------------- packages changed for the tests

def read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(files: dict[str, bytes], *, compression=zipfile.ZIP_STORED) -> bytes:
    """A well-formed ZIP (CRCs right) of ``files``: what someone who edits a package with a ZIP tool makes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def flip_in_member(data: bytes, member: str, *, at: float = 0.5) -> bytes:
    """``data`` (a ZIP) with one byte changed inside ``member``'s stored bytes (the ZIP's CRC then disagrees)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    header = info.header_offset
    name_length = int.from_bytes(data[header + 26:header + 28], "little")
    extra_length = int.from_bytes(data[header + 28:header + 30], "little")
    start = header + 30 + name_length + extra_length
    position = start + int(info.compress_size * at)
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


def flip_in_signed_pdf(pdf: bytes) -> bytes:
    """One byte changed inside the first compressed stream of a PDF's first revision (covered by a signature)."""
    at = pdf.index(b"stream", pdf.index(b"/FlateDecode")) + 40
    changed = bytearray(pdf)
    changed[at] ^= 0x01
    return bytes(changed)


# ---------------------------------------------------------------------- the web pages

def login(client, staff):
    client.force_login(staff.user)
    return client


def upload(data: bytes, name: str = "tep.xlsx"):
    return SimpleUploadedFile(name, data, content_type=XLSX_TYPE)


def confirm_key(response) -> str:
    found = re.search(r'name="confirm" value="([^"]+)"', response.content.decode())
    assert found, response.content.decode()[:3000]
    return found.group(1)


def job_of(response) -> Job:
    assert response.status_code == 302, response.content.decode()[:2000]
    return Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
