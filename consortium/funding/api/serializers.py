"""Serializers of the funding API: shape only; the services validate targets and permissions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from consortium.tenancy.api.base import TenantModelSerializer

from ..choices import FundingSource
from ..models import FundingRecord, PolicyDocument


class FundingRecordSerializer(TenantModelSerializer):
    """``target_type`` ("enterprises.rndproject") + ``target_id`` name the funded object (optional)."""

    purpose = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    recipient_name = serializers.CharField(source="recipient.name", read_only=True, default="")
    target_type = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=100)
    target_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    target_label = serializers.SerializerMethodField()

    class Meta:
        model = FundingRecord
        fields = [
            "id",
            "consortium",
            "purpose",
            "source",
            "source_display",
            "amount",
            "year",
            "recipient",
            "recipient_name",
            "target_type",
            "target_id",
            "target_label",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def to_representation(self, instance: FundingRecord) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["target_type"] = (
            f"{instance.target_type.app_label}.{instance.target_type.model}" if instance.target_type_id else None
        )
        return data

    def get_target_label(self, instance: FundingRecord) -> str:
        target = getattr(instance, "target_obj", None)
        return str(target) if target is not None else ""


class FundingTotalsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    source = serializers.ChoiceField(choices=FundingSource.choices, required=False)


class SourceTotalSerializer(serializers.Serializer):
    source = serializers.CharField()
    label = serializers.CharField()
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    count = serializers.IntegerField()


class YearTotalSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    count = serializers.IntegerField()


class FundingTotalsSerializer(serializers.Serializer):
    by_source = SourceTotalSerializer(many=True)
    by_year = YearTotalSerializer(many=True)


class PolicyDocumentSerializer(TenantModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    attachment = serializers.FileField(read_only=True)

    class Meta:
        model = PolicyDocument
        fields = [
            "id",
            "consortium",
            "title",
            "issuer",
            "document_number",
            "issued_on",
            "summary",
            "eligibility",
            "link",
            "attachment",
            "benefiting_units",
            "status",
            "status_display",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"benefiting_units": {"required": False}}

    def validate_title(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("此项为必填项。"))
        return value
