"""Forms of the plan and task pages: shape only. ``leadership.services`` decides and writes; its ValidationErrors
come back as field errors (``apply_service_errors``). Model-choice fields only offer rows of the user's scope in the
form's consortium (TenantModelForm), so nobody can attach another consortium's unit, user or sub-task."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from consortium.tenancy.api.filters import fits_db_integer
from consortium.tenancy.choices import UnitStatus
from consortium.tenancy.forms import BootstrapFormMixin
from consortium.tenancy.mixins import TenantModelForm
from consortium.tenancy.models import MemberUnit, User

from .choices import Rag, TaskStatus
from .models import (
    EVIDENCE_EXTENSIONS,
    GroupMember,
    JointMeeting,
    KeyTask,
    LeadershipGroup,
    PlanPhase,
    SubTask,
    SupervisionEvaluation,
)
from .services import GROUP_FIELDS, KEY_TASK_FIELDS, MEETING_FIELDS, MEMBER_FIELDS, PHASE_FIELDS, SUBTASK_FIELDS


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceFormMixin(BootstrapFormMixin):
    """The services validate the rows (constraints, tenancy): the ModelForm's own instance validation is skipped."""

    service_fields: tuple[str, ...] = ()

    def _post_clean(self) -> None:
        pass

    def service_kwargs(self) -> dict[str, Any]:
        cleaned = self.cleaned_data  # type: ignore[attr-defined]
        return {name: cleaned[name] for name in self.service_fields if name in cleaned}


def _active_units(form: TenantModelForm) -> QuerySet:
    units = MemberUnit.objects.visible_to(form.user).filter(status=UnitStatus.ACTIVE)
    if form.consortium_id:
        units = units.filter(consortium_id=form.consortium_id)
    return units.order_by("kind", "name")


def _users(form: TenantModelForm) -> QuerySet:
    users = User.objects.visible_to(form.user).filter(is_active=True)
    if form.consortium_id:
        users = users.filter(consortium_id=form.consortium_id)
    return users.order_by("full_name", "username")


class GroupForm(ServiceFormMixin, TenantModelForm):
    service_fields = GROUP_FIELDS

    class Meta:
        model = LeadershipGroup
        fields = list(GROUP_FIELDS)
        widgets = {
            "established_on": date_input(),
            "responsibilities": forms.Textarea(attrs={"rows": 4}),
            "joint_meeting_rules": forms.Textarea(attrs={"rows": 6}),
        }


class GroupMemberForm(ServiceFormMixin, TenantModelForm):
    service_fields = MEMBER_FIELDS

    class Meta:
        model = GroupMember
        fields = list(MEMBER_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("unit", "scope_unit"):
            self.fields[name].queryset = _active_units(self)
        self.fields["user"].queryset = _users(self)


class JointMeetingForm(ServiceFormMixin, TenantModelForm):
    service_fields = MEETING_FIELDS

    class Meta:
        model = JointMeeting
        fields = [*MEETING_FIELDS, "attendees", "subtasks"]
        widgets = {
            "held_on": date_input(),
            "topics": forms.Textarea(attrs={"rows": 4}),
            "decisions": forms.Textarea(attrs={"rows": 4}),
            "attendees": forms.SelectMultiple(attrs={"size": 8}),
            "subtasks": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args: Any, group: LeadershipGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = GroupMember.objects.visible_to(self.user).filter(group=group).order_by("order", "id")
        self.fields["convener"].queryset = members
        self.fields["attendees"].queryset = members
        self.fields["subtasks"].queryset = (
            SubTask.objects.visible_to(self.user).filter(consortium_id=group.consortium_id)
            .select_related("key_task").order_by("key_task__number", "code", "id")
        )

    def relations(self) -> dict[str, Any]:
        return {"attendees": list(self.cleaned_data["attendees"]), "subtasks": list(self.cleaned_data["subtasks"])}


class PlanPhaseForm(ServiceFormMixin, TenantModelForm):
    service_fields = PHASE_FIELDS

    class Meta:
        model = PlanPhase
        fields = list(PHASE_FIELDS)
        widgets = {"starts_on": date_input(), "ends_on": date_input(), "goals": forms.Textarea(attrs={"rows": 4})}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("starts_on") and cleaned.get("ends_on") and cleaned["ends_on"] < cleaned["starts_on"]:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        return cleaned


class KeyTaskForm(ServiceFormMixin, TenantModelForm):
    service_fields = KEY_TASK_FIELDS

    class Meta:
        model = KeyTask
        fields = list(KEY_TASK_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class SubTaskForm(ServiceFormMixin, TenantModelForm):
    service_fields = SUBTASK_FIELDS

    class Meta:
        model = SubTask
        fields = [*SUBTASK_FIELDS, "co_units"]
        widgets = {
            "starts_on": date_input(),
            "deadline": date_input(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "deliverables": forms.Textarea(attrs={"rows": 3}),
            "evidence_required": forms.Textarea(attrs={"rows": 3}),
            "co_units": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = _active_units(self)
        self.fields["co_units"].queryset = _active_units(self)
        self.fields["responsible_user"].queryset = _users(self)
        self.fields["key_task"].queryset = self.fields["key_task"].queryset.order_by("number")
        self.fields["phase"].queryset = self.fields["phase"].queryset.order_by("number")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("starts_on") and cleaned.get("deadline") and cleaned["deadline"] < cleaned["starts_on"]:
            self.add_error("deadline", _("完成时限不能早于开始日期。"))
        return cleaned


class SubTaskStatusForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=TaskStatus.choices)


# --- progress returns ---------------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); the services validate each file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(f".{e}" for e in EVIDENCE_EXTENSIONS)}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ProgressReturnForm(BootstrapFormMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("报送单位"), queryset=MemberUnit.objects.none(), empty_label=None)
    reported_on = forms.DateField(label=_("报送日期"), widget=date_input())
    progress = forms.IntegerField(label=_("完成进度（%）"), min_value=0, max_value=100)
    text = forms.CharField(label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 4}))
    problems = forms.CharField(label=_("存在问题"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_steps = forms.CharField(label=_("下一步计划"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    files = MultipleFileField(
        label=_("佐证材料"), required=False,
        help_text=_("可多选；支持 PDF、图片、Word、Excel、ZIP。"),
    )

    def __init__(self, *args: Any, units: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound and not fits_db_integer(self.data.get("unit", "")):
            self.data = self.data.copy()
            self.data["unit"] = "invalid"
        self.fields["unit"].queryset = units


class EvaluationForm(BootstrapFormMixin, TenantModelForm):
    class Meta:
        model = SupervisionEvaluation
        fields = ["unit", "subtask", "period_label", "evaluated_on", "score", "comments"]
        widgets = {"evaluated_on": date_input(), "comments": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _active_units(self)
        self.fields["subtask"].queryset = self.fields["subtask"].queryset.select_related("key_task").order_by(
            "key_task__number", "code", "id"
        )
        self.fields["subtask"].required = False

    def _post_clean(self) -> None:
        pass


# --- task board filters ---------------------------------------------------------------------------------------------


class TaskFilterForm(BootstrapFormMixin, forms.Form):
    """Filters of the task board. Invalid values are reported and ignored (never a server error)."""

    SCOPES = (("mine", _("我的任务")), ("all", _("全部任务")))

    scope = forms.ChoiceField(label=_("范围"), choices=SCOPES, required=False)
    phase = forms.ModelChoiceField(label=_("实施阶段"), queryset=PlanPhase.objects.none(), required=False,
                                   empty_label=_("全部阶段"))
    key_task = forms.ModelChoiceField(label=_("重点任务"), queryset=KeyTask.objects.none(), required=False,
                                      empty_label=_("全部重点任务"))
    unit = forms.ModelChoiceField(label=_("牵头单位"), queryset=MemberUnit.objects.none(), required=False,
                                  empty_label=_("全部牵头单位"))
    rag = forms.ChoiceField(label=_("状态"), choices=[("", _("全部状态")), *Rag.choices], required=False)
    overdue = forms.BooleanField(label=_("仅看逾期"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound:  # an id no column can hold is simply an invalid choice, never a database error
            data = self.data.copy()
            for name in ("phase", "key_task", "unit"):
                if not fits_db_integer(data.get(name, "")):
                    data[name] = "invalid"
            self.data = data
        self.fields["phase"].queryset = PlanPhase.objects.visible_to(user).order_by("consortium_id", "number")
        self.fields["key_task"].queryset = KeyTask.objects.visible_to(user).order_by("consortium_id", "number")
        self.fields["unit"].queryset = MemberUnit.objects.visible_to(user).order_by("name")
        for name, field in self.fields.items():
            if name != "overdue":
                field.widget.attrs["class"] = field.widget.attrs.get("class", "").replace("form-select", "").strip() \
                    + " form-select form-select-sm"
                field.widget.attrs["aria-label"] = str(field.label)
