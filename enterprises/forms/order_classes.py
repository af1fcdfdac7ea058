"""Forms of order classes and modern industry colleges: shape only; the services decide the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import URLField
from django.utils.translation import gettext_lazy as _

from consortium.tenancy.choices import UnitKind
from consortium.tenancy.forms import BootstrapFormMixin
from consortium.tenancy.mixins import TenantModelForm
from consortium.tenancy.models import MemberUnit

from ..choices.order_classes import (
    TRANSITIONS,
    CollegeRole,
    EnrolmentStatus,
    OrderClassKind,
    OrderClassStage,
    RetentionMonths,
)
from ..models.order_classes import (
    Assessment,
    CollegeAnnualReport,
    CollegeGovernanceMember,
    ModernIndustryCollege,
    OrderClass,
    TeachingResource,
    TeamMember,
    TrainingPlanItem,
)
from ..services import order_classes as services

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EDIT_FIELDS = [
    "kind",
    "name",
    "programme",
    "cohort",
    "quota",
    "cost_school_pct",
    "cost_enterprise_pct",
    "cost_government_pct",
    "cost_note",
    "employment_commitment",
    "committed_positions",
    "starts_on",
    "ends_on",
    "college",
]


class OrderClassForm(BootstrapFormMixin, TenantModelForm):
    """Create (with school and enterprise) or edit (``with_units=False``) an order class."""

    class Meta:
        model = OrderClass
        fields = ["unit", "partner_unit", *EDIT_FIELDS]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "cost_note": forms.Textarea(attrs={"rows": 2}),
            "employment_commitment": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, with_units: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_units:
            self.fields["unit"].queryset = self.fields["unit"].queryset.filter(kind=UnitKind.SCHOOL)
            self.fields["partner_unit"].queryset = self.fields["partner_unit"].queryset.filter(kind=UnitKind.ENTERPRISE)
        else:
            del self.fields["unit"], self.fields["partner_unit"]
            self.fields["programme"].queryset = self.fields["programme"].queryset.filter(unit_id=self.instance.unit_id)


class OrderClassFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("名称"), required=False, max_length=60)
    stage = forms.ChoiceField(label=_("阶段"), required=False, choices=[("", _("全部"))] + OrderClassStage.choices)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部"))] + OrderClassKind.choices)
    school = forms.ModelChoiceField(label=_("学校"), required=False, queryset=MemberUnit.objects.none())
    enterprise = forms.ModelChoiceField(label=_("企业"), required=False, queryset=MemberUnit.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = MemberUnit.objects.visible_to(user)
        self.fields["school"].queryset = units.filter(kind=UnitKind.SCHOOL)
        self.fields["enterprise"].queryset = units.filter(kind=UnitKind.ENTERPRISE)


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=[(name, t.label) for name, t in TRANSITIONS.items()])
    reason = forms.CharField(required=False, max_length=500)


class EnrolForm(BootstrapFormMixin, forms.Form):
    students = forms.ModelMultipleChoiceField(
        label=_("学生"), queryset=MemberUnit.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    consent_on = forms.DateField(
        label=_("学生同意日期"), widget=DATE, help_text=_("学生本人（未成年人及其监护人）签署同意书的日期。")
    )
    enrolled_on = forms.DateField(label=_("入班日期"), required=False, widget=DATE)

    def __init__(self, *args: Any, students: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["students"].queryset = students


def _formfield(db_field: Any, **kwargs: Any) -> Any:
    if isinstance(db_field, URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


def _child_form(model: type, field_names: tuple[str, ...], widgets: dict | None = None) -> type:
    meta = type(
        "Meta",
        (),
        {"model": model, "fields": list(field_names), "widgets": widgets or {}, "formfield_callback": _formfield},
    )
    return type(f"{model.__name__}Form", (BootstrapFormMixin, TenantModelForm), {"Meta": meta, "__module__": __name__})


PlanItemForm = _child_form(TrainingPlanItem, services.PLAN_FIELDS)
ResourceForm = _child_form(
    TeachingResource, services.RESOURCE_FIELDS, {"description": forms.Textarea(attrs={"rows": 3})}
)
AssessmentForm = _child_form(Assessment, services.ASSESSMENT_FIELDS, {"held_on": DATE})


class TeamMemberForm(BootstrapFormMixin, TenantModelForm):
    class Meta:
        model = TeamMember
        fields = list(services.TEAM_FIELDS)

    def __init__(self, *args: Any, school_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = self.fields["teacher"].queryset.filter(unit_id=school_id)


class ScoreForm(BootstrapFormMixin, forms.Form):
    assessment = forms.ModelChoiceField(label=_("考核"), queryset=Assessment.objects.none())
    enrolment = forms.ModelChoiceField(label=_("学生"), queryset=Assessment.objects.none())
    school_score = forms.DecimalField(label=_("学校评分"), required=False, min_value=0, max_value=100, decimal_places=1)
    enterprise_score = forms.DecimalField(
        label=_("企业评分"), required=False, min_value=0, max_value=100, decimal_places=1
    )

    def __init__(self, *args: Any, assessments: Any, enrolments: Any, labels: dict[int, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["assessment"].queryset = assessments
        self.fields["enrolment"].queryset = enrolments
        self.fields["enrolment"].label_from_instance = lambda e: labels.get(e.pk, str(e.pk))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("school_score") is None and cleaned.get("enterprise_score") is None:
            raise forms.ValidationError(_("请至少填写一项评分。"))
        return cleaned


class EmploymentForm(BootstrapFormMixin, forms.Form):
    enrolment = forms.ModelChoiceField(label=_("学生"), queryset=Assessment.objects.none())
    employed_on = forms.DateField(label=_("入职日期"), widget=DATE)
    position = forms.CharField(label=_("岗位"), max_length=80)

    def __init__(self, *args: Any, enrolments: Any, labels: dict[int, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = enrolments.filter(status=EnrolmentStatus.GRADUATED)
        self.fields["enrolment"].label_from_instance = lambda e: labels.get(e.pk, str(e.pk))


class RetentionForm(BootstrapFormMixin, forms.Form):
    enrolment = forms.ModelChoiceField(label=_("学生"), queryset=Assessment.objects.none())
    months = forms.TypedChoiceField(label=_("跟踪节点"), choices=RetentionMonths.choices, coerce=int)
    still_employed = forms.BooleanField(label=_("仍在岗"), required=False, initial=True)
    checked_on = forms.DateField(label=_("核查日期"), widget=DATE)

    def __init__(self, *args: Any, enrolments: Any, labels: dict[int, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = enrolments.filter(employment__isnull=False)
        self.fields["enrolment"].label_from_instance = lambda e: labels.get(e.pk, str(e.pk))


class CollegeForm(BootstrapFormMixin, TenantModelForm):
    class Meta:
        model = ModernIndustryCollege
        fields = ["unit", "name", "description", "established_on", "programmes"]
        widgets = {
            "established_on": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "programmes": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args: Any, with_unit: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_unit:
            self.fields["unit"].queryset = MemberUnit.objects.editable_by(self.user).filter(
                consortium_id=self.consortium_id
            )
        else:
            del self.fields["unit"]


class CollegeMemberForm(BootstrapFormMixin, forms.Form):
    member_unit = forms.ModelChoiceField(label=_("成员单位"), queryset=MemberUnit.objects.none())
    role = forms.ChoiceField(label=_("角色"), choices=CollegeRole.choices)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member_unit"].queryset = (
            MemberUnit.objects.visible_to(user).filter(consortium_id=user.consortium_id)
            if user.consortium_id
            else MemberUnit.objects.visible_to(user)
        )


GovernanceForm = _child_form(
    CollegeGovernanceMember, services.GOVERNANCE_FIELDS, {"term_start": DATE, "term_end": DATE}
)
ReportForm = _child_form(
    CollegeAnnualReport, ("year", *services.REPORT_FIELDS), {"notes": forms.Textarea(attrs={"rows": 3})}
)
