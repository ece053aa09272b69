"""``hocbaso assess FILE.json`` / ``python -m hocbaso.tt27 FILE.json`` (spec: the assess contract).

One JSON object on stdout (UTF-8, not ASCII-escaped); exit 0 valid, 1 invalid, 2 unreadable with a
Vietnamese message on stderr; ``-`` reads stdin.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hocbaso.tt27.cli import main
from hocbaso.tt27.tests.factories import valid_record

ROOT = Path(__file__).resolve().parents[3]


def run(*args, stdin: bytes | None = None, env: dict | None = None):
    return subprocess.run([sys.executable, "-m", "hocbaso.tt27", *args], input=stdin, capture_output=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=30)


def write(tmp_path, record, name="hoc_ba.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_valid_record_exit_0(tmp_path):
    done = run(write(tmp_path, valid_record(5)))
    assert done.returncode == 0 and done.stderr == b""
    assert json.loads(done.stdout) == {"valid": True, "errors": [], "outcome": "HTT", "award": None,
                                       "completed_grade": True, "completed_primary": True,
                                       "promoted": True}
    assert done.stdout.count(b"\n") == 1  # one object, one line


def test_invalid_record_exit_1_with_raw_utf8(tmp_path):
    record = valid_record(4)
    record["subjects"][1]["score"] = 7.5
    done = run(write(tmp_path, record))
    assert done.returncode == 1 and done.stderr == b""
    assert "Điểm kiểm tra định kì môn Toán".encode() in done.stdout  # ensure_ascii=False
    assert json.loads(done.stdout) == {
        "valid": False, "outcome": None, "award": None, "completed_grade": None, "completed_primary": None,
        "promoted": None,
        "errors": [{"code": "score_out_of_range", "field": "subjects[1].score",
                    "message": "Điểm kiểm tra định kì môn Toán phải là số nguyên từ 0 đến 10."}]}


def test_stdin(tmp_path):
    done = run("-", stdin=json.dumps(valid_record(1), ensure_ascii=False).encode())
    assert done.returncode == 0 and json.loads(done.stdout)["outcome"] == "HTT"


@pytest.mark.parametrize("content", [b"", b"{not json", b"[]", b'{"format": "hocbaso.record/9"}', b"{}",
                                     "{\"x\": \"Tiếng Việt\"}".encode("utf-16"), b"\xff\xfe\x00"])
def test_unreadable_input_exit_2_with_a_message_and_no_output(tmp_path, content, capsys):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    assert main([str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("hocbaso assess: ") and len(err) > 30


def test_unreadable_message_is_vietnamese_in_a_subprocess(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"format": "hocbaso.record/0"}', encoding="utf-8")
    done = run(str(path))
    assert done.returncode == 2 and done.stdout == b""
    assert "không được hỗ trợ".encode() in done.stderr


def test_missing_file_exit_2(tmp_path, capsys):
    assert main([str(tmp_path / "khong_co.json")]) == 2
    assert "Không mở được tệp" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys):
    assert main([]) == 2
    assert main(["a.json", "b.json"]) == 2
    assert "usage" in capsys.readouterr().err


def test_help_exit_0(capsys):
    assert main(["--help"]) == 0
    assert "Thông tư 27" in " ".join(capsys.readouterr().out.split())  # argparse wraps at the terminal's width


def test_a_utf8_bom_is_accepted(tmp_path, capsys):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(valid_record(), ensure_ascii=False).encode())
    assert main([str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["valid"] is True


def test_output_is_utf8_whatever_the_locale(tmp_path):
    record = valid_record()
    record["qualities"][0]["rating"] = "D"
    done = run(write(tmp_path, record), env={"PYTHONIOENCODING": "latin-1", "LC_ALL": "C", "LANG": "C"})
    assert done.returncode == 1
    assert "không phải \"D\"" in json.loads(done.stdout.decode("utf-8"))["errors"][0]["message"]


def test_in_process_main_matches_the_subprocess(tmp_path, capsys):
    path = write(tmp_path, valid_record(3))
    assert main([path]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(run(path).stdout)


def test_the_engine_and_cli_import_no_django(tmp_path):
    """The package stays pure Python: running the CLI with Django made unimportable still works."""
    script = f"""
import sys, runpy
class NoDjango:
    def find_spec(self, name, path=None, target=None):
        if name == "django" or name.startswith("django."):
            raise ImportError("django is not allowed in hocbaso.tt27")
sys.meta_path.insert(0, NoDjango())
import hocbaso.tt27, hocbaso.tt27.cli, hocbaso.tt27.tests.factories
assert not [m for m in sys.modules if m.split(".")[0] == "django"]
sys.argv = ["hocbaso.tt27", {write(tmp_path, valid_record())!r}]
runpy.run_module("hocbaso.tt27", run_name="__main__")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, cwd=ROOT, timeout=30)
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["valid"] is True
