"""API of bookings: create goes through ``services.booking_request`` (overlap, capacity, closures and opening
hours answer 400 with a field message; ``waitlist: true`` turns a full slot into a waitlisted booking); a booking
then moves only through its actions — ``approve``, ``refuse`` (``reason`` required), ``cancel``, ``no_show``,
``complete`` and ``fee`` — each a POST answering the booking. The status history is read-only.

Actions fetch the booking through the write scope (out of scope: 404; visible but not changeable: 403) and the
service checks the specific party (the booking unit cannot approve its own booking: 403)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.tenancy.api.base import TenantModelViewSet, TenantReadOnlyViewSet

from .. import services
from ..filtersets import BookingFilterSet, BookingStatusChangeFilterSet
from ..models import Booking, BookingStatusChange
from .serializers import (
    BookingDecisionSerializer,
    BookingFeeSerializer,
    BookingRefuseSerializer,
    BookingSerializer,
    BookingStatusChangeSerializer,
)

BOOKING_SERVICE_FIELDS = (
    "unit", "resource", "purpose", "start", "end", "headcount", "order_class", "training_session", "title", "note",
    "waitlist", "government_purchase", "government_amount",
)


class BookingViewSet(TenantModelViewSet):
    model = Booking
    serializer_class = BookingSerializer
    filterset_class = BookingFilterSet
    search_fields = ["title", "resource__name", "unit__name"]
    http_method_names = ["get", "post", "head", "options"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "centre", "resource").order_by("-start", "-id")

    def perform_scoped_create(self, serializer):
        data = serializer.validated_data
        kwargs: dict[str, Any] = {name: data[name] for name in BOOKING_SERVICE_FIELDS if name in data}
        return services.booking_request(actor=self.request.user, **kwargs)

    def _answer(self, booking: Booking) -> Response:
        booking = self.get_queryset().get(pk=booking.pk)
        return Response(self.get_serializer(booking).data)

    def _decide(self, request, service) -> Response:
        booking = self.get_object()
        payload = BookingDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        reason = payload.validated_data.get("reason", "")
        return self._answer(service(actor=request.user, booking=booking, reason=reason))

    @extend_schema(request=BookingDecisionSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, services.booking_approve)

    @extend_schema(request=BookingRefuseSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        booking = self.get_object()
        payload = BookingRefuseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._answer(
            services.booking_refuse(actor=request.user, booking=booking, reason=payload.validated_data["reason"])
        )

    @extend_schema(request=BookingDecisionSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._decide(request, services.booking_cancel)

    @extend_schema(request=BookingDecisionSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        return self._decide(request, services.booking_mark_no_show)

    @extend_schema(request=BookingDecisionSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._decide(request, services.booking_complete)

    @extend_schema(request=BookingFeeSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def fee(self, request, pk=None):
        """The centre sets the fee (元) and records government purchase of services."""
        booking = self.get_object()
        payload = BookingFeeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._answer(services.booking_set_fee(actor=request.user, booking=booking, **payload.validated_data))


class BookingStatusChangeViewSet(TenantReadOnlyViewSet):
    model = BookingStatusChange
    serializer_class = BookingStatusChangeSerializer
    filterset_class = BookingStatusChangeFilterSet

    def scope_queryset(self, queryset):
        return queryset.select_related("actor").order_by("booking_id", "at", "id")


router = SimpleRouter()
router.register("practice-bookings", BookingViewSet, basename="practicebooking")
router.register("practice-booking-changes", BookingStatusChangeViewSet, basename="practicebookingchange")
