"""Command-line arguments every management command reads the same way: the school year (``--school``,
``--year``), a class (``--class``) and a user (``--user`` / ``--by``), each refused with a Vietnamese message
that names what was not found."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from hocbaso.directory.models import SchoolClass, SchoolYear


def school_year_arg(school: str | None, year: str | None) -> SchoolYear:
    if not (school and year):
        raise CommandError("Cần --school MÃ_TRƯỜNG và --year YYYY-YYYY.")
    school_year = SchoolYear.objects.filter(school__code=school, name=year).select_related("school").first()
    if school_year is None:
        raise CommandError(f"Không tìm thấy năm học {year} của trường {school}.")
    return school_year


def class_arg(school_year: SchoolYear, name: str | None) -> SchoolClass:
    if not name:
        raise CommandError("Cần --class, ví dụ --class 4A.")
    school_class = SchoolClass.objects.filter(school_year=school_year, name=name).first()
    if school_class is None:
        names = ", ".join(SchoolClass.objects.filter(school_year=school_year).order_by("grade", "name")
                          .values_list("name", flat=True))
        raise CommandError(f"Trường không có lớp {name} trong năm học {school_year.name} (các lớp: {names}).")
    return school_class


def user_arg(username: str | None):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"Không có tài khoản {username!r}.")
    return user
