"""``hocbaso audit verify``: exit 0 on a clean log; after tampering with the table in raw SQL (behind the
application's back), a non-zero exit that names the first broken entry: its number, time, action and what
is wrong with it."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from hocbaso.audit.models import AuditEntry
from hocbaso.audit.services import log_action

TABLE = AuditEntry._meta.db_table


def fill(user, n=5):
    for i in range(n):
        log_action("evaluation.change", actor=user, target_type="subjectevaluation", target_id=i,
                   before={"score": i}, after={"score": i + 1})
    log = {e.seq: e for e in AuditEntry.objects.all()}
    assert sorted(log) == list(range(1, n + 1))
    return log


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def run(*args) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), ""


def shown_time(entry) -> str:
    return timezone.localtime(entry.at).strftime("%d/%m/%Y %H:%M:%S")


def test_clean_log_passes(world):
    fill(world.member.user)
    code, out, _ = run()
    assert code == 0
    assert "nguyên vẹn" in out and "5 mục" in out


def test_empty_log_passes(db):
    code, out, _ = run()
    assert code == 0 and "chưa có mục nào" in out


def test_row_changed_in_raw_sql_is_named(world):
    log = fill(world.member.user)
    sql(f"UPDATE {TABLE} SET after = %s WHERE seq = %s", ['{"score": 10}', 3])
    code, out, error = run()
    assert code == 1
    assert "Mục hỏng đầu tiên: #3 — nội dung đã bị sửa" in out
    assert shown_time(log[3]) in out and "evaluation.change (subjectevaluation 2)" in out
    assert "Lê Thị Hoa" in out
    assert "Các mục #1 đến #2 trước đó vẫn nguyên vẹn" in out
    assert "mục #3" in error


def test_row_deleted_in_raw_sql_is_named(world):
    log = fill(world.member.user)
    sql(f"DELETE FROM {TABLE} WHERE seq = %s", [2])
    code, out, _ = run()
    assert code == 1
    assert "Mục hỏng đầu tiên: #2 — đã bị xóa hoặc bị mất" in out
    assert "Mục #2 không còn trong cơ sở dữ liệu" in out
    # its neighbours, by time and action, bound when the lost entry was written
    assert f"Mục liền trước còn nguyên vẹn: #1, lúc {shown_time(log[1])}" in out
    assert f"Mục kế tiếp còn lại: #3, lúc {shown_time(log[3])}" in out


def test_row_deleted_and_the_rest_renumbered_is_named(world):
    fill(world.member.user)
    sql(f"DELETE FROM {TABLE} WHERE seq = %s", [2])
    for seq in (3, 4, 5):
        sql(f"UPDATE {TABLE} SET seq = %s WHERE seq = %s", [seq - 1, seq])
    code, out, _ = run()
    assert code == 1 and "Mục hỏng đầu tiên: #2 — đã bị xóa hoặc bị mất" in out


def test_last_row_deleted_is_named(world):
    fill(world.member.user)
    sql(f"DELETE FROM {TABLE} WHERE seq = %s", [5])
    code, out, _ = run()
    assert code == 1
    assert "Mục hỏng đầu tiên: #5 — các mục cuối nhật ký đã bị xóa" in out


def test_two_rows_swapped_in_raw_sql_are_named(world):
    log = fill(world.member.user)
    sql(f"UPDATE {TABLE} SET seq = -1 WHERE seq = 2")
    sql(f"UPDATE {TABLE} SET seq = 2 WHERE seq = 4")
    sql(f"UPDATE {TABLE} SET seq = 4 WHERE seq = -1")
    code, out, _ = run()
    assert code == 1
    assert "Mục hỏng đầu tiên: #2 — sai thứ tự" in out
    # the row now at #2 is the one written fourth (target 3); the one that belongs at #2 sits at #4
    assert f"Mục đang nằm ở vị trí #2: lúc {shown_time(log[4])}" in out
    assert "(subjectevaluation 3)" in out
    assert "Mục đúng ở vị trí #2 hiện nằm ở vị trí #4" in out
    assert "Mục #1 trước đó vẫn nguyên vẹn" in out


def test_adjacent_rows_swapped_are_named(world):
    fill(world.member.user)
    sql(f"UPDATE {TABLE} SET seq = -1 WHERE seq = 3")
    sql(f"UPDATE {TABLE} SET seq = 3 WHERE seq = 4")
    sql(f"UPDATE {TABLE} SET seq = 4 WHERE seq = -1")
    code, out, _ = run()
    assert code == 1 and "Mục hỏng đầu tiên: #3 — sai thứ tự" in out


def test_json_output(world):
    fill(world.member.user)
    sql(f"UPDATE {TABLE} SET action = %s WHERE seq = %s", ["record.issue", 4])
    code, out, _ = run("--json")
    report = json.loads(out)
    assert code == 1
    assert report["ok"] is False and report["broken_seq"] == 4 and report["kind"] == "changed"
    assert report["entry"]["action"] == "record.issue" and report["previous"]["seq"] == 3


@pytest.mark.slow
def test_console_command_exit_status(tmp_path):
    """Through the real console entry point on an empty data folder: ``hocbaso audit verify`` exits 0."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "HOCBASO_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "hocbaso.settings"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "hocbaso", "audit", "verify"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "chưa có mục nào" in done.stdout
    helped = subprocess.run([sys.executable, "-m", "hocbaso", "--help"], env=env, capture_output=True, text=True,
                            timeout=300)
    assert "audit" in helped.stdout and "verify" in helped.stdout
