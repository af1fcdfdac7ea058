"""API of the scheduled reports (under /api/v1/leadership/...).

* ``reports`` – read-only archive (the secretariat and officials: every report of the consortium; unit users: the
  reports of their unit) + ``POST`` (secretariat) through ``report_request``, and ``progress`` for polling.
* ``report-schedules`` – read (secretariat, officials); ``PUT/PATCH`` (secretariat) through ``report_schedule_save``,
  which keeps the django-celery-beat entry in sync.
* ``report-deliveries`` – read-only log of the e-mails sent.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.tenancy.api.base import (
    TenantModelSerializer,
    TenantModelViewSet,
    TenantReadOnlyViewSet,
    scoped_field,
)
from consortium.tenancy.models import MemberUnit

from ..choices import ReportKind
from ..models import GroupMember, Report, ReportDelivery, ReportSchedule
from ..reports import schedules as beat
from ..reports import services


class ReportSerializer(TenantModelSerializer):
    xlsx_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id", "consortium", "kind", "period_start", "period_end", "unit", "version", "status", "progress",
            "message", "schedule", "requested_by", "created_at", "started_at", "finished_at", "html_url", "xlsx_url",
            "pdf_url",
        ]
        read_only_fields = fields

    def _url(self, obj: Report, name: str) -> str | None:
        request = self.context.get("request")
        url = reverse(name, args=[obj.pk])
        return request.build_absolute_uri(url) if request is not None else url

    def get_html_url(self, obj: Report) -> str:
        return self._url(obj, "leadership:report-detail") or ""

    def get_xlsx_url(self, obj: Report) -> str | None:
        return self._url(obj, "leadership:report-xlsx") if obj.xlsx else None

    def get_pdf_url(self, obj: Report) -> str | None:
        return self._url(obj, "leadership:report-pdf") if obj.pdf else None


class ReportDetailSerializer(ReportSerializer):
    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "content"]
        read_only_fields = fields


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    period_start = serializers.DateField(required=False, allow_null=True, help_text="Empty: the last complete period.")
    period_end = serializers.DateField(required=False, allow_null=True)
    unit = scoped_field(MemberUnit, required=False, allow_null=True)


class ReportProgressSerializer(TenantModelSerializer):
    class Meta:
        model = Report
        fields = ["id", "status", "progress", "message", "started_at", "finished_at"]
        read_only_fields = fields


class ReportViewSet(TenantReadOnlyViewSet):
    model = Report
    serializer_class = ReportSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["kind", "status", "unit", "period_start"]
    ordering_fields = ["period_start", "created_at", "version"]

    def scope_queryset(self, queryset):
        queryset = queryset.select_related("unit")
        if self.action != "retrieve":
            queryset = queryset.defer("content")
        return queryset.order_by("-period_start", "kind", "-version", "-id")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ReportDetailSerializer
        if self.action == "create":
            return ReportRequestSerializer
        return super().get_serializer_class()

    @extend_schema(request=ReportRequestSerializer, responses={201: ReportSerializer})
    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        """Queue a report (secretariat): kind, optional period (default: the last complete one), optional unit."""
        serializer = ReportRequestSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        report = services.report_request(
            actor=request.user, kind=data["kind"], period_start=data.get("period_start"),
            period_end=data.get("period_end"), unit=data.get("unit"),
        )
        report = self.get_queryset().get(pk=report.pk)
        return Response(ReportSerializer(report, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ReportProgressSerializer)
    @action(detail=True, methods=["get"], serializer_class=ReportProgressSerializer)
    def progress(self, request, pk=None):
        """Status and progress only (for polling)."""
        return Response(ReportProgressSerializer(self.get_object()).data)


class ReportScheduleSerializer(TenantModelSerializer):
    recipients = scoped_field(GroupMember, many=True, required=False)
    periodic_task = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    next_run = serializers.SerializerMethodField()

    class Meta:
        model = ReportSchedule
        fields = [
            "id", "consortium", "kind", "enabled", "minute", "hour", "day_of_week", "day_of_month", "month_of_year",
            "recipients", "periodic_task", "next_run", "updated_at",
        ]
        read_only_fields = ["id", "consortium", "kind", "periodic_task", "next_run", "updated_at"]
        # the service validates the crontab fields (one message per field)
        extra_kwargs = {field: {"validators": [], "allow_blank": True} for field in beat.CRON_FIELDS}

    def get_next_run(self, obj: ReportSchedule) -> str | None:
        moment = beat.next_run(obj)
        return moment.isoformat() if moment else None


class ReportScheduleViewSet(TenantModelViewSet):
    model = ReportSchedule
    serializer_class = ReportScheduleSerializer
    http_method_names = ["get", "put", "patch", "head", "options"]

    def scope_queryset(self, queryset):
        return queryset.prefetch_related("recipients").order_by("consortium_id", "kind")

    def perform_scoped_update(self, serializer):
        data = serializer.validated_data
        return services.report_schedule_save(
            actor=self.request.user, schedule=serializer.instance, enabled=data.get("enabled"),
            recipients=data.get("recipients"), **{field: data.get(field) for field in beat.CRON_FIELDS},
        )


class ReportDeliverySerializer(TenantModelSerializer):
    class Meta:
        model = ReportDelivery
        fields = ["id", "consortium", "report", "member", "email", "sent_at", "error"]
        read_only_fields = fields


class ReportDeliveryViewSet(TenantReadOnlyViewSet):
    model = ReportDelivery
    serializer_class = ReportDeliverySerializer
    filterset_fields = ["report"]

    def scope_queryset(self, queryset):
        return queryset.order_by("report_id", "email")


router = SimpleRouter()
router.register("leadership/reports", ReportViewSet, basename="leadership-report")
router.register("leadership/report-schedules", ReportScheduleViewSet, basename="leadership-reportschedule")
router.register("leadership/report-deliveries", ReportDeliveryViewSet, basename="leadership-reportdelivery")
