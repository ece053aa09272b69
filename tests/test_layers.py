"""Dependencies flow down: no module imports a higher layer or another app of its own layer, and imports
sit at the top of modules unless deferred on purpose with a reason (the order is in tests/layers.py);
and modules stay short unless they say why."""

import shutil
import textwrap
from pathlib import Path

from layers import LONG_ON_PURPOSE, check, long_modules

HOCBASO = Path(__file__).resolve().parents[1] / "hocbaso"


def write(root: Path, relative: str, text: str):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_every_module_imports_only_downward_and_at_the_top():
    problems = check(HOCBASO)
    assert not problems, f"{len(problems)} imports break the layer order:\n" + "\n".join(problems)


def test_a_low_app_importing_a_high_app_and_an_unexplained_import_in_a_function_are_reported(tmp_path):
    root = tmp_path / "hocbaso"
    for package in ("", "tt27/", "records/", "records/tests/", "records/migrations/"):
        write(root, package + "__init__.py", "")
    write(root, "tt27/rules.py", """\
        import json
        from typing import TYPE_CHECKING

        from hocbaso.records import models

        if TYPE_CHECKING:
            from hocbaso.records.models import Record


        def load(text):
            import decimal
            # deferred: a heavy library, needed only here
            import csv
            import zlib  # deferred: the same, on the import's own line
            return json.loads(text)
        """)
    write(root, "records/models.py", "from hocbaso.tt27 import rules\nfrom . import services\n")
    write(root, "records/services.py", "from .models import rules\n")
    write(root, "records/tests/test_x.py", "from hocbaso.records import models\n\ndef test():\n    import os\n")
    write(root, "records/migrations/0001_initial.py", "def forwards():\n    import os\n")
    write(root, "cli.py", "from hocbaso.records import models\n\ndef main():\n    import django  # deferred: startup\n")

    assert check(root) == [
        "hocbaso/tt27/rules.py:4 imports hocbaso.records (tt27 layer 0 -> records layer 6)",
        "hocbaso/tt27/rules.py:11 imports decimal inside a function without '# deferred: <reason>'",
    ]


def test_apps_of_the_same_layer_do_not_import_each_other(tmp_path):
    root = tmp_path / "hocbaso"
    write(root, "documents/render.py", "from hocbaso.signing import pades\nfrom ..tt27 import catalogue\n")
    write(root, "signing/pades.py", "import hocbaso.core.files\n")

    assert check(root) == ["hocbaso/documents/render.py:1 imports hocbaso.signing "
                           "(documents layer 5 -> signing layer 5)"]


def test_a_deliberate_upward_import_into_a_copy_of_the_rules_engine_fails_the_check(tmp_path):
    root = tmp_path / "hocbaso"
    shutil.copytree(HOCBASO / "tt27", root / "tt27")
    shutil.copy(HOCBASO / "__init__.py", root / "__init__.py")
    assert check(root) == []

    (root / "tt27" / "upward.py").write_text("from hocbaso.records.models import IssuedRecord\n", encoding="utf-8")

    assert check(root) == ["hocbaso/tt27/upward.py:1 imports hocbaso.records.models (tt27 layer 0 -> records layer 6)"]


def test_no_production_module_is_over_400_lines_unless_its_docstring_says_why():
    problems = long_modules(HOCBASO)
    assert not problems, ("split these by theme, or say in the module's docstring why it is "
                          f"'{LONG_ON_PURPOSE} ...':\n" + "\n".join(problems))
