"""Filtersets of the practice-centre lists (pages and API). Model-choice filters only offer what the user can see
(TenantFilterSet); on pages an invalid value is ignored, in the API it answers 400."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from consortium.tenancy.api.filters import TenantFilterSet
from consortium.tenancy.models import MemberUnit

from .choices import BookingPurpose, BookingStatus, CentreForm, CentreKind, ResourceKind
from .models import Booking, BookingStatusChange, CentreClosure, OpeningHours, PracticeCentre, Resource

#: "service offered" filter value → the centre's flag.
SERVICE_FLAGS = {
    BookingPurpose.PRACTICE_TEACHING.value: "offers_practice_teaching",
    BookingPurpose.SOCIAL_TRAINING.value: "offers_social_training",
    BookingPurpose.PRODUCTION.value: "offers_production",
    BookingPurpose.TECHNICAL_SERVICE.value: "offers_technical_service",
}


def _visible(model: type) -> Any:
    """A ``queryset`` callable for model-choice filters: only rows the requesting user can see."""

    def queryset(request: Any) -> QuerySet:
        return model.objects.visible_to(getattr(request, "user", None))

    return queryset


def _units(request: Any) -> QuerySet:
    return MemberUnit.objects.visible_to(getattr(request, "user", None)).order_by("name")


class CentreFilterSet(TenantFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=60, label=_("名称"))
    kind = django_filters.ChoiceFilter(choices=CentreKind.choices, label=_("中心类型"), empty_label=_("全部类型"))
    form = django_filters.ChoiceFilter(choices=CentreForm.choices, label=_("建设形式"), empty_label=_("全部形式"))
    service = django_filters.ChoiceFilter(
        choices=BookingPurpose.choices, method="filter_service", label=_("提供服务"), empty_label=_("全部服务")
    )
    owner = django_filters.ModelChoiceFilter(
        field_name="owner_unit", queryset=_units, label=_("产权单位"), empty_label=_("全部单位")
    )
    operator = django_filters.ModelChoiceFilter(
        field_name="operator_unit", queryset=_units, label=_("运营单位"), empty_label=_("全部单位")
    )

    class Meta:
        model = PracticeCentre
        fields = ["q", "kind", "form", "service", "owner", "operator", "is_published"]

    def filter_service(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        flag = SERVICE_FLAGS.get(value)
        return queryset.filter(**{flag: True}) if flag else queryset


class OpeningHoursFilterSet(TenantFilterSet):
    centre = django_filters.ModelChoiceFilter(queryset=_visible(PracticeCentre), label=_("实践中心"))

    class Meta:
        model = OpeningHours
        fields = ["centre", "weekday"]


class CentreClosureFilterSet(TenantFilterSet):
    centre = django_filters.ModelChoiceFilter(queryset=_visible(PracticeCentre), label=_("实践中心"))
    start = django_filters.IsoDateTimeFromToRangeFilter(label=_("开始时间"))

    class Meta:
        model = CentreClosure
        fields = ["centre", "start"]


class ResourceFilterSet(TenantFilterSet):
    centre = django_filters.ModelChoiceFilter(queryset=_visible(PracticeCentre), label=_("实践中心"))
    kind = django_filters.ChoiceFilter(choices=ResourceKind.choices, label=_("资源类型"))

    class Meta:
        model = Resource
        fields = ["centre", "kind", "exclusive", "is_active", "programmes", "industries"]


class BookingFilterSet(TenantFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=BookingStatus.choices, label=_("状态"))
    purpose = django_filters.ChoiceFilter(choices=BookingPurpose.choices, label=_("用途"), empty_label=_("全部用途"))
    unit = django_filters.ModelChoiceFilter(queryset=_units, label=_("预约单位"), empty_label=_("全部单位"))
    centre = django_filters.ModelChoiceFilter(
        queryset=_visible(PracticeCentre), label=_("实践中心"), empty_label=_("全部中心")
    )
    resource = django_filters.ModelChoiceFilter(queryset=_visible(Resource), label=_("资源"))
    # a time window [after, before): bookings overlapping it (half-open ranges, touching is not overlapping)
    after = django_filters.IsoDateTimeFilter(field_name="end", lookup_expr="gt", label=_("时段开始"))
    before = django_filters.IsoDateTimeFilter(field_name="start", lookup_expr="lt", label=_("时段结束"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("仅本单位预约"))

    class Meta:
        model = Booking
        fields = ["status", "purpose", "unit", "centre", "resource", "order_class", "training_session"]

    def filter_mine(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        """Bookings made by one of the user's own units (not those of centres the user's units run)."""
        if not value:
            return queryset
        from consortium.tenancy.scoping import unit_roles

        return queryset.filter(Q(unit_id__in=list(unit_roles(self.request.user))))


class BookingStatusChangeFilterSet(TenantFilterSet):
    booking = django_filters.ModelChoiceFilter(queryset=_visible(Booking), label=_("资源预约"))
    to_status = django_filters.ChoiceFilter(choices=BookingStatus.choices, label=_("新状态"))

    class Meta:
        model = BookingStatusChange
        fields = ["booking", "to_status"]
