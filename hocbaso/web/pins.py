"""A signing page's PIN: the forms that take it and the check that opens the key with it before anything is
queued, so that a wrong PIN is told on the page, in Vietnamese, and never in a failed job."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hocbaso.signing.errors import SigningError, WrongPinError
from hocbaso.signing.models import IdentityKind
from hocbaso.signing.services import signer_open

PIN_ATTRS = {"autocomplete": "off", "inputmode": "numeric", "class": "pin"}


class PinForm(forms.Form):
    """One PIN for one signing action (checked against the key before anything is queued). A remote account
    (``remote=True``: SmartCA, MySign) takes no PIN: its holder confirms on the phone."""

    pin = forms.CharField(label=_("Mã PIN ký số"), max_length=64, strip=True,
                          widget=forms.PasswordInput(attrs=PIN_ATTRS))

    def __init__(self, *args, remote: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if remote:
            self.fields["pin"].required = False
            self.fields["pin"].label = _("Không cần mã PIN: hãy xác nhận giao dịch trên ứng dụng ký số của bạn "
                                         "sau khi bấm ký.")
            self.fields["pin"].widget = forms.HiddenInput()


class NewPinForm(forms.Form):
    """A new certificate's PIN, typed twice: at least 6 digits."""

    pin = forms.RegexField(label=_("Mã PIN (ít nhất 6 chữ số)"), regex=r"^\d{6,32}$", strip=True,
                           error_messages={"invalid": _("Mã PIN phải gồm từ 6 đến 32 chữ số.")},
                           widget=forms.PasswordInput(attrs={**PIN_ATTRS, "autocomplete": "new-password"}))
    pin2 = forms.CharField(label=_("Nhập lại mã PIN"), max_length=32, strip=True,
                           widget=forms.PasswordInput(attrs={**PIN_ATTRS, "autocomplete": "new-password"}))
    replace = forms.BooleanField(label=_("Tôi hiểu: chứng thư số cũ sẽ bị thu hồi và mã PIN cũ không dùng được nữa."),
                                 required=False)
    old_pin = forms.CharField(label=_("Mã PIN cũ (bỏ trống nếu đã quên và hiệu trưởng đã phê duyệt cấp lại)"),
                              max_length=64, strip=True, required=False, widget=forms.PasswordInput(attrs=PIN_ATTRS))

    def __init__(self, *args, replacing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.replacing = replacing
        if not replacing:
            del self.fields["replace"]
            del self.fields["old_pin"]

    def clean(self):
        data = super().clean()
        if data.get("pin") and data.get("pin") != data.get("pin2"):
            self.add_error("pin2", _("Hai lần nhập mã PIN không giống nhau."))
        if self.replacing and not data.get("replace"):
            self.add_error("replace", _("Hãy xác nhận việc thay thế chứng thư số cũ."))
        return data


def _signer_open(form: PinForm, identity, *, seal: bool = False):
    """The signer the typed PIN opens; None with the refusal on the form, in Vietnamese (a wrong PIN on the PIN
    field)."""
    try:
        return signer_open(identity, form.cleaned_data["pin"], seal=seal)
    except WrongPinError as error:
        form.add_error("pin", str(error))
    except SigningError as error:
        form.add_error(None, str(error))
    return None


NO_CERTIFICATE = _("Bạn chưa có chứng thư số. Hãy tạo chứng thư số trước khi ký.")


def signer_form(request, *, problems: list, identity, no_identity=NO_CERTIFICATE, seal: bool = False):
    """A signing page's PIN form. On a POST with nothing in the way (``problems``), a certificate and a PIN
    that opens its key, returns ``(form, signer)``; otherwise ``(form, None)`` with the reason on the form."""
    form = PinForm(request.POST or None, remote=getattr(identity, "kind", "") == IdentityKind.REMOTE)
    if request.method == "POST" and form.is_valid():
        if problems:
            form.add_error(None, problems[0])
        elif identity is None:
            form.add_error(None, no_identity)
        else:
            return form, _signer_open(form, identity, seal=seal)
    return form, None


def pin_form(request, *, problems: list, identity, no_identity=NO_CERTIFICATE, seal: bool = False):
    """``signer_form`` for a page that queues a job: the key is opened to check the PIN before anything is
    queued, and the PIN (not the signer) is returned, ``(form, pin)``, for the job to open it again."""
    form, signer = signer_form(request, problems=problems, identity=identity, no_identity=no_identity, seal=seal)
    return form, (form.cleaned_data["pin"] or "") if signer is not None else None
