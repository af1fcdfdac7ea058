from django.contrib import admin

from consortium.tenancy.mixins import ScopedAdmin
from consortium.tenancy.scoping import is_platform_admin

from .models import (
    AgendaItem,
    Attendance,
    Council,
    CouncilSeat,
    DocumentVersion,
    GovernanceDocument,
    GovernanceDocumentGroupObjectPermission,
    GovernanceDocumentUserObjectPermission,
    Meeting,
    Resolution,
    Vote,
)


@admin.register(Council)
class CouncilAdmin(ScopedAdmin):
    list_display = ["name", "consortium", "established_on"]
    search_fields = ["name"]


@admin.register(CouncilSeat)
class CouncilSeatAdmin(ScopedAdmin):
    list_display = ["person_name", "role", "unit", "term_start", "term_end", "consortium"]
    list_filter = ["role"]
    search_fields = ["person_name", "unit__name"]
    list_select_related = ["unit", "consortium"]


class DocumentVersionInline(admin.TabularInline):
    model = DocumentVersion
    extra = 0
    fields = ["version_no", "status", "adopted_on", "attachment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(GovernanceDocument)
class GovernanceDocumentAdmin(ScopedAdmin):
    list_display = ["title", "kind", "consortium"]
    list_filter = ["kind"]
    search_fields = ["title"]
    inlines = [DocumentVersionInline]


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ScopedAdmin):
    list_display = ["document", "version_no", "status", "adopted_on", "consortium"]
    list_filter = ["status"]
    list_select_related = ["document", "consortium"]


@admin.register(Meeting)
class MeetingAdmin(ScopedAdmin):
    list_display = ["title", "kind", "scheduled_at", "status", "consortium"]
    list_filter = ["status", "kind"]
    search_fields = ["title"]


@admin.register(AgendaItem)
class AgendaItemAdmin(ScopedAdmin):
    list_display = ["title", "meeting", "position"]
    list_select_related = ["meeting"]


@admin.register(Attendance)
class AttendanceAdmin(ScopedAdmin):
    list_display = ["meeting", "seat", "status", "proxy_name"]
    list_filter = ["status"]
    list_select_related = ["meeting", "seat"]


@admin.register(Resolution)
class ResolutionAdmin(ScopedAdmin):
    list_display = ["number", "title", "status", "meeting", "decided_at"]
    list_filter = ["status"]
    search_fields = ["number", "title"]
    list_select_related = ["meeting"]


@admin.register(Vote)
class VoteAdmin(ScopedAdmin):
    list_display = ["resolution", "seat", "choice"]
    list_select_related = ["resolution", "seat"]


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Guardian share rows: platform admins only (the secretariat shares through the portal)."""

    list_display = ["content_object", "permission"]
    raw_id_fields = ["content_object"]

    def has_module_permission(self, request):
        return is_platform_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_platform_admin(request.user)

    def has_add_permission(self, request):
        return is_platform_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_platform_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_platform_admin(request.user)


@admin.register(GovernanceDocumentUserObjectPermission)
class GovernanceDocumentUserObjectPermissionAdmin(SuperuserOnlyAdmin):
    list_display = ["content_object", "user", "permission"]
    raw_id_fields = ["content_object", "user"]


@admin.register(GovernanceDocumentGroupObjectPermission)
class GovernanceDocumentGroupObjectPermissionAdmin(SuperuserOnlyAdmin):
    list_display = ["content_object", "group", "permission"]
    raw_id_fields = ["content_object", "group"]
