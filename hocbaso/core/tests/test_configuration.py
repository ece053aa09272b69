"""Configuration: every environment variable is read in settings.py through its strict helpers, and the one
table of docs/configuration.md lists exactly the variables read."""

import ast
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from hocbaso import settings as configured
from hocbaso.core.workers import worker_environment

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "hocbaso"
SETTINGS = PACKAGE / "settings.py"
DOCS = ROOT / "docs" / "configuration.md"
HELPERS = {"envstr", "envbool", "envint", "envint_or_none", "envchoice", "envlist", "envpaths", "envsecret"}
# Read or set by the program but not configuration (docs/configuration.md, "Environment that is not
# configuration"): the workers' child-process environment and Django's own settings-module variable.
NOT_CONFIGURATION = {"RAYON_NUM_THREADS", "LD_PRELOAD", "DJANGO_SETTINGS_MODULE"}


def _is_os_environ(node) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name)
            and node.value.id == "os")


def _environment_reads(tree) -> list[tuple[ast.AST, str | None]]:
    """Every ``os.getenv(…)``, ``os.environ.get(…)`` and ``os.environ[…]`` with its variable's name when that
    is a literal (None otherwise)."""
    found = []
    for node in ast.walk(tree):
        arg = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            func = node.func
            if (func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os") or (
                    func.attr in ("get", "setdefault", "pop") and _is_os_environ(func.value)):
                arg = node.args[0] if node.args else None
            else:
                continue
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            arg = node.slice
        else:
            continue
        found.append((node, arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None))
    return found


def variables_read_by_settings() -> set[str]:
    tree = ast.parse(SETTINGS.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in HELPERS:
            first = node.args[0] if node.args else None
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                f"settings.py:{node.lineno}: {node.func.id}() needs the variable's name as a literal")
            names.add(first.value)
            if node.func.id == "envsecret":
                names.add(first.value + "_FILE")
    return names


def variables_in_the_docs() -> set[str]:
    text = DOCS.read_text(encoding="utf-8")
    tables = re.findall(r"^\|[^\n]*\|\n\|[-| ]+\|\n(?:\|[^\n]*\|\n?)*", text, flags=re.M)
    assert len(tables) == 1, f"docs/configuration.md should hold one table, it holds {len(tables)}"
    rows = tables[0].splitlines()
    assert [c.strip() for c in rows[0].strip("|").split("|")] == ["variable", "default", "meaning"]
    names = set()
    for row in rows[2:]:
        first_cell = row.strip("|").split("|")[0]
        cell_names = re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell)
        assert cell_names, f"a row of docs/configuration.md names no variable: {row}"
        names.update(cell_names)
    return names


def test_the_docs_table_lists_exactly_the_variables_settings_reads():
    read, documented = variables_read_by_settings(), variables_in_the_docs()
    assert not read - documented, f"read by hocbaso/settings.py but not in docs/configuration.md: {read - documented}"
    assert not documented - read, f"in docs/configuration.md but not read by hocbaso/settings.py: {documented - read}"
    assert {"HOCBASO_SIGN_WORKERS", "HOCBASO_ADDRPORT", "HOCBASO_WORKER_JEMALLOC", "SECRET_KEY_FILE"} <= read


def test_settings_reads_the_environment_only_through_its_helpers():
    tree = ast.parse(SETTINGS.read_text(encoding="utf-8"))
    helper_bodies = {id(inner) for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in HELPERS
                     for inner in ast.walk(node)}
    outside = [node.lineno for node, _ in _environment_reads(tree) if id(node) not in helper_bodies]
    assert not outside, f"hocbaso/settings.py reads the environment outside its helpers at lines {outside}"


def test_no_other_module_reads_a_configuration_variable():
    """Outside settings.py a module may pass the environment on, or read a variable the user names (``--pin-env``),
    but reads no configuration variable by name."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if path == SETTINGS or "tests" in relative.parts or "testing" in relative.parts or path.name == "conftest.py":
            continue
        for node, name in _environment_reads(ast.parse(path.read_text(encoding="utf-8"))):
            if name is not None and name not in NOT_CONFIGURATION:
                offenders.append(f"{relative}:{node.lineno} {name}")
    assert not offenders, "configuration read outside hocbaso/settings.py (move it there): " + ", ".join(offenders)


@pytest.mark.parametrize("raw, expected", [("1", True), ("TRUE", True), ("Yes", True), ("on", True), (" 0 ", False),
                                           ("false", False), ("NO", False), ("Off", False), ("", False)])
def test_yes_no_words(monkeypatch, raw, expected):
    monkeypatch.setenv("HOCBASO_TEST_FLAG", raw)
    assert configured.envbool("HOCBASO_TEST_FLAG", "false") is expected


def test_an_empty_yes_no_value_is_the_default(monkeypatch):
    monkeypatch.setenv("HOCBASO_TEST_FLAG", "")
    assert configured.envbool("HOCBASO_TEST_FLAG", "true") is True
    monkeypatch.delenv("HOCBASO_TEST_FLAG")
    assert configured.envbool("HOCBASO_TEST_FLAG", "true") is True


@pytest.mark.parametrize("raw", ["2", "có", "enabled", "tru"])
def test_a_bad_yes_no_value_is_refused_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("HOCBASO_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured) as refused:
        configured.envbool("HOCBASO_TEST_FLAG", "false")
    assert str(refused.value) == (f"HOCBASO_TEST_FLAG phải là 1/0, true/false, yes/no hoặc on/off; "
                                  f"giá trị hiện tại: {raw!r}.")


def test_choices_and_optional_integers_are_strict(monkeypatch):
    monkeypatch.setenv("HOCBASO_JOBS", " Inline ")
    assert configured.envchoice("HOCBASO_JOBS", "worker", ("worker", "inline")) == "inline"
    monkeypatch.setenv("HOCBASO_JOBS", "thread")
    with pytest.raises(ImproperlyConfigured, match="HOCBASO_JOBS phải là một trong: worker, inline; "
                                                   "giá trị hiện tại: 'thread'."):
        configured.envchoice("HOCBASO_JOBS", "worker", ("worker", "inline"))
    monkeypatch.setenv("HOCBASO_SIGN_WORKERS", "")
    assert configured.envint_or_none("HOCBASO_SIGN_WORKERS") is None
    monkeypatch.setenv("HOCBASO_SIGN_WORKERS", "3")
    assert configured.envint_or_none("HOCBASO_SIGN_WORKERS") == 3
    monkeypatch.setenv("HOCBASO_SIGN_WORKERS", "ba")
    with pytest.raises(ImproperlyConfigured, match="HOCBASO_SIGN_WORKERS phải là một số nguyên"):
        configured.envint_or_none("HOCBASO_SIGN_WORKERS")


def test_the_code_reads_the_settings(settings):
    from hocbaso.signing.pades import prepare_workers

    settings.SIGN_WORKERS = 3
    assert prepare_workers() == 3
    settings.WORKER_JEMALLOC = False
    assert "LD_PRELOAD" not in worker_environment()
