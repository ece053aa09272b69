"""The layer order of hocbaso's apps and a checker that walks every production module's imports (ast).

The table below is the one place the order is written. A module may import any module in a lower layer, never
one in a higher layer, and not one of another app in its own layer. Imports belong at the top of the module: an import inside a function is allowed only when it is
deferred on purpose and says why on its own line or the line above: ``# deferred: <reason>``. And no
production module is over ``MAX_LINES`` lines unless its docstring says why (``LONG_ON_PURPOSE``).
"""

import ast
import io
import re
import tokenize
from pathlib import Path

PACKAGE = "hocbaso"

# app (the first folder under hocbaso/) -> layer; nothing imports upward.
LAYERS = {
    "tt27": 0,          # the TT27 rules: pure Python, no Django
    "core": 1,          # settings checks, db helpers, workers, json text, file plumbing
    "audit": 2,
    "directory": 2,
    "jobs": 3,
    "assessment": 4,
    "documents": 5,     # libraries: they know nothing of records or the front ends
    "signing": 5,
    "records": 6,       # the pupil-year's lifecycle
    "web": 7,           # the web shell the web apps share
    "portal": 8,        # the front ends: they do not import each other
    "exchange": 8,
    "verify": 8,
    "reports": 8,
    "demo": 9,
}
TOP = 100  # the entry points: they may import anything

# Modules directly under hocbaso/ that are entry points; every */management/commands/*.py is one too.
TOP_MODULES = {"cli", "urls", "settings", "wsgi", "__main__"}

# Deliberate imports between two apps of the same layer, as (importer app, imported app), each with a
# comment saying why.
ALLOWED: set[tuple[str, str]] = {
    # The directory's own writes (a commune, a school's placement in the hierarchy) are logged like every other
    # data change; audit imports nothing of the directory, so there is no cycle.
    ("directory", "audit"),
}

DEFERRED = re.compile(r"#\s*deferred:\s*\S")
TEST_FOLDERS = {"tests", "testing", "migrations"}


def production_modules(root: Path):
    """(path, dotted name) of every production module of the package whose folder is ``root``."""
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if TEST_FOLDERS.intersection(parts[:-1]) or path.name == "conftest.py" or path.name.startswith("test_"):
            continue
        names = [root.name, *parts[:-1]]
        if path.stem != "__init__":
            names.append(path.stem)
        yield path, ".".join(names)


def layer_of(module: str, path: Path | None = None) -> tuple[str, int]:
    """(app, layer) of a dotted module name of the package; unknown apps get layer -1 (reported)."""
    parts = module.split(".")
    if len(parts) == 1:
        return PACKAGE, 0  # the package itself holds only its version
    if parts[1] in TOP_MODULES and len(parts) == 2:
        return parts[1], TOP
    if len(parts) >= 4 and parts[2:4] == ["management", "commands"] and (path is None or path.name != "__init__.py"):
        return parts[1], TOP
    return parts[1], LAYERS.get(parts[1], -1)


def _deferred_lines(source: str) -> set[int]:
    """Line numbers carrying a ``# deferred: <reason>`` comment."""
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and DEFERRED.match(token.string):
            lines.add(token.start[0])
    return lines


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(nodes, in_function=False, type_checking=False):
    """(import node, inside a function, under ``if TYPE_CHECKING:``) for every import among ``nodes``."""
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, in_function, type_checking
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _imports(node.body, in_function, True)
            yield from _imports(node.orelse, in_function, type_checking)
        else:
            inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            yield from _imports(ast.iter_child_nodes(node), inner, type_checking)


def _targets(node, module: str, is_package: bool) -> list[str]:
    """The dotted modules an import statement loads (``from a import b`` counts as a.b when a is the package)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".")
        if not is_package:
            base = base[:-1]
        base = base[:len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    if source == PACKAGE or (node.level and not node.module):
        return [f"{source}.{alias.name}" for alias in node.names]
    return [source]


def check(root: Path) -> list[str]:
    """Every violation of the layer order under ``root`` (the package folder), one line each."""
    problems = []
    for path, module in production_modules(root):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source, filename=str(path))
        deferred = _deferred_lines(source)
        where = path.relative_to(root.parent).as_posix()
        app, layer = layer_of(module, path)
        if layer == -1:
            problems.append(f"{where}: the app {app!r} has no layer in tests/layers.py LAYERS")
            continue
        for node, in_function, type_checking in _imports(tree.body):
            targets = _targets(node, module, path.name == "__init__.py")
            if in_function and not deferred.intersection(range(node.lineno - 1, (node.end_lineno or node.lineno) + 1)):
                problems.append(f"{where}:{node.lineno} imports {', '.join(targets)} inside a function "
                                f"without '# deferred: <reason>'")
            if type_checking:
                continue
            for target in targets:
                if target != PACKAGE and not target.startswith(PACKAGE + "."):
                    continue
                target_app, target_layer = layer_of(target)
                if layer == TOP or target_app in (app, PACKAGE):
                    continue
                if target_layer > layer or (target_layer == layer and (app, target_app) not in ALLOWED):
                    problems.append(f"{where}:{node.lineno} imports {target} "
                                    f"({app} layer {layer} -> {target_app} layer {_name(target_layer)})")
    return problems


def _name(layer: int) -> str:
    return "top" if layer == TOP else "unknown" if layer == -1 else str(layer)


MAX_LINES = 400
LONG_ON_PURPOSE = "Long on purpose"  # what the docstring of a longer module says, followed by why


def long_modules(root: Path) -> list[str]:
    """Production modules over ``MAX_LINES`` lines whose docstring does not say why they are long."""
    problems = []
    for path, _module in production_modules(root):
        source = path.read_text(encoding="utf-8")
        lines = source.count("\n")
        if lines > MAX_LINES and LONG_ON_PURPOSE not in (ast.get_docstring(ast.parse(source)) or ""):
            problems.append(f"{path.relative_to(root.parent).as_posix()}: {lines} lines")
    return problems
