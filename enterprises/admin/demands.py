"""Admin registrations of the demand side (secretariat and platform admins; scoped through ScopedAdmin)."""

from django.contrib import admin

from consortium.tenancy.mixins import ScopedAdmin

from ..models.demands import (
    DemandSkill,
    DemandStatusChange,
    EnterpriseProfile,
    StaffTrainingNeed,
    TalentDemand,
    TechnologyProblem,
)


@admin.register(EnterpriseProfile)
class EnterpriseProfileAdmin(ScopedAdmin):
    list_display = ("unit", "size", "zone_type", "zone_name", "employees", "is_integration_enterprise")
    list_filter = ("size", "zone_type", "is_integration_enterprise")
    search_fields = ("unit__name", "zone_name")
    list_select_related = ("unit",)


@admin.register(DemandSkill)
class DemandSkillAdmin(ScopedAdmin):
    list_display = ("name", "importance", "demand", "unit")
    search_fields = ("name", "demand__position")
    list_select_related = ("demand", "unit")


@admin.register(TalentDemand)
class TalentDemandAdmin(ScopedAdmin):
    list_display = ("position", "unit", "kind", "headcount", "filled_count", "status", "valid_until")
    list_filter = ("status", "kind", "education_level")
    search_fields = ("position", "unit__name", "programme_keywords")
    list_select_related = ("unit",)
    readonly_fields = ("status", "submitted_at", "published_at", "created_at", "updated_at")
    filter_horizontal = ("programmes",)


@admin.register(StaffTrainingNeed)
class StaffTrainingNeedAdmin(ScopedAdmin):
    list_display = ("topic", "unit", "trainees", "period_start", "period_end", "status")
    list_filter = ("status",)
    search_fields = ("topic", "unit__name")
    list_select_related = ("unit",)
    readonly_fields = ("status", "submitted_at", "published_at", "created_at", "updated_at")


@admin.register(TechnologyProblem)
class TechnologyProblemAdmin(ScopedAdmin):
    list_display = ("title", "unit", "field", "budget", "deadline", "status")
    list_filter = ("status",)
    search_fields = ("title", "unit__name")
    list_select_related = ("unit", "field")
    readonly_fields = ("status", "submitted_at", "published_at", "created_at", "updated_at")


@admin.register(DemandStatusChange)
class DemandStatusChangeAdmin(ScopedAdmin):
    list_display = ("at", "unit", "demand", "training_need", "technology_problem", "from_status", "to_status", "actor")
    list_filter = ("to_status",)
    list_select_related = ("unit", "demand", "training_need", "technology_problem", "actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
