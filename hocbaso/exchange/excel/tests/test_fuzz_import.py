"""Fuzzing the Excel import: pupil lists and evaluation sheets whose cells hold anything a spreadsheet can hold
(text, numbers, dates, formulas, empty cells, very long text), and bytes that are not a workbook at all. The
import either writes everything (no problem reported) or nothing (problems, each naming its sheet and row); it
never raises anything but its own refusal."""

import datetime as dt
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell

from hocbaso.assessment.models import SubjectEvaluation, TraitEvaluation
from hocbaso.directory.models import Enrolment, Pupil
from hocbaso.exchange.excel.evaluation_export import evaluations_workbook
from hocbaso.exchange.excel.evaluation_import import evaluations_import
from hocbaso.exchange.excel.pupil_import import pupils_import
from hocbaso.testing.exchange import PUPIL_HEADERS, pupil_row, save, xlsx
from hocbaso.testing.fuzz import FUZZ_DB

pytestmark = pytest.mark.slow

CELL = (st.none() | st.integers(min_value=-10**12, max_value=10**12) | st.floats(allow_nan=False, allow_infinity=False)
        | st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)) | st.booleans()
        | st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60)
        | st.sampled_from(["4A", "4B", "9Z", "Nam", "Nữ", "T", "H", "C", "Đ", "10", "8,5", "31/02/2014", "=1/0",
                           "=A1", "067214009991", "x" * 5000]))


def pupil_rows(draw_cells):
    return st.lists(st.lists(draw_cells, min_size=len(PUPIL_HEADERS), max_size=len(PUPIL_HEADERS)), max_size=4)


def counts():
    return (Pupil.objects.count(), Enrolment.objects.count())


@settings(FUZZ_DB, max_examples=25)
@given(rows=pupil_rows(CELL), keep_valid_row=st.booleans())
def test_a_pupil_list_with_any_cells_is_imported_whole_or_not_at_all(world, rows, keep_valid_row):
    if keep_valid_row:
        rows = [pupil_row(99, "4A", "067214009999", "Lê Văn Chín", dt.date(2014, 2, 2))] + rows
    before = counts()
    report = pupils_import(school_year=world.year, file=xlsx({"DS": [PUPIL_HEADERS, *rows]}), by=world.owner.user)
    if report.problems:
        assert counts() == before
        assert all(problem.message for problem in report.problems)


@FUZZ_DB
@given(data=st.binary(max_size=2000) | st.just(b"PK\x03\x04" + bytes(100)))
def test_bytes_that_are_not_a_workbook_are_refused(world, data):
    before = counts()
    report = pupils_import(school_year=world.year, file=data, by=world.owner.user)
    assert report.problems and counts() == before


@settings(FUZZ_DB, max_examples=8)  # each example exports and imports a whole class sheet (about 1 s)
@given(changes=st.lists(st.tuples(st.integers(min_value=1, max_value=60), st.integers(min_value=1, max_value=60),
                                  CELL), max_size=6))
def test_an_evaluation_sheet_with_any_cells_changed_is_saved_whole_or_not_at_all(school, changes):
    w = school
    if not hasattr(w, "fuzz_sheet"):
        w.fuzz_sheet = save(evaluations_workbook(w.class4a, "cuoi_nam"))
    workbook = load_workbook(io.BytesIO(w.fuzz_sheet))
    sheet = workbook.worksheets[0]
    for row, column, value in changes:
        if not isinstance(sheet.cell(row=row, column=column), MergedCell):  # a merged header's other cells
            sheet.cell(row=row, column=column, value=value)
    before = (SubjectEvaluation.objects.count(), TraitEvaluation.objects.count())
    report = evaluations_import(school_class=w.class4a, period="cuoi_nam", file=save(workbook), by=w.owner.user)
    if report.problems:
        assert (SubjectEvaluation.objects.count(), TraitEvaluation.objects.count()) == before
