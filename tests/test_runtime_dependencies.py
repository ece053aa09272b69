"""Every third-party package the application's own code needs is installed by ``pip install hocbaso`` alone: a
runtime dependency in pyproject.toml or something one of them requires, never only the ``dev`` extra. (``requests``
came only with the dev extra while ``signing.ltv`` used pyHanko's requests-based time-stamp client: a fresh
``./dev.sh start``, which installs the runtime packages only, failed at issuance.)

Two checks:

- the imports in the source (AST), an import in a function as well as one at the top; tests, the tests' helpers
  (``hocbaso.testing``, ``hocbaso.signing.testing``) and imports guarded by ``except ImportError`` left out;
- what those imports load: a fresh interpreter sets Django up and imports every third-party module the code
  names (``pyhanko.sign.timestamps.requests_client`` as well as ``pyhanko``), and every distribution whose
  modules were loaded must be brought by the runtime dependencies. This is the check that sees ``requests``:
  hocbaso never imports it itself, pyHanko's requests client does, and pyHanko does not require it.
"""

import ast
import functools
import json
import os
import subprocess
import sys
import textwrap
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
HOCBASO = ROOT / "hocbaso"

# Distributions some library imports when it happens to be installed (inside its own ``try: … except
# ImportError``), without needing them: loaded here because the dev extra installed them.
OPPORTUNISTIC = {
    "jsonpointer": "jsonschema's format checkers (altair's schema validation), optional",
    "rfc3339-validator": "jsonschema's format checkers, optional",
}


def runtime_modules(package: Path):
    """The application's non-test modules under ``package``."""
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).parts
        if "tests" in parts or "testing" in parts or path.name.startswith("test_") or path.name == "conftest.py":
            continue
        yield path


def _guarded(node: ast.Try) -> bool:
    for handler in node.handlers:
        names = [handler.type] if not isinstance(handler.type, ast.Tuple) else list(handler.type.elts)
        if any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names):
            return True
    return False


def top_level_imports(source: str) -> list[tuple[int, str]]:
    """(line, top-level name) of every absolute import in ``source``, except those in a ``try`` whose handler
    catches ImportError (an optional dependency)."""
    found = []

    def visit(node, guarded: bool):
        if isinstance(node, ast.Try):
            inner = guarded or _guarded(node)
            for child in node.body:
                visit(child, inner)
            for child in [*node.handlers, *node.orelse, *node.finalbody]:
                visit(child, guarded)
            return
        if not guarded:
            if isinstance(node, ast.Import):
                found.extend((node.lineno, alias.name.split(".")[0]) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append((node.lineno, node.module.split(".")[0]))
        for child in ast.iter_child_nodes(node):
            visit(child, guarded)

    visit(ast.parse(source), False)
    return found


def installed_closure(requirements: list[str]) -> set[str]:
    """The canonical names of ``requirements`` and everything they require, transitively (with their extras)."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    done_extras: set[tuple[str, str]] = set()
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        extras = set(req.extras) | {""}
        if name in seen and all((name, e) in done_extras for e in extras):
            continue
        seen.add(name)
        try:
            requires = metadata.requires(req.name) or []
        except metadata.PackageNotFoundError:
            continue
        for extra in extras - {e for n, e in done_extras if n == name}:
            done_extras.add((name, extra))
            for text in requires:
                sub = Requirement(text)
                if sub.marker is None or sub.marker.evaluate({"extra": extra}):
                    if sub.marker is None and extra:
                        continue  # an unconditional requirement: taken with the "" extra
                    todo.append(sub)
    return seen


def missing_runtime_imports(package: Path, dependencies: list[str]) -> list[str]:
    """The imports under ``package`` of installed distributions that ``dependencies`` do not bring."""
    allowed = installed_closure(dependencies)
    distributions = metadata.packages_distributions()
    own = package.name
    problems = []
    for path in runtime_modules(package):
        for line, name in top_level_imports(path.read_text(encoding="utf-8")):
            if name == own or name in sys.stdlib_module_names or name == "__future__":
                continue
            dists = {canonicalize_name(d) for d in distributions.get(name, [])}
            if not dists:
                problems.append(f"{path.relative_to(package.parent)}:{line} imports {name}, which no installed "
                                f"distribution provides")
            elif not dists & allowed:
                problems.append(f"{path.relative_to(package.parent)}:{line} imports {name} "
                                f"({', '.join(sorted(dists))}), not a runtime dependency nor required by one")
    return problems


def imported_module_names(package: Path) -> list[str]:
    """Every third-party dotted module name the non-test code imports (``from a.b import c``: ``a.b`` and
    ``a.b.c``, which may be a module), except guarded imports."""
    names = set()
    for path in runtime_modules(package):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        guarded = {id(n) for t in ast.walk(tree) if isinstance(t, ast.Try) and _guarded(t)
                   for b in t.body for n in ast.walk(b)}
        for node in ast.walk(tree):
            if id(node) in guarded:
                continue
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    return sorted(n for n in names if n.split(".")[0] not in sys.stdlib_module_names
                  and n.split(".")[0] not in (package.name, "__future__"))


def _probe(names: list[str]) -> None:
    """In a fresh interpreter: set Django up, import ``names``, print the distributions of what got loaded that
    was not loaded at start-up (``python tests/test_runtime_dependencies.py --probe`` reads the names from
    stdin)."""
    import importlib

    at_start = {m.split(".")[0] for m in sys.modules}
    import django

    django.setup()
    for name in names:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:  # ``from a import b`` where ``b`` is not a module is not an error
                print(json.dumps({"error": f"{name}: {error}"}))
        except Exception as error:  # noqa: BLE001 - reported, the test fails on it
            print(json.dumps({"error": f"{name}: {error!r}"}))
    distributions = metadata.packages_distributions()
    loaded = {m.split(".")[0] for m in sys.modules} - at_start - set(sys.stdlib_module_names)
    print(json.dumps({"loaded": sorted({d for top in loaded for d in distributions.get(top, [])})}))


@functools.lru_cache(maxsize=None)
def loaded_distributions(package: Path) -> tuple[frozenset[str], tuple[str, ...]]:
    """The distributions a fresh interpreter loads when importing what ``package``'s code imports, and errors."""
    names = imported_module_names(package)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hocbaso.settings", "PYTHONPATH": str(ROOT)}
    env.pop("HOCBASO_BROKER_URL", None)
    out = subprocess.run([sys.executable, "-W", "ignore", __file__, "--probe"], input="\n".join(names),
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=True).stdout
    loaded, errors = set(), []
    for line in out.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            loaded |= {canonicalize_name(d) for d in record.get("loaded", [])}
            errors += [record["error"]] if "error" in record else []
    return frozenset(loaded - {canonicalize_name(package.name)}), tuple(errors)


def pyproject_dependencies() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["dependencies"]


def test_every_third_party_import_of_the_application_is_a_runtime_dependency():
    problems = missing_runtime_imports(HOCBASO, pyproject_dependencies())
    assert not problems, "add these to pyproject's [project] dependencies:\n" + "\n".join(problems)


def test_what_the_application_s_imports_load_is_brought_by_the_runtime_dependencies():
    loaded, errors = loaded_distributions(HOCBASO)
    assert not errors, "imports that fail in a fresh interpreter:\n" + "\n".join(errors)
    assert "pyhanko" in loaded and "celery" in loaded  # the probe imported something
    missing = sorted(loaded - installed_closure(pyproject_dependencies()) - set(OPPORTUNISTIC))
    assert not missing, ("loaded by the application's imports but not brought by pyproject's runtime dependencies "
                         f"(add them to [project] dependencies): {', '.join(missing)}")


def test_without_requests_in_the_runtime_list_the_loaded_check_reports_it():
    """The check that would have caught last session's miss: pyHanko's requests client loads ``requests``."""
    loaded, _ = loaded_distributions(HOCBASO)
    without = [d for d in pyproject_dependencies() if canonicalize_name(Requirement(d).name) != "requests"]
    missing = loaded - installed_closure(without) - set(OPPORTUNISTIC)
    assert "requests" in missing


def test_an_import_of_a_dev_only_package_is_reported_and_a_guarded_or_test_import_is_not(tmp_path):
    package = tmp_path / "hocbaso"
    (package / "signing" / "tests").mkdir(parents=True)
    (package / "testing").mkdir()
    (package / "signing" / "testing").mkdir()
    (package / "signing" / "testing" / "csc.py").write_text("import csc_dummy\n")
    (package / "signing" / "ltv.py").write_text(textwrap.dedent("""\
        import json
        import django.db
        from hocbaso.core import files


        def fetch():
            import requests  # deferred: only here
            return requests
        """))
    (package / "signing" / "optional.py").write_text(
        "try:\n    import pytest\nexcept ImportError:\n    pytest = None\n")
    (package / "signing" / "tests" / "test_ltv.py").write_text("import pytest\nimport moto\n")
    (package / "testing" / "tools.py").write_text("import pytest\n")

    without_requests = [d for d in pyproject_dependencies() if Requirement(d).name != "requests"]
    # requests is also required by some runtime dependency? Then the fixture would not show the point: make sure.
    assert "requests" not in installed_closure(without_requests), \
        "requests is brought by another runtime dependency; this test needs another dev-only package"
    assert missing_runtime_imports(package, without_requests) == [
        "hocbaso/signing/ltv.py:7 imports requests (requests), not a runtime dependency nor required by one"]
    assert missing_runtime_imports(package, pyproject_dependencies()) == []


if __name__ == "__main__" and sys.argv[1:] == ["--probe"]:
    _probe(sys.stdin.read().split())
