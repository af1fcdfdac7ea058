"""API of the KPI facts (read-only) and of their refreshes, under /api/v1/leadership/.

* ``leadership/kpi-facts``: the precomputed facts the dashboards and reports read. Filters ``year`` (0 = current
  stock), ``unit``, ``metric`` (one key or several), ``dimension`` and ``consortium_wide`` (true: the rows of the
  whole consortium, unit empty). Secretariat and officials read every fact of their consortium; a unit user reads
  its own unit's facts only (``KpiFact.objects.visible_to``).
* ``leadership/kpi-refreshes``: the refresh log (secretariat and officials). ``POST .../trigger/`` (secretariat, or a
  platform admin naming ``consortium``) enqueues the Celery task ``refresh_kpis`` on commit and answers 202;
  officials get 403 (read-only role), unit users 403, nothing is queued.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.tenancy.api.base import TenantFilterSet, TenantModelSerializer, TenantReadOnlyViewSet
from consortium.tenancy.api.filters import fits_db_integer
from consortium.tenancy.models import Consortium
from consortium.tenancy.scoping import is_platform_admin, require_secretariat

from ..choices import RefreshStatus
from ..kpis.registry import METRICS, dimension_label
from ..kpis.tasks import refresh_kpis
from ..models import KpiFact, KpiRefresh

#: A refresh "running" for longer than this is considered lost: a new one may be queued.
REFRESH_STALE_AFTER = timedelta(minutes=15)


class KpiFactSerializer(TenantModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None, allow_null=True)
    metric_label = serializers.SerializerMethodField()
    measure = serializers.SerializerMethodField()
    dimension_label = serializers.SerializerMethodField()

    class Meta:
        model = KpiFact
        fields = [
            "id", "consortium", "year", "unit", "unit_name", "metric", "metric_label", "measure", "dimension",
            "dimension_label", "label", "value", "computed_at",
        ]
        read_only_fields = fields

    def get_metric_label(self, obj: KpiFact) -> str:
        metric = METRICS.get(obj.metric)
        return str(metric.label) if metric else obj.metric

    def get_measure(self, obj: KpiFact) -> str:
        metric = METRICS.get(obj.metric)
        return str(metric.measure) if metric else ""

    def get_dimension_label(self, obj: KpiFact) -> str:
        return dimension_label(obj.metric, obj.dimension, obj.label)


class KpiRefreshSerializer(TenantModelSerializer):
    class Meta:
        model = KpiRefresh
        fields = [
            "id", "consortium", "status", "trigger", "started_at", "finished_at", "facts", "duration_ms", "message",
        ]
        read_only_fields = fields


class KpiFactFilterSet(TenantFilterSet):
    year = django_filters.NumberFilter(field_name="year")
    metric = django_filters.MultipleChoiceFilter(choices=[(key, key) for key in METRICS])
    dimension = django_filters.CharFilter(field_name="dimension")
    consortium_wide = django_filters.BooleanFilter(field_name="unit", lookup_expr="isnull", label=_("全联合体数据"))

    class Meta:
        model = KpiFact
        fields = ["year", "unit", "metric", "dimension", "consortium_wide"]


class KpiRefreshFilterSet(TenantFilterSet):
    status = django_filters.ChoiceFilter(choices=RefreshStatus.choices)

    class Meta:
        model = KpiRefresh
        fields = ["status"]


class KpiFactViewSet(TenantReadOnlyViewSet):
    """Precomputed KPI facts (read-only)."""

    model = KpiFact
    serializer_class = KpiFactSerializer
    filterset_class = KpiFactFilterSet
    ordering_fields = ["year", "metric", "value"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit").order_by("metric", "year", "unit_id", "dimension", "id")


class KpiRefreshViewSet(TenantReadOnlyViewSet):
    """The KPI refresh log; ``trigger`` recomputes the consortium's facts (secretariat)."""

    model = KpiRefresh
    serializer_class = KpiRefreshSerializer
    filterset_class = KpiRefreshFilterSet

    def scope_queryset(self, queryset):
        return queryset.order_by("-started_at", "-id")

    def _target_consortium(self, request: Any) -> int:
        if is_platform_admin(request.user):
            raw = request.data.get("consortium") if hasattr(request.data, "get") else None
            pk = int(raw) if raw is not None and str(raw).strip().isdigit() and fits_db_integer(raw) else None
            if pk is None or not Consortium.objects.visible_to(request.user).filter(pk=pk).exists():
                raise ValidationError({"consortium": _("请指定存在的产教联合体。")})
            return pk
        return request.user.consortium_id

    @extend_schema(
        request=inline_serializer("KpiRefreshTrigger", {"consortium": serializers.IntegerField(required=False)}),
        responses={202: inline_serializer("KpiRefreshQueued", {
            "status": serializers.CharField(), "consortium": serializers.IntegerField(),
            "detail": serializers.CharField(),
        })},
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def trigger(self, request, *args: Any, **kwargs: Any) -> Response:
        """Recompute the consortium's KPI facts now (Celery task ``refresh_kpis``, queued on commit)."""
        consortium_id = self._target_consortium(request)
        require_secretariat(request.user, consortium_id)  # officials are refused earlier (read-only role)
        since = timezone.now() - REFRESH_STALE_AFTER
        running = (
            self.get_queryset()
            .filter(consortium_id=consortium_id, status=RefreshStatus.RUNNING, started_at__gte=since)
            .exists()
        )
        if running:
            return Response(
                {"status": "running", "consortium": consortium_id, "detail": _("指标正在刷新中。")},
                status=status.HTTP_202_ACCEPTED,
            )
        transaction.on_commit(lambda: refresh_kpis.delay(consortium_id, "api"))
        return Response(
            {"status": "queued", "consortium": consortium_id, "detail": _("已开始刷新指标数据。")},
            status=status.HTTP_202_ACCEPTED,
        )


router = SimpleRouter()
router.register("leadership/kpi-facts", KpiFactViewSet, basename="kpifact")
router.register("leadership/kpi-refreshes", KpiRefreshViewSet, basename="kpirefresh")
