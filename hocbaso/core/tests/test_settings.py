"""Settings come from the environment with safe defaults; bad configuration fails fast."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from hocbaso.settings import database_from_url


def test_default_is_sqlite_under_the_data_dir(tmp_path):
    db = database_from_url("", tmp_path)
    assert db["ENGINE"].endswith("sqlite3") and db["NAME"] == str(tmp_path / "hocbaso.sqlite3")


def test_database_url_selects_postgresql():
    db = database_from_url("postgres://hb:s%40cret@db.example:6543/hocbaso", Path("."))
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == ("hb", "s@cret", "db.example", "6543",
                                                                                 "hocbaso")


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_unknown_database_url_is_refused_by_a_system_check():
    with override_settings(DATABASES={"default": database_from_url("mysql://x/y", Path("."))}):
        ids = {m.id for m in run_checks()}
    assert "hocbaso.E001" in ids


def test_production_refuses_the_development_secret_key():
    with override_settings(PRODUCTION=True):
        ids = {m.id for m in run_checks()}
    assert "hocbaso.E002" in ids


def test_production_refuses_debug():
    with override_settings(PRODUCTION=True, DEBUG=True, SECRET_KEY="x" * 50):
        ids = {m.id for m in run_checks()}
    assert "hocbaso.E003" in ids and "hocbaso.E002" not in ids


def test_a_signing_chunk_below_one_is_refused():
    with override_settings(SIGN_CHUNK=0):
        ids = {m.id for m in run_checks()}
    assert "hocbaso.E006" in ids
    assert "hocbaso.E006" not in {m.id for m in run_checks()}  # the default, 200


def test_bad_configuration_stops_the_command_with_a_vietnamese_message(tmp_path):
    env = {**os.environ, "HOCBASO_DATA_DIR": str(tmp_path), "HOCBASO_PRODUCTION": "1"}
    env.pop("SECRET_KEY", None)
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "hocbaso", "check"], env=env, capture_output=True, text=True)
    assert done.returncode != 0
    assert "SECRET_KEY chưa được đặt" in done.stderr


def test_a_number_setting_that_is_not_a_number_is_named(tmp_path):
    env = {**os.environ, "HOCBASO_DATA_DIR": str(tmp_path), "HOCBASO_SIGN_CHUNK": "hai trăm"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "hocbaso", "check"], env=env, capture_output=True, text=True)
    assert done.returncode != 0
    assert "HOCBASO_SIGN_CHUNK phải là một số nguyên; giá trị hiện tại: 'hai trăm'." in done.stderr


def test_password_hasher_is_argon2():
    from django.conf import settings as live

    from hocbaso import settings as configured

    assert configured.PASSWORD_HASHERS[0] == "hocbaso.portal.passwords.Argon2PasswordHasher"  # Argon2id, OWASP's setting
    assert live.LANGUAGE_CODE == "vi" and live.TIME_ZONE == "Asia/Ho_Chi_Minh"


def test_a_yes_no_setting_that_is_not_yes_or_no_is_named(tmp_path):
    env = {**os.environ, "HOCBASO_DATA_DIR": str(tmp_path), "DEBUG": "có lẽ"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "hocbaso", "check"], env=env, capture_output=True, text=True)
    assert done.returncode != 0
    assert "DEBUG phải là 1/0, true/false, yes/no hoặc on/off; giá trị hiện tại: 'có lẽ'." in done.stderr


def test_a_negative_number_of_signing_workers_is_refused():
    with override_settings(SIGN_WORKERS=-1):
        ids = {m.id for m in run_checks()}
    assert "hocbaso.E007" in ids
    assert "hocbaso.E007" not in {m.id for m in run_checks()}  # the default: every CPU


def test_a_job_staleness_below_four_seconds_or_a_broker_of_another_kind_is_refused():
    with override_settings(JOB_STALE_SECONDS=2, BROKER_URL="http://127.0.0.1:6379"):
        ids = {m.id for m in run_checks()}
    assert {"hocbaso.E008", "hocbaso.E009"} <= ids
    with override_settings(BROKER_URL="redis://127.0.0.1:6379/0"):
        assert not {"hocbaso.E008", "hocbaso.E009"} & {m.id for m in run_checks()}
