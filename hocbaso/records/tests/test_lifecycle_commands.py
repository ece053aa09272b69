"""The lifecycle from the command line, as a school would run it: identities, lock, sign (subject, class,
school with --issue), a correction after issuance, and the new version signed and issued."""

import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from hocbaso.records.models import IssuedRecord
from hocbaso.records.selectors import issued_status
from hocbaso.testing.people import ENGLISH_PIN, PRINCIPAL_PIN, SEAL_PIN, TEACHER_PIN

PINS = {"PIN_GVCN": TEACHER_PIN, "PIN_GVTA": ENGLISH_PIN, "PIN_HT": PRINCIPAL_PIN, "PIN_DAU": SEAL_PIN}


def run(*args, **options):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def test_the_whole_lifecycle_from_the_command_line(school, monkeypatch, tmp_path):
    for name, value in PINS.items():
        monkeypatch.setenv(name, value)
    where = {"school": "67000199", "year": "2024-2025"}
    # The fixture issued identities already; the command re-issues the homeroom teacher's (new key, same PIN).
    assert "Lê Thị Hoa" in run("identity", **{"for": "gvcn4a"}, by="hieutruong", pin_env="PIN_GVCN")
    with pytest.raises(CommandError, match="chưa chốt dữ liệu"):
        run("sign", **where, class_name="4A", user="gvcn4a", pin_env="PIN_GVCN")
    run("lock", **where, class_name="4A", by="hieutruong")
    with pytest.raises(CommandError, match="PIN"):
        run("sign", **where, class_name="4A", subject="ngoai_ngu_1", user="gvta", pin_env="PIN_GVCN")
    assert "3 học sinh" in run("sign", **where, class_name="4A", subject="ngoai_ngu_1", user="gvta",
                               pin_env="PIN_GVTA")
    assert "đã ký 3 học bạ" in run("sign", **where, class_name="4A", user="gvcn4a", pin_env="PIN_GVCN")
    out = run("sign", **where, user="hieutruong", pin_env="PIN_HT", issue=True, seal_pin_env="PIN_DAU")
    assert "đóng dấu 3 học bạ" in out and "Đã phát hành 3 học bạ" in out
    v1 = IssuedRecord.objects.get(identity_number="067214001234")

    out = run("correction", "request", **where, user="gvcn4a", pupil="067214001234", field="homeroom_comment",
              value='"Em chăm học, viết chữ đẹp."', reason="Bổ sung nhận xét cuối năm.")
    number = int(out.split("#")[1].split(":")[0])
    assert "phiên bản 2 đang chờ ký" in run("correction", "approve", **where, user="hieutruong", id=number)
    assert "đã ký 1 học bạ" in run("sign", **where, class_name="4A", user="gvcn4a", pin_env="PIN_GVCN")
    run("sign", **where, user="hieutruong", pin_env="PIN_HT", issue=True, seal_pin_env="PIN_DAU")
    v2 = IssuedRecord.objects.get(supersedes=v1)
    assert v2.record["homeroom_comment"] == "Em chăm học, viết chữ đẹp." and v2.version == 2
    assert issued_status(v1)["status"] == "superseded"
    assert "[Đã phê duyệt]" in run("correction", "list", **where, user="hieutruong")
    # `hocbaso verify` on the old file: intact, two signatures, but superseded by version 2.
    for issued, status in ((v1, "superseded"), (v2, "current")):
        path = tmp_path / f"v{issued.version}.pdf"
        with default_storage.open(issued.pdf, "rb") as handle:
            path.write_bytes(handle.read())
        report = json.loads(run("verify", str(path)))
        assert report["status"] == status and report["registry_match"] is True
        assert [s["signer_name"] for s in report["signatures"]][:2] == ["Lê Thị Hoa", "Đoàn Trung Quế"]
    assert report["lookup_code"] == v2.lookup_code


def test_the_lock_command_computes_the_year_results_as_the_web_lock_does(school, monkeypatch):
    """Finding 14 of the hardening review: ``hocbaso lock`` locked a class without its year results, which then
    could not be signed ("chưa có kết quả đánh giá cuối năm")."""
    from hocbaso.assessment.models import YearResult

    monkeypatch.setenv("PIN_GVTA", ENGLISH_PIN)
    monkeypatch.setenv("PIN_GVCN", TEACHER_PIN)
    YearResult.objects.filter(enrolment__school_class=school.class4a).delete()  # entered, never computed
    where = {"school": "67000199", "year": "2024-2025"}
    run("lock", **where, class_name="4A", by="hieutruong")
    results = YearResult.objects.filter(enrolment__school_class=school.class4a)
    assert results.count() == 3 and all(r.outcome for r in results)
    run("sign", **where, class_name="4A", subject="ngoai_ngu_1", user="gvta", pin_env="PIN_GVTA")
    assert "đã ký 3 học bạ" in run("sign", **where, class_name="4A", user="gvcn4a", pin_env="PIN_GVCN")
