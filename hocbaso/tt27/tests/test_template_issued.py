"""What the học bạ template (Phụ lục, HƯỚNG DẪN GHI HỌC BẠ; Điều 10) requires of an issued record, format
version 2: a comment per subject, on the qualities and on each group of competences, and the signers' names."""

import pytest

from hocbaso.tt27 import assess, catalogue
from hocbaso.tt27.tests.factories import OLD_FORMAT, entry, issuance, valid_record

ISSUED = {"issuance": issuance(), "outcome": "HTT", "completed_grade": True}


def errors_of(record):
    return [(e.code, e.field) for e in assess(record).errors]


def test_a_complete_issued_record_is_valid():
    assert assess(valid_record(**ISSUED)).valid


def test_every_subject_needs_its_comment():
    record = valid_record(**ISSUED)
    entry(record, "toan")["comment"] = ""
    entry(record, "mi_thuat")["comment"] = "  "
    errors = assess(record).errors
    assert [(e.code, e.field) for e in errors] == [("comment_missing", "subjects[1].comment"),
                                                   ("comment_missing", "subjects[10].comment")]
    assert "môn Toán" in errors[0].message and "Điều 10" in errors[0].message


@pytest.mark.parametrize("key, table, words", [
    ("qualities", catalogue.QUALITIES, "phẩm chất"),
    ("competences", catalogue.COMPETENCES_GENERAL, "năng lực chung"),
    ("competences", catalogue.COMPETENCES_SPECIFIC, "năng lực đặc thù"),
])
def test_each_comment_cell_of_the_traits_needs_a_comment(key, table, words):
    record = valid_record(**ISSUED)
    for item in record[key]:
        if item["code"] in table:
            item["comment"] = ""
    errors = assess(record).errors
    assert [(e.code, e.field) for e in errors] == [("comment_missing", key)]
    assert words in errors[0].message
    first = next(item for item in record[key] if item["code"] in table)
    first["comment"] = "Em mạnh dạn, tự tin."  # one comment fills the template's one cell
    assert assess(record).valid


@pytest.mark.parametrize("key", ["homeroom_teacher", "principal"])
def test_the_signers_names(key):
    assert errors_of(valid_record(**ISSUED, **{key: " "})) == [("signer_missing", key)]


def test_a_draft_may_still_lack_them():
    record = valid_record(principal="", homeroom_teacher="")
    entry(record, "toan")["comment"] = ""
    assert assess(record).valid


def test_a_version_1_issued_record_is_judged_as_before():
    record = valid_record(format=OLD_FORMAT, principal="", **ISSUED)
    entry(record, "toan")["comment"] = ""
    assert assess(record).valid
