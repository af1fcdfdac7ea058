"""Forms of the kernel's pages. They validate shape only; the services in services.py decide and write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.forms import renderers
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .choices import UnitKind, UnitRole, UnitStatus
from .mixins import TenantModelForm
from .models import Consortium, Industry, Invitation, LocalChain, MemberUnit, User
from .validators import normalize_credit_code, validate_credit_code

FORM_TEMPLATE = "includes/form.html"


class PortalFormRenderer(renderers.DjangoTemplates):
    """Django's form renderer plus the project's templates/ directory, so ``{{ form }}`` can use
    templates/includes/form.html without changing the global FORM_RENDERER."""

    @cached_property
    def engine(self):  # type: ignore[override]
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [Path(renderers.__file__).parent / "templates", *settings.TEMPLATES[0]["DIRS"]],
                "NAME": "portalforms",
                "OPTIONS": {},
            }
        )


class BootstrapFormMixin:
    """Renders with Bootstrap 5 classes (``{{ form }}`` uses includes/form.html) and marks invalid fields."""

    template_name = FORM_TEMPLATE
    default_renderer = PortalFormRenderer()  # one instance: its engine (and template cache) is shared

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields:  # type: ignore[attr-defined]
                widget = self.fields[name].widget  # type: ignore[attr-defined]
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"

    def apply_service_errors(self, exc: ValidationError) -> None:
        """Turn a service's ValidationError({field: [msg]}) into field errors (unknown fields: form errors)."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                target = field if field in self.fields else None  # type: ignore[attr-defined]
                for message in errors:
                    self.add_error(target, message)
        else:
            for message in exc.messages:
                self.add_error(None, message)


class CreditCodeField(forms.CharField):
    """Unified social credit code: normalised to upper case, then checked against GB 32100."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 18)
        kwargs.setdefault("label", _("统一社会信用代码"))
        kwargs.setdefault("help_text", _("18位，按GB 32100校验。"))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return normalize_credit_code(super().to_python(value))

    def validate(self, value: str) -> None:
        super().validate(value)
        if value:
            validate_credit_code(value)


UNIT_FORM_FIELDS = [
    "kind", "name", "credit_code", "contact_person", "contact_phone", "contact_email", "address", "website",
    "description", "industries", "local_chains",
]


class MemberUnitForm(BootstrapFormMixin, TenantModelForm):
    """Edit (or, for the secretariat, create) a member unit's profile. Status changes go through actions."""

    credit_code = CreditCodeField()
    website = forms.URLField(label=_("网址"), required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = MemberUnit
        fields = UNIT_FORM_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "industries": forms.CheckboxSelectMultiple,
            "local_chains": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industries"].queryset = Industry.objects.visible_to(self.user)

    def service_kwargs(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in UNIT_FORM_FIELDS if name in self.cleaned_data}
        if self.instance.pk:
            # Relations the editor is not offered (not visible to them) are kept, never silently dropped.
            for name in ("industries", "local_chains"):
                if name in data:
                    offered = self.fields[name].queryset.values("pk")
                    kept = getattr(self.instance, name).exclude(pk__in=offered)
                    data[name] = [*data[name], *kept]
        return data


class SearchInput(forms.TextInput):
    input_type = "search"


class UnitFilterForm(BootstrapFormMixin, forms.Form):
    """Search and filters of the unit list (GET)."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100, widget=SearchInput(
        attrs={"placeholder": _("单位名称或统一社会信用代码")}))
    kind = forms.ChoiceField(label=_("单位类型"), required=False, choices=[("", _("全部类型")), *UnitKind.choices])
    status = forms.ChoiceField(label=_("成员状态"), required=False, choices=[("", _("全部状态")), *UnitStatus.choices])
    industry = forms.ModelChoiceField(label=_("所属产业"), required=False, queryset=Industry.objects.none(),
                                      empty_label=_("全部产业"))
    chain = forms.ModelChoiceField(label=_("本地产业链"), required=False, queryset=LocalChain.objects.none(),
                                   empty_label=_("全部产业链"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry"].queryset = Industry.objects.visible_to(user)
        self.fields["chain"].queryset = LocalChain.objects.visible_to(user)


class UnitTransitionForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class InvitationForm(BootstrapFormMixin, TenantModelForm):
    """A unit admin invites a person into one of the units they administer."""

    class Meta:
        model = Invitation
        fields = ["unit", "email", "full_name", "role"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Inviting is a write on the unit: offer only active units the user may change.
        self.fields["unit"].queryset = (
            MemberUnit.objects.editable_by(self.user).filter(status=UnitStatus.ACTIVE).order_by("name")
        )
        self.fields["unit"].empty_label = None
        self.fields["role"].choices = UnitRole.choices


class PasswordPairMixin:
    """Two password fields checked against each other and Django's password validators."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Computed per request so the help text follows the active language.
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()  # type: ignore[attr-defined]

    def check_passwords(self, user: User) -> None:
        cleaned = self.cleaned_data  # type: ignore[attr-defined]
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("两次输入的密码不一致。"))  # type: ignore[attr-defined]
            return
        if password1:
            try:
                password_validation.validate_password(password1, user)
            except ValidationError as exc:
                self.add_error("password1", exc)  # type: ignore[attr-defined]


def _password_fields() -> tuple[forms.CharField, forms.CharField]:
    return (
        forms.CharField(label=_("密码"), strip=False,
                        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})),
        forms.CharField(label=_("确认密码"), strip=False,
                        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})),
    )


class JoinForm(PasswordPairMixin, BootstrapFormMixin, forms.Form):
    """Public self-registration of a unit and its first administrator account."""

    consortium = forms.ModelChoiceField(label=_("申请加入的产教联合体"), queryset=Consortium.objects.none(),
                                        empty_label=_("请选择"))
    kind = forms.ChoiceField(label=_("单位类型"), choices=UnitKind.choices)
    name = forms.CharField(label=_("单位名称"), max_length=120)
    credit_code = CreditCodeField()
    contact_person = forms.CharField(label=_("联系人"), max_length=40)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30)
    contact_email = forms.EmailField(label=_("联系邮箱"))
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    description = forms.CharField(label=_("简介"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    industries = forms.ModelMultipleChoiceField(label=_("所属产业"), required=False, queryset=Industry.objects.none(),
                                                widget=forms.CheckboxSelectMultiple)
    username = forms.CharField(label=_("登录用户名"), max_length=150,
                               help_text=_("150个字符以内，可使用字母、数字和 @/./+/-/_。"))
    full_name = forms.CharField(label=_("管理员姓名"), max_length=60)
    password1, password2 = _password_fields()

    UNIT_KEYS = ("kind", "name", "credit_code", "contact_person", "contact_phone", "contact_email", "address",
                 "description")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consortium"].queryset = Consortium.objects.open_for_applications()
        # Industries are provincial reference data (not tenant-owned): the public form lists them all.
        self.fields["industries"].queryset = Industry.objects.order_by("position", "code")

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        User.username_validator(username)
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.check_passwords(User(username=cleaned.get("username", ""), email=cleaned.get("contact_email", ""),
                                  full_name=cleaned.get("full_name", "")))
        return cleaned

    def unit_fields(self) -> dict[str, Any]:
        return {key: self.cleaned_data.get(key, "") for key in self.UNIT_KEYS}


class InvitationAcceptForm(PasswordPairMixin, BootstrapFormMixin, forms.Form):
    username = forms.CharField(label=_("登录用户名"), max_length=150,
                               help_text=_("150个字符以内，可使用字母、数字和 @/./+/-/_。"))
    full_name = forms.CharField(label=_("姓名"), max_length=60)
    phone = forms.CharField(label=_("手机"), max_length=30, required=False)
    password1, password2 = _password_fields()

    def __init__(self, *args: Any, email: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        User.username_validator(username)
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.check_passwords(User(username=cleaned.get("username", ""), email=self.email,
                                  full_name=cleaned.get("full_name", "")))
        return cleaned
