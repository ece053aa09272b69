"""Nộp gói học bạ: a school's sealed class packages collected (hocbaso submit), then received, checked and
counted by an office's deployment (hocbaso receive); a tampered package is reported."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hocbaso.exchange.submission.services import (SubmissionRefused, receive_counts, submission_collect,
                                                  submission_receive)
from hocbaso.testing.exchange import flip_in_member, flip_in_signed_pdf, members, rezip
from hocbaso.testing.lifecycle import sign_and_issue


def test_submit_then_receive_counts_and_reports_tampering(school, tmp_path, capsys):
    w = school
    with pytest.raises(SubmissionRefused, match="chưa có gói học bạ"):
        submission_collect(school_year=w.year, out=tmp_path / "none")
    sign_and_issue(w)
    out = tmp_path / "nop"
    call_command("submit", "--school", w.school.code, "--year", "2024-2025", "--out", str(out))
    printed = capsys.readouterr().out
    assert "Lớp 4A: 3 học bạ" in printed and "Các lớp chưa có gói học bạ: 1A, 4B" in printed
    index = json.loads((out / "submission.json").read_text())
    assert [p["class_name"] for p in index["packages"]] == ["4A"] and index["packages"][0]["records"] == 3
    package = out / index["packages"][0]["file"]
    assert package.exists()

    call_command("receive", str(out))
    printed = capsys.readouterr().out
    assert f"{w.school.code} {w.school.name} — năm học 2024-2025: 3 học bạ hợp lệ trong 1 gói" in printed
    assert "Lớp 4A: 3 học bạ — hợp lệ" in printed

    # Two tampered copies sent alongside: one byte flipped in the ZIP, one record edited and re-zipped.
    data = package.read_bytes()
    files = members(data)
    record = next(n for n in files if n.startswith("records/"))
    tampered = tmp_path / "bi-sua"
    tampered.mkdir()
    (tampered / "a-flip.zip").write_bytes(flip_in_member(data, record))
    (tampered / "b-edit.zip").write_bytes(rezip({**files, record: flip_in_signed_pdf(files[record])}))
    with pytest.raises(CommandError, match="2 gói bị từ chối"):
        call_command("receive", str(package), str(tampered))
    printed = capsys.readouterr().out
    assert "3 học bạ hợp lệ trong 1 gói, 2 gói bị từ chối" in printed
    assert printed.count("BỊ TỪ CHỐI") == 2 and f"TỪ CHỐI {tampered / 'b-edit.zip'}" in printed
    assert "không khớp mã băm" in printed and "bị hỏng hoặc đã bị sửa" in printed

    received = submission_receive([package, tampered])
    counts = receive_counts(received)
    assert counts[0]["records"] == 3 and counts[0]["packages_ok"] == 1 and counts[0]["packages_refused"] == 2
    assert received[0].trusted  # the school's seal chains to this deployment's CA
