"""Checks of the apps' English catalogues (``locale/en``), for the i18n tests."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

GETTEXT_MISSING = ("xgettext/msgattrib missing: install the Debian package gettext (listed in "
                   "scripts/system-packages.txt)")


def gettext_tools() -> bool:
    return bool(shutil.which("xgettext") and shutil.which("msgattrib"))


def assert_catalogue_complete(po, name: str = "django.po") -> None:
    """An English catalogue with no string left untranslated, compiled after its last change."""
    text = po.read_text(encoding="utf-8")
    assert not re.search(r'^msgstr(\[\d\])? ""\n\n', text + "\n", re.M), f"untranslated strings in {name}"
    assert po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime - 1, "django.mo is older than django.po"


def strings_without_english(app_dir, tmp_path) -> list[str]:
    """What ``makemessages`` finds in an app's code and templates that its English catalogue (``locale/en``)
    leaves empty or fuzzy. Run on a copy, so the catalogue is not touched."""
    app_dir = Path(app_dir)
    copy = tmp_path / app_dir.name
    shutil.copytree(app_dir, copy, ignore=shutil.ignore_patterns("tests", "__pycache__", "*.mo"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hocbaso.settings",
           "PYTHONPATH": os.pathsep.join(p for p in (str(app_dir.parents[1]), os.environ.get("PYTHONPATH")) if p)}
    # -P: a copied module (selectors.py, say) must not shadow the standard library's
    run = subprocess.run([sys.executable, "-P", "-m", "django", "makemessages", "-l", "en", "--no-obsolete"],
                         cwd=copy, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    merged = copy / "locale" / "en" / "LC_MESSAGES" / "django.po"
    left = []
    for option in ("--untranslated", "--only-fuzzy"):
        out = subprocess.run(["msgattrib", option, "--no-wrap", str(merged)], check=True, capture_output=True,
                             text=True).stdout
        left += [m for m in re.findall(r'^msgid "(.+)"$', out, re.M)]
    return left
