"""``hocbaso place-schools``: an installation that issued records under the old names (Sở GD&ĐT Đắk Nông, Phòng
GD&ĐT Đắk Song) moved to today's hierarchy by a conversion table; what was issued stays byte-identical, current
and verifiable, the audit chain clean, and every school it could not place is reported."""

import datetime as dt
import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from hocbaso.audit.models import AuditEntry
from hocbaso.audit.services import audit_verify
from hocbaso.directory.conversion import ConversionRefused, header_key, name_key, table_read
from hocbaso.directory.models import TWO_LEVEL_GOVERNMENT_FROM, Commune, District, School, SchoolPlacement
from hocbaso.directory.selectors import school_places
from hocbaso.exchange.copies.services import copy_issue
from hocbaso.records.models import ClassPackage, IssuedRecord
from hocbaso.records.selectors import enrolments_for_records, record_build
from hocbaso.testing.fixtures import place_in_history
from hocbaso.testing.lifecycle import open_signer, sign_and_issue
from hocbaso.testing.people import PRINCIPAL_PIN
from hocbaso.testing.poppler import pdftext

HEADER = "Mã tỉnh cũ,Tên tỉnh cũ,Mã huyện cũ,Tên huyện cũ,Mã xã cũ,Tên xã cũ,Mã tỉnh mới,Tên tỉnh mới,Mã xã mới,Tên xã mới"
TABLE = "\n".join([
    HEADER,
    "67,Tỉnh Đắk Nông,665,Huyện Đắk Song,24730,Xã Trường Xuân,68,Tỉnh Lâm Đồng,24730,Xã Trường Xuân",
    "67,Tỉnh Đắk Nông,665,Huyện Đắk Song,24733,Xã Nâm N'Jang,68,Tỉnh Lâm Đồng,24730,Xã Trường Xuân",
    # A former commune split between two new ones: its school cannot be placed without a pinned row.
    "67,Tỉnh Đắk Nông,665,Huyện Đắk Song,24736,Xã Thuận Hạnh,68,Tỉnh Lâm Đồng,24722,Xã Thuận Hạnh",
    "67,Tỉnh Đắk Nông,665,Huyện Đắk Song,24736,Xã Thuận Hạnh,68,Tỉnh Lâm Đồng,24717,Xã Đức An",
]) + "\n"


def files_of(records):
    return {r.pk: default_storage.open(r.pdf, "rb").read() for r in records}


@pytest.fixture
def old_installation(school):
    """``world``'s school as an installation before the move: placed only in its district (as migration 0003
    leaves it), with 4A's records issued under the old names; and schools the table cannot place."""
    w = school
    SchoolPlacement.objects.filter(since__gte=TWO_LEVEL_GOVERNMENT_FROM).delete()
    sign_and_issue(w)
    w.split = School.objects.create(code="67000301", name="Trường Tiểu học Thuận Hạnh")
    place_in_history(w.split, w.district, commune_name="Xã Thuận Hạnh")
    w.elsewhere = School.objects.create(code="67000401", name="Trường Tiểu học Đắk Mil")
    place_in_history(w.elsewhere, District.objects.create(province=w.old_province, code="6702", name="Huyện Đắk Mil"),
                     commune_name="Xã Đắk Lao")
    w.nowhere = School.objects.create(code="67000501", name="Trường Tiểu học Chưa Xếp")
    return w


def place_schools(tmp_path, table: str, *args) -> tuple[int, str]:
    path = tmp_path / "bang-chuyen-doi.csv"
    path.write_text(table, encoding="utf-8")
    out = io.StringIO()
    try:
        call_command("place-schools", str(path), *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_place_schools_moves_the_installation_and_leaves_what_was_issued_as_it_was(old_installation, tmp_path):
    w = old_installation
    issued = list(IssuedRecord.objects.order_by("pk"))
    assert len(issued) == 3
    assert {r.record["school"]["authority"] for r in issued} == {"Phòng GD&ĐT Đắk Song"}
    assert {(r.record["school"]["district"], r.record["school"]["province"]) for r in issued} == {
        ("Huyện Đắk Song", "Tỉnh Đắk Nông")}
    before_files, before_rows = files_of(issued), {r.pk: (r.sha256, r.pdf, r.record) for r in issued}
    packages = {p.pk: (p.sha256, default_storage.open(p.file, "rb").read()) for p in ClassPackage.objects.all()}
    assert packages

    code, out = place_schools(tmp_path, TABLE)

    # Every school it could not place is named, with why; the rest are placed.
    assert code == 1
    lines = [line for line in out.splitlines() if line.startswith("CHƯA XẾP")]
    assert len(lines) == 4
    # The other school wrote no commune, and its district's communes went to three new ones.
    assert "67000198" in lines[0] and "(chưa ghi xã), Huyện Đắk Song, Tỉnh Đắk Nông thuộc về nhiều" in lines[0]
    assert "67000301" in lines[1] and "nhiều xã/phường mới (Xã Thuận Hạnh, Xã Đức An)" in lines[1]
    assert "67000401" in lines[2] and "không có dòng nào của Huyện Đắk Mil, Tỉnh Đắk Nông" in lines[2]
    assert "67000501" in lines[3] and "chưa có nơi trực thuộc" in lines[3]
    assert "Đã xếp 1 trường" in out
    commune = Commune.objects.get(code="24730")
    assert (commune.name, commune.authority_name, commune.province.code) == (
        "xã Trường Xuân", "UBND xã Trường Xuân", "68")
    for school in (w.school,):
        now, then = school_places([school])[school.pk], school_places([school], dt.date(2025, 6, 30))[school.pk]
        assert (now.commune_code, now.authority_name, now.province_name) == ("24730", "UBND xã Trường Xuân",
                                                                            "Tỉnh Lâm Đồng")
        assert then.district_name == "Huyện Đắk Song" and then.province_name == "Tỉnh Đắk Nông"
    for school in (w.other_school, w.split, w.elsewhere, w.nowhere):
        assert not school.placements.filter(since__gte=TWO_LEVEL_GOVERNMENT_FROM).exists()

    # What was issued is byte-identical, current and verifiable; the audit chain is clean.
    after = list(IssuedRecord.objects.order_by("pk"))
    assert {r.pk: (r.sha256, r.pdf, r.record) for r in after} == before_rows
    assert files_of(after) == before_files
    assert {p.pk: (p.sha256, default_storage.open(p.file, "rb").read()) for p in ClassPackage.objects.all()} == packages
    for record in after:
        path = tmp_path / f"{record.pk}.pdf"
        path.write_bytes(before_files[record.pk])
        verdict = io.StringIO()
        call_command("verify", str(path), stdout=verdict)
        report = json.loads(verdict.getvalue())
        assert report["status"] == "current" and report["intact"], report
    chain = audit_verify()
    assert chain.ok, chain
    audit = io.StringIO()
    call_command("audit", "verify", stdout=audit)

    # A certified copy made after the move re-renders the records with the names they were issued under.
    copy = copy_issue(pupil=w.pupil, by=w.owner.user, signer=open_signer(w.owner, PRINCIPAL_PIN, seal=True))
    text = pdftext(default_storage.open(copy.file, "rb").read(), tmp_path)
    assert text.count("SỞ GD&ĐT ĐẮK NÔNG") >= 2 and text.count("PHÒNG GD&ĐT ĐẮK SONG") >= 2  # cover and year
    assert "Huyện (Quận, Thị xã, Thành phố): Huyện Đắk Song" in text and "Tỉnh (Thành phố): Tỉnh Đắk Nông" in text
    assert "UBND" not in text and "Lâm Đồng" not in text

    # A record built now names the commune's People's Committee; run again, the table changes nothing more.
    record = record_build(enrolments_for_records().get(pk=w.enrolment.pk))
    assert record["school"] == {"code": "67000199", "name": "Trường Tiểu học Thử Nghiệm",
                                "authority": "UBND xã Trường Xuân", "commune": "xã Trường Xuân",
                                "province": "Tỉnh Lâm Đồng"}
    placements = SchoolPlacement.objects.count()
    code, out = place_schools(tmp_path, TABLE)
    assert code == 1 and "Đã xếp 0 trường" in out and "1 trường đã có nơi trực thuộc từ ngày đó" in out
    assert SchoolPlacement.objects.count() == placements


def test_a_pinned_row_places_a_school_of_a_split_commune_and_a_dry_run_writes_nothing(old_installation, tmp_path):
    w = old_installation
    rows = TABLE.splitlines()
    pinned = "\n".join([rows[0] + ",Mã trường", *(row + "," for row in rows[1:]),
                        "67,Tỉnh Đắk Nông,665,Huyện Đắk Song,24736,Xã Thuận Hạnh,68,Tỉnh Lâm Đồng,24717,Xã Đức An,"
                        "67000301",
                        "67,Tỉnh Đắk Nông,665,Huyện Đắk Song,,,68,Tỉnh Lâm Đồng,24730,Xã Trường Xuân,67000198"]) + "\n"
    code, out = place_schools(tmp_path, pinned, "--dry-run")
    assert "Sẽ xếp 3 trường" in out and "3 trường chưa xếp được" not in out and "67000301  Trường Tiểu học Thuận Hạnh → Xã Đức An" in out
    assert not SchoolPlacement.objects.filter(since__gte=TWO_LEVEL_GOVERNMENT_FROM).exists()
    assert not Commune.objects.filter(code="24717").exists()
    code, out = place_schools(tmp_path, pinned, "--by", w.owner.user.username)
    assert code == 1 and "Đã xếp 3 trường" in out and "2 trường chưa xếp được" in out
    assert school_places([w.split])[w.split.pk].commune_name == "xã Đức An"
    assert school_places([w.other_school])[w.other_school.pk].commune_name == "xã Trường Xuân"
    entry = AuditEntry.objects.filter(action="directory.school_place", target_id="67000301").get()
    assert entry.actor_id == w.owner.user.pk


@pytest.mark.parametrize("table, problem", [
    ("a,b\n1,2\n", "Bảng chuyển đổi thiếu cột: ma_tinh_moi, ten_tinh_moi, ma_xa_moi, ten_xa_moi, ten_xa_cu"),
    (HEADER + "\n67,Tỉnh Đắk Nông,665,Huyện Đắk Song,24730,Xã Trường Xuân,6,Tỉnh Lâm Đồng,24730,Xã Trường Xuân\n",
     "Dòng 2, cột ma_tinh_moi: Mã tỉnh phải gồm đúng 2 chữ số"),
    (HEADER + "\n67,Tỉnh Đắk Nông,665,Huyện Đắk Song,24730,Xã Trường Xuân,68,Tỉnh Lâm Đồng,2471,\n",
     "Dòng 2, cột ma_xa_moi: Mã xã/phường phải gồm đúng 5 chữ số"),
    (HEADER + "\n", "không có dòng dữ liệu"),
])
def test_a_table_that_cannot_be_read_is_refused_whole_naming_row_and_column(table, problem):
    with pytest.raises(ConversionRefused) as refused:
        table_read(table.encode("utf-8"))
    assert problem in refused.value.problems[0]


def test_a_refused_table_writes_nothing(world, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "hong.csv"
    path.write_bytes("Tên tỉnh mới\nLâm Đồng\n".encode("utf-8"))
    placements = SchoolPlacement.objects.count()
    with pytest.raises(CommandError, match="chưa ghi gì"):
        call_command("place-schools", str(path), stdout=io.StringIO())
    assert SchoolPlacement.objects.count() == placements


def test_names_and_headers_compare_without_kind_case_accents_or_unicode_form():
    import unicodedata

    assert name_key("Xã  Trường Xuân") == name_key(unicodedata.normalize("NFD", "xã trường xuân")) == "trường xuân"
    assert name_key("Huyện Đắk Song") == "đắk song" and name_key("Tỉnh Đắk Nông") == "đắk nông"
    assert header_key(" Mã xã mới ") == "ma_xa_moi" and header_key("Tên huyện cũ") == "ten_huyen_cu"
