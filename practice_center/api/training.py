"""API of social training and production at practice centres: training sessions (+ ``attendance``), trainees
(+ ``attendance``, ``complete``, ``certificate``) and production records (+ ``totals``).

Writes go through ``practice_center.services``; their ValidationErrors answer 400 with field messages (kernel
exception handler). Trainee rows are only visible to the organising unit, the secretariat and officials; their ID
numbers and phones are shown in clear to exactly those (``can_see_trainee_personal``), masked otherwise.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.tenancy.api.base import TenantModelSerializer, TenantModelViewSet, scoped_field
from consortium.tenancy.models import MemberUnit

from .. import services
from ..forms_training import can_see_trainee_personal, mask_personal
from ..models import PracticeCentre, ProductionRecord, Trainee, TrainingSession
from ..stats import production_totals


def _data(serializer: serializers.BaseSerializer, *drop: str) -> dict[str, Any]:
    data = dict(serializer.validated_data)
    for key in ("consortium", *drop):
        data.pop(key, None)
    return data


def _instance(serializer: serializers.BaseSerializer) -> Any:
    instance = getattr(serializer, "instance", None)
    return None if isinstance(instance, list | tuple) else instance


# --- training sessions ----------------------------------------------------------------------------------------------


class TrainingSessionSerializer(TenantModelSerializer):
    """``unit`` (organiser) and ``centre`` are chosen on create and read-only afterwards."""

    unit = scoped_field(MemberUnit)
    centre = scoped_field(PracticeCentre)
    description = serializers.CharField(required=False, allow_blank=True)
    trainer_name = serializers.CharField(required=False, allow_blank=True, max_length=60)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    centre_name = serializers.CharField(source="centre.name", read_only=True)
    trainer = serializers.CharField(source="trainer_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    trainee_count = serializers.SerializerMethodField()
    completed_count = serializers.SerializerMethodField()

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "consortium",
            "unit",
            "unit_name",
            "centre",
            "centre_name",
            "course",
            "trainer_teacher",
            "trainer_expert",
            "trainer_name",
            "trainer",
            "start_date",
            "end_date",
            "hours",
            "description",
            "status",
            "status_display",
            "trainee_count",
            "completed_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"hours": {"min_value": 0}, "status": {"required": False}}

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if _instance(self) is not None:
            fields["unit"].read_only = True
            fields["centre"].read_only = True
        return fields

    def get_trainee_count(self, obj: TrainingSession) -> int | None:
        return getattr(obj, "trainee_count", None)

    def get_completed_count(self, obj: TrainingSession) -> int | None:
        return getattr(obj, "completed_count", None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": [_("结业日期不能早于开班日期。")]})
        return attrs


class AttendanceRowSerializer(serializers.Serializer):
    trainee = serializers.IntegerField(min_value=1)
    attended_hours = serializers.DecimalField(max_digits=6, decimal_places=1, min_value=0)


class SessionAttendanceSerializer(serializers.Serializer):
    """Attendance of several trainees; ``completed`` (optional) lists every trainee who completed."""

    rows = AttendanceRowSerializer(many=True)
    completed = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)


class TrainingSessionViewSet(TenantModelViewSet):
    """社会培训班. ``attendance`` records hours (and completion) of several trainees at once."""

    model = TrainingSession
    serializer_class = TrainingSessionSerializer
    filterset_fields = ["centre", "unit", "status"]
    search_fields = ["course"]

    def scope_queryset(self, queryset):
        return (
            queryset.select_related("unit", "centre", "trainer_teacher", "trainer_expert")
            .annotate(
                trainee_count=Count("trainees", distinct=True),
                completed_count=Count("trainees", filter=Q(trainees__completed=True), distinct=True),
            )
            .order_by("-start_date", "-id")
        )

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        unit, centre = data.pop("unit"), data.pop("centre")
        return services.training_session_create(actor=self.request.user, unit=unit, centre=centre, **data)

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "unit", "centre")
        return services.training_session_update(actor=self.request.user, session=serializer.instance, **data)

    def perform_scoped_destroy(self, instance):
        services.training_session_delete(actor=self.request.user, session=instance)

    @extend_schema(request=SessionAttendanceSerializer, responses=TrainingSessionSerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        session = self.get_object()
        payload = SessionAttendanceSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        completed = payload.validated_data.get("completed")
        services.session_record_attendance(
            actor=request.user,
            session=session,
            attendance={row["trainee"]: row["attended_hours"] for row in payload.validated_data["rows"]},
            completed_ids=completed,
        )
        return Response(self.get_serializer(session).data)


# --- trainees -------------------------------------------------------------------------------------------------------


class TraineeSerializer(TenantModelSerializer):
    """Attendance, completion and the certificate are read-only here: they change through the actions."""

    session = scoped_field(TrainingSession)
    employer_unit = scoped_field(MemberUnit, required=False, allow_null=True)
    employer_name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=18)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    employer = serializers.CharField(source="employer_display", read_only=True)
    personal_masked = serializers.SerializerMethodField()

    class Meta:
        model = Trainee
        fields = [
            "id",
            "consortium",
            "session",
            "unit",
            "name",
            "employer_unit",
            "employer_name",
            "employer",
            "id_number",
            "phone",
            "personal_masked",
            "attended_hours",
            "completed",
            "certificate_no",
            "certificate_issued_on",
            "created_at",
        ]
        read_only_fields = [
            "unit",
            "attended_hours",
            "completed",
            "certificate_no",
            "certificate_issued_on",
            "created_at",
        ]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if _instance(self) is not None:
            fields["session"].read_only = True
        return fields

    def _personal(self, obj: Trainee) -> bool:
        request = self.context.get("request")
        cache = self.context.setdefault("_personal", {})
        if obj.session_id not in cache:
            cache[obj.session_id] = can_see_trainee_personal(request.user, obj.session)
        return cache[obj.session_id]

    def get_personal_masked(self, obj: Trainee) -> bool:
        return not self._personal(obj)

    def to_representation(self, instance: Trainee) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self._personal(instance):
            data["id_number"] = mask_personal(instance.id_number)
            data["phone"] = mask_personal(instance.phone)
        return data


class TraineeAttendanceSerializer(serializers.Serializer):
    attended_hours = serializers.DecimalField(max_digits=6, decimal_places=1, min_value=0)


class TraineeCompleteSerializer(serializers.Serializer):
    completed = serializers.BooleanField(default=True)


class TraineeCertificateSerializer(serializers.Serializer):
    certificate_no = serializers.CharField(max_length=60)
    issued_on = serializers.DateField(required=False, allow_null=True)


class TraineeViewSet(TenantModelViewSet):
    """培训学员 of the user's visible sessions (organiser, secretariat, officials)."""

    model = Trainee
    serializer_class = TraineeSerializer
    filterset_fields = ["session", "completed"]
    search_fields = ["name"]

    def scope_queryset(self, queryset):
        return queryset.select_related("session", "employer_unit").order_by("session_id", "name", "id")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        session = data.pop("session")
        return services.trainee_create(actor=self.request.user, session=session, **data)

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "session")
        return services.trainee_update(actor=self.request.user, trainee=serializer.instance, **data)

    def perform_scoped_destroy(self, instance):
        services.trainee_delete(actor=self.request.user, trainee=instance)

    @extend_schema(request=TraineeAttendanceSerializer, responses=TraineeSerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        trainee = self.get_object()
        payload = TraineeAttendanceSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        trainee = services.trainee_record_attendance(
            actor=request.user, trainee=trainee, attended_hours=payload.validated_data["attended_hours"]
        )
        return Response(self.get_serializer(trainee).data)

    @extend_schema(request=TraineeCompleteSerializer, responses=TraineeSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        trainee = self.get_object()
        payload = TraineeCompleteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        trainee = services.trainee_set_completed(
            actor=request.user, trainee=trainee, completed=payload.validated_data["completed"]
        )
        return Response(self.get_serializer(trainee).data)

    @extend_schema(request=TraineeCertificateSerializer, responses=TraineeSerializer)
    @action(detail=True, methods=["post"])
    def certificate(self, request, pk=None):
        trainee = self.get_object()
        payload = TraineeCertificateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        trainee = services.trainee_issue_certificate(
            actor=request.user,
            trainee=trainee,
            certificate_no=payload.validated_data["certificate_no"],
            issued_on=payload.validated_data.get("issued_on"),
        )
        return Response(self.get_serializer(trainee).data)


# --- production records ---------------------------------------------------------------------------------------------


class ProductionRecordSerializer(TenantModelSerializer):
    """``centre`` and ``unit`` (the recording unit: the centre's owner or operator, default the operator) are
    chosen on create and read-only afterwards."""

    centre = scoped_field(PracticeCentre)
    unit = scoped_field(MemberUnit, required=False, allow_null=True)
    client_unit = scoped_field(MemberUnit, required=False, allow_null=True)
    client_name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    quantity = serializers.CharField(required=False, allow_blank=True, max_length=60)
    note = serializers.CharField(required=False, allow_blank=True)
    centre_name = serializers.CharField(source="centre.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    client = serializers.CharField(source="client_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = ProductionRecord
        fields = [
            "id",
            "consortium",
            "centre",
            "centre_name",
            "unit",
            "unit_name",
            "kind",
            "kind_display",
            "client_unit",
            "client_name",
            "client",
            "item",
            "quantity",
            "value",
            "date",
            "note",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"value": {"min_value": 0}}
        validators: list = []

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if _instance(self) is not None:
            fields["centre"].read_only = True
            fields["unit"].read_only = True
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        client_unit = attrs.get("client_unit", getattr(self.instance, "client_unit", None))
        client_name = attrs.get("client_name", getattr(self.instance, "client_name", ""))
        if client_unit is None and not (client_name or "").strip():
            raise serializers.ValidationError({"client_name": [_("请选择客户成员单位或填写客户名称。")]})
        return attrs


class ProductionTotalQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=1900, max_value=2100)


class ProductionTotalSerializer(serializers.Serializer):
    centre_id = serializers.IntegerField()
    centre_name = serializers.CharField(source="centre__name")
    year = serializers.IntegerField()
    records = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=16, decimal_places=2)


class ProductionRecordViewSet(TenantModelViewSet):
    """生产与技术服务记录; ``totals`` sums the visible records' value (万元) per centre and year."""

    model = ProductionRecord
    serializer_class = ProductionRecordSerializer
    filterset_fields = ["centre", "unit", "kind", "client_unit"]
    search_fields = ["item"]

    def scope_queryset(self, queryset):
        return queryset.select_related("centre", "unit", "client_unit").order_by("-date", "-id")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        centre, unit = data.pop("centre"), data.pop("unit", None)
        return services.production_record_create(actor=self.request.user, centre=centre, unit=unit, **data)

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "centre", "unit")
        return services.production_record_update(actor=self.request.user, record=serializer.instance, **data)

    def perform_scoped_destroy(self, instance):
        services.production_record_delete(actor=self.request.user, record=instance)

    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=False)], responses=ProductionTotalSerializer(many=True)
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def totals(self, request):
        query = ProductionTotalQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        queryset = self.get_queryset()
        if query.validated_data.get("year"):
            queryset = queryset.filter(date__year=query.validated_data["year"])
        return Response(ProductionTotalSerializer(production_totals(queryset), many=True).data)


router = SimpleRouter()
router.register("practice-training-sessions", TrainingSessionViewSet, basename="practicetrainingsession")
router.register("practice-trainees", TraineeViewSet, basename="practicetrainee")
router.register("practice-production-records", ProductionRecordViewSet, basename="practiceproductionrecord")
