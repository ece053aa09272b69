"""The remote signing services' settings: read from the environment (the secret from a file with ``…_FILE``), and
refused at start by the system checks E040–E044 when they are wrong."""

import os
import subprocess
import sys

from django.core.checks import run_checks
from django.test import override_settings

GOOD = {"url": "https://gwsca.vnpt.vn/sca/sp769", "client_id": "4184-6371.apps.example", "secret": "s3cret",
        "max_hashes": None}


def remote_ids() -> set[str]:
    return {m.id for m in run_checks() if m.id.startswith("hocbaso.E04")}


def test_a_good_configuration_passes():
    with override_settings(REMOTE_SIGNING={"smartca": GOOD}):
        assert remote_ids() == set()


def test_plain_http_a_missing_id_or_secret_and_a_bad_limit_are_refused():
    bad = {"url": "http://gwsca.example.vn/sca/sp769", "client_id": "", "secret": "", "max_hashes": 0}
    with override_settings(REMOTE_SIGNING={"mysign": bad}):
        assert remote_ids() == {"hocbaso.E040", "hocbaso.E041", "hocbaso.E042", "hocbaso.E043"}
    with override_settings(REMOTE_SIGNING={"smartca": {**GOOD, "url": "http://127.0.0.1:8123/sca/sp769"}}):
        assert remote_ids() == set()  # a simulator on this machine
    with override_settings(REMOTE_SIGNING={}, REMOTE_SIGN_TIMEOUT=5):
        assert remote_ids() == {"hocbaso.E044"}


def test_the_secret_is_read_from_its_file(tmp_path):
    secret = tmp_path / "sp_password"
    secret.write_text("from-the-file\n", encoding="utf-8")
    env = {**os.environ, "HOCBASO_DATA_DIR": str(tmp_path), "HOCBASO_SMARTCA_URL": "https://gwsca.vnpt.vn/sca/sp769",
           "HOCBASO_SMARTCA_SP_ID": "sp", "HOCBASO_SMARTCA_SP_PASSWORD_FILE": str(secret),
           "HOCBASO_MYSIGN_URL": ""}
    code = ("from hocbaso import settings as s; c = s.REMOTE_SIGNING; "
            "print(sorted(c), c['smartca']['secret'] == 'from-the-file', c['smartca']['client_id'])")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "['smartca'] True sp", done.stderr
