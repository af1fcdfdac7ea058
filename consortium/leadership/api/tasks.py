"""API of the plan and task supervision, under /api/v1/leadership/...

* groups, members, meetings, phases, key tasks, sub-tasks: CRUD for the secretariat through the services; every
  member of the consortium reads them. ``POST subtasks/{id}/status/`` sets the status (secretariat).
* progress returns: list/read (reporting unit, lead unit, secretariat, officials); create through
  ``services.progress_return_submit`` (multipart with ``files``, or JSON without files). Returns are not edited.
* evidence: read-only (download through the page route ``leadership:evidence-download``).
* evaluations: list/read (the evaluated unit, secretariat, officials); create through ``services.evaluation_create``.
* reminders: read-only log.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.tenancy.api.base import TenantModelViewSet, TenantReadOnlyViewSet
from consortium.tenancy.api.filters import TenantFilterSet
from consortium.tenancy.models import MemberUnit

from .. import services
from ..choices import TaskStatus
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
from .serializers import (
    GroupMemberSerializer,
    JointMeetingSerializer,
    KeyTaskSerializer,
    LeadershipGroupSerializer,
    PlanPhaseSerializer,
    ProgressEvidenceSerializer,
    ProgressReturnSerializer,
    SubTaskSerializer,
    SubTaskStatusSerializer,
    SupervisionEvaluationSerializer,
    TaskReminderSerializer,
)


def _pick(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: data[name] for name in names if name in data}


def _consortium_id(serializer: Any) -> int:
    return serializer.validated_data["consortium"].pk


def _units(request: Any) -> Any:
    return MemberUnit.objects.visible_to(getattr(request, "user", None))


def _visible(model: type) -> Any:
    def queryset(request: Any) -> Any:
        return model.objects.visible_to(getattr(request, "user", None))  # type: ignore[attr-defined]

    return queryset


class SubTaskFilterSet(TenantFilterSet):
    key_task = django_filters.ModelChoiceFilter(queryset=_visible(KeyTask))
    phase = django_filters.ModelChoiceFilter(queryset=_visible(PlanPhase))
    lead_unit = django_filters.ModelChoiceFilter(queryset=_units)
    co_unit = django_filters.ModelChoiceFilter(field_name="co_units", queryset=_units)
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices)

    class Meta:
        model = SubTask
        fields = ["key_task", "phase", "lead_unit", "co_unit", "status"]


class ProgressReturnFilterSet(TenantFilterSet):
    subtask = django_filters.ModelChoiceFilter(queryset=_visible(SubTask))
    unit = django_filters.ModelChoiceFilter(queryset=_units)

    class Meta:
        model = ProgressReturn
        fields = ["subtask", "unit"]


class EvaluationFilterSet(TenantFilterSet):
    subtask = django_filters.ModelChoiceFilter(queryset=_visible(SubTask))
    unit = django_filters.ModelChoiceFilter(queryset=_units)

    class Meta:
        model = SupervisionEvaluation
        fields = ["subtask", "unit", "grade"]


class LeadershipGroupViewSet(TenantModelViewSet):
    model = LeadershipGroup
    serializer_class = LeadershipGroupSerializer

    def scope_queryset(self, queryset):
        return queryset.order_by("consortium_id", "id")

    def perform_scoped_create(self, serializer):
        return services.group_create(
            actor=self.request.user, consortium_id=_consortium_id(serializer),
            **_pick(serializer.validated_data, GROUP_FIELDS),
        )

    def perform_scoped_update(self, serializer):
        return services.group_update(
            actor=self.request.user, group=serializer.instance, **_pick(serializer.validated_data, GROUP_FIELDS)
        )


class GroupMemberViewSet(TenantModelViewSet):
    model = GroupMember
    serializer_class = GroupMemberSerializer
    filterset_fields = ["group", "role"]

    def scope_queryset(self, queryset):
        return queryset.order_by("group_id", "order", "id")

    def perform_scoped_create(self, serializer):
        data = serializer.validated_data
        return services.member_create(actor=self.request.user, group=data["group"], **_pick(data, MEMBER_FIELDS))

    def perform_scoped_update(self, serializer):
        return services.member_update(
            actor=self.request.user, member=serializer.instance, **_pick(serializer.validated_data, MEMBER_FIELDS)
        )

    def perform_scoped_destroy(self, instance):
        services.member_delete(actor=self.request.user, member=instance)


class JointMeetingViewSet(TenantModelViewSet):
    model = JointMeeting
    serializer_class = JointMeetingSerializer
    filterset_fields = ["group"]

    def scope_queryset(self, queryset):
        return queryset.prefetch_related("attendees", "subtasks").order_by("-held_on", "-id")

    def perform_scoped_create(self, serializer):
        data = serializer.validated_data
        return services.meeting_create(
            actor=self.request.user, group=data["group"], attendees=data.get("attendees"),
            subtasks=data.get("subtasks"), **_pick(data, MEETING_FIELDS),
        )

    def perform_scoped_update(self, serializer):
        data = serializer.validated_data
        return services.meeting_update(
            actor=self.request.user, meeting=serializer.instance, attendees=data.get("attendees"),
            subtasks=data.get("subtasks"), **_pick(data, MEETING_FIELDS),
        )


class PlanPhaseViewSet(TenantModelViewSet):
    model = PlanPhase
    serializer_class = PlanPhaseSerializer

    def scope_queryset(self, queryset):
        return queryset.order_by("consortium_id", "number")

    def perform_scoped_create(self, serializer):
        return services.phase_create(
            actor=self.request.user, consortium_id=_consortium_id(serializer),
            **_pick(serializer.validated_data, PHASE_FIELDS),
        )

    def perform_scoped_update(self, serializer):
        return services.phase_update(
            actor=self.request.user, phase=serializer.instance, **_pick(serializer.validated_data, PHASE_FIELDS)
        )


class KeyTaskViewSet(TenantModelViewSet):
    model = KeyTask
    serializer_class = KeyTaskSerializer

    def scope_queryset(self, queryset):
        return queryset.order_by("consortium_id", "number")

    def perform_scoped_create(self, serializer):
        return services.key_task_create(
            actor=self.request.user, consortium_id=_consortium_id(serializer),
            **_pick(serializer.validated_data, KEY_TASK_FIELDS),
        )

    def perform_scoped_update(self, serializer):
        return services.key_task_update(
            actor=self.request.user, key_task=serializer.instance, **_pick(serializer.validated_data, KEY_TASK_FIELDS)
        )


class SubTaskViewSet(TenantModelViewSet):
    model = SubTask
    serializer_class = SubTaskSerializer
    filterset_class = SubTaskFilterSet
    search_fields = ["title", "code", "responsible_person"]

    def scope_queryset(self, queryset):
        return (
            queryset.select_related("lead_unit", "key_task")
            .prefetch_related("co_units")
            .order_by("key_task__number", "code", "id")
        )

    def perform_scoped_create(self, serializer):
        data = serializer.validated_data
        return services.subtask_create(
            actor=self.request.user, co_units=data.get("co_units"), **_pick(data, SUBTASK_FIELDS)
        )

    def perform_scoped_update(self, serializer):
        data = serializer.validated_data
        return services.subtask_update(
            actor=self.request.user, subtask=serializer.instance, co_units=data.get("co_units"),
            **_pick(data, SUBTASK_FIELDS),
        )

    @extend_schema(request=SubTaskStatusSerializer, responses=SubTaskSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        """The secretariat sets the status (completed records the completion date)."""
        task = self.get_object()
        payload = SubTaskStatusSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.subtask_set_status(actor=request.user, subtask=task, status=payload.validated_data["status"])
        return Response(self.get_serializer(self.get_queryset().get(pk=task.pk)).data)


class ProgressReturnViewSet(TenantModelViewSet):
    model = ProgressReturn
    serializer_class = ProgressReturnSerializer
    filterset_class = ProgressReturnFilterSet
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    http_method_names = ["get", "post", "head", "options"]

    def scope_queryset(self, queryset):
        evidence = ProgressEvidence.objects.visible_to(self.request.user).order_by("id")
        return (
            queryset.select_related("unit")
            .prefetch_related(Prefetch("evidence", queryset=evidence))
            .order_by("-reported_on", "-id")
        )

    def perform_scoped_create(self, serializer):
        data = serializer.validated_data
        return services.progress_return_submit(
            actor=self.request.user, subtask=data["subtask"], unit=data["unit"], reported_on=data["reported_on"],
            progress=data["progress"], text=data["text"], problems=data.get("problems", ""),
            next_steps=data.get("next_steps", ""), files=data.get("files") or [],
        )


class ProgressEvidenceViewSet(TenantReadOnlyViewSet):
    model = ProgressEvidence
    serializer_class = ProgressEvidenceSerializer
    filterset_fields = ["progress_return", "unit"]

    def scope_queryset(self, queryset):
        return queryset.order_by("progress_return_id", "id")


class SupervisionEvaluationViewSet(TenantModelViewSet):
    model = SupervisionEvaluation
    serializer_class = SupervisionEvaluationSerializer
    filterset_class = EvaluationFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit").order_by("-evaluated_on", "-id")

    def perform_scoped_create(self, serializer):
        data = serializer.validated_data
        return services.evaluation_create(
            actor=self.request.user, unit=data["unit"], subtask=data.get("subtask"),
            period_label=data["period_label"], evaluated_on=data["evaluated_on"], score=data["score"],
            comments=data.get("comments", ""),
        )


class TaskReminderViewSet(TenantReadOnlyViewSet):
    model = TaskReminder
    serializer_class = TaskReminderSerializer
    filterset_fields = ["subtask", "kind", "sent_on"]

    def scope_queryset(self, queryset):
        return queryset.order_by("-sent_on", "-id")


router = SimpleRouter()
router.register("leadership/groups", LeadershipGroupViewSet, basename="leadershipgroup")
router.register("leadership/group-members", GroupMemberViewSet, basename="leadershipgroupmember")
router.register("leadership/meetings", JointMeetingViewSet, basename="leadershipmeeting")
router.register("leadership/phases", PlanPhaseViewSet, basename="leadershipphase")
router.register("leadership/key-tasks", KeyTaskViewSet, basename="leadershipkeytask")
router.register("leadership/subtasks", SubTaskViewSet, basename="leadershipsubtask")
router.register("leadership/returns", ProgressReturnViewSet, basename="leadershipreturn")
router.register("leadership/evidence", ProgressEvidenceViewSet, basename="leadershipevidence")
router.register("leadership/evaluations", SupervisionEvaluationViewSet, basename="leadershipevaluation")
router.register("leadership/reminders", TaskReminderViewSet, basename="leadershipreminder")
