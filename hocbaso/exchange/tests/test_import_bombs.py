"""Finding 4 of the hardening review: import bombs from any teacher account. A 189 KB Excel file took 37 s and
1.33 GB, 50 MB files were accepted, a 0.5 MB ZIP bomb on the transfer and office upload pages cost ~1 GB, and
the office upload had no size limit.

Now a workbook's cells, rows, columns, merged ranges and XML are counted from a stream before openpyxl reads
it (``exchange/excel/bounds.py``), a package's members are read under declared and actual caps
(``core/limits.py``), and every upload page has its own size cap (``HOCBASO_EXCEL_MAX_UPLOAD_BYTES``,
``HOCBASO_PACKAGE_MAX_UPLOAD_BYTES``). The bombs are read in a fresh process whose peak memory is measured."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocbaso.audit.models import AuditEntry
from hocbaso.directory.models import Enrolment, Pupil, Role, Staff, StaffRole
from hocbaso.records.models import ImportedRecord
from hocbaso.testing.bombs import measured_each, xlsx_cell_flood, xlsx_far_cell, xlsx_merge_bomb, zip_with_bomb
from hocbaso.testing.exchange import PUPIL_HEADERS, login, pupil_row, upload, xlsx

pytestmark = pytest.mark.slow  # each measured attack runs in a fresh process

XLSX_BOMBS = {
    "cell_flood": lambda: xlsx_cell_flood(100_000),  # 2 million cells in 130 KB
    "far_cell": xlsx_far_cell,  # reading its rows creates 17 billion cells
    "merge_bomb": xlsx_merge_bomb,  # one merged range over the whole sheet
}
READ_WORKBOOK = """
from hocbaso.exchange.excel.sheets import UnreadableFile, open_workbook, parse_sheet
try:
    result = [parse_sheet(ws) for ws in open_workbook(data).worksheets]
except UnreadableFile as refused:
    result = ("refused", str(refused))
"""


def package_bomb(size_mb: int = 512) -> bytes:
    """A package (about 1 KB per MiB) whose manifest.pdf inflates to ``size_mb`` MiB, with its true size and CRC
    declared."""
    return zip_with_bomb({"records/a.pdf": b"%PDF-1.7\n"}, "manifest.pdf", size_mb)


# The page tests run in the test process itself: their bombs are small enough that the code before the caps
# survives them (a few hundred MB), and large enough to pass the caps.
PAGE_XLSX_BOMB = "A1:Z20000"  # 520 000 merged cells, over the 300 000 cap
PAGE_ZIP_BOMB_MB = 128  # over the 32 MB member cap
OVERSIZED = b"PK\x03\x04" + bytes(200 * 1024)  # over a 100 KB cap, harmless to read


def package_bomb_lying() -> bytes:
    """The same bomb declaring 1 MiB: the reader must stop at what the header says (and then the CRC fails)."""
    return zip_with_bomb({"records/a.pdf": b"%PDF-1.7\n"}, "manifest.pdf", 512, declared_mb=1)


def assert_small_and_fast(outcome):
    assert outcome["seconds"] < 2, outcome
    assert outcome["peak_mb"] < 200, outcome
    assert outcome["kept_mb"] < 50, outcome


def test_excel_import_bombs_are_refused_fast_and_small(tmp_path):
    inputs = {name: make() for name, make in XLSX_BOMBS.items()}
    assert all(len(data) < 200 * 1024 for data in inputs.values())
    measured = measured_each(READ_WORKBOOK, inputs, prelude="import openpyxl, hocbaso.exchange.excel.sheets",
                             tmp_path=tmp_path, timeout=30)
    for name, outcome in measured.items():
        assert "result" in outcome, (name, outcome)
        assert outcome["result"].startswith("('refused', 'Tệp quá lớn: số"), (name, outcome)
        assert_small_and_fast(outcome)


PACKAGE_READERS = {"office": """
from hocbaso.exchange.submission.services import package_receive
result = package_receive(data, label="goi.zip").problems
""", "transfer": """
from hocbaso.exchange.transfer.services import TransferRefused, transfer_package_check
try:
    result = transfer_package_check(data)
except TransferRefused as refused:
    result = refused.problems
"""}


@pytest.mark.parametrize("reader", sorted(PACKAGE_READERS))
def test_package_zip_bombs_are_refused_fast_and_small(reader, tmp_path):
    measured = measured_each(PACKAGE_READERS[reader], {"declared": package_bomb(), "lying": package_bomb_lying()},
                             prelude="import pikepdf, pyhanko.sign.validation, hocbaso.signing.packages",
                             tmp_path=tmp_path, timeout=30)
    for name, outcome in measured.items():
        assert "result" in outcome, (name, outcome)
        assert "manifest.pdf" in outcome["result"], (name, outcome)
        assert_small_and_fast(outcome)
    assert "quá lớn khi giải nén" in measured["declared"]["result"]


def test_the_pupil_import_page_refuses_a_bomb_in_vietnamese_and_writes_nothing(client, world):
    login(client, world.owner)
    url = reverse("exchange:import_pupils", args=[world.year.pk])
    before = (Pupil.objects.count(), Enrolment.objects.count(), AuditEntry.objects.count())
    page = client.post(url, {"file": upload(xlsx_merge_bomb(PAGE_XLSX_BOMB))})
    text = page.content.decode()
    assert page.status_code == 200 and "quá lớn: số ô" in text and 'name="confirm"' not in text
    assert (Pupil.objects.count(), Enrolment.objects.count(), AuditEntry.objects.count()) == before


def test_the_excel_pages_cap_uploads_by_their_setting(client, world, settings):
    settings.EXCEL_MAX_UPLOAD = 2 * 1024
    login(client, world.owner)
    url = reverse("exchange:import_pupils", args=[world.year.pk])
    workbook = xlsx({"DS": [PUPIL_HEADERS, pupil_row(1, "4A", "067214009991", "Lê Văn Một", dt.date(2014, 2, 2))]})
    assert len(workbook) > 2 * 1024
    text = client.post(url, {"file": upload(workbook)}).content.decode()
    assert "Tệp quá lớn (tối đa 2 KB)." in text and 'name="confirm"' not in text
    assert not Pupil.objects.filter(identity_number="067214009991").exists()


def test_the_transfer_page_refuses_a_zip_bomb_and_caps_uploads(client, world, settings):
    login(client, world.owner)
    url = reverse("exchange:transfer_receive", args=[world.year.pk])
    before = (Enrolment.objects.count(), ImportedRecord.objects.count(), AuditEntry.objects.count())
    bomb = package_bomb(PAGE_ZIP_BOMB_MB)
    page = client.post(url, {"file": SimpleUploadedFile("goi.zip", bomb)})
    text = page.content.decode()
    assert page.status_code == 200 and "quá lớn khi giải nén" in text and 'name="confirm"' not in text
    settings.PACKAGE_MAX_UPLOAD = 100 * 1024
    text = client.post(url, {"file": SimpleUploadedFile("goi.zip", OVERSIZED)}).content.decode()
    assert "Tệp quá lớn (tối đa 100 KB)." in text
    assert (Enrolment.objects.count(), ImportedRecord.objects.count(), AuditEntry.objects.count()) == before


def test_the_office_page_refuses_a_zip_bomb_and_caps_each_upload(client, world, django_user_model, settings):
    officer = Staff.objects.create(user=django_user_model.objects.create_user("phong2", password="x"),
                                   full_name="Cán bộ UBND xã", commune=world.commune)
    StaffRole.objects.create(staff=officer, role=Role.COMMUNE_OFFICER)
    login(client, officer)
    bomb = package_bomb(PAGE_ZIP_BOMB_MB)
    page = client.post(reverse("exchange:receive"), {"files": [SimpleUploadedFile("bom.zip", bomb)]})
    text = page.content.decode()
    assert page.status_code == 200 and "bom.zip" in text and "quá lớn khi giải nén" in text
    settings.PACKAGE_MAX_UPLOAD = 100 * 1024
    text = client.post(reverse("exchange:receive"),
                       {"files": [SimpleUploadedFile("lon.zip", OVERSIZED)]}).content.decode()
    assert "lon.zip" in text and "Tệp quá lớn (tối đa 100 KB)." in text


ARCHIVE_READER = """
from hocbaso.exchange.archive.format import ArchiveRefused
from hocbaso.exchange.archive.read import archive_open
import io
try:
    archive_open(io.BytesIO(data))
    result = "opened"
except ArchiveRefused as refused:
    result = " ".join(refused.problems)
"""


def test_a_restore_archive_bomb_is_refused_fast_and_small(tmp_path):
    """``hocbaso restore`` reads a year-end archive member by member: a manifest that inflates to 512 MiB is
    refused by what it declares, and one that lies about its size stops at the member cap."""
    inputs = {"declared": zip_with_bomb({"registry.json": b"{}"}, "manifest.json", 512),
              "lying": zip_with_bomb({"registry.json": b"{}"}, "manifest.json", 512, declared_mb=1)}
    measured = measured_each(ARCHIVE_READER, inputs, prelude="import hocbaso.exchange.archive.read",
                             tmp_path=tmp_path, timeout=30)
    for name, outcome in measured.items():
        assert "result" in outcome and outcome["result"] != "opened", (name, outcome)
        assert_small_and_fast(outcome)
    assert "quá lớn khi giải nén" in measured["declared"]["result"]
