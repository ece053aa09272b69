"""The demo's production guard: the demo creates accounts with a published password, so it refuses to run in
production (``HOCBASO_PRODUCTION=1``) or on a database that holds a school it did not make itself."""

from django.conf import settings
from django.utils.translation import gettext

from hocbaso.demo.models import DemoSchool
from hocbaso.directory.models import School


class DemoRefused(Exception):
    """The demo may not run here; the message (Vietnamese) says why."""


def demo_refusal() -> str | None:
    """Why the demo may not run on this installation, or None when it may."""
    if settings.PRODUCTION:
        return gettext("Không được nạp trường mẫu khi HOCBASO_PRODUCTION=1: trường mẫu tạo tài khoản với mật khẩu "
                       "công khai.")
    real = School.objects.exclude(pk__in=DemoSchool.objects.values("school_id")).order_by("code")
    names = [f"{s.code} ({s.name})" for s in real[:3]]
    if names:
        return gettext("Không được nạp trường mẫu vào cơ sở dữ liệu có trường thật: %(schools)s. Trường mẫu tạo tài "
                       "khoản với mật khẩu công khai.") % {"schools": ", ".join(names)}
    return None


def demo_allowed() -> None:
    """Raise ``DemoRefused`` unless the demo may run here."""
    refusal = demo_refusal()
    if refusal:
        raise DemoRefused(refusal)
