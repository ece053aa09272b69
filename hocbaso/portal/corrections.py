"""The correction form's field chooser: what one user may ask to change in one pupil's year-end record, with
the current values, and the typed new value turned into what ``records.corrections.correction_request`` stores."""

from django.utils.translation import gettext as _

from hocbaso.records.selectors import enrolments_for_records, record_build
from hocbaso.tt27 import catalogue
from hocbaso.web.permissions import ClassAccess

SUBJECT_RATING, TRAIT_RATING, SCORE, TEXT = "subject_rating", "trait_rating", "score", "text"
WORDS = {SUBJECT_RATING: catalogue.SUBJECT_RATINGS, TRAIT_RATING: catalogue.TRAIT_RATINGS}


def _shown(value, kind: str) -> str:
    if value is None or value == "":
        return _("trống")
    if kind in WORDS:
        return f"{value} — {_(WORDS[kind].get(value, value))}"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def correction_fields(enrolment, access: ClassAccess) -> list[tuple]:
    """``[(group name, [(path, label, current value shown, kind), ...]), ...]`` for the user's rights:
    the subjects they enter, the qualities and competences, the homeroom teacher's comment."""
    enrolment = enrolments_for_records().get(pk=enrolment.pk)
    record = record_build(enrolment)
    grade = enrolment.school_class.grade
    groups = []
    items = []
    for row in record["subjects"]:
        code = row["code"]
        if code not in access.edit_subjects:
            continue
        name = _(catalogue.SUBJECTS.get(code, code))
        items.append((f"subjects.{code}.rating", f"{name} — {_('mức đạt được')}", _shown(row["rating"], SUBJECT_RATING),
                      SUBJECT_RATING))
        if catalogue.has_periodic_test(grade, code, catalogue.YEAR_END) or row.get("score") is not None:
            items.append((f"subjects.{code}.score", f"{name} — {_('điểm KTĐK')}", _shown(row["score"], SCORE), SCORE))
        items.append((f"subjects.{code}.comment", f"{name} — {_('nhận xét')}", _shown(row["comment"], TEXT), TEXT))
    if items:
        groups.append((_("Môn học và hoạt động giáo dục"), items))
    if access.edit_traits:
        for key, table, title in (("qualities", catalogue.QUALITIES, _("Phẩm chất")),
                                  ("competences", catalogue.COMPETENCES, _("Năng lực"))):
            items = []
            for row in record[key]:
                name = _(table.get(row["code"], row["code"]))
                items.append((f"{key}.{row['code']}.rating", f"{name} — {_('mức đạt được')}",
                              _shown(row["rating"], TRAIT_RATING), TRAIT_RATING))
                items.append((f"{key}.{row['code']}.comment", f"{name} — {_('nhận xét')}",
                              _shown(row["comment"], TEXT), TEXT))
            if items:
                groups.append((title, items))
    if access.edit_year:
        groups.append((_("Nhận xét cuối năm"), [("homeroom_comment", _("Nhận xét của giáo viên chủ nhiệm"),
                                                _shown(record["homeroom_comment"], TEXT), TEXT)]))
    return groups


def parse_value(kind: str, text: str):
    """The typed new value as the record stores it; ``ValueError`` with a Vietnamese message when it is not one."""
    text = (text or "").strip()
    if kind in WORDS:
        table = WORDS[kind]
        code = text.upper()
        if kind == TRAIT_RATING and code == "D":
            code = "Đ"
        by_words = {name.lower(): c for c, name in table.items()}
        code = code if code in table else by_words.get(text.lower())
        if code is None:
            choices = ", ".join(f"{c} ({name})" for c, name in table.items())
            raise ValueError(_("Mức đạt được phải là một trong: %(choices)s.") % {"choices": choices})
        return code
    if kind == SCORE:
        if not text.isdigit() or not 0 <= int(text) <= 10:
            raise ValueError(_("Điểm kiểm tra định kì phải là số nguyên từ 0 đến 10."))
        return int(text)
    return text


def field_label(path: str) -> str:
    """A correction's field in words (``subjects.toan.score`` → “Toán — điểm KTĐK”)."""
    attributes = {"rating": _("mức đạt được"), "score": _("điểm KTĐK"), "comment": _("nhận xét")}
    parts = path.split(".")
    tables = {"subjects": catalogue.SUBJECTS, "qualities": catalogue.QUALITIES, "competences": catalogue.COMPETENCES}
    if len(parts) == 3 and parts[0] in tables and parts[2] in attributes:
        return f"{_(tables[parts[0]].get(parts[1], parts[1]))} — {attributes[parts[2]]}"
    if path == "homeroom_comment":
        return _("Nhận xét của giáo viên chủ nhiệm")
    return path


def with_labels(corrections) -> list:
    corrections = list(corrections)
    for correction in corrections:
        correction.field_label = field_label(correction.field)
    return corrections
