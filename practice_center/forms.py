"""Forms of the practice-centre pages (centres, resources, opening hours, closures, bookings, decisions): shape only;
``practice_center.services`` decides and writes, and its ValidationErrors come back as field errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from consortium.tenancy.choices import UnitRole, UnitStatus
from consortium.tenancy.forms import BootstrapFormMixin
from consortium.tenancy.mixins import TenantModelForm
from consortium.tenancy.models import MemberUnit
from consortium.tenancy.scoping import is_platform_admin, unit_roles

from .choices import BookingPurpose, TrainingStatus, Weekday
from .models import PracticeCentre, Resource, TrainingSession
from .services import CENTRE_FIELDS, RESOURCE_FIELDS

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
TIME_FORMAT = "%H:%M"


def datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


def time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format=TIME_FORMAT)


def bookable_units(user: Any) -> QuerySet:
    """Units the user may book for: their own units (admin or staff); the secretariat any active member unit."""
    units = MemberUnit.objects.visible_to(user).filter(status=UnitStatus.ACTIVE)
    if is_platform_admin(user) or getattr(user, "role", "") == "secretariat":
        return units.order_by("name")
    if getattr(user, "role", "") != "member":
        return units.none()
    return units.filter(pk__in=list(unit_roles(user))).order_by("name")


def administered_units(user: Any) -> list[int]:
    if getattr(user, "role", "") != "member":
        return []
    return [unit_id for unit_id, role in unit_roles(user).items() if role == UnitRole.UNIT_ADMIN]


class ServiceKwargsMixin:
    service_fields: tuple[str, ...] = ()

    def service_kwargs(self) -> dict[str, Any]:
        cleaned = self.cleaned_data  # type: ignore[attr-defined]
        return {name: cleaned[name] for name in self.service_fields if name in cleaned}


# --- centres ------------------------------------------------------------------------------------------------------


class CentreForm(ServiceKwargsMixin, BootstrapFormMixin, TenantModelForm):
    """Create or edit a centre. ``operator_unit`` may stay empty: it then is the owner unit."""

    service_fields = CENTRE_FIELDS

    class Meta:
        model = PracticeCentre
        fields = ["name", "kind", "form", "owner_unit", "operator_unit", *CENTRE_FIELDS[3:]]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = MemberUnit.objects.visible_to(self.user).filter(status=UnitStatus.ACTIVE)
        if self.consortium_id:
            units = units.filter(consortium_id=self.consortium_id)
        for name in ("owner_unit", "operator_unit"):
            self.fields[name].queryset = units.order_by("name")
        self.fields["operator_unit"].required = False
        self.fields["operator_unit"].help_text = _("留空表示与产权单位相同。")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        owner, operator = cleaned.get("owner_unit"), cleaned.get("operator_unit") or cleaned.get("owner_unit")
        cleaned["operator_unit"] = operator
        user = self.user
        if owner is not None and not (is_platform_admin(user) or getattr(user, "role", "") == "secretariat"):
            if not {owner.pk, operator.pk} & set(administered_units(user)):
                self.add_error("owner_unit", _("产权单位或运营单位须是您担任管理员的单位。"))
        return cleaned


# --- resources ----------------------------------------------------------------------------------------------------


class ResourceForm(ServiceKwargsMixin, BootstrapFormMixin, TenantModelForm):
    service_fields = RESOURCE_FIELDS

    class Meta:
        model = Resource
        fields = [*RESOURCE_FIELDS, "programmes", "industries"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "programmes": forms.SelectMultiple(attrs={"size": 6}),
            "industries": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programmes"].queryset = self.fields["programmes"].queryset.order_by("code", "name")
        self.fields["industries"].queryset = self.fields["industries"].queryset.order_by("position", "code")
        self.fields["capacity"].help_text = _("整体预约的资源座位数为1；共享资源按座位数同时接待多人。")

    def _post_clean(self) -> None:
        # The service normalises capacity for exclusive resources and reports its rules as field errors.
        pass

    def links(self) -> dict[str, Any]:
        return {"programmes": self.cleaned_data.get("programmes"), "industries": self.cleaned_data.get("industries")}


# --- opening hours and closures -----------------------------------------------------------------------------------


class OpeningWindowForm(BootstrapFormMixin, forms.Form):
    # an empty first choice keeps untouched extra rows "unchanged" (they are skipped)
    weekday = forms.TypedChoiceField(label=_("星期"), choices=[("", "—"), *Weekday.choices], coerce=int)
    opens = forms.TimeField(label=_("开放时间"), widget=time_input())
    closes = forms.TimeField(label=_("关闭时间"), widget=time_input())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        opens, closes = cleaned.get("opens"), cleaned.get("closes")
        if opens and closes and closes <= opens:
            self.add_error("closes", _("关闭时间必须晚于开放时间。"))
        return cleaned


OpeningHoursFormSet = forms.formset_factory(OpeningWindowForm, extra=2, can_delete=True, max_num=50, validate_max=True)


def opening_rows(formset: Any) -> list[tuple[int, Any, Any]]:
    """The (weekday, opens, closes) rows of a valid formset: filled rows not marked for deletion."""
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        rows.append((data["weekday"], data["opens"], data["closes"]))
    return rows


class ClosureForm(BootstrapFormMixin, forms.Form):
    start = forms.DateTimeField(label=_("开始时间"), widget=datetime_input())
    end = forms.DateTimeField(label=_("结束时间"), widget=datetime_input())
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)
    cancel_conflicting = forms.BooleanField(
        label=_("同时取消该时段内的有效预约"), required=False, help_text=_("不勾选时，若该时段已有预约则无法设置闭馆。")
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("结束时间必须晚于开始时间。"))
        return cleaned


# --- bookings -----------------------------------------------------------------------------------------------------


class BookingForm(BootstrapFormMixin, forms.Form):
    """ "Book this resource": the booking unit, purpose (what the centre offers), time range, headcount, the order
    class (of the booking unit) or training session it belongs to, and whether to join the waiting list if full."""

    unit = forms.ModelChoiceField(label=_("预约单位"), queryset=MemberUnit.objects.none(), empty_label=None)
    purpose = forms.ChoiceField(label=_("用途"), choices=BookingPurpose.choices)
    start = forms.DateTimeField(label=_("开始时间"), widget=datetime_input())
    end = forms.DateTimeField(label=_("结束时间"), widget=datetime_input())
    headcount = forms.IntegerField(label=_("人数"), min_value=1, max_value=100000, initial=1)
    title = forms.CharField(label=_("事由"), max_length=160, required=False)
    order_class = forms.ModelChoiceField(label=_("所属订单班"), queryset=MemberUnit.objects.none(), required=False)
    # (querysets are set per request in __init__)
    training_session = forms.ModelChoiceField(
        label=_("所属培训班"), queryset=TrainingSession.objects.none(), required=False
    )
    note = forms.CharField(label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    waitlist = forms.BooleanField(
        label=_("若该时段已满，加入候补名单"),
        required=False,
        help_text=_("有预约取消或被拒绝时，候补预约按申请先后自动转正。"),
    )

    SERVICE_FIELDS = (
        "unit",
        "purpose",
        "start",
        "end",
        "headcount",
        "title",
        "order_class",
        "training_session",
        "note",
        "waitlist",
    )

    def __init__(self, *args: Any, user: Any, resource: Resource, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from enterprises.models import OrderClass

        self.user, self.resource = user, resource
        centre = resource.centre
        units = bookable_units(user).filter(consortium_id=resource.consortium_id)
        self.fields["unit"].queryset = units
        offered = set(centre.offered_purposes)
        self.fields["purpose"].choices = [(v, label) for v, label in BookingPurpose.choices if v in offered]
        unit_ids = list(units.values_list("pk", flat=True)) if getattr(user, "role", "") == "member" else None
        classes = OrderClass.objects.visible_to(user).filter(consortium_id=resource.consortium_id)
        if unit_ids is not None:
            classes = classes.filter(Q(unit_id__in=unit_ids) | Q(partner_unit_id__in=unit_ids))
        self.fields["order_class"].queryset = classes.select_related("unit").order_by("-cohort", "name")
        self.fields["order_class"].help_text = _("预约单位的订单班（作为学校或合作企业）。")
        sessions = (
            TrainingSession.objects.visible_to(user).filter(centre=centre).exclude(status=TrainingStatus.FINISHED)
        )
        if unit_ids is not None:
            sessions = sessions.filter(unit_id__in=unit_ids)
        self.fields["training_session"].queryset = sessions.order_by("-start_date", "course")

    @property
    def can_book(self) -> bool:
        return self.fields["unit"].queryset.exists()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("结束时间必须晚于开始时间。"))
        unit, order_class = cleaned.get("unit"), cleaned.get("order_class")
        if (
            unit is not None
            and order_class is not None
            and unit.pk not in (order_class.unit_id, order_class.partner_unit_id)
        ):
            self.add_error("order_class", _("所选订单班不属于预约单位。"))
        session = cleaned.get("training_session")
        if unit is not None and session is not None and session.unit_id != unit.pk:
            self.add_error("training_session", _("所选培训班不是预约单位组织的。"))
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.SERVICE_FIELDS}


class DecisionForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class RefuseForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("拒绝理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("拒绝预约必须填写理由。")},
    )
