"""Issue 4, acceptance: "Killing a school-wide signing batch half-way and rerunning it ends with every record
signed exactly once" — for real. The principal's batch runs as the console command (``hocbaso sign --school``)
in a process of its own, on a data folder (and, on the PostgreSQL pass, a database) of its own; it is killed
with SIGKILL once some but not all records carry the principal's signature, then the same command is run again
to completion. Every record must then carry exactly one teacher's and one principal's signature, the records
signed before the kill must be untouched, the audit log must hold one signing entry per record and signature,
and ``hocbaso audit verify`` must pass."""

import hashlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from hocbaso.testing.batches import SETUP, child_environment, hocbaso, principal_files, signatures, state_of
from hocbaso.testing.people import PRINCIPAL_PIN, TEACHER_PIN

SCHOOL, YEAR = "67000199", "2024-2025"
CHUNK = 50  # the batch's commit size here (HOCBASO_SIGN_CHUNK in the children): three chunks, not 410 records
CLASSES = ("4A", "4B", "4C")

PROGRESS = re.compile(r"Hiệu trưởng ký học bạ: (\d+)/(\d+)")


@pytest.fixture
def child_env(tmp_path):
    with child_environment(tmp_path, PIN_HT=PRINCIPAL_PIN, HOCBASO_SIGN_CHUNK=str(CHUNK)) as env:
        yield env


def kill_when_partly_signed(command, env, folder, deadline_s=300):
    """Start ``command`` in a process group of its own and SIGKILL the whole group in the middle of the batch:
    after its progress line (stderr) reports the first chunk committed, as soon as the next chunk's signed files
    start appearing in ``folder`` (written, not yet committed) or, failing that, as soon as a later chunk is
    reported. Returns (done, total) from the last progress line and the signed files on disk at the kill."""
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
    seen, last, deadline = b"", None, time.monotonic() + deadline_s
    try:
        while time.monotonic() < deadline and child.poll() is None:
            ready, _, _ = select.select([child.stderr], [], [], 0.002 if last else 0.5)
            if ready:
                data = os.read(child.stderr.fileno(), 65536)
                if not data:
                    break
                seen += data
                found = PROGRESS.findall(seen.decode("utf-8", "replace"))
                if found and found[-1] != last:
                    if last is not None:  # a later chunk committed before its files were caught: kill now
                        last = tuple(map(int, found[-1]))
                        break
                    last = tuple(map(int, found[-1]))
            if last and 0 < last[0] < last[1] and len(principal_files(folder)) > last[0]:
                break  # the next chunk is writing its files; its rows are not committed yet
        assert child.poll() is None, f"the batch ended before it could be killed:\n{seen.decode('utf-8', 'replace')}"
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        on_disk = principal_files(folder)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert last is not None and 0 < last[0] < last[1], seen.decode("utf-8", "replace")
    return last, on_disk


@pytest.mark.slow
def test_killed_school_batch_rerun_signs_every_record_exactly_once(child_env):
    env = child_env
    pupils = 2 * CHUNK + 10  # three chunks: the kill lands after the first, the rest is left to the rerun
    hocbaso(env, "shell", "-v", "0", "-c", SETUP.format(school=SCHOOL, year=YEAR, classes=CLASSES, pupils=pupils,
                                                         principal_pin=PRINCIPAL_PIN, teacher_pin=TEACHER_PIN))
    before = state_of(env)
    assert len(before["drafts"]) == pupils
    assert {d["state"] for d in before["drafts"]} == {"teacher_signed"}

    command = [sys.executable, "-m", "hocbaso", "sign", "--school", SCHOOL, "--year", YEAR, "--user", "hieutruong",
               "--pin-env", "PIN_HT"]
    folder = os.path.join(env["HOCBASO_DATA_DIR"], "files", "drafts", SCHOOL, YEAR)
    (reported, total), on_disk = kill_when_partly_signed(command, env, folder)
    assert total == pupils
    killed = state_of(env)
    first = {d["record_id"]: d for d in killed["drafts"] if d["state"] == "principal_signed"}
    # What the batch reported is committed; what it was doing when killed is not (its files may be on disk).
    assert reported <= len(first) < pupils, (reported, len(first))
    assert set(killed["audit"]["record.sign.ht"]) == set(first)
    orphans = on_disk - {os.path.basename(d["pdf"]) for d in first.values()}

    out = hocbaso(env, *command[3:])
    assert f"Hiệu trưởng đã ký và đóng dấu {pupils - len(first)} học bạ." in out, out
    final = state_of(env)
    drafts = final["drafts"]
    assert len(drafts) == pupils and {d["state"] for d in drafts} == {"principal_signed"}
    for draft in drafts:
        assert draft["fields"] == ["GVCN", "HT"], draft
        with open(draft["pdf"], "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == draft["sha256"], draft
        signed = signatures(draft["pdf"])
        assert [field for field, _ in signed] == ["GVCN", "HT"], (draft["record_id"], signed)
        assert signed[1][1] == "Đoàn Trung Quế" and signed[0][1].startswith("Giáo viên 4"), signed
        if draft["record_id"] in first:  # signed before the kill: the rerun left it alone
            assert (draft["pdf"], draft["sha256"]) == (first[draft["record_id"]]["pdf"],
                                                       first[draft["record_id"]]["sha256"])
    # Files the killed run wrote but never committed are not taken over: those records were signed again.
    assert not orphans & {os.path.basename(d["pdf"]) for d in drafts}
    record_ids = Counter(d["record_id"] for d in drafts)
    assert final["audit"]["record.sign.ht"] == record_ids  # one principal's signing entry per record, no more
    assert final["audit"]["record.sign.gvcn"] == record_ids
    # One record signed before the kill and one after: both signatures intact, valid and trusted (built-in CA).
    root = os.path.join(env["HOCBASO_DATA_DIR"], "pki", "ca", "root.pem")
    for draft in (next(d for d in drafts if d["record_id"] in first),
                  next(d for d in drafts if d["record_id"] not in first)):
        assert [ok for *_, ok in signatures(draft["pdf"], trust_root=root)] == [True, True], draft["record_id"]
    report = json.loads(hocbaso(env, "audit", "verify", "--json"))
    assert report["ok"] is True and report["checked"] >= 2 * pupils
