"""The demo's pupil-year cases beyond the year-end evaluations (TT27 Điều 8, 11, 13; record format version 2),
applied by ``builder.demo_build`` after the year's outcomes are assessed, through the same services a school
uses:

- every pupil not completing the grade (CHT) is evaluated again in the summer (Điều 11.2) and the principal
  confirms it: most then complete the grade; the first is still not completing it and is kept back (ở lại lớp),
  the second (below grade 5) is promoted by the principal's decision (Điều 11.3);
- the pupil on an individual education plan is exempted from a subject, with the plan as its basis (Điều 8);
- awards besides the year-end titles: one for an exceptional achievement, given by the principal (13.1.b), and
  one by a higher level (13.2);
- ``TIEU_BIEU_SHARE``: the share of HTT pupils their class nominates *Học sinh Tiêu biểu* (a minority, as in
  real schools: the title needs outstanding results in a subject or clear progress, recognised by the class).

Independent of where and when the demo is set: it takes the builder's pupils by their (class, number) keys and
the school year's own dates. Idempotent: a pupil-year that already has its case is left alone.
"""

import datetime as dt
from dataclasses import dataclass, field

from hocbaso.assessment.models import Award, Exemption, SupplementaryEvaluation, YearResult
from hocbaso.assessment.services import exemption_set
from hocbaso.directory.models import Enrolment, Staff
from hocbaso.records.completion import award_add, supplementary_confirm, supplementary_save
from hocbaso.records.outcomes import year_results_assess
from hocbaso.records.selectors import enrolments_for_records, record_build

TIEU_BIEU_SHARE = 0.3  # of HTT pupils (Điều 13.1.a: needs the class's recognition; never automatic)
EXEMPTED_SUBJECT = "ngoai_ngu_1"
EXEMPTION_BASIS = ("Kế hoạch giáo dục cá nhân ngày 16/9/{year}, được Hiệu trưởng phê duyệt: miễn học Ngoại ngữ 1 "
                   "do khuyết tật trí tuệ mức độ nhẹ, theo đề nghị của cha mẹ học sinh và giáo viên chủ nhiệm.")
AGAIN_COMMENT = "Sau thời gian rèn luyện trong hè, em đã làm được các bài tập cơ bản."
STILL_WEAK = "Em đã cố gắng trong hè nhưng vẫn chưa đạt yêu cầu cơ bản của môn học."


@dataclass
class CasesReport:
    completed_after_supplementary: list = field(default_factory=list)
    kept_back: list = field(default_factory=list)
    promoted_by_decision: list = field(default_factory=list)
    exempted: list = field(default_factory=list)
    awards: list = field(default_factory=list)


def _again_entries(record: dict, *, still_weak: bool) -> dict:
    """The entries a CHT pupil is evaluated on again: what held the year back (a C, a score below 5), now
    reaching Hoàn thành / Đạt with at least 5, or (``still_weak``) still below it."""
    subjects = []
    for entry in record["subjects"]:
        weak_score = entry["score"] is not None and entry["score"] < 5
        if entry["rating"] != "C" and not weak_score:
            continue
        if still_weak:
            score = None if entry["score"] is None else min(4, entry["score"] + 1)
            subjects.append({"code": entry["code"], "rating": "C", "score": score, "comment": STILL_WEAK})
        else:
            score = None if entry["score"] is None else max(5, entry["score"] + 2)
            rating = "H" if entry["rating"] == "C" else entry["rating"]
            subjects.append({"code": entry["code"], "rating": rating, "score": score, "comment": AGAIN_COMMENT})
    traits = {key: [{"code": entry["code"], "rating": "C" if still_weak else "Đ",
                     "comment": STILL_WEAK if still_weak else "Em đã chăm chỉ hơn, tự giác làm bài."}
                    for entry in record[key] if entry["rating"] == "C"]
              for key in ("qualities", "competences")}
    return {"subjects": subjects, **traits}


def _assessed_valid(assessments: dict) -> None:
    for pk, assessment in assessments.items():
        if not assessment.valid:
            raise RuntimeError(f"demo case invalid for TT27 (enrolment {pk}): {assessment.errors[:3]}")


def _homeroom_user(enrolment: Enrolment, principal: Staff):
    teacher = enrolment.school_class.homeroom_teacher
    return teacher.user if teacher is not None and teacher.user_id else principal.user


def _summers(enrolments_by_key: dict[tuple, int], principal: Staff, school_year_end: dt.date, report: CasesReport,
             *, decide: bool) -> None:
    """Every CHT pupil-year among ``enrolments_by_key`` evaluated again in the summer and confirmed; with
    ``decide`` the first is kept back and the second (below grade 5) promoted by the principal's decision."""
    summer = dt.date(school_year_end.year, 8, 12)
    decided_on = dt.date(school_year_end.year, 8, 19)
    ids = list(enrolments_by_key.values())
    key_of = {pk: key for key, pk in enrolments_by_key.items()}
    cht = sorted((key_of[r.enrolment_id], r.enrolment_id) for r in
                 YearResult.objects.filter(enrolment_id__in=ids, outcome="CHT"))
    done = set(SupplementaryEvaluation.objects.filter(enrolment_id__in=ids).values_list("enrolment_id", flat=True))
    for index, (key, pk) in enumerate(cht):
        if pk in done:
            continue
        enrolment = enrolments_for_records().get(pk=pk)
        grade = enrolment.school_class.grade
        decision = None
        if decide:
            decision = "repeat" if index == 0 else "promote" if index == 1 and grade < 5 else None
        entries = _again_entries(record_build(enrolment, with_results=False), still_weak=decision is not None)
        supplementary_save(enrolment=enrolment, evaluated_on=summer, entries=entries,
                           by=_homeroom_user(enrolment, principal))
        enrolment = enrolments_for_records().get(pk=pk)
        supplementary_confirm(enrolment=enrolment, by=principal.user, decision=decision,
                              decided_on=decided_on if decision else None)
        _assessed_valid(year_results_assess(enrolments=[pk], by=principal.user))
        {"repeat": report.kept_back, "promote": report.promoted_by_decision,
         None: report.completed_after_supplementary}[decision].append(key)


def demo_summers(*, enrolments_by_key: dict[tuple, int], principal: Staff, school_year_end: dt.date) -> list:
    """An earlier year's summer: every CHT pupil evaluated again and completing the grade (Điều 11.2), so that
    its issued records carry what the template asks of a pupil who had not completed it. Returns their keys."""
    report = CasesReport()
    _summers(enrolments_by_key, principal, school_year_end, report, decide=False)
    return report.completed_after_supplementary


def demo_cases(*, enrolments_by_key: dict[tuple, int], individual_plan_key: tuple, principal: Staff,
               school_year_end: dt.date) -> CasesReport:
    """Apply the cases above to the demo's pupil-years (``{(class name, number): enrolment id}``)."""
    report = CasesReport()
    ids = list(enrolments_by_key.values())
    key_of = {pk: key for key, pk in enrolments_by_key.items()}

    # Điều 8: the individual plan's exemption (before the outcomes: the exempted subject is no longer rated).
    plan_pk = enrolments_by_key.get(individual_plan_key)
    if plan_pk is not None and not Exemption.objects.filter(enrolment_id=plan_pk).exists():
        enrolment = Enrolment.objects.select_related("school_class__school_year__school").get(pk=plan_pk)
        exemption_set(enrolment=enrolment, subject=EXEMPTED_SUBJECT, by=principal.user,
                      basis=EXEMPTION_BASIS.format(year=school_year_end.year - 1))
        _assessed_valid(year_results_assess(enrolments=[plan_pk], by=principal.user))
        report.exempted.append(individual_plan_key)

    # Điều 11: the CHT pupils' summer, in (class, number) order: the first kept back, the second (below grade 5)
    # promoted by the principal, the others complete.
    _summers(enrolments_by_key, principal, school_year_end, report, decide=True)

    # Điều 13.1.b and 13.2: awards for an achievement, in the school's highest grade.
    if not Award.objects.filter(enrolment_id__in=ids).exists():
        top = sorted(key for key in enrolments_by_key if key[0] == max(k[0] for k in enrolments_by_key))
        first, second = enrolments_by_key[top[2]], enrolments_by_key[top[7]]
        school_name = principal.school.name if principal.school_id else ""
        for pk, values in ((first, {
                "kind": "dot_xuat", "title": "Giấy khen của Hiệu trưởng", "level": school_name,
                "awarded_on": dt.date(school_year_end.year, 3, 26),
                "reason": "Dũng cảm giúp một em lớp 1 bị ngã xuống suối trên đường đi học về."}),
                (second, {
                "kind": "cap_tren", "title": "Giấy khen", "level": "Sở Giáo dục và Đào tạo",
                "awarded_on": dt.date(school_year_end.year, 4, 15),
                "reason": "Giải Nhì Hội thi Viết chữ đẹp cấp tỉnh."})):
            enrolment = Enrolment.objects.select_related("school_class__school_year__school").get(pk=pk)
            award_add(enrolment=enrolment, by=principal.user, **values)
            report.awards.append((key_of[pk], values["kind"]))
    return report
