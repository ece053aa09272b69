"""No new page, document or message mentions a district office (Phòng GD&ĐT): it was abolished with the district
level on 1/7/2025. Only what reproduces records issued before may name one, and the places that say so are
listed here, each with why.

The check reads every text a user can meet: templates (web pages, typst documents), the messages of the
translation catalogues, and the string constants of production code (not docstrings or comments)."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOCBASO = ROOT / "hocbaso"
DISTRICT_OFFICE = re.compile(r"phòng\s*(/\s*sở\s*)?(gd|giáo\s+dục)|phòng/sở|district office|district/province",
                             re.IGNORECASE)

# Module -> why it may build a district office's name.
HISTORICAL = {
    # The district's Phòng GD&ĐT as a placement before 1/7/2025 names it: the authority of records issued then.
    "hocbaso/directory/places.py": "District.office_name",
    # The header of a hocbaso.record/1 record (issued before 1/7/2025), which names only its district.
    "hocbaso/documents/view.py": "school_view of a version-1 record",
    # A former district officer's account keeps its old district (verbose name of the field, admin only).
    "hocbaso/directory/models.py": "Staff.district, historical",
}


def production_files(*suffixes: str):
    for path in sorted(HOCBASO.rglob("*")):
        parts = path.relative_to(HOCBASO).parts
        if path.suffix in suffixes and not {"tests", "testing", "migrations"} & set(parts):
            yield path


def string_constants(path: Path):
    """(line, text) of each string constant of a module that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def mentions(text: str) -> bool:
    return bool(DISTRICT_OFFICE.search(text))


def test_no_template_names_a_district_office():
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for path in production_files(".html", ".typ", ".txt", ".js")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if mentions(line) and not line.lstrip().startswith(("//", "{#", "<!--"))]
    assert not found, "\n".join(found)


def test_no_message_of_a_catalogue_names_a_district_office():
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for path in production_files(".po")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if line.startswith(("msgid", "msgstr", '"')) and mentions(line)]
    assert not found, "\n".join(found)


def test_no_string_of_the_code_names_a_district_office_but_the_historical_ones():
    found = [f"{path.relative_to(ROOT)}:{n}: {text!r}"
             for path in production_files(".py") if str(path.relative_to(ROOT)) not in HISTORICAL
             for n, text in string_constants(path) if mentions(text)]
    assert not found, "\n".join(found)


def test_the_check_finds_what_it_looks_for(tmp_path):
    """The patterns catch the ways the code used to write it, and the walk sees strings but not docstrings."""
    for text in ("PHÒNG GD&ĐT ĐẮK SONG", "Phòng Giáo dục và Đào tạo Huyện Đắk Song", "nộp Phòng/Sở GD&ĐT",
                 "phòng/sở giáo dục", "Submission to the district/province office"):
        assert mentions(text), text
    assert not mentions("Phòng Văn hóa – Xã hội") and not mentions("UBND xã Trường Xuân")
    module = tmp_path / "m.py"
    module.write_text('"""Phòng GD&ĐT in a docstring."""\nLABEL = "Phòng GD&ĐT"\n', encoding="utf-8")
    assert [text for _n, text in string_constants(module) if mentions(text)] == ["Phòng GD&ĐT"]
