"""Chốt dữ liệu: locking a class or the whole school year against entering (by hand, or on the lock date), and
the principal opening a class locked by mistake while nothing was signed from it."""

from django.db import transaction
from django.utils import timezone

from hocbaso.assessment.models import DataLock
from hocbaso.assessment.selectors import locks_for_classes
from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import SchoolYear
from hocbaso.records.guards import unlock_problems
from hocbaso.records.outcomes import year_results_assess


@transaction.atomic
def data_lock(*, school_year, school_class=None, by, automatic: bool = False, assessed=None) -> DataLock:
    """Chốt dữ liệu for one class, or for the whole school year when ``school_class`` is None.
    First the year results of each class it locks that is not locked yet are computed
    (``outcomes.year_results_assess``), so that a locked class can always be signed: the web's job, the
    command and the lock date lock alike. ``assessed(school_class)`` is called after each class.
    Locking twice returns the existing lock."""
    classes = [school_class] if school_class is not None else list(school_year.classes.order_by("grade", "name"))
    locked = locks_for_classes([c.pk for c in classes])
    for klass in classes:
        if klass.pk not in locked:
            year_results_assess(enrolments=list(klass.enrolments.values_list("pk", flat=True)), by=by)
            if assessed is not None:
                assessed(klass)
    lock, created = DataLock.objects.get_or_create(
        school_year=school_year, school_class=school_class,
        defaults={"locked_at": timezone.now(), "locked_by": by, "automatic": automatic})
    if created:
        log_actions([Action("data.lock", "schoolclass" if school_class else "schoolyear",
                            str(school_class.pk if school_class else school_year.pk),
                            None, {"automatic": automatic, "class": school_class.name if school_class else None},
                            school_code=school_year.school.code)], actor=by)
    return lock


class UnlockRefused(ValueError):
    """``data_unlock`` refused; the message (Vietnamese) says why."""


@transaction.atomic
def data_unlock(*, school_class, by, reason: str) -> None:
    """Mở chốt: the principal opens a class locked by mistake (or too early) for entering again, with a reason.
    Refused, writing nothing, unless the class has its own lock and nothing was signed or rendered for signing
    from the locked data (``guards.unlock_problems``). Logged with the lock it removes and the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise UnlockRefused(f"Hãy ghi lý do mở chốt dữ liệu lớp {school_class.name}.")
    problems = unlock_problems(school_class)
    if problems:
        raise UnlockRefused(" ".join(problems))
    lock = DataLock.objects.select_for_update().get(school_class=school_class)
    before = {"locked_at": lock.locked_at.isoformat(), "locked_by": lock.locked_by_id, "automatic": lock.automatic}
    lock.delete()
    log_actions([Action("data.unlock", "schoolclass", str(school_class.pk), before,
                        {"class": school_class.name}, {"reason": reason},
                        school_code=school_class.school_year.school.code)], actor=by)


def data_lock_due(*, today=None) -> list[DataLock]:
    """Lock every school year whose lock date (ngày chốt dữ liệu) has passed; run daily."""
    today = today or timezone.localdate()
    already = DataLock.objects.filter(school_class__isnull=True).values("school_year_id")
    due = SchoolYear.objects.filter(lock_date__lt=today).exclude(pk__in=already)
    return [data_lock(school_year=year, by=None, automatic=True) for year in due.select_related("school")]
