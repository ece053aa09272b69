"""Every error code the engine reports has a working example here, and docs/tt27-rules.md lists
each code with exactly the field and message that example produces."""

import re
from pathlib import Path

import pytest

from hocbaso.tt27 import CODES, assess
from hocbaso.tt27.tests.factories import entry, issuance, subject_entries, valid_record

DOCS = Path(__file__).resolve().parents[3] / "docs" / "tt27-rules.md"


def changed(change, grade=4, **fields):
    def build():
        record = valid_record(grade, **fields)
        change(record)
        return record
    return build


def with_(**fields):
    return changed(lambda r: None, **fields)


def _set(path, value):
    def change(record):
        target = record
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def _append(kind, item):
    return lambda record: record[kind].append(item)


def _drop(kind, code):
    def change(record):
        record[kind] = [item for item in record[kind] if item["code"] != code]
    return change


def _top_scores(record):
    record["subjects"] = subject_entries(record["grade"], score=10)


ISSUED = {"issuance": issuance(), "outcome": "HTT", "completed_grade": True}
PLAN = {"individual_plan": True, "outcome": "HTT"}


def _exempt(code):
    return [{"code": code, "basis": "Kế hoạch giáo dục cá nhân ngày 10/9/2024: miễn theo chỉ định của bác sĩ."}]


def _again(*subjects, completed=None):
    return {"date": "2025-08-10", "subjects": list(subjects), "qualities": [], "competences": [],
            "completed": completed}


def _toan_c(record):
    entry(record, "toan").update(rating="C", score=4)


# code -> (record builder, field of the error)
EXAMPLES = {
    "unknown_field": (changed(_set(("pupil", "nickname"), "Tuyết")), "pupil.nickname"),
    "missing_field": (changed(lambda r: r["pupil"].pop("birth_date")), "pupil.birth_date"),
    "invalid_type": (changed(_set(("grade",), "4")), "grade"),
    "empty_field": (changed(_set(("pupil", "full_name"), " ")), "pupil.full_name"),
    "invalid_date": (changed(_set(("pupil", "birth_date"), "2014-02-30")), "pupil.birth_date"),
    "invalid_gender": (changed(_set(("pupil", "gender"), "nu")), "pupil.gender"),
    "invalid_identity_number": (changed(_set(("pupil", "identity_number"), "06721600123")), "pupil.identity_number"),
    "invalid_grade": (changed(_set(("grade",), 6), class_name="6A"), "grade"),
    "invalid_school_year": (with_(school_year="2024-2026"), "school_year"),
    "invalid_value": (with_(outcome="HTXS+"), "outcome"),
    "unknown_period": (with_(periods={"cuoi_nam": {"subjects": [], "qualities": [], "competences": []}}),
                       "periods.cuoi_nam"),
    "issuance_inconsistent": (with_(issuance=issuance(version=2), outcome="HTT", completed_grade=True),
                              "issuance.supersedes"),
    "class_grade_mismatch": (with_(class_name="5A"), "class_name"),
    "school_year_not_covered": (with_(school_year="2022-2023"), "school_year"),
    "unknown_subject": (changed(_append("subjects", {"code": "tieng_anh", "rating": "T", "score": None,
                                                     "comment": ""})), "subjects[12].code"),
    "subject_not_in_grade": (changed(_append("subjects", {"code": "tu_nhien_xa_hoi", "rating": "T", "score": None,
                                                          "comment": ""})), "subjects[12].code"),
    "duplicate_subject": (changed(_append("subjects", {"code": "toan", "rating": "T", "score": 8, "comment": ""})),
                          "subjects[12].code"),
    "subject_missing": (changed(_drop("subjects", "khoa_hoc")), "subjects"),
    "unknown_quality": (changed(_append("qualities", {"code": "cham_hoc", "rating": "T", "comment": ""})),
                        "qualities[5].code"),
    "duplicate_quality": (changed(_append("qualities", {"code": "nhan_ai", "rating": "T", "comment": ""})),
                          "qualities[5].code"),
    "quality_missing": (changed(_drop("qualities", "trung_thuc")), "qualities"),
    "unknown_competence": (changed(_append("competences", {"code": "toan", "rating": "T", "comment": ""})),
                           "competences[10].code"),
    "duplicate_competence": (changed(_append("competences", {"code": "the_chat", "rating": "T", "comment": ""})),
                             "competences[10].code"),
    "competence_missing": (changed(_drop("competences", "tham_mi")), "competences"),
    "invalid_rating": (changed(lambda r: entry(r, "cham_chi", "qualities").update(rating="D")), "qualities[2].rating"),
    "rating_missing": (changed(lambda r: entry(r, "dao_duc").update(rating=None)), "subjects[3].rating"),
    "score_out_of_range": (changed(lambda r: entry(r, "toan").update(score=7.5)), "subjects[1].score"),
    "score_missing": (changed(lambda r: entry(r, "khoa_hoc").update(score=None)), "subjects[5].score"),
    "score_not_applicable": (changed(lambda r: entry(r, "dao_duc").update(score=9)), "subjects[3].score"),
    "outcome_required": (with_(individual_plan=True), "outcome"),
    "outcome_mismatch": (with_(outcome="HTXS"), "outcome"),
    "completed_grade_mismatch": (with_(completed_grade=False), "completed_grade"),
    "completed_primary_mismatch": (with_(completed_primary=True), "completed_primary"),
    "award_not_allowed": (with_(award="hoc_sinh_xuat_sac"), "award"),
    "result_missing": (changed(_top_scores, issuance=issuance(), outcome="HTXS", completed_grade=True), "award"),
    "exemption_without_plan": (with_(exempted_subjects=_exempt("giao_duc_the_chat")), "exempted_subjects"),
    "exemption_invalid": (with_(exempted_subjects=_exempt("tieng_dan_toc"), **PLAN), "exempted_subjects[0].code"),
    "exempted_subject_evaluated": (with_(exempted_subjects=_exempt("giao_duc_the_chat"), **PLAN),
                                   "exempted_subjects[0].code"),
    "outcome_not_allowed_by_plan": (with_(individual_plan=True, outcome="HTXS"), "outcome"),
    "supplementary_not_in_year": (changed(_toan_c, supplementary_evaluation=_again(
        {"code": "tieng_dan_toc", "rating": "H", "score": None, "comment": "Tiến bộ."})),
        "supplementary_evaluation.subjects[0].code"),
    "supplementary_not_allowed": (with_(supplementary_evaluation=_again()), "supplementary_evaluation"),
    "supplementary_result_mismatch": (changed(_toan_c, supplementary_evaluation=_again(
        {"code": "toan", "rating": "H", "score": 6, "comment": "Đã tiến bộ."}, completed=False)),
        "supplementary_evaluation.completed"),
    "decision_not_allowed": (with_(principal_decision={"decision": "repeat", "date": "2025-08-20"}),
                             "principal_decision"),
    "decision_missing": (changed(_toan_c, issuance=issuance(), outcome="CHT", completed_grade=False),
                         "principal_decision"),
    "comment_missing": (changed(lambda r: entry(r, "toan").update(comment=" "), **ISSUED), "subjects[1].comment"),
    "signer_missing": (with_(principal="", **ISSUED), "principal"),
}


def example_error(code):
    build, field = EXAMPLES[code]
    errors = assess(build()).errors
    assert [(e.code, e.field) for e in errors] == [(code, field)], errors
    return errors[0]


def test_every_code_has_an_example():
    assert set(EXAMPLES) == set(CODES)


@pytest.mark.parametrize("code", list(EXAMPLES))
def test_example(code):
    error = example_error(code)
    assert error.message and error.message.endswith((".", ")")) and error.message == error.message.strip()
    assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)*", error.code)


def docs_table_rows() -> list[str]:
    """The rows of the error table of docs/tt27-rules.md, as the engine produces them."""
    return [f"| `{code}` | `{example_error(code).field}` | {CODES[code]} | {example_error(code).message} |"
            for code in CODES]


def test_docs_list_every_code_with_its_real_field_and_message():
    text = DOCS.read_text(encoding="utf-8")
    documented = [line for line in text.splitlines() if re.match(r"\| `[a-z_0-9]+` \| `", line)]
    assert documented == docs_table_rows()


if __name__ == "__main__":  # regenerate the docs table: python -m hocbaso.tt27.tests.test_error_codes
    print("\n".join(docs_table_rows()))
