"""``--period`` for ``hocbaso import`` and ``hocbaso export`` (school, class and user: directory.management.arguments)."""

from django.core.management.base import CommandError

from hocbaso.tt27 import catalogue


def period_arg(period: str | None, *, required: bool = True) -> str | None:
    if not period:
        if required:
            raise CommandError(f"Cần --period, một trong: {', '.join(catalogue.PERIODS)}.")
        return None
    if period not in catalogue.PERIODS:
        raise CommandError(f"Thời điểm {period!r} không hợp lệ; dùng một trong: {', '.join(catalogue.PERIODS)}.")
    return period
