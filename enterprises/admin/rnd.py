"""rnd: admin (ScopedAdmin: platform admins see every tenant, the secretariat its own, officials read)."""

from django.contrib import admin

from consortium.tenancy.mixins import ScopedAdmin, ScopedInline

from ..models.rnd import (
    Achievement,
    AchievementTransfer,
    PlatformCoBuilder,
    ProjectMilestone,
    ProjectStatusChange,
    RnDPlatform,
    RnDProject,
    TechnicalService,
)


class CoBuilderInline(ScopedInline):
    model = PlatformCoBuilder
    extra = 0
    exclude = ("consortium",)  # the co-building unit is chosen here; the tenant comes from the platform


@admin.register(RnDPlatform)
class RnDPlatformAdmin(ScopedAdmin):
    list_display = ("name", "kind", "level", "unit", "established_on", "consortium")
    list_filter = ("kind", "level")
    search_fields = ("name",)
    list_select_related = ("unit", "consortium")
    inlines = [CoBuilderInline]


@admin.register(RnDProject)
class RnDProjectAdmin(ScopedAdmin):
    list_display = ("title", "unit", "status", "budget", "start_on", "end_on", "consortium")
    list_filter = ("status",)
    search_fields = ("title",)
    list_select_related = ("unit", "consortium")
    filter_horizontal = ("partners",)
    readonly_fields = ("status", "created_by")


@admin.register(ProjectMilestone)
class ProjectMilestoneAdmin(ScopedAdmin):
    list_display = ("title", "project", "due_on", "done_on")
    list_select_related = ("project",)


@admin.register(ProjectStatusChange)
class ProjectStatusChangeAdmin(ScopedAdmin):
    list_display = ("project", "action", "from_status", "to_status", "decided_by", "decided_at")
    list_select_related = ("project", "decided_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TechnicalService)
class TechnicalServiceAdmin(ScopedAdmin):
    list_display = ("title", "kind", "unit", "client_unit", "delivered_on", "value")
    list_filter = ("kind",)
    search_fields = ("title",)
    list_select_related = ("unit", "client_unit")


@admin.register(Achievement)
class AchievementAdmin(ScopedAdmin):
    list_display = ("title", "kind", "number", "unit", "obtained_on")
    list_filter = ("kind",)
    search_fields = ("title", "number")
    list_select_related = ("unit",)


@admin.register(AchievementTransfer)
class AchievementTransferAdmin(ScopedAdmin):
    list_display = ("achievement", "licensee_unit", "licensee_name", "mode", "amount", "transferred_on")
    list_filter = ("mode",)
    list_select_related = ("achievement", "licensee_unit")
