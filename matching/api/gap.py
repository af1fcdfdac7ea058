"""API of matching: the supply–demand gap and programme–industry alignment (read-only).

``GET /api/v1/matching/gap/report/?year=&chain=&kinds=&consortium=`` returns the same report as the page
``matching:gap`` (``selectors_gap.gap_page``). The report is not a model list, so the viewset exposes no ``list`` or
``retrieve``: it derives from the scoped base (``ScopedViewSetMixin``, model ``Programme``) so the architecture rules
and the read-only-role guard apply, and its one list-level action builds the report from scoped reads.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.tenancy.api.base import ScopedViewSetMixin
from enterprises.choices.demands import DemandKind
from schools.models import Programme

from .. import selectors_gap


class GapQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, help_text=_("年度，默认今年"))
    chain = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1, help_text=_("本地产业链"))
    kinds = serializers.MultipleChoiceField(choices=DemandKind.choices, required=False, help_text=_("需求类型"))
    consortium = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text=_("产教联合体（仅平台管理员）")
    )


class GapSummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    expected_graduates = serializers.IntegerField()
    demand = serializers.IntegerField()
    filled = serializers.IntegerField()
    open = serializers.IntegerField()
    matched = serializers.FloatField()
    absorption = serializers.FloatField(allow_null=True)
    coverage = serializers.FloatField(allow_null=True)
    index = serializers.FloatField(allow_null=True)
    demand_with_programme = serializers.FloatField(allow_null=True)
    unclassified_demand = serializers.FloatField()
    unallocated_supply = serializers.FloatField()
    employed = serializers.IntegerField(allow_null=True)
    local = serializers.IntegerField(allow_null=True)
    local_share = serializers.FloatField(allow_null=True)


class GapTargetRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    group = serializers.CharField()
    programmes = serializers.IntegerField()
    expected_graduates = serializers.FloatField()
    demand = serializers.FloatField()
    filled = serializers.FloatField()
    open = serializers.FloatField()
    gap = serializers.FloatField()
    supply_ratio = serializers.FloatField(allow_null=True)
    balance = serializers.FloatField(allow_null=True)
    employed = serializers.FloatField(allow_null=True)
    local = serializers.FloatField(allow_null=True)
    local_share = serializers.FloatField(allow_null=True)


class GapProgrammeRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()
    active = serializers.BooleanField()
    expected_graduates = serializers.IntegerField()
    planned_intake = serializers.IntegerField(allow_null=True)
    priority_class = serializers.CharField()
    mapped_share = serializers.FloatField()
    industries = serializers.ListField(child=serializers.CharField())
    absorbable = serializers.FloatField()
    attributed_demand = serializers.FloatField()
    absorption = serializers.FloatField(allow_null=True)
    coverage = serializers.FloatField(allow_null=True)
    index = serializers.FloatField(allow_null=True)
    industry_demand = serializers.FloatField()
    industry_supply = serializers.FloatField()
    demand_ratio = serializers.FloatField(allow_null=True)
    named_demand = serializers.IntegerField()
    employed = serializers.IntegerField()
    local = serializers.IntegerField()
    local_share = serializers.FloatField(allow_null=True)
    action = serializers.CharField(allow_null=True)


class GapRecommendationSerializer(serializers.Serializer):
    subject = serializers.ChoiceField(choices=["programme", "industry", "chain"])
    subject_label = serializers.CharField()
    subject_id = serializers.IntegerField()
    name = serializers.CharField()
    unit_id = serializers.IntegerField(allow_null=True)
    unit_name = serializers.CharField(allow_blank=True)
    action = serializers.ChoiceField(choices=["expand", "shrink", "keep", "open", "review"])
    action_label = serializers.CharField()
    demand = serializers.FloatField()
    supply = serializers.FloatField()
    ratio = serializers.FloatField(allow_null=True)
    reason = serializers.CharField()


class GapYearRowSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    expected_graduates = serializers.FloatField()
    demand = serializers.FloatField()
    filled = serializers.FloatField()
    open = serializers.FloatField()
    matched = serializers.FloatField()
    index = serializers.FloatField(allow_null=True)
    local_share = serializers.FloatField(allow_null=True)


class GapReportSerializer(serializers.Serializer):
    consortium = serializers.IntegerField()
    year = serializers.IntegerField()
    chain = serializers.IntegerField(allow_null=True)
    demand_kinds = serializers.ListField(child=serializers.CharField())
    consortium_wide = serializers.BooleanField(
        help_text=_("是否为全联合体视图（否：仅含本校专业，且不含产业层面的本地就业数据）")
    )
    summary = GapSummarySerializer()
    chains = GapTargetRowSerializer(many=True)
    industries = GapTargetRowSerializer(many=True)
    programmes = GapProgrammeRowSerializer(many=True)
    recommendations = GapRecommendationSerializer(many=True)
    trend = GapYearRowSerializer(many=True)
    chains_without_industries = serializers.ListField(child=serializers.CharField())


class GapViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """供需缺口与专业对接分析 (read-only): the report of one year for the requesting user's scope."""

    model = Programme
    serializer_class = GapReportSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(parameters=[GapQuerySerializer], responses=GapReportSerializer)
    @action(detail=False, methods=["get"])
    def report(self, request: Request) -> Response:
        query = GapQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params: dict[str, Any] = query.validated_data
        user = request.user
        viewer = selectors_gap.gap_viewer(user, consortium_id=params.get("consortium"))
        if viewer is None:
            raise PermissionDenied(_("供需缺口与专业对接分析面向秘书处、领导和职业学校。"))
        chain_id = params.get("chain")
        if chain_id is not None and chain_id not in dict(selectors_gap.gap_chain_choices(user, viewer.consortium_id)):
            raise serializers.ValidationError({"chain": [_("所选本地产业链不存在。")]})
        year = params.get("year") or timezone.localdate().year
        page = selectors_gap.gap_page(
            user, viewer, year=year, chain_id=chain_id, demand_kinds=sorted(params.get("kinds") or ())
        )
        report = page.report
        payload = {
            "consortium": viewer.consortium_id,
            "year": report.year,
            "chain": chain_id,
            "demand_kinds": list(page.demand_kinds),
            "consortium_wide": viewer.consortium_wide,
            "summary": report.summary,
            "chains": report.chains,
            "industries": report.industries,
            "programmes": report.programmes,
            "recommendations": report.recommendations,
            "trend": page.trend,
            "chains_without_industries": list(report.chains_without_industries),
        }
        return Response(GapReportSerializer(payload).data)


router = SimpleRouter()
router.register("matching/gap", GapViewSet, basename="matching-gap")
