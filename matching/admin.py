"""Admin registrations of matching (secretariat and platform admins; scoped through ScopedAdmin).

Runs, results and the candidacy history are read-only here: they change through the services (run, cancel, publish,
workflow steps), never by editing rows."""

from django.contrib import admin

from consortium.tenancy.mixins import ScopedAdmin

from .models import Candidacy, CandidacyStatusChange, MatchRun, MatchSettings, NeedMatch, Recommendation


class ReadOnlyAdmin(ScopedAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MatchSettings)
class MatchSettingsAdmin(ScopedAdmin):
    list_display = ("consortium", "top_k", "candidate_k", "min_score", "stable", "updated_at")
    list_select_related = ("consortium",)
    readonly_fields = ("updated_by", "updated_at")


@admin.register(MatchRun)
class MatchRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id", "status", "kinds", "cohort", "progress", "student_count", "demand_count", "recommendation_count",
        "assignment_count", "total_score", "created_by", "created_at", "finished_at",
    )
    list_filter = ("status",)
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ("run", "student_id", "demand", "score", "rank_for_student", "rank_for_demand", "in_plan")
    list_filter = ("in_plan",)
    list_select_related = ("run", "demand")
    raw_id_fields = ("run", "student", "demand")


@admin.register(NeedMatch)
class NeedMatchAdmin(ReadOnlyAdmin):
    list_display = ("run", "need_kind", "training_need", "technology_problem", "provider_kind", "provider_label",
                    "score", "rank")
    list_filter = ("need_kind", "provider_kind")
    list_select_related = ("run", "training_need", "technology_problem")


@admin.register(Candidacy)
class CandidacyAdmin(ReadOnlyAdmin):
    list_display = ("student_id", "demand", "school_unit", "enterprise_unit", "status", "score", "status_changed_at")
    list_filter = ("status",)
    list_select_related = ("demand", "school_unit", "enterprise_unit")
    search_fields = ("demand__position", "school_unit__name", "enterprise_unit__name")


@admin.register(CandidacyStatusChange)
class CandidacyStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("at", "candidacy", "from_status", "to_status", "actor")
    list_filter = ("to_status",)
    list_select_related = ("candidacy", "actor")
