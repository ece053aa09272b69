"""Reads over the locks that apply to classes (chốt dữ liệu)."""

from django.db.models import Q

from hocbaso.assessment.models import DataLock
from hocbaso.directory.models import SchoolClass


def locks_for_classes(class_ids) -> dict[int, DataLock]:
    """The lock that applies to each locked class (its own lock, else its school year's)."""
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
