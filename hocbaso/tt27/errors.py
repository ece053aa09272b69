"""The engine's findings: one ``RuleError`` per problem, with a stable code.

``CODES`` lists every code the engine can report, with the article or spec clause it enforces;
``docs/tt27-rules.md`` carries the same table with example messages (a test keeps them equal).
"""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class RuleError:
    """One problem in a record: a stable snake_case ``code``, the ``field`` path it concerns
    (``subjects[1].score``, ``pupil.birth_date``, ``periods.giua_hk1.subjects[0].rating`` …),
    and a ``message`` in Vietnamese that names the subject, quality or field concerned."""

    code: str
    field: str
    message: str

    def as_dict(self) -> dict:
        """The error as the ``hocbaso assess`` output writes it: ``{"code", "field", "message"}``."""
        return asdict(self)


# code -> what it enforces (spec = docs/record-format.md; Điều = TT27's Quy định)
CODES: dict[str, str] = {
    # The record format (spec)
    "unknown_field": "spec: a key that the format does not define",
    "missing_field": "spec: a required key is absent",
    "invalid_type": "spec: a value of the wrong JSON type",
    "empty_field": "spec: a required text is empty",
    "invalid_date": "spec: a date or date-time that is not ISO 8601 or does not exist",
    "invalid_gender": "spec: gender other than male / female",
    "invalid_identity_number": "spec: identity number that is not 12 digits (nor null)",
    "invalid_grade": "spec: grade outside 1–5",
    "invalid_school_year": "spec: school year not YYYY-YYYY with consecutive years",
    "invalid_value": "spec: a value outside its allowed set or range",
    "unknown_period": "spec: a key of periods other than giua_hk1, cuoi_hk1, giua_hk2",
    "issuance_inconsistent": "spec: version 1 supersedes nothing; a later version supersedes one",
    "class_grade_mismatch": "spec: class name starting with a digit other than the grade",
    # Scope (Điều 2 of the Thông tư)
    "school_year_not_covered": "Điều 2 (Thông tư): the grade-year predates TT27",
    # Subjects, qualities, competences (Chương trình GDPT 2018; Điều 7)
    "unknown_subject": "GDPT 2018: not a primary subject code",
    "subject_not_in_grade": "GDPT 2018: the grade has no such subject",
    "duplicate_subject": "a subject listed twice",
    "subject_missing": "GDPT 2018: a compulsory subject of the grade is absent",
    "unknown_quality": "Điều 5: not one of the five qualities",
    "duplicate_quality": "a quality listed twice",
    "quality_missing": "Điều 5: one of the five qualities is absent",
    "unknown_competence": "Điều 5: not one of the ten competences",
    "duplicate_competence": "a competence listed twice",
    "competence_missing": "Điều 5: one of the ten competences is absent",
    "invalid_rating": "Điều 7.1.a, 7.2: rating outside the scale",
    "rating_missing": "Điều 7.1.a, 7.2: rating null",
    # Periodic test scores (Điều 7.1.b, 7.1.d; Điều 8)
    "score_out_of_range": "Điều 7.1.d: score not a whole number from 0 to 10",
    "score_missing": "Điều 7.1.b: no score for a subject with a periodic test",
    "score_not_applicable": "Điều 7.1.b: a score for a subject without a periodic test then",
    # Results (Điều 8, 9.2, 11, 13)
    "outcome_required": "Điều 8: individual education plan without the teacher's outcome",
    "outcome_mismatch": "Điều 9.2: given outcome differs from the computed one",
    "completed_grade_mismatch": "Điều 11.1: given completion of the grade differs",
    "completed_primary_mismatch": "Điều 11.2: given completion of primary school differs",
    "award_not_allowed": "Điều 13.1.a: award the outcome does not allow",
    "result_missing": "spec: an issued record without its computed results",
    # Format version 2: pupils with disabilities (Điều 8)
    "exemption_without_plan": "Điều 8: exempted subjects without an individual education plan",
    "exemption_invalid": "Điều 8: an exemption from a subject that is not compulsory in the grade, or twice",
    "exempted_subject_evaluated": "Điều 8: a subject both exempted and rated",
    "outcome_not_allowed_by_plan": "Điều 8, 9.2: the plan's outcome above what its ratings allow",
    # Format version 2: completion after the year's outcome (Điều 11)
    "supplementary_not_in_year": "Điều 11.2: a supplementary entry the year-end results do not hold",
    "supplementary_not_allowed": "Điều 11.2: a supplementary evaluation of a pupil who completed the grade",
    "supplementary_result_mismatch": "Điều 11.2: given result of the supplementary evaluation differs",
    "decision_not_allowed": "Điều 11.3: a principal's decision where none is taken, or promotion from grade 5",
    "decision_missing": "Điều 11.3: an issued record of a pupil not completing without the principal's decision",
    # Format version 2: what the template requires of an issued record (Điều 10; Phụ lục)
    "comment_missing": "Điều 10, template: an issued record without a comment the template has",
    "signer_missing": "Điều 10, template: an issued record without a signer's name",
}
