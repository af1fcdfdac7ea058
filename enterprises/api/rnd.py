"""API of R&D (plan §三(七)): platforms, projects (+ ``transition``), milestones, technical services, achievements
and transfers (+ ``totals``). Writes go through ``enterprises.services.rnd``; lists join what they show, so their
query count is constant."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.tenancy.api.base import TenantModelSerializer, TenantModelViewSet, scoped_field
from consortium.tenancy.models import MemberUnit

from ..choices.rnd import CoBuilderRole, ProjectAction
from ..models.rnd import (
    Achievement,
    AchievementTransfer,
    PlatformCoBuilder,
    ProjectMilestone,
    RnDPlatform,
    RnDProject,
    TechnicalService,
)
from ..selectors import rnd as selectors
from ..services import rnd as services

NO_DELETE = ["get", "post", "put", "patch", "head", "options"]


def _data(serializer: serializers.BaseSerializer, *drop: str) -> dict[str, Any]:
    data = dict(serializer.validated_data)
    for key in ("consortium", *drop):
        data.pop(key, None)
    return data


class RnDSerializer(TenantModelSerializer):
    """``unit`` (the owner) is chosen on create and read-only afterwards."""

    create_only_fields: tuple[str, ...] = ("unit",)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if getattr(self, "instance", None) is not None and not isinstance(self.instance, list | tuple):
            for name in self.create_only_fields:
                if name in fields:
                    fields[name].read_only = True
        return fields


class CoBuilderSerializer(serializers.Serializer):
    unit = scoped_field(MemberUnit)
    role = serializers.ChoiceField(choices=CoBuilderRole.choices, default=CoBuilderRole.CO_BUILDER)
    unit_name = serializers.CharField(source="unit.name", read_only=True)


class RnDPlatformSerializer(RnDSerializer):
    co_builders = CoBuilderSerializer(many=True, required=False, source="co_builder_links")

    class Meta:
        model = RnDPlatform
        fields = [
            "id",
            "consortium",
            "name",
            "description",
            "unit",
            "unit_name",
            "kind",
            "level",
            "established_on",
            "co_builders",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []


class RnDPlatformViewSet(TenantModelViewSet):
    model = RnDPlatform
    serializer_class = RnDPlatformSerializer
    filterset_fields = ["unit", "kind", "level"]
    search_fields = ["name"]

    def scope_queryset(self, queryset):
        return (
            queryset.select_related("unit")
            .prefetch_related(Prefetch("co_builder_links", queryset=PlatformCoBuilder.objects.select_related("unit")))
            .order_by("name", "pk")
        )

    @staticmethod
    def _pairs(data: dict[str, Any]) -> list | None:
        links = data.pop("co_builder_links", None)
        return None if links is None else [(link["unit"], link["role"]) for link in links]

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        unit = data.pop("unit", None)
        pairs = self._pairs(data) or []
        return services.platform_create(actor=self.request.user, unit=unit, co_builders=pairs, **data)

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "unit")
        pairs = self._pairs(data)
        return services.platform_update(
            actor=self.request.user, platform=serializer.instance, co_builders=pairs, **data
        )

    def perform_scoped_destroy(self, instance):
        services.platform_delete(actor=self.request.user, platform=instance)


class MilestoneInlineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectMilestone
        fields = ["id", "title", "due_on", "done_on", "note"]


class RnDProjectSerializer(RnDSerializer):
    summary = serializers.CharField(required=False, allow_blank=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    partner_names = serializers.SerializerMethodField()

    class Meta:
        model = RnDProject
        fields = [
            "id",
            "consortium",
            "title",
            "summary",
            "unit",
            "unit_name",
            "partners",
            "partner_names",
            "platform",
            "field",
            "budget",
            "start_on",
            "end_on",
            "status",
            "status_display",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]
        extra_kwargs = {"partners": {"required": False}, "budget": {"min_value": 0}}

    def get_partner_names(self, obj: RnDProject) -> list[str]:
        return [unit.name for unit in obj.partners.all()]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        start = attrs.get("start_on", getattr(self.instance, "start_on", None))
        end = attrs.get("end_on", getattr(self.instance, "end_on", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_on": [_("结束日期不能早于开始日期。")]})
        return attrs


class ProjectTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ProjectAction.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RnDProjectViewSet(TenantModelViewSet):
    """Projects; ``transition`` moves one along its lifecycle (proposer, secretariat; closure review: secretariat)."""

    model = RnDProject
    serializer_class = RnDProjectSerializer
    filterset_fields = ["unit", "status", "platform"]
    search_fields = ["title"]
    http_method_names = NO_DELETE

    def scope_queryset(self, queryset):
        return (
            queryset.select_related("unit")
            .prefetch_related(Prefetch("partners", queryset=MemberUnit.objects.order_by("name")))
            .order_by("-start_on", "-id")
        )

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        unit = data.pop("unit", None)
        partners = data.pop("partners", [])
        return services.project_create(actor=self.request.user, unit=unit, partners=partners, **data)

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "unit")
        partners = data.pop("partners", None)
        return services.project_update(actor=self.request.user, project=serializer.instance, partners=partners, **data)

    @extend_schema(request=ProjectTransitionSerializer, responses=RnDProjectSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        project = self.get_object()
        payload = ProjectTransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        project = services.project_transition(
            actor=request.user,
            project=project,
            action=payload.validated_data["action"],
            reason=payload.validated_data.get("reason", ""),
        )
        return Response(self.get_serializer(project).data)


class ProjectMilestoneSerializer(TenantModelSerializer):
    note = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        model = ProjectMilestone
        fields = ["id", "consortium", "note", "title", "project", "unit", "due_on", "done_on"]
        read_only_fields = ["unit"]

    def get_fields(self):
        fields = super().get_fields()
        if getattr(self, "instance", None) is not None and not isinstance(self.instance, list | tuple):
            fields["project"].read_only = True
        return fields


class ProjectMilestoneViewSet(TenantModelViewSet):
    model = ProjectMilestone
    serializer_class = ProjectMilestoneSerializer
    filterset_fields = ["project"]

    def scope_queryset(self, queryset):
        return queryset.order_by("project_id", "due_on", "id")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        project = data.pop("project")
        return services.milestone_create(actor=self.request.user, project=project, **data)

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "project")
        return services.milestone_update(actor=self.request.user, milestone=serializer.instance, **data)

    def perform_scoped_destroy(self, instance):
        services.milestone_delete(actor=self.request.user, milestone=instance)


class TechnicalServiceSerializer(RnDSerializer):
    outcome = serializers.CharField(required=False, allow_blank=True)
    client_unit_name = serializers.CharField(source="client_unit.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = TechnicalService
        fields = [
            "id",
            "consortium",
            "outcome",
            "title",
            "unit",
            "unit_name",
            "client_unit",
            "client_unit_name",
            "project",
            "kind",
            "kind_display",
            "delivered_on",
            "value",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"value": {"min_value": 0}}
        validators: list = []


class TechnicalServiceViewSet(TenantModelViewSet):
    model = TechnicalService
    serializer_class = TechnicalServiceSerializer
    filterset_fields = ["unit", "client_unit", "kind"]
    search_fields = ["title"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "client_unit").order_by("-delivered_on", "-id")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        unit = data.pop("unit", None)
        return services.technical_service_create(actor=self.request.user, unit=unit, **data)

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "unit")
        return services.technical_service_update(actor=self.request.user, service=serializer.instance, **data)

    def perform_scoped_destroy(self, instance):
        services.technical_service_delete(actor=self.request.user, service=instance)


class AchievementSerializer(RnDSerializer):
    description = serializers.CharField(required=False, allow_blank=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Achievement
        fields = [
            "id",
            "consortium",
            "description",
            "title",
            "unit",
            "unit_name",
            "kind",
            "kind_display",
            "number",
            "obtained_on",
            "project",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class AchievementViewSet(TenantModelViewSet):
    model = Achievement
    serializer_class = AchievementSerializer
    filterset_fields = ["unit", "kind", "project"]
    search_fields = ["title", "number"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit").order_by("-obtained_on", "-id")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        unit = data.pop("unit", None)
        return services.achievement_create(actor=self.request.user, unit=unit, **data)

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "unit")
        return services.achievement_update(actor=self.request.user, achievement=serializer.instance, **data)

    def perform_scoped_destroy(self, instance):
        services.achievement_delete(actor=self.request.user, achievement=instance)


class AchievementTransferSerializer(TenantModelSerializer):
    note = serializers.CharField(required=False, allow_blank=True)
    licensee_name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    licensee = serializers.CharField(source="licensee_display", read_only=True)

    class Meta:
        model = AchievementTransfer
        fields = [
            "id",
            "consortium",
            "note",
            "achievement",
            "unit",
            "licensee_unit",
            "licensee_name",
            "licensee",
            "mode",
            "amount",
            "transferred_on",
        ]
        read_only_fields = ["unit"]
        extra_kwargs = {"amount": {"min_value": 0}}
        validators: list = []

    def get_fields(self):
        fields = super().get_fields()
        if getattr(self, "instance", None) is not None and not isinstance(self.instance, list | tuple):
            fields["achievement"].read_only = True
        return fields


class TransferTotalQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=1900, max_value=2100)


class TransferTotalSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField(source="unit__name")
    year = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    count = serializers.IntegerField()


class AchievementTransferViewSet(TenantModelViewSet):
    """Transfers of achievements; ``totals`` sums them per owner unit and year."""

    model = AchievementTransfer
    serializer_class = AchievementTransferSerializer
    filterset_fields = ["unit", "achievement", "mode"]

    def scope_queryset(self, queryset):
        return queryset.select_related("licensee_unit").order_by("-transferred_on", "-id")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        achievement = data.pop("achievement")
        return services.transfer_create(actor=self.request.user, achievement=achievement, **data)

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "achievement")
        return services.transfer_update(actor=self.request.user, transfer=serializer.instance, **data)

    def perform_scoped_destroy(self, instance):
        services.transfer_delete(actor=self.request.user, transfer=instance)

    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=False)], responses=TransferTotalSerializer(many=True)
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def totals(self, request):
        query = TransferTotalQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.transfer_totals(request.user, year=query.validated_data.get("year"))
        return Response(TransferTotalSerializer(rows, many=True).data)


router = SimpleRouter()
router.register("rnd-platforms", RnDPlatformViewSet, basename="rndplatform")
router.register("rnd-projects", RnDProjectViewSet, basename="rndproject")
router.register("rnd-milestones", ProjectMilestoneViewSet, basename="projectmilestone")
router.register("technical-services", TechnicalServiceViewSet, basename="technicalservice")
router.register("achievements", AchievementViewSet, basename="achievement")
router.register("achievement-transfers", AchievementTransferViewSet, basename="achievementtransfer")
