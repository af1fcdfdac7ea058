"""API of the demand side (issue 4): enterprise profiles, talent demands (+ workflow actions), their status history,
staff-training needs and technology problems (+ workflow actions), and the secretariat's review-queue counts.

Every viewset derives from the scoped base; writes and status moves go through ``enterprises.services.demands``
(which refuse invalid transitions with a message naming both statuses, and let only the secretariat approve or
return); list querysets join/prefetch what the serializers show, so a list costs a constant number of queries.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.tenancy.api.base import TenantModelSerializer, TenantModelViewSet, TenantReadOnlyViewSet

from ..models.demands import (
    DemandSkill,
    DemandStatusChange,
    EnterpriseProfile,
    StaffTrainingNeed,
    TalentDemand,
    TechnologyProblem,
)
from ..selectors import demands as selectors
from ..services import demands as services

NO_DELETE = ["get", "post", "put", "patch", "head", "options"]


def _data(serializer: serializers.BaseSerializer, *drop: str) -> dict[str, Any]:
    data = dict(serializer.validated_data)
    for key in ("consortium", *drop):
        data.pop(key, None)
    return data


# --- serializers --------------------------------------------------------------------------------------------------


class EnterpriseProfileSerializer(TenantModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    size_display = serializers.CharField(source="get_size_display", read_only=True)
    zone_type_display = serializers.CharField(source="get_zone_type_display", read_only=True)

    class Meta:
        model = EnterpriseProfile
        fields = ["id", "consortium", "unit", "unit_name", "size", "size_display", "zone_type", "zone_type_display",
                  "zone_name", "employees", "is_integration_enterprise", "recognised_on", "notes", "updated_at"]
        read_only_fields = ["updated_at"]
        validators: list = []


class DemandSkillSerializer(serializers.Serializer):
    """A required skill (nested in a demand; written through the demand's service)."""

    name = serializers.CharField(label=_("技能"), max_length=60)
    importance = serializers.IntegerField(label=_("重要程度"), min_value=1, max_value=5, default=3)


class TalentDemandSerializer(TenantModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    education_level_display = serializers.CharField(source="get_education_level_display", read_only=True)
    skills = DemandSkillSerializer(many=True, required=False)

    class Meta:
        model = TalentDemand
        fields = ["id", "consortium", "unit", "unit_name", "position", "kind", "kind_display", "headcount",
                  "filled_count", "programmes", "programme_keywords", "skills", "education_level",
                  "education_level_display", "place", "salary_min", "salary_max", "start_date", "valid_until",
                  "description", "status", "status_display", "return_reason", "submitted_at", "published_at",
                  "created_at", "updated_at"]
        read_only_fields = ["filled_count", "status", "return_reason", "submitted_at", "published_at", "created_at",
                            "updated_at"]
        validators: list = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        low = attrs.get("salary_min", getattr(self.instance, "salary_min", None))
        high = attrs.get("salary_max", getattr(self.instance, "salary_max", None))
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"salary_max": [_("月薪上限不能低于下限。")]})
        return attrs


class DemandStatusChangeSerializer(TenantModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = DemandStatusChange
        fields = ["id", "consortium", "unit", "demand", "training_need", "technology_problem", "from_status",
                  "to_status", "reason", "actor", "actor_name", "at"]
        read_only_fields = fields

    def get_actor_name(self, obj: DemandStatusChange) -> str:
        return obj.actor.display_name if obj.actor else ""


class StaffTrainingNeedSerializer(TenantModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = StaffTrainingNeed
        fields = ["id", "consortium", "unit", "unit_name", "topic", "trainees", "period_start", "period_end",
                  "content", "budget", "status", "status_display", "return_reason", "submitted_at", "published_at",
                  "created_at", "updated_at"]
        read_only_fields = ["status", "return_reason", "submitted_at", "published_at", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        start = attrs.get("period_start", getattr(self.instance, "period_start", None))
        end = attrs.get("period_end", getattr(self.instance, "period_end", None))
        if start and end and end < start:
            raise serializers.ValidationError({"period_end": [_("培训结束日期不能早于开始日期。")]})
        return attrs


class TechnologyProblemSerializer(TenantModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    field_name = serializers.CharField(source="field.name", read_only=True, default="")

    class Meta:
        model = TechnologyProblem
        fields = ["id", "consortium", "unit", "unit_name", "title", "description", "field", "field_name", "budget",
                  "deadline", "status", "status_display", "return_reason", "submitted_at", "published_at",
                  "created_at", "updated_at"]
        read_only_fields = ["status", "return_reason", "submitted_at", "published_at", "created_at", "updated_at"]


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("原因"), required=False, allow_blank=True, max_length=2000)


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("原因"), max_length=2000)


class FillSerializer(serializers.Serializer):
    filled_count = serializers.IntegerField(label=_("已满足人数"), min_value=0, max_value=1000000)


class ReviewQueueSerializer(serializers.Serializer):
    talent_demand = serializers.DictField(child=serializers.IntegerField())
    training_need = serializers.DictField(child=serializers.IntegerField())
    technology_problem = serializers.DictField(child=serializers.IntegerField())


# --- viewsets -----------------------------------------------------------------------------------------------------


class WorkflowActionsMixin:
    """submit / approve / return / withdraw as POST actions, all through ``services.need_transition``."""

    def _transition(self, request: Any, name: str, payload_class: type[serializers.Serializer] | None = None):
        obj = self.get_object()  # type: ignore[attr-defined]
        reason = ""
        if payload_class is not None:
            payload = payload_class(data=request.data)
            payload.is_valid(raise_exception=True)
            reason = payload.validated_data.get("reason", "")
        moved = services.need_transition(actor=request.user, need=obj, action=name, reason=reason)
        moved = self.get_queryset().get(pk=moved.pk)  # type: ignore[attr-defined]
        return Response(self.get_serializer(moved).data)  # type: ignore[attr-defined]

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a draft (or returned) record for the secretariat's review."""
        return self._transition(request, "submit")

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Secretariat: approve and publish consortium-wide."""
        return self._transition(request, "approve")

    @extend_schema(request=ReturnSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        """Secretariat: return to the enterprise for changes (reason required)."""
        return self._transition(request, "return", ReturnSerializer)

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw the record (the enterprise or the secretariat)."""
        return self._transition(request, "withdraw", ReasonSerializer)


class EnterpriseProfileViewSet(TenantModelViewSet):
    model = EnterpriseProfile
    serializer_class = EnterpriseProfileSerializer
    http_method_names = NO_DELETE
    filterset_fields = ["unit", "size", "zone_type", "is_integration_enterprise"]
    search_fields = ["unit__name", "zone_name"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit").order_by("unit__name")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        return services.enterprise_profile_upsert(actor=self.request.user, unit=data.pop("unit"), **data)

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "unit")
        return services.enterprise_profile_upsert(actor=self.request.user, unit=serializer.instance.unit, **data)


class TalentDemandViewSet(WorkflowActionsMixin, TenantModelViewSet):
    model = TalentDemand
    serializer_class = TalentDemandSerializer
    http_method_names = NO_DELETE
    filterset_fields = ["unit", "kind", "status", "education_level"]
    search_fields = ["position", "description", "programme_keywords", "unit__name"]
    ordering_fields = ["created_at", "published_at", "start_date", "headcount"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit").prefetch_related(
            "programmes", Prefetch("skills", queryset=DemandSkill.objects.order_by("-importance", "name"))
        )

    def _skills(self, data: dict[str, Any]) -> Any:
        skills = data.pop("skills", None)
        return None if skills is None else [dict(s) for s in skills]

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        unit, programmes, skills = data.pop("unit"), data.pop("programmes", []), self._skills(data)
        return services.talent_demand_create(
            actor=self.request.user, unit=unit, programmes=programmes, skills=skills, **data
        )

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "unit")
        programmes, skills = data.pop("programmes", None), self._skills(data)
        return services.talent_demand_update(
            actor=self.request.user, demand=serializer.instance, programmes=programmes, skills=skills, **data
        )

    @extend_schema(request=FillSerializer)
    @action(detail=True, methods=["post"])
    def fill(self, request, pk=None):
        """Record how many places are filled (→ partly filled / filled)."""
        demand = self.get_object()
        payload = FillSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.talent_demand_record_fill(
            actor=request.user, demand=demand, filled_count=payload.validated_data["filled_count"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=demand.pk)).data)

    @extend_schema(request=None, responses=ReviewQueueSerializer)
    @action(detail=False, methods=["get"], url_path="review-queue", pagination_class=None, filter_backends=[])
    def review_queue(self, request):
        """Counts per type and status of what the user can see (the secretariat's review queue)."""
        return Response(ReviewQueueSerializer(selectors.review_counts(request.user)).data)


class DemandStatusChangeViewSet(TenantReadOnlyViewSet):
    model = DemandStatusChange
    serializer_class = DemandStatusChangeSerializer
    filterset_fields = ["demand", "training_need", "technology_problem", "to_status"]

    def scope_queryset(self, queryset):
        return queryset.select_related("actor")


class StaffTrainingNeedViewSet(WorkflowActionsMixin, TenantModelViewSet):
    model = StaffTrainingNeed
    serializer_class = StaffTrainingNeedSerializer
    http_method_names = NO_DELETE
    filterset_fields = ["unit", "status"]
    search_fields = ["topic", "content", "unit__name"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        return services.training_need_create(actor=self.request.user, unit=data.pop("unit"), **data)

    def perform_scoped_update(self, serializer):
        return services.training_need_update(
            actor=self.request.user, need=serializer.instance, **_data(serializer, "unit")
        )

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close a published need (it stays readable)."""
        return self._transition(request, "close", ReasonSerializer)


class TechnologyProblemViewSet(WorkflowActionsMixin, TenantModelViewSet):
    model = TechnologyProblem
    serializer_class = TechnologyProblemSerializer
    http_method_names = NO_DELETE
    filterset_fields = ["unit", "status", "field"]
    search_fields = ["title", "description", "unit__name"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "field")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        return services.technology_problem_create(actor=self.request.user, unit=data.pop("unit"), **data)

    def perform_scoped_update(self, serializer):
        return services.technology_problem_update(
            actor=self.request.user, problem=serializer.instance, **_data(serializer, "unit")
        )

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close a published problem (it stays readable)."""
        return self._transition(request, "close", ReasonSerializer)


router = SimpleRouter()
router.register("enterprise-profiles", EnterpriseProfileViewSet, basename="enterpriseprofile")
router.register("talent-demands", TalentDemandViewSet, basename="talentdemand")
router.register("demand-status-changes", DemandStatusChangeViewSet, basename="demandstatuschange")
router.register("training-needs", StaffTrainingNeedViewSet, basename="stafftrainingneed")
router.register("technology-problems", TechnologyProblemViewSet, basename="technologyproblem")
