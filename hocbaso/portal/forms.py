from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("Tên đăng nhập"), widget=forms.TextInput(attrs={"autofocus": True,
                                                                                      "autocomplete": "username"}))
    password = forms.CharField(label=_("Mật khẩu"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    error_messages = {
        "invalid_login": _("Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý: mật khẩu phân biệt chữ hoa, chữ thường."),
        "inactive": _("Tài khoản này đã bị khóa."),
    }


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Mã xác thực"), max_length=20, strip=True,
                           widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code",
                                                         "inputmode": "numeric"}))


PIN_ATTRS = {"autocomplete": "off", "inputmode": "numeric", "class": "pin"}


class PinForm(forms.Form):
    """One PIN for one signing action (checked against the key before anything is queued)."""

    pin = forms.CharField(label=_("Mã PIN ký số"), max_length=64, strip=True,
                          widget=forms.PasswordInput(attrs=PIN_ATTRS))


class NewPinForm(forms.Form):
    """A new certificate's PIN, typed twice: at least 6 digits."""

    pin = forms.RegexField(label=_("Mã PIN (ít nhất 6 chữ số)"), regex=r"^\d{6,32}$", strip=True,
                           error_messages={"invalid": _("Mã PIN phải gồm từ 6 đến 32 chữ số.")},
                           widget=forms.PasswordInput(attrs={**PIN_ATTRS, "autocomplete": "new-password"}))
    pin2 = forms.CharField(label=_("Nhập lại mã PIN"), max_length=32, strip=True,
                           widget=forms.PasswordInput(attrs={**PIN_ATTRS, "autocomplete": "new-password"}))
    replace = forms.BooleanField(label=_("Tôi hiểu: chứng thư số cũ sẽ bị thay thế và mã PIN cũ không dùng được nữa."),
                                 required=False)

    def __init__(self, *args, replacing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.replacing = replacing
        if not replacing:
            del self.fields["replace"]

    def clean(self):
        data = super().clean()
        if data.get("pin") and data.get("pin") != data.get("pin2"):
            self.add_error("pin2", _("Hai lần nhập mã PIN không giống nhau."))
        if self.replacing and not data.get("replace"):
            self.add_error("replace", _("Hãy xác nhận việc thay thế chứng thư số cũ."))
        return data


class CorrectionForm(forms.Form):
    """Đề nghị điều chỉnh one field of a pupil's year-end record; ``fields`` come from the user's rights."""

    field = forms.ChoiceField(label=_("Nội dung cần điều chỉnh"))
    new_value = forms.CharField(label=_("Giá trị mới"), max_length=1000, required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label=_("Lý do điều chỉnh"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, fields: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = {path: kind for _group, items in fields for path, _label, _current, kind in items}
        now = _("hiện tại")
        self.fields["field"].choices = [("", _("— chọn —"))] + [
            (str(group), [(path, f"{label} ({now}: {current})") for path, label, current, _kind in items])
            for group, items in fields]

    def clean(self):
        from hocbaso.portal.corrections import parse_value

        data = super().clean()
        path = data.get("field")
        if path:
            try:
                data["value"] = parse_value(self.kinds[path], data.get("new_value") or "")
            except ValueError as error:
                self.add_error("new_value", str(error))
        return data


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Ghi chú"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


# ---------------------------------------------------------------------- a signing page's PIN

def pin_check(form: PinForm, identity, *, seal: bool = False) -> bool:
    """Open the key with the typed PIN before queueing anything; a refusal goes on the form, in Vietnamese."""
    from hocbaso.signing.errors import SigningError, WrongPinError
    from hocbaso.signing.services import signer_open

    try:
        signer_open(identity, form.cleaned_data["pin"], seal=seal)
    except WrongPinError as error:
        form.add_error("pin", str(error))
        return False
    except SigningError as error:
        form.add_error(None, str(error))
        return False
    return True


NO_CERTIFICATE = _("Bạn chưa có chứng thư số. Hãy tạo chứng thư số trước khi ký.")


def pin_form(request, *, problems: list, identity, no_identity=NO_CERTIFICATE, seal: bool = False):
    """A signing page's PIN form. On a POST with nothing in the way (``problems``), a certificate and a PIN
    that opens its key, returns ``(form, pin)``; otherwise ``(form, None)`` with the reason on the form."""
    form = PinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if problems:
            form.add_error(None, problems[0])
        elif identity is None:
            form.add_error(None, no_identity)
        elif pin_check(form, identity, seal=seal):
            return form, form.cleaned_data["pin"]
    return form, None
