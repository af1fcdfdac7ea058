"""Forms of the demand-side pages: shape only; the services in ``enterprises.services.demands`` decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from consortium.tenancy.choices import UnitKind
from consortium.tenancy.forms import BootstrapFormMixin, SearchInput
from consortium.tenancy.mixins import TenantModelForm
from consortium.tenancy.models import Industry, LocalChain, MemberUnit

from ..choices.demands import DemandKind, DemandStatus
from ..models.demands import EnterpriseProfile, StaffTrainingNeed, TalentDemand, TechnologyProblem
from ..services.demands import DEMAND_FIELDS, PROBLEM_FIELDS, PROFILE_FIELDS, TRAINING_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def enterprise_units(user: Any):
    """Enterprises the user may write for (unit admins: their own; the secretariat: every enterprise)."""
    return MemberUnit.objects.editable_by(user).filter(kind=UnitKind.ENTERPRISE).order_by("name")


class UnitChoiceMixin:
    """A ``unit`` choice on create forms, limited to the enterprises the user may write for."""

    def add_unit_field(self, user: Any) -> None:
        units = enterprise_units(user)
        self.fields["unit"] = forms.ModelChoiceField(  # type: ignore[attr-defined]
            label=_("企业"), queryset=units, empty_label=None
        )
        self.fields["unit"].widget.attrs["class"] = "form-select"  # type: ignore[attr-defined]
        self.order_fields(["unit"])  # type: ignore[attr-defined]


class EnterpriseProfileForm(BootstrapFormMixin, TenantModelForm):
    class Meta:
        model = EnterpriseProfile
        fields = list(PROFILE_FIELDS)
        widgets = {"recognised_on": DATE, "notes": forms.Textarea(attrs={"rows": 4})}


class TalentDemandForm(UnitChoiceMixin, BootstrapFormMixin, TenantModelForm):
    skills_text = forms.CharField(
        label=_("技能要求"), required=False, max_length=1000,
        help_text=_("技能:重要程度(1–5)，多个用逗号分隔，如“电工操作:5, 识图:3”。"),
    )

    class Meta:
        model = TalentDemand
        fields = [*DEMAND_FIELDS, "programmes"]
        widgets = {
            "start_date": DATE, "valid_until": DATE, "description": forms.Textarea(attrs={"rows": 4}),
            "programmes": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args: Any, create: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if create:
            self.add_unit_field(self.user)
        if self.instance.pk:
            self.initial.setdefault(
                "skills_text", ", ".join(f"{s.name}:{s.importance}" for s in self.instance.skills.all())
            )

    def service_kwargs(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in DEMAND_FIELDS if name in self.cleaned_data}
        data["programmes"] = list(self.cleaned_data.get("programmes") or [])
        data["skills"] = self.cleaned_data.get("skills_text") or ""
        return data


class TrainingNeedForm(UnitChoiceMixin, BootstrapFormMixin, TenantModelForm):
    class Meta:
        model = StaffTrainingNeed
        fields = list(TRAINING_FIELDS)
        widgets = {"period_start": DATE, "period_end": DATE, "content": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, create: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if create:
            self.add_unit_field(self.user)

    def service_kwargs(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in TRAINING_FIELDS if name in self.cleaned_data}


class TechnologyProblemForm(UnitChoiceMixin, BootstrapFormMixin, TenantModelForm):
    class Meta:
        model = TechnologyProblem
        fields = list(PROBLEM_FIELDS)
        widgets = {"deadline": DATE, "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, create: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = Industry.objects.visible_to(self.user)
        if create:
            self.add_unit_field(self.user)

    def service_kwargs(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in PROBLEM_FIELDS if name in self.cleaned_data}


class DemandFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100,
                        widget=SearchInput(attrs={"placeholder": _("岗位、技能、企业")}))
    kind = forms.ChoiceField(label=_("需求类型"), required=False, choices=[("", _("全部类型")), *DemandKind.choices])
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *DemandStatus.choices])
    industry = forms.ModelChoiceField(label=_("产业"), required=False, queryset=Industry.objects.none(),
                                      empty_label=_("全部产业"))
    chain = forms.ModelChoiceField(label=_("本地产业链"), required=False, queryset=LocalChain.objects.none(),
                                   empty_label=_("全部产业链"))
    place = forms.CharField(label=_("工作地点"), required=False, max_length=80)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry"].queryset = Industry.objects.visible_to(user)
        self.fields["chain"].queryset = LocalChain.objects.visible_to(user)


class ReasonForm(BootstrapFormMixin, forms.Form):
    action = forms.CharField(max_length=20, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("原因"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class FillForm(BootstrapFormMixin, forms.Form):
    filled_count = forms.IntegerField(label=_("已满足人数"), min_value=0, max_value=1000000)
