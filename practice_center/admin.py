"""Admin of practice centres (every model through ``ScopedAdmin``: platform admins see every tenant, the secretariat
its own, officials read).

Bookings are created and moved through their lifecycle only by ``practice_center.services`` (capacity, closures,
waiting list, history): here a booking cannot be added and its workflow fields are read-only; the secretariat may
correct the fee and government-purchase fields. The status history is read-only."""

from __future__ import annotations

from django.contrib import admin

from consortium.tenancy.mixins import ScopedAdmin, ScopedInline

from .models import (
    Booking,
    BookingStatusChange,
    CentreClosure,
    OpeningHours,
    PracticeCentre,
    ProductionRecord,
    Resource,
    Trainee,
    TrainingSession,
)


class ResourceInline(ScopedInline):
    model = Resource
    extra = 0
    fields = ("kind", "name", "code", "exclusive", "capacity", "hourly_fee", "is_active")
    show_change_link = True


class OpeningHoursInline(ScopedInline):
    model = OpeningHours
    extra = 0
    fields = ("weekday", "opens", "closes")


class ClosureInline(ScopedInline):
    model = CentreClosure
    extra = 0
    fields = ("start", "end", "reason")


@admin.register(PracticeCentre)
class PracticeCentreAdmin(ScopedAdmin):
    list_display = ("name", "kind", "form", "owner_unit", "operator_unit", "is_published", "consortium")
    list_filter = ("kind", "form", "is_published")
    search_fields = ("name", "address")
    list_select_related = ("owner_unit", "operator_unit", "consortium")
    inlines = [ResourceInline, OpeningHoursInline, ClosureInline]


@admin.register(OpeningHours)
class OpeningHoursAdmin(ScopedAdmin):
    list_display = ("centre", "weekday", "opens", "closes")
    list_filter = ("weekday",)
    list_select_related = ("centre",)


@admin.register(CentreClosure)
class CentreClosureAdmin(ScopedAdmin):
    list_display = ("centre", "start", "end", "reason")
    list_select_related = ("centre",)
    date_hierarchy = "start"


@admin.register(Resource)
class ResourceAdmin(ScopedAdmin):
    list_display = ("name", "code", "kind", "centre", "exclusive", "capacity", "hourly_fee", "is_active")
    list_filter = ("kind", "exclusive", "is_active")
    search_fields = ("name", "code")
    list_select_related = ("centre",)
    filter_horizontal = ("programmes", "industries")


class BookingStatusChangeInline(admin.TabularInline):
    model = BookingStatusChange
    extra = 0
    can_delete = False
    fields = ("at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(ScopedAdmin):
    list_display = ("resource", "centre", "unit", "purpose", "start", "end", "headcount", "status")
    list_filter = ("status", "purpose")
    search_fields = ("title", "resource__name", "unit__name")
    list_select_related = ("resource", "centre", "unit")
    date_hierarchy = "start"
    readonly_fields = (
        "unit",
        "centre",
        "resource",
        "purpose",
        "start",
        "end",
        "headcount",
        "order_class",
        "training_session",
        "status",
        "decision_reason",
        "requested_by",
        "decided_by",
        "decided_at",
        "cancelled_at",
        "created_at",
    )
    inlines = [BookingStatusChangeInline]

    def has_add_permission(self, request, obj=None):
        return False  # bookings are requested through the portal (services.booking_request)


@admin.register(BookingStatusChange)
class BookingStatusChangeAdmin(ScopedAdmin):
    list_display = ("booking", "from_status", "to_status", "actor", "at")
    list_filter = ("to_status",)
    list_select_related = ("booking", "actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TraineeInline(ScopedInline):
    model = Trainee
    extra = 0
    fields = ("name", "employer_unit", "employer_name", "attended_hours", "completed", "certificate_no")


@admin.register(TrainingSession)
class TrainingSessionAdmin(ScopedAdmin):
    list_display = ("course", "centre", "unit", "start_date", "end_date", "hours", "status")
    list_filter = ("status",)
    search_fields = ("course",)
    list_select_related = ("centre", "unit")
    inlines = [TraineeInline]


@admin.register(Trainee)
class TraineeAdmin(ScopedAdmin):
    list_display = ("name", "session", "employer_unit", "employer_name", "attended_hours", "completed")
    list_filter = ("completed",)
    search_fields = ("name", "certificate_no")
    list_select_related = ("session", "employer_unit")


@admin.register(ProductionRecord)
class ProductionRecordAdmin(ScopedAdmin):
    list_display = ("item", "kind", "centre", "unit", "client_unit", "client_name", "value", "date")
    list_filter = ("kind",)
    search_fields = ("item", "client_name")
    list_select_related = ("centre", "unit", "client_unit")
