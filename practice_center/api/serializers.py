"""Serializers of the practice-centre API (centres, opening hours, closures, resources, bookings, status history).

Shape only: foreign keys are scoped (another tenant's id answers "does not exist"), ``end`` after ``start`` is
checked here for a clear field error; every rule (capacity, closures, opening hours, who may act) is the services'."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from consortium.tenancy.api.base import TenantModelSerializer, scoped_field
from consortium.tenancy.models import MemberUnit

from ..models import Booking, BookingStatusChange, CentreClosure, OpeningHours, PracticeCentre, Resource
from ..services import CENTRE_FIELDS, RESOURCE_FIELDS


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


def _check_range(attrs: dict[str, Any], instance: Any, start: str = "start", end: str = "end") -> None:
    lo = attrs.get(start, getattr(instance, start, None))
    hi = attrs.get(end, getattr(instance, end, None))
    if lo is not None and hi is not None and hi <= lo:
        raise serializers.ValidationError({end: [_("结束时间必须晚于开始时间。")]})


# --- centres ------------------------------------------------------------------------------------------------------


class PracticeCentreSerializer(TenantModelSerializer):
    owner_unit = scoped_field(MemberUnit)
    operator_unit = scoped_field(MemberUnit, required=False, allow_null=True)
    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True)
    operator_unit_name = serializers.CharField(source="operator_unit.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    form_display = serializers.CharField(source="get_form_display", read_only=True)
    offered_purposes = serializers.ListField(child=serializers.CharField(), read_only=True)
    description = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        model = PracticeCentre
        fields = [
            "id",
            "consortium",
            "owner_unit",
            "owner_unit_name",
            "operator_unit",
            "operator_unit_name",
            *CENTRE_FIELDS,
            "kind_display",
            "form_display",
            "offered_purposes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []  # the services check the unique name with a field message


class OpeningHoursSerializer(CreateOnlyMixin, TenantModelSerializer):
    create_only_fields = ("centre",)
    centre = scoped_field(PracticeCentre)
    weekday_display = serializers.CharField(source="get_weekday_display", read_only=True)

    class Meta:
        model = OpeningHours
        fields = ["id", "consortium", "centre", "weekday", "weekday_display", "opens", "closes"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        _check_range(attrs, self.instance, "opens", "closes")
        return attrs


class CentreClosureSerializer(CreateOnlyMixin, TenantModelSerializer):
    create_only_fields = ("centre",)
    centre = scoped_field(PracticeCentre)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)
    cancel_conflicting = serializers.BooleanField(
        write_only=True, required=False, default=False, help_text=_("同时取消该时段内的有效预约。")
    )

    class Meta:
        model = CentreClosure
        fields = ["id", "consortium", "centre", "start", "end", "reason", "cancel_conflicting", "created_at"]
        read_only_fields = ["created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        _check_range(attrs, self.instance)
        return attrs


class ResourceSerializer(CreateOnlyMixin, TenantModelSerializer):
    create_only_fields = ("centre",)
    centre = scoped_field(PracticeCentre)
    centre_name = serializers.CharField(source="centre.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    description = serializers.CharField(required=False, allow_blank=True)
    code = serializers.CharField(required=False, allow_blank=True, max_length=40)

    class Meta:
        model = Resource
        fields = [
            "id",
            "consortium",
            "centre",
            "centre_name",
            *RESOURCE_FIELDS,
            "kind_display",
            "programmes",
            "industries",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"programmes": {"required": False}, "industries": {"required": False}}
        validators: list = []


# --- bookings -----------------------------------------------------------------------------------------------------


class BookingSerializer(CreateOnlyMixin, TenantModelSerializer):
    """Create = ``services.booking_request``; afterwards a booking changes only through its actions."""

    create_only_fields = (
        "unit", "resource", "purpose", "start", "end", "headcount", "order_class", "training_session", "title", "note",
        "government_purchase", "government_amount",
    )
    unit = scoped_field(MemberUnit)
    resource = scoped_field(Resource)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    centre_name = serializers.CharField(source="centre.name", read_only=True)
    resource_name = serializers.CharField(source="resource.name", read_only=True)
    purpose_display = serializers.CharField(source="get_purpose_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    title = serializers.CharField(required=False, allow_blank=True, max_length=160)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    headcount = serializers.IntegerField(min_value=1, max_value=100000)
    waitlist = serializers.BooleanField(
        write_only=True, required=False, default=False, help_text=_("该时段已满时加入候补名单（否则返回 400）。")
    )

    class Meta:
        model = Booking
        fields = [
            "id",
            "consortium",
            "unit",
            "unit_name",
            "centre",
            "centre_name",
            "resource",
            "resource_name",
            "purpose",
            "purpose_display",
            "start",
            "end",
            "headcount",
            "order_class",
            "training_session",
            "title",
            "note",
            "waitlist",
            "status",
            "status_display",
            "decision_reason",
            "requested_by",
            "decided_by",
            "decided_at",
            "cancelled_at",
            "fee",
            "government_purchase",
            "government_amount",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "centre", "status", "decision_reason", "requested_by", "decided_by", "decided_at", "cancelled_at", "fee",
            "created_at", "updated_at",
        ]
        extra_kwargs = {"government_amount": {"min_value": 0}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        _check_range(attrs, self.instance)
        return attrs


class BookingDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, label=_("说明"))


class BookingRefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000,
        label=_("拒绝理由"),
        error_messages={"required": _("拒绝预约必须填写理由。"), "blank": _("拒绝预约必须填写理由。")},
    )


class BookingFeeSerializer(serializers.Serializer):
    fee = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True)
    government_purchase = serializers.BooleanField(required=False)
    government_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )


class BookingStatusChangeSerializer(TenantModelSerializer):
    from_status_display = serializers.CharField(source="get_from_status_display", read_only=True)
    to_status_display = serializers.CharField(source="get_to_status_display", read_only=True)
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = BookingStatusChange
        fields = [
            "id", "consortium", "booking", "unit", "from_status", "from_status_display", "to_status",
            "to_status_display", "reason", "actor", "actor_name", "at",
        ]
        read_only_fields = fields

    def get_actor_name(self, obj: BookingStatusChange) -> str:
        return obj.actor.display_name if obj.actor_id else ""
