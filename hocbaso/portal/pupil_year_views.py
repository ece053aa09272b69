"""After the year-end outcome, one page per class (TT27 Điều 8, 11, 13): the summer's supplementary evaluation of the
pupils not completing the grade (entered by the homeroom teacher, confirmed by the principal with the decision to
promote or keep back), the awards the principal enters, and the subjects a pupil on an individual plan is exempted
from. Every write goes through its service (records.completion, assessment.services), which refuses and says why."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hocbaso.assessment.models import Award, Exemption
from hocbaso.assessment.services import EvaluationInputError, exemption_remove, exemption_set
from hocbaso.directory.selectors import class_pupils, vietnamese_sort_key
from hocbaso.portal.views import _class_for
from hocbaso.records.completion import award_add, award_remove, supplementary_confirm, supplementary_save
from hocbaso.records.guards import LifecycleRefused
from hocbaso.records.selectors import enrolments_for_records, record_build
from hocbaso.tt27 import catalogue
from hocbaso.web.permissions import school_access


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _weak_entries(record: dict) -> list[dict]:
    """What held the year back: subjects rated C or scored below 5, qualities and competences rated C; each with
    the supplementary evaluation's value when there is one."""
    again = record.get("supplementary_evaluation") or {}
    rows = []
    for key, names, scale in (("subjects", catalogue.SUBJECTS, catalogue.SUBJECT_RATINGS),
                              ("qualities", catalogue.QUALITIES, catalogue.TRAIT_RATINGS),
                              ("competences", catalogue.COMPETENCES, catalogue.TRAIT_RATINGS)):
        redone = {e["code"]: e for e in again.get(key) or []}
        for entry in record[key]:
            weak = entry["rating"] == "C" or (entry.get("score") is not None and entry["score"] < 5)
            if weak or entry["code"] in redone:
                now = redone.get(entry["code"], {})
                rows.append({"key": key, "code": entry["code"], "name": names.get(entry["code"], entry["code"]),
                             "scale": scale, "year_rating": entry["rating"], "year_score": entry.get("score"),
                             "tested": entry.get("score") is not None, "rating": now.get("rating", ""),
                             "score": now.get("score"), "comment": now.get("comment", "")})
    return rows


def _entries_from(post, rows: list[dict]) -> dict:
    entries = {"subjects": [], "qualities": [], "competences": []}
    for row in rows:
        field = f"{row['key']}-{row['code']}"
        rating = post.get(f"{field}-rating") or ""
        if not rating:
            continue
        entry = {"code": row["code"], "rating": rating, "comment": (post.get(f"{field}-comment") or "").strip()}
        if row["key"] == "subjects":
            text = (post.get(f"{field}-score") or "").strip()
            entry["score"] = int(text) if text.isdigit() else (text or None)
        entries[row["key"]].append(entry)
    return entries


@login_required
@require_http_methods(["GET", "POST"])
def pupil_year(request, class_id: int):
    """The page: GET shows the three parts; POST carries ``action`` and acts through the service."""
    school_class, access = _class_for(request, class_id)
    if not access.view_all:
        raise PermissionDenied(_("Trang này dành cho giáo viên chủ nhiệm và lãnh đạo nhà trường."))
    lead = school_access(request.user, school_class.school_year.school).lead
    pupils = {e.pk: e for e in enrolments_for_records().filter(school_class=school_class)}
    if request.method == "POST":
        _act(request, pupils, lead)
        return redirect("portal:pupil_year", school_class.pk)
    summer = []
    for enrolment in sorted(pupils.values(), key=lambda e: vietnamese_sort_key(e.pupil.full_name)):
        result = getattr(enrolment, "year_result", None)
        if result is None or result.outcome != "CHT":
            continue
        record = record_build(enrolment)
        row = getattr(enrolment, "supplementary", None)
        summer.append({"enrolment": enrolment, "rows": _weak_entries(record), "saved": row,
                       "completed": result.completed_grade, "decisions": catalogue.DECISIONS})
    plans = [e for e in class_pupils(school_class) if e.individual_plan]
    return render(request, "portal/pupil_year.html", {
        "school_class": school_class, "lead": lead, "summer": summer, "pupils": class_pupils(school_class),
        "awards": Award.objects.filter(enrolment__school_class=school_class).select_related("enrolment__pupil"),
        "award_kinds": catalogue.AWARD_KINDS, "plans": plans,
        "exemptions": Exemption.objects.filter(enrolment__school_class=school_class).select_related("enrolment__pupil"),
        "compulsory": {code: catalogue.SUBJECTS[code] for code in catalogue.compulsory_subjects(school_class.grade)},
        "today": dt.date.today().isoformat()})


def _act(request, pupils: dict, lead: bool) -> None:
    post = request.POST
    action = post.get("action")
    enrolment = pupils.get(int(post["enrolment"])) if (post.get("enrolment") or "").isdigit() else None
    try:
        if action == "supplementary" and enrolment is not None:
            on = _date(post.get("date"))
            if on is None:
                raise LifecycleRefused(_("Ghi ngày đánh giá bổ sung."))
            rows = _weak_entries(record_build(enrolment))
            supplementary_save(enrolment=enrolment, evaluated_on=on, entries=_entries_from(post, rows), by=request.user)
            messages.success(request, _("Đã lưu đánh giá bổ sung của %(pupil)s; chờ hiệu trưởng xác nhận.")
                             % {"pupil": enrolment.pupil.full_name})
        elif action == "confirm" and enrolment is not None:
            decision = post.get("decision") or None
            supplementary_confirm(enrolment=enrolment, by=request.user, decision=decision,
                                  decided_on=_date(post.get("decided_on")))
            messages.success(request, _("Đã xác nhận đánh giá bổ sung của %(pupil)s.") % {"pupil": enrolment.pupil.full_name})
        elif action == "award_add" and enrolment is not None:
            award_add(enrolment=enrolment, kind=post.get("kind", ""), title=post.get("title", ""),
                      level=post.get("level", ""), awarded_on=_date(post.get("date")), reason=post.get("reason", ""),
                      by=request.user)
            messages.success(request, _("Đã ghi khen thưởng của %(pupil)s.") % {"pupil": enrolment.pupil.full_name})
        elif action == "award_remove":
            award = Award.objects.filter(pk=post.get("award"), enrolment_id__in=list(pupils)).first()
            if award is not None:
                award_remove(award=award, by=request.user)
                messages.success(request, _("Đã xoá khen thưởng."))
        elif action in ("exemption_set", "exemption_remove") and enrolment is not None:
            if not lead:
                raise PermissionDenied(_("Chỉ hiệu trưởng mới ghi việc miễn môn học theo kế hoạch giáo dục cá nhân."))
            if action == "exemption_set":
                exemption_set(enrolment=enrolment, subject=post.get("subject", ""), basis=post.get("basis", ""),
                              by=request.user)
                messages.success(request, _("Đã ghi việc miễn môn học của %(pupil)s.")
                                 % {"pupil": enrolment.pupil.full_name})
            else:
                exemption_remove(enrolment=enrolment, subject=post.get("subject", ""), by=request.user)
                messages.success(request, _("Đã bỏ việc miễn môn học."))
        else:
            messages.error(request, _("Không rõ thao tác hoặc học sinh."))
    except (LifecycleRefused, EvaluationInputError) as error:
        messages.error(request, str(error))

