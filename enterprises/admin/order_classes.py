"""Admin of order classes and modern industry colleges (every model through ``ScopedAdmin``).

Lifecycle fields (stage, confirmations) are read-only here: stages move only through
``services.order_class_transition`` so the history and the partner share stay consistent. Enrolments show the
student by id only (no personal fields in the admin)."""

from __future__ import annotations

from django.contrib import admin

from consortium.tenancy.mixins import ScopedAdmin

from ..models.order_classes import (
    Assessment,
    AssessmentScore,
    CollegeAnnualReport,
    CollegeGovernanceMember,
    CollegeMember,
    Employment,
    ModernIndustryCollege,
    OrderClass,
    OrderClassEnrolment,
    OrderClassStageChange,
    RetentionCheck,
    TeachingResource,
    TeamMember,
    TrainingPlanItem,
)


class StageChangeInline(admin.TabularInline):
    model = OrderClassStageChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "from_stage", "to_stage", "party", "actor", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OrderClass)
class OrderClassAdmin(ScopedAdmin):
    list_display = ["name", "kind", "unit", "partner_unit", "programme", "cohort", "quota", "stage"]
    list_filter = ["stage", "kind", "cohort"]
    search_fields = ["name"]
    list_select_related = ["unit", "partner_unit", "programme"]
    readonly_fields = [
        "stage",
        "proposed_by",
        "school_confirmed_by",
        "school_confirmed_at",
        "enterprise_confirmed_by",
        "enterprise_confirmed_at",
        "created_by",
    ]
    inlines = [StageChangeInline]


@admin.register(OrderClassEnrolment)
class EnrolmentAdmin(ScopedAdmin):
    list_display = ["id", "order_class", "student_id", "status", "consent_on"]
    list_filter = ["status"]
    list_select_related = ["order_class"]
    raw_id_fields = ["student"]


for model, columns in (
    (TrainingPlanItem, ["course", "order_class", "hours", "taught_by"]),
    (TeamMember, ["id", "order_class", "side", "teacher", "person_name"]),
    (TeachingResource, ["title", "order_class", "kind"]),
    (Assessment, ["title", "order_class", "held_on", "school_weight"]),
    (AssessmentScore, ["id", "assessment", "enrolment", "school_score", "enterprise_score"]),
    (Employment, ["id", "order_class", "enrolment", "employed_on", "position"]),
    (RetentionCheck, ["id", "order_class", "enrolment", "months", "still_employed", "checked_on"]),
    (CollegeMember, ["college", "member_unit", "role"]),
    (CollegeGovernanceMember, ["person_name", "college", "role", "term_start", "term_end"]),
    (CollegeAnnualReport, ["college", "year", "students_trained", "courses_developed"]),
):
    admin.site.register(
        model, type(f"{model.__name__}Admin", (ScopedAdmin,), {"list_display": columns, "__module__": __name__})
    )


@admin.register(ModernIndustryCollege)
class CollegeAdmin(ScopedAdmin):
    list_display = ["name", "unit", "established_on"]
    search_fields = ["name"]
    filter_horizontal = ["programmes"]
