"""Reads over evaluations and locks."""

from django.db.models import Q

from hocbaso.assessment.models import DataLock


def locks_for_classes(class_ids) -> dict[int, DataLock]:
    """The lock that applies to each locked class (its own lock, else its school year's)."""
    from hocbaso.directory.models import SchoolClass

    class_ids = set(class_ids)
    classes = dict(SchoolClass.objects.filter(pk__in=class_ids).values_list("pk", "school_year_id"))
    locks = DataLock.objects.filter(Q(school_class_id__in=class_ids)
                                    | Q(school_year_id__in=set(classes.values()), school_class__isnull=True))
    by_class, by_year = {}, {}
    for lock in locks:
        if lock.school_class_id:
            by_class[lock.school_class_id] = lock
        else:
            by_year[lock.school_year_id] = lock
    return {cid: by_class.get(cid) or by_year.get(year_id) for cid, year_id in classes.items()
            if cid in by_class or year_id in by_year}


def is_locked(school_class) -> bool:
    return school_class.pk in locks_for_classes([school_class.pk])


def unlock_problems(school_class) -> list[str]:
    """Why the principal cannot open a locked class again (``data_unlock``), in Vietnamese; empty when they can.

    Only a lock of the class itself, and only while nothing has been signed or rendered for signing from the
    locked data: no subject teacher's sign-off and no record of the class on its way to issuance.
    """
    from hocbaso.records.models import DraftState, RecordDraft
    from hocbaso.signing.models import SubjectSignoff

    if not DataLock.objects.filter(school_class=school_class).exists():
        if DataLock.objects.filter(school_year_id=school_class.school_year_id, school_class__isnull=True).exists():
            return [f"Dữ liệu toàn trường đã được chốt: không mở chốt riêng lớp {school_class.name} được; "
                    "hãy sửa qua yêu cầu điều chỉnh."]
        return [f"Dữ liệu lớp {school_class.name} chưa được chốt."]
    problems = []
    if DataLock.objects.filter(school_year_id=school_class.school_year_id, school_class__isnull=True).exists():
        problems.append(f"Dữ liệu toàn trường đã được chốt: không mở chốt riêng lớp {school_class.name} được; "
                        "hãy sửa qua yêu cầu điều chỉnh.")
    if SubjectSignoff.objects.filter(school_class=school_class, current=True).exists():
        problems.append("Đã có giáo viên bộ môn ký xác nhận kết quả môn học trên dữ liệu đã chốt; "
                        "hãy sửa qua yêu cầu điều chỉnh.")
    if RecordDraft.objects.filter(enrolment__school_class=school_class).exclude(state=DraftState.DISCARDED).exists():
        problems.append("Học bạ của lớp đã được tạo để ký hoặc đã ký, phát hành; hãy sửa qua yêu cầu điều chỉnh.")
    return problems
