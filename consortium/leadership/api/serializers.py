"""Serializers of the plan and task API. Shape only: foreign keys are scoped (another tenant's id answers "does not
exist"); every rule (who may write, same consortium, lead/co-unit, file checks) is ``leadership.services``'."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consortium.tenancy.api.base import TenantModelSerializer, scoped_field
from consortium.tenancy.models import MemberUnit, User

from .. import rules
from ..choices import Rag, TaskStatus
from ..models import (
    GroupMember,
    JointMeeting,
    KeyTask,
    LeadershipGroup,
    PlanPhase,
    ProgressEvidence,
    ProgressReturn,
    SubTask,
    SupervisionEvaluation,
    TaskReminder,
)
from ..services import GROUP_FIELDS, KEY_TASK_FIELDS, MEETING_FIELDS, MEMBER_FIELDS, PHASE_FIELDS, SUBTASK_FIELDS


def _is_update(serializer: serializers.BaseSerializer) -> bool:
    instance = getattr(serializer, "instance", None)
    return instance is not None and not isinstance(instance, list | tuple)


class CreateOnlyMixin:
    """Fields chosen on create and read-only afterwards (the parent of a row never changes)."""

    create_only_fields: tuple[str, ...] = ()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()  # type: ignore[misc]
        if _is_update(self):  # type: ignore[arg-type]
            for name in self.create_only_fields:
                if name in fields:
                    fields[name].read_only = True
        return fields


class LeadershipGroupSerializer(TenantModelSerializer):
    class Meta:
        model = LeadershipGroup
        fields = ["id", "consortium", *GROUP_FIELDS]
        validators: list = []  # the service answers "already has a group" with a field message


class GroupMemberSerializer(CreateOnlyMixin, TenantModelSerializer):
    create_only_fields = ("group",)
    group = scoped_field(LeadershipGroup)
    unit = scoped_field(MemberUnit, required=False, allow_null=True)
    user = scoped_field(User, required=False, allow_null=True)
    scope_unit = scoped_field(MemberUnit, required=False, allow_null=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = GroupMember
        fields = ["id", "consortium", "group", *MEMBER_FIELDS, "role_display"]


class JointMeetingSerializer(CreateOnlyMixin, TenantModelSerializer):
    create_only_fields = ("group",)
    group = scoped_field(LeadershipGroup)
    convener = scoped_field(GroupMember, required=False, allow_null=True)
    attendees = scoped_field(GroupMember, many=True, required=False)
    subtasks = scoped_field(SubTask, many=True, required=False)

    class Meta:
        model = JointMeeting
        fields = ["id", "consortium", "group", *MEETING_FIELDS, "attendees", "subtasks"]


class PlanPhaseSerializer(TenantModelSerializer):
    class Meta:
        model = PlanPhase
        fields = ["id", "consortium", *PHASE_FIELDS]
        validators: list = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        starts = attrs.get("starts_on", getattr(self.instance, "starts_on", None))
        ends = attrs.get("ends_on", getattr(self.instance, "ends_on", None))
        if starts and ends and ends < starts:
            raise serializers.ValidationError({"ends_on": [_("结束日期不能早于开始日期。")]})
        return attrs


class KeyTaskSerializer(TenantModelSerializer):
    class Meta:
        model = KeyTask
        fields = ["id", "consortium", *KEY_TASK_FIELDS]
        validators: list = []


class SubTaskSerializer(TenantModelSerializer):
    key_task = scoped_field(KeyTask)
    phase = scoped_field(PlanPhase, required=False, allow_null=True)
    lead_unit = scoped_field(MemberUnit)
    co_units = scoped_field(MemberUnit, many=True, required=False)
    responsible_user = scoped_field(User, required=False, allow_null=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True)
    status = serializers.ChoiceField(choices=TaskStatus.choices, read_only=True)
    rag = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = SubTask
        fields = [
            "id", "consortium", *SUBTASK_FIELDS, "co_units", "lead_unit_name", "status", "progress",
            "last_return_on", "completed_on", "rag", "overdue", "created_at",
        ]
        read_only_fields = ["progress", "last_return_on", "completed_on", "created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        starts = attrs.get("starts_on", getattr(self.instance, "starts_on", None))
        deadline = attrs.get("deadline", getattr(self.instance, "deadline", None))
        if starts and deadline and deadline < starts:
            raise serializers.ValidationError({"deadline": [_("完成时限不能早于开始日期。")]})
        return attrs

    def _today(self) -> Any:
        today = self.context.get("today")
        if today is None:
            today = self.context["today"] = timezone.localdate()
        return today

    @extend_schema_field(serializers.ChoiceField(choices=Rag.choices))
    def get_rag(self, obj: SubTask) -> str:
        return rules.rag_status(
            today=self._today(), starts_on=obj.starts_on, deadline=obj.deadline, progress=obj.progress,
            status=obj.status,
        )

    def get_overdue(self, obj: SubTask) -> bool:
        return rules.is_overdue(today=self._today(), deadline=obj.deadline, progress=obj.progress, status=obj.status)


class SubTaskStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TaskStatus.choices)


class ProgressEvidenceSerializer(TenantModelSerializer):
    filename = serializers.CharField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ProgressEvidence
        fields = ["id", "consortium", "progress_return", "unit", "filename", "description", "uploaded_at",
                  "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj: ProgressEvidence) -> str:
        return reverse("leadership:evidence-download", kwargs={"pk": obj.pk})


class ProgressReturnSerializer(TenantModelSerializer):
    """Create (multipart or JSON) goes through ``services.progress_return_submit``; ``files`` are the evidence."""

    subtask = scoped_field(SubTask)
    unit = scoped_field(MemberUnit)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    files = serializers.ListField(
        child=serializers.FileField(), write_only=True, required=False, help_text=_("佐证材料（可多个）。")
    )
    evidence = ProgressEvidenceSerializer(many=True, read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = ProgressReturn
        fields = [
            "id", "consortium", "subtask", "unit", "unit_name", "reported_on", "progress", "text", "problems",
            "next_steps", "files", "evidence", "submitted_by", "created_at",
        ]
        read_only_fields = ["submitted_by", "created_at"]


class SupervisionEvaluationSerializer(TenantModelSerializer):
    unit = scoped_field(MemberUnit)
    subtask = scoped_field(SubTask, required=False, allow_null=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    grade_display = serializers.CharField(source="get_grade_display", read_only=True)

    class Meta:
        model = SupervisionEvaluation
        fields = [
            "id", "consortium", "unit", "unit_name", "subtask", "period_label", "evaluated_on", "score", "grade",
            "grade_display", "comments", "evaluator", "created_at",
        ]
        read_only_fields = ["grade", "evaluator", "created_at"]


class TaskReminderSerializer(TenantModelSerializer):
    class Meta:
        model = TaskReminder
        fields = ["id", "consortium", "subtask", "kind", "sent_on", "recipients"]
        read_only_fields = fields
