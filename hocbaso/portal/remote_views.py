"""Tài khoản → Chữ ký số: a teacher or principal links their remote signing account (VNPT SmartCA, Viettel
MySign) once: the service and their user id there, then one of the certificates the service lists. Signing
with it afterwards needs no PIN here: each transaction is confirmed in the phone app."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from hocbaso.directory.selectors import staff_for_user
from hocbaso.signing.errors import SigningError, WrongPinError
from hocbaso.signing.models import IdentityKind, SigningIdentity
from hocbaso.signing.remote_accounts import remote_account_link, remote_credentials, remote_services
from hocbaso.signing.signers import subject_text
from hocbaso.web.permissions import can_hold_certificate
from hocbaso.web.pins import PIN_ATTRS


class AccountForm(forms.Form):
    service = forms.ChoiceField(label=gettext_lazy("Dịch vụ ký số"))
    user_id = forms.CharField(label=gettext_lazy("Mã người dùng của dịch vụ (số CCCD/CMND đã đăng ký)"),
                              max_length=40, strip=True)
    credential_id = forms.CharField(required=False, widget=forms.HiddenInput())
    old_pin = forms.CharField(label=gettext_lazy("Mã PIN của chứng thư số đang dùng (bỏ trống nếu hiệu trưởng đã "
                                                 "phê duyệt cấp lại)"), max_length=64, strip=True, required=False,
                              widget=forms.PasswordInput(attrs=PIN_ATTRS))

    def __init__(self, *args, services: dict, replacing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = list(services.items())
        if not replacing:
            del self.fields["old_pin"]


@login_required
@require_http_methods(["GET", "POST"])
def remote_account(request):
    if not can_hold_certificate(request.user):
        raise PermissionDenied(_("Chứng thư số ký học bạ dành cho hiệu trưởng và giáo viên của trường."))
    staff = staff_for_user(request.user)
    services = remote_services()
    current = SigningIdentity.objects.filter(staff=staff, active=True).first()
    replacing = current is not None and current.kind != IdentityKind.REMOTE
    form = AccountForm(request.POST or None, services=services, replacing=replacing)
    choices = []
    if request.method == "POST" and services and form.is_valid():
        data = form.cleaned_data
        try:
            if data["credential_id"] or request.POST.get("choice"):
                remote_account_link(staff=staff, service=data["service"], user_id=data["user_id"],
                                    credential_id=request.POST.get("choice") or data["credential_id"],
                                    by=request.user, old_pin=data.get("old_pin") or None)
                messages.success(request, _("Đã liên kết tài khoản %(service)s. Khi ký, hãy xác nhận giao dịch trên "
                                            "ứng dụng điện thoại.") % {"service": services[data["service"]]})
                return redirect("portal:remote_account")
            choices = [{"id": c.id, "subject": subject_text(c.certificate.subject), "status": c.status,
                        "until": c.certificate.not_valid_after_utc.date(), "label": c.label}
                       for c in remote_credentials(service=data["service"], user_id=data["user_id"])]
            if not choices:
                form.add_error(None, _("Dịch vụ không có chứng thư số nào cho mã người dùng này."))
        except WrongPinError as error:
            form.add_error("old_pin" if "old_pin" in form.fields else None, str(error))
        except SigningError as error:
            form.add_error(None, str(error))
    return render(request, "portal/remote_account.html", {
        "form": form, "services": services, "choices": choices, "current": current,
        "linked": current is not None and current.kind == IdentityKind.REMOTE})
