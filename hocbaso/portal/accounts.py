"""Sign-in with an optional second factor (TOTP, RFC 6238), and turning it on and off.

After a correct password, a user with a confirmed authenticator is not signed in yet: the session
remembers who (for five minutes, five tries) and the next page asks for the six-digit code or a
recovery code. A code is accepted once (``last_step``), recovery codes once each.
"""

import io
import time

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import Staff
from hocbaso.directory.selectors import staff_for_user, vietnamese_sort_key
from hocbaso.portal import totp
from hocbaso.portal.forms import CodeForm, LoginForm
from hocbaso.portal.middleware import MUST_CHANGE
from hocbaso.portal.models import TemporaryPassword, TwoFactorDevice
from hocbaso.signing.models import SigningIdentity
from hocbaso.portal.services import password_reset
from hocbaso.portal.throttle import attempt_succeeded, attempt_take, sign_in_keys
from hocbaso.signing.errors import SigningError, WrongPinError
from hocbaso.signing.selectors import identities_revoked
from hocbaso.signing.services import rekey_approve
from hocbaso.web.pages import id_param
from hocbaso.web.permissions import can_manage_accounts, can_use_two_factor

PENDING = "hocbaso_2fa_pending"
SETUP = "hocbaso_2fa_setup"
PENDING_SECONDS = 300
MAX_TRIES = 5
ISSUER = "Học bạ số"


def temporary_password_mark(sender, request, user, **kwargs):
    """On sign-in (``user_logged_in``): an account holding a password the principal set must choose its own
    first (``TemporaryPasswordMiddleware`` reads this session flag; no query per request)."""
    if request is not None and hasattr(request, "session") and \
            TemporaryPassword.objects.filter(user=user).exists():
        request.session[MUST_CHANGE] = True


def certificate_change_notice(sender, request, user, **kwargs):
    """On sign-in (``user_logged_in``): the holder is told of every certificate of theirs revoked and replaced in
    the last NOTICE_DAYS days, by whom, so that a certificate minted in their name does not go unnoticed."""
    staff = getattr(user, "staff", None)
    if request is None or staff is None or not hasattr(request, "_messages"):
        return
    for old in identities_revoked(staff=staff):
        messages.warning(request, _("Chứng thư số của bạn đã bị thu hồi và thay mới lúc %(when)s (tài khoản "
                                    "%(who)s). Nếu không phải bạn làm, hãy báo ngay hiệu trưởng.") % {
            "when": timezone.localtime(old.revoked_at).strftime("%H:%M %d/%m/%Y"),
            "who": old.revoked_by.username if old.revoked_by else "?"})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Đổi mật khẩu: the signed-in user sets a new password after giving the current one (Django's form and the
    deployment's password validators, messages in Vietnamese). This session stays signed in; the account's other
    sessions (another phone, a shared computer) end, since Django ties them to the old password. Recorded in the
    audit trail, without the password."""

    template_name = "portal/password_change.html"
    success_url = reverse_lazy("portal:password_change")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "must_change": bool(self.request.session.get(MUST_CHANGE))}

    def form_valid(self, form):
        response = super().form_valid(form)
        TemporaryPassword.objects.filter(user=self.request.user).delete()
        self.request.session.pop(MUST_CHANGE, None)
        _log(self.request.user, "user.password_change")
        messages.success(self.request, _("Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản này đã kết thúc."))
        return response


def _throttled(seconds: int) -> str:
    return _("Đăng nhập sai quá nhiều lần. Hãy thử lại sau %(n)s giây.") % {"n": seconds}


class LoginView(auth_views.LoginView):
    """Sign-in, throttled per account typed and per address (``portal.throttle``): a refused attempt answers 429
    without checking the password."""

    template_name = "portal/login.html"
    authentication_form = LoginForm

    def post(self, request, *args, **kwargs):
        account = "user:" + (request.POST.get("username") or "").strip().lower()
        keys = sign_in_keys(request, account=account)
        wait = attempt_take(keys)
        if wait:
            context = self.get_context_data(form=self.get_form_class()(request), throttled=_throttled(wait))
            return self.render_to_response(context, status=429)
        response = super().post(request, *args, **kwargs)
        if getattr(self, "password_right", False):
            attempt_succeeded(keys, account=account)
        return response

    def form_valid(self, form):
        self.password_right = True
        user = form.get_user()
        if TwoFactorDevice.objects.filter(user=user).exists():
            self.request.session.cycle_key()
            self.request.session[PENDING] = {"user": user.pk, "backend": user.backend, "since": time.time(),
                                             "tries": 0, "next": self.get_redirect_url()}
            return redirect("portal:login_code")
        return super().form_valid(form)


def _safe_next(request, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("portal:home")


def _check_code(device: TwoFactorDevice, code: str) -> bool:
    """True when ``code`` is the authenticator's current code (not used before) or an unused recovery code;
    records the use."""
    with transaction.atomic():
        device = TwoFactorDevice.objects.select_for_update().get(pk=device.pk)
        step = totp.verify(device.secret, code, after_step=device.last_step)
        if step is not None:
            device.last_step = step
        else:
            digest = totp.backup_code_hash(code)
            if digest not in device.backup_codes:
                return False
            device.backup_codes = [c for c in device.backup_codes if c != digest]
        device.last_used_at = timezone.now()
        device.save(update_fields=["last_step", "backup_codes", "last_used_at"])
        return True


@sensitive_post_parameters("code")
def login_code(request):
    """The second step of sign-in: the six-digit code of the authenticator app."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["since"] > PENDING_SECONDS or pending["tries"] >= MAX_TRIES:
        request.session.pop(PENDING, None)
        return redirect("portal:login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    device = TwoFactorDevice.objects.filter(user=user).first() if user else None
    if device is None:
        request.session.pop(PENDING, None)
        return redirect("portal:login")
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        # Counted per account across sign-ins (a new sign-in used to bring five fresh tries) and per address.
        account = f"code:{user.pk}"
        keys = sign_in_keys(request, account=account)
        wait = attempt_take(keys)
        if wait:
            return render(request, "portal/login_code.html", {"form": CodeForm(), "error": _throttled(wait)},
                          status=429)
        if _check_code(device, form.cleaned_data["code"]):
            attempt_succeeded(keys, account=account)
            request.session.pop(PENDING, None)
            login(request, user, backend=pending["backend"])
            return redirect(_safe_next(request, pending.get("next", "")))
        pending["tries"] += 1
        request.session[PENDING] = pending
        left = MAX_TRIES - pending["tries"]
        if left <= 0:
            request.session.pop(PENDING, None)
            return redirect("portal:login")
        error = _("Mã không đúng hoặc đã dùng. Còn %(n)s lần thử.") % {"n": left}
    return render(request, "portal/login_code.html", {"form": form, "error": error})


def _qr_svg(uri: str) -> str:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=4, border=2, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def _log(user, action: str) -> None:
    staff = getattr(user, "staff", None)
    school = getattr(getattr(staff, "school", None), "code", "") if staff else ""
    log_actions([Action(action, "user", str(user.pk), None, None, school_code=school or "")], actor=user)


@login_required
@sensitive_post_parameters("code")
def two_factor(request):
    """Bảo mật tài khoản: turn two-factor sign-in on (scan, confirm a code, keep the recovery codes) or off."""
    allowed = can_use_two_factor(request.user)
    device = TwoFactorDevice.objects.filter(user=request.user).first()
    form = CodeForm(request.POST or None)
    context = {"allowed": allowed, "device": device, "form": form, "error": "", "new_codes": None}
    if not allowed:  # the refusal, with the way to the password change that stays theirs
        return render(request, "portal/two_factor.html", context, status=403)
    action = request.POST.get("action") if request.method == "POST" else None
    if device is None:
        secret = request.session.get(SETUP)
        if not secret or action == "restart":
            secret = request.session[SETUP] = totp.random_secret()
        if action == "enable" and form.is_valid():
            step = totp.verify(secret, form.cleaned_data["code"])
            if step is not None:
                codes = totp.backup_codes()
                device = TwoFactorDevice.objects.create(
                    user=request.user, secret=secret, confirmed_at=timezone.now(), last_step=step,
                    backup_codes=[totp.backup_code_hash(c) for c in codes])
                request.session.pop(SETUP, None)
                _log(request.user, "two_factor.enable")
                context.update(device=device, new_codes=codes, form=CodeForm())
                return render(request, "portal/two_factor.html", context)
            context["error"] = _("Mã không đúng. Hãy kiểm tra giờ trên điện thoại và thử mã mới.")
        uri = totp.provisioning_uri(secret, account=request.user.get_username(), issuer=ISSUER)
        context.update(secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)), qr_svg=_qr_svg(uri))
        return render(request, "portal/two_factor.html", context)
    if action == "disable" and form.is_valid():
        if _check_code(device, form.cleaned_data["code"]):
            device.delete()
            _log(request.user, "two_factor.disable")
            return redirect("portal:two_factor")
        context["error"] = _("Mã không đúng hoặc đã dùng.")
    if action == "new_codes" and form.is_valid():
        if _check_code(device, form.cleaned_data["code"]):
            codes = totp.backup_codes()
            device.backup_codes = [totp.backup_code_hash(c) for c in codes]
            device.save(update_fields=["backup_codes"])
            context.update(new_codes=codes, form=CodeForm())
        else:
            context["error"] = _("Mã không đúng hoặc đã dùng.")
    context["codes_left"] = len(device.backup_codes)
    return render(request, "portal/two_factor.html", context)


@login_required
@sensitive_post_parameters("pin")
def staff_passwords(request):
    """Tài khoản của trường: the principal sees the school's accounts and gives a colleague who forgot their
    password (or whose account came back from an archive without one) a temporary one, shown once, to hand over;
    at the next sign-in the colleague must choose their own. A colleague who lost their signing PIN gets the
    principal's approval to replace their certificate (``action=rekey``, the principal's own PIN)."""
    if not can_manage_accounts(request.user):
        raise PermissionDenied(_("Chỉ hiệu trưởng mới đặt lại được mật khẩu của đồng nghiệp."))
    mine = staff_for_user(request.user)
    context = {"allowed": True, "school": mine.school, "me": mine, "reset": None}
    if request.method == "POST":
        colleague = get_object_or_404(Staff, pk=id_param(request.POST.get("staff")) or 0, school_id=mine.school_id)
        if request.POST.get("action") == "rekey":
            try:
                rekey_approve(staff=colleague, by=request.user, pin=(request.POST.get("pin") or "").strip())
                context["approved"] = colleague
            except (SigningError, WrongPinError) as refused:
                context["error"] = str(refused)
        else:
            try:
                context["reset"] = {"staff": colleague, "password": password_reset(staff=colleague, by=request.user)}
            except PermissionDenied as refused:
                context["error"] = str(refused)
    # Read after a reset: its "temporary password" mark shows at once.
    context["staff"] = sorted(Staff.objects.filter(school_id=mine.school_id, user__isnull=False)
                              .select_related("user", "user__temporary_password").prefetch_related("role_set"),
                              key=lambda s: vietnamese_sort_key(s.full_name))
    holders = set(SigningIdentity.objects.filter(staff__school_id=mine.school_id, active=True)
                  .values_list("staff_id", flat=True))
    for colleague in context["staff"]:
        colleague.has_certificate = colleague.pk in holders
    return render(request, "portal/staff_passwords.html", context)
