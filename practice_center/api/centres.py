"""API of practice centres: centres (+ ``opening_hours`` to replace a week at once), opening hours, closures and
resources. Every write goes through ``practice_center.services``; their ValidationErrors answer 400 with field
messages (kernel exception handler). Lists join what they show, so their query count is constant."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.tenancy.api.base import TenantModelViewSet, WallClockTimeField

from .. import services
from ..filtersets import CentreClosureFilterSet, CentreFilterSet, OpeningHoursFilterSet, ResourceFilterSet
from ..models import CentreClosure, OpeningHours, PracticeCentre, Resource
from .serializers import (
    CentreClosureSerializer,
    OpeningHoursSerializer,
    PracticeCentreSerializer,
    ResourceSerializer,
)


def _data(serializer: serializers.BaseSerializer, *drop: str) -> dict[str, Any]:
    data = dict(serializer.validated_data)
    for key in ("consortium", *drop):
        data.pop(key, None)
    return data


def _rows_as_non_field(exc: ValidationError) -> ValidationError:
    """``opening_hours_set`` reports its problems under ``rows``; one window of the API answers them as
    non-field errors."""
    if hasattr(exc, "error_dict") and "rows" in exc.error_dict:
        errors = dict(exc.message_dict)
        errors.setdefault("non_field_errors", []).extend(errors.pop("rows"))
        return ValidationError(errors)
    return exc


class OpeningWindowSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6)
    opens = WallClockTimeField()
    closes = WallClockTimeField()


class OpeningWindowListSerializer(serializers.Serializer):
    rows = OpeningWindowSerializer(many=True, allow_empty=True)


class PracticeCentreViewSet(TenantModelViewSet):
    model = PracticeCentre
    serializer_class = PracticeCentreSerializer
    filterset_class = CentreFilterSet
    search_fields = ["name", "address"]

    def scope_queryset(self, queryset):
        return (
            queryset.select_related("owner_unit", "operator_unit")
            .annotate(resource_count=Count("resources", distinct=True))
            .order_by("name", "pk")
        )

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        return services.centre_create(
            actor=self.request.user, owner_unit=data.pop("owner_unit"), operator_unit=data.pop("operator_unit", None),
            **data,
        )

    def perform_scoped_update(self, serializer):
        data = _data(serializer)
        return services.centre_update(
            actor=self.request.user,
            centre=serializer.instance,
            owner_unit=data.pop("owner_unit", None),
            operator_unit=data.pop("operator_unit", None),
            **data,
        )

    def perform_scoped_destroy(self, instance):
        services.centre_delete(actor=self.request.user, centre=instance)

    @extend_schema(request=OpeningWindowSerializer(many=True), responses=OpeningHoursSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="opening-hours", pagination_class=None)
    def opening_hours(self, request, pk=None):
        """Replace the centre's weekly opening hours with the posted list of {weekday, opens, closes}."""
        centre = self.get_object()
        rows = OpeningWindowListSerializer(data={"rows": request.data}, context=self.get_serializer_context())
        rows.is_valid(raise_exception=True)
        created = services.opening_hours_set(actor=request.user, centre=centre, rows=rows.validated_data["rows"])
        return Response(OpeningHoursSerializer(created, many=True, context=self.get_serializer_context()).data)


class OpeningHoursViewSet(TenantModelViewSet):
    """One opening window per row; every write replaces the centre's week through ``services.opening_hours_set``
    (so overlaps are checked against the other windows)."""

    model = OpeningHours
    serializer_class = OpeningHoursSerializer
    filterset_class = OpeningHoursFilterSet

    def scope_queryset(self, queryset):
        return queryset.order_by("centre_id", "weekday", "opens", "pk")

    @staticmethod
    def _week(centre: PracticeCentre, *, without: int | None = None) -> list[tuple[int, Any, Any]]:
        rows = OpeningHours.objects.filter(centre=centre).order_by("weekday", "opens")
        if without is not None:
            rows = rows.exclude(pk=without)
        return [(r.weekday, r.opens, r.closes) for r in rows]

    def _set(self, centre: PracticeCentre, rows: list, wanted: tuple[int, Any, Any]) -> OpeningHours:
        try:
            created = services.opening_hours_set(actor=self.request.user, centre=centre, rows=rows)
        except ValidationError as exc:
            raise _rows_as_non_field(exc)
        return next(r for r in created if (r.weekday, r.opens, r.closes) == wanted)

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        centre = data["centre"]
        wanted = (data["weekday"], data["opens"], data["closes"])
        return self._set(centre, [*self._week(centre), wanted], wanted)

    def perform_scoped_update(self, serializer):
        instance = serializer.instance
        data = _data(serializer, "centre")
        wanted = (
            data.get("weekday", instance.weekday),
            data.get("opens", instance.opens),
            data.get("closes", instance.closes),
        )
        return self._set(instance.centre, [*self._week(instance.centre, without=instance.pk), wanted], wanted)

    def perform_scoped_destroy(self, instance):
        services.opening_hours_set(
            actor=self.request.user, centre=instance.centre, rows=self._week(instance.centre, without=instance.pk)
        )


class CentreClosureViewSet(TenantModelViewSet):
    """Closures are created and deleted (not edited): creating one over holding bookings needs
    ``cancel_conflicting``."""

    model = CentreClosure
    serializer_class = CentreClosureSerializer
    filterset_class = CentreClosureFilterSet
    http_method_names = ["get", "post", "delete", "head", "options"]

    def scope_queryset(self, queryset):
        return queryset.order_by("centre_id", "start", "pk")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        return services.closure_create(actor=self.request.user, **data)

    def perform_scoped_destroy(self, instance):
        services.closure_delete(actor=self.request.user, closure=instance)


class ResourceViewSet(TenantModelViewSet):
    model = Resource
    serializer_class = ResourceSerializer
    filterset_class = ResourceFilterSet
    search_fields = ["name", "code"]

    def scope_queryset(self, queryset):
        return (
            queryset.select_related("centre")
            .prefetch_related("programmes", "industries")
            .order_by("centre_id", "kind", "name", "pk")
        )

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        return services.resource_create(
            actor=self.request.user,
            centre=data.pop("centre"),
            programmes=data.pop("programmes", None),
            industries=data.pop("industries", None),
            **data,
        )

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "centre")
        return services.resource_update(
            actor=self.request.user,
            resource=serializer.instance,
            programmes=data.pop("programmes", None),
            industries=data.pop("industries", None),
            **data,
        )

    def perform_scoped_destroy(self, instance):
        services.resource_delete(actor=self.request.user, resource=instance)


router = SimpleRouter()
router.register("practice-centres", PracticeCentreViewSet, basename="practicecentre")
router.register("practice-opening-hours", OpeningHoursViewSet, basename="practiceopeninghours")
router.register("practice-closures", CentreClosureViewSet, basename="practiceclosure")
router.register("practice-resources", ResourceViewSet, basename="practiceresource")
