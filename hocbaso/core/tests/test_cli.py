"""The ``hocbaso`` console command."""

import json
import os
import subprocess
import sys


def run(args, tmp_path, **kwargs):
    env = {**os.environ, "HOCBASO_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "hocbaso", *args], env=env, capture_output=True, text=True, **kwargs)


def test_help_lists_the_commands_in_plain_words(tmp_path):
    done = run(["--help"], tmp_path)
    assert done.returncode == 0
    for name in ("serve", "demo", "assess", "export-record"):
        assert f"  {name}" in done.stdout
    assert "Kiểm tra một học bạ" in done.stdout


def test_database_commands_migrate_an_empty_data_folder_first(tmp_path):
    done = run(["export-record", "--pupil", "1", "--year", "2024-2025"], tmp_path)
    assert (tmp_path / "hocbaso.sqlite3").exists()
    assert done.returncode == 1 and "Không tìm thấy học sinh 1 trong năm học 2024-2025" in done.stderr


def test_assess_needs_no_database_and_uses_exit_status_2_for_unreadable_input(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    done = run(["assess", str(bad)], tmp_path)
    assert done.returncode == 2 and done.stderr.strip()
    assert not (tmp_path / "hocbaso.sqlite3").exists()


def test_assess_reads_standard_input(tmp_path):
    done = run(["assess", "-"], tmp_path, input=json.dumps({"format": "hocbaso.record/1"}))
    assert done.returncode == 1
    assert json.loads(done.stdout)["valid"] is False
