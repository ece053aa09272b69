from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from hocbaso.portal.corrections import parse_value


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
