"""Forms of the school-structure pages (schools, campuses, programmes, groups, offerings, industry mapping).

They validate shape only; the services in ``schools.services`` decide and write (their ValidationErrors are shown
as form errors with ``apply_service_errors``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consortium.tenancy.forms import BootstrapFormMixin, SearchInput
from consortium.tenancy.mixins import TenantModelForm
from consortium.tenancy.models import Industry, LocalChain, MemberUnit

from ..choices import CatalogueLevel, OfferingStatus, PriorityClass, SchoolLevel
from ..models import (
    Campus,
    Programme,
    ProgrammeGroup,
    ProgrammeIndustryLink,
    ProgrammeMajorCategory,
    ProgrammeOffering,
    SchoolProfile,
)
from ..services import (
    CAMPUS_FIELDS,
    OFFERING_FIELDS,
    PROGRAMME_FIELDS,
    PROGRAMME_GROUP_FIELDS,
    SCHOOL_PROFILE_FIELDS,
)


class ServiceFieldsMixin:
    """``service_kwargs()``: the cleaned values of the fields the service accepts."""

    service_fields: tuple[str, ...] = ()

    def service_kwargs(self) -> dict[str, Any]:
        cleaned = self.cleaned_data  # type: ignore[attr-defined]
        return {name: cleaned[name] for name in self.service_fields if name in cleaned}


class SchoolProfileForm(ServiceFieldsMixin, BootstrapFormMixin, TenantModelForm):
    service_fields = SCHOOL_PROFILE_FIELDS

    class Meta:
        model = SchoolProfile
        fields = list(SCHOOL_PROFILE_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 5})}


class CampusForm(ServiceFieldsMixin, BootstrapFormMixin, TenantModelForm):
    service_fields = CAMPUS_FIELDS

    class Meta:
        model = Campus
        fields = list(CAMPUS_FIELDS)


class ProgrammeForm(ServiceFieldsMixin, BootstrapFormMixin, TenantModelForm):
    """The major category may be left empty: the service derives it from the code's first two digits and the level."""

    service_fields = PROGRAMME_FIELDS

    class Meta:
        model = Programme
        fields = list(PROGRAMME_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["major_category"]
        category.required = False
        category.empty_label = _("按专业代码自动识别")
        category.help_text = _("专业代码前两位应为所选专业大类在该层次的代码。")
        self.fields["code"].help_text = _("6位数字，依据《职业教育专业目录（2021年）》。")
        self.fields["code"].widget.attrs.update({"inputmode": "numeric", "maxlength": "6"})


class ProgrammeGroupForm(ServiceFieldsMixin, BootstrapFormMixin, TenantModelForm):
    """A programme group: the lead programme and members are offered from the school's own programmes only."""

    service_fields = PROGRAMME_GROUP_FIELDS

    class Meta:
        model = ProgrammeGroup
        fields = ["name", "lead_programme", "programmes", "description"]
        widgets = {"programmes": forms.CheckboxSelectMultiple, "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, unit: MemberUnit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = self.fields["programmes"].queryset.filter(unit_id=unit.pk).order_by("code")
        self.fields["programmes"].queryset = own
        self.fields["lead_programme"].queryset = own
        self.fields["programmes"].help_text = _("核心专业会自动计入组群专业。")


class OfferingForm(ServiceFieldsMixin, BootstrapFormMixin, TenantModelForm):
    """One year of a programme. The year is fixed once the offering exists."""

    service_fields = OFFERING_FIELDS

    class Meta:
        model = ProgrammeOffering
        fields = ["year", *OFFERING_FIELDS]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["year"].disabled = True
        else:
            self.fields["year"].initial = timezone.localdate().year


class ProgrammeLinkForm(BootstrapFormMixin, TenantModelForm):
    """One row of the industry mapping editor: a 4567 industry OR a local chain, with a weight 1–100."""

    class Meta:
        model = ProgrammeIndustryLink
        fields = ["industry", "local_chain", "weight"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry"].queryset = Industry.objects.visible_to(self.user).order_by("position", "code")
        self.fields["industry"].empty_label = _("（不选产业）")
        self.fields["local_chain"].empty_label = _("（不选产业链）")
        self.fields["weight"].widget.attrs.update({"min": 1, "max": 100})

    def link_value(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"industry": data.get("industry"), "local_chain": data.get("local_chain"), "weight": data.get("weight")}


ProgrammeLinkFormSet = forms.formset_factory(ProgrammeLinkForm, extra=2, can_delete=True, max_num=60, validate_max=True)


def _choices(empty: Any, choices: Any) -> list[tuple[str, Any]]:
    return [("", empty), *choices]


class ProgrammeFilterForm(BootstrapFormMixin, forms.Form):
    """Search and filters of the programme list (GET)."""

    q = forms.CharField(
        label=_("搜索"), required=False, max_length=100, widget=SearchInput(attrs={"placeholder": _("专业名称或代码")})
    )
    school = forms.ModelChoiceField(
        label=_("学校"), required=False, queryset=SchoolProfile.objects.none(), empty_label=_("全部学校")
    )
    level = forms.ChoiceField(label=_("层次"), required=False, choices=_choices(_("全部层次"), CatalogueLevel.choices))
    major_category = forms.ModelChoiceField(
        label=_("专业大类"),
        required=False,
        queryset=ProgrammeMajorCategory.objects.none(),
        empty_label=_("全部专业大类"),
    )
    priority = forms.ChoiceField(
        label=_("重点类别"), required=False, choices=_choices(_("全部类别"), PriorityClass.choices)
    )
    status = forms.ChoiceField(
        label=_("专业状态"), required=False, choices=_choices(_("全部状态"), OfferingStatus.choices)
    )
    chain = forms.ModelChoiceField(
        label=_("本地产业链"), required=False, queryset=LocalChain.objects.none(), empty_label=_("全部产业链")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = (
            SchoolProfile.objects.visible_to(user).select_related("unit").order_by("unit__name")
        )
        self.fields["major_category"].queryset = ProgrammeMajorCategory.objects.visible_to(user)
        self.fields["chain"].queryset = LocalChain.objects.visible_to(user)


class SchoolFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(
        label=_("搜索"), required=False, max_length=100, widget=SearchInput(attrs={"placeholder": _("学校名称")})
    )
    level = forms.ChoiceField(label=_("办学层次"), required=False, choices=_choices(_("全部层次"), SchoolLevel.choices))


class AlignmentYearForm(forms.Form):
    year = forms.IntegerField(label=_("毕业年份"), required=False, min_value=2000, max_value=2100)
