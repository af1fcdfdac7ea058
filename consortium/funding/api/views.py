"""API of the funding kernel app. Writes go through ``consortium.funding.services`` (secretariat only)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from consortium.tenancy.api.base import TenantModelViewSet

from .. import selectors, services
from ..models import FundingRecord, PolicyDocument
from .serializers import (
    FundingRecordSerializer,
    FundingTotalsQuerySerializer,
    FundingTotalsSerializer,
    PolicyDocumentSerializer,
)


def _consortium_id(serializer: serializers.BaseSerializer) -> int:
    instance = serializer.instance
    if instance is not None:
        return instance.consortium_id
    return serializer.validated_data["consortium"].pk


class FundingRecordViewSet(TenantModelViewSet):
    """Funding records; ``totals`` gives the sums per source and per year of the records the user sees."""

    model = FundingRecord
    serializer_class = FundingRecordSerializer
    filterset_fields = ["source", "year", "recipient"]
    ordering_fields = ["year", "amount", "created_at"]

    def scope_queryset(self, queryset):
        return queryset.select_related("recipient", "target_type").order_by("-year", "-id")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            selectors.attach_targets(page, self.request.user)
        return page

    def _target(self, serializer, consortium_id: int) -> Any:
        data = serializer.validated_data
        if "target_type" not in data and "target_id" not in data:
            return services._UNSET
        return services.resolve_target(
            actor=self.request.user,
            consortium_id=consortium_id,
            target_type=data.get("target_type") or "",
            target_id=data.get("target_id"),
        )

    def _fields(self, serializer) -> dict[str, Any]:
        data = dict(serializer.validated_data)
        return {k: v for k, v in data.items() if k in services.FUNDING_FIELDS}

    def perform_scoped_create(self, serializer):
        consortium_id = _consortium_id(serializer)
        services.require_secretariat(self.request.user, consortium_id)
        target = self._target(serializer, consortium_id)
        return services.funding_record_create(
            actor=self.request.user,
            consortium_id=consortium_id,
            target=None if target is services._UNSET else target,
            **self._fields(serializer),
        )

    def perform_scoped_update(self, serializer):
        record = serializer.instance
        services.require_secretariat(self.request.user, record.consortium_id)
        target = self._target(serializer, record.consortium_id)
        return services.funding_record_update(
            actor=self.request.user, record=record, target=target, **self._fields(serializer)
        )

    def perform_scoped_destroy(self, instance):
        services.funding_record_delete(actor=self.request.user, record=instance)

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, required=False),
            OpenApiParameter("source", str, required=False),
        ],
        responses=FundingTotalsSerializer,
    )
    @action(detail=False, methods=["get"])
    def totals(self, request):
        query = FundingTotalsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        user = request.user
        year, source = query.validated_data.get("year"), query.validated_data.get("source")
        payload = {
            "by_source": selectors.totals_by_source(user, year=year),
            "by_year": selectors.totals_by_year(user, source=source),
        }
        return Response(FundingTotalsSerializer(payload).data)


class PolicyDocumentViewSet(TenantModelViewSet):
    """The policy library: published documents for everyone in the consortium; the secretariat writes."""

    model = PolicyDocument
    serializer_class = PolicyDocumentSerializer
    filterset_fields = ["status"]
    search_fields = ["title", "issuer"]
    ordering_fields = ["issued_on", "created_at"]

    def scope_queryset(self, queryset):
        return queryset.prefetch_related("benefiting_units").order_by("-issued_on", "-id")

    def _fields(self, serializer) -> dict[str, Any]:
        data = dict(serializer.validated_data)
        data.pop("consortium", None)
        return data

    def perform_scoped_create(self, serializer):
        data = self._fields(serializer)
        units = data.pop("benefiting_units", [])
        return services.policy_create(
            actor=self.request.user, consortium_id=_consortium_id(serializer), benefiting_units=units, **data
        )

    def perform_scoped_update(self, serializer):
        data = self._fields(serializer)
        units = data.pop("benefiting_units", None)
        return services.policy_update(
            actor=self.request.user, policy=serializer.instance, benefiting_units=units, **data
        )

    def perform_scoped_destroy(self, instance):
        services.policy_delete(actor=self.request.user, policy=instance)
