"""Admin of the leadership layer (every model through ``ScopedAdmin``: platform admins see every tenant, the
secretariat its own, officials read).

Plan data (group, members, meetings, phases, key tasks, sub-tasks) is editable by the secretariat. Progress returns,
evidence and evaluations are written through the portal services (lead/co-unit checks, file checks, grades), so here
they are read-only; so are the computed or generated rows — reminders, KPI refreshes and facts, reports and
deliveries. Report schedules are edited on the portal page, which keeps their django-celery-beat entry in sync.
"""

from __future__ import annotations

from django.contrib import admin

from consortium.tenancy.mixins import ScopedAdmin, ScopedInline

from .models import (
    GroupMember,
    JointMeeting,
    KeyTask,
    KpiFact,
    KpiRefresh,
    LeadershipGroup,
    PlanPhase,
    ProgressEvidence,
    ProgressReturn,
    Report,
    ReportDelivery,
    ReportSchedule,
    SubTask,
    SupervisionEvaluation,
    TaskReminder,
)


class ReadOnlyScopedAdmin(ScopedAdmin):
    """Rows written by services or background jobs: viewable through the scope, never changed here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class GroupMemberInline(ScopedInline):
    model = GroupMember
    extra = 0
    fields = ("role", "name", "position", "department", "unit", "email", "receives_reports", "scope_unit", "order")
    exclude = ("consortium",)  # ``unit`` here is the member's affiliation, not an owner taken from the parent
    fk_name = "group"


@admin.register(LeadershipGroup)
class LeadershipGroupAdmin(ScopedAdmin):
    list_display = ("name", "established_on", "consortium")
    list_select_related = ("consortium",)
    search_fields = ("name",)
    inlines = [GroupMemberInline]


@admin.register(GroupMember)
class GroupMemberAdmin(ScopedAdmin):
    list_display = ("name", "role", "position", "department", "unit", "receives_reports", "scope_unit", "group")
    list_filter = ("role", "receives_reports")
    search_fields = ("name", "department", "email")
    list_select_related = ("unit", "scope_unit", "group")


@admin.register(JointMeeting)
class JointMeetingAdmin(ScopedAdmin):
    list_display = ("title", "held_on", "location", "convener", "group")
    search_fields = ("title", "topics", "decisions")
    list_select_related = ("convener", "group")
    date_hierarchy = "held_on"
    filter_horizontal = ("attendees", "subtasks")


@admin.register(PlanPhase)
class PlanPhaseAdmin(ScopedAdmin):
    list_display = ("number", "name", "starts_on", "ends_on", "consortium")
    list_select_related = ("consortium",)


@admin.register(KeyTask)
class KeyTaskAdmin(ScopedAdmin):
    list_display = ("number", "title", "plan_section", "consortium")
    search_fields = ("title",)
    list_select_related = ("consortium",)


@admin.register(SubTask)
class SubTaskAdmin(ScopedAdmin):
    list_display = ("code", "title", "key_task", "lead_unit", "responsible_person", "deadline", "progress", "status")
    list_filter = ("status", "cadence", "phase")
    search_fields = ("code", "title", "responsible_person")
    list_select_related = ("key_task", "lead_unit", "phase")
    filter_horizontal = ("co_units",)
    readonly_fields = ("progress", "last_return_on", "created_at")
    date_hierarchy = "deadline"


class ProgressEvidenceInline(admin.TabularInline):
    model = ProgressEvidence
    extra = 0
    can_delete = False
    fields = ("file", "description", "uploaded_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProgressReturn)
class ProgressReturnAdmin(ReadOnlyScopedAdmin):
    list_display = ("subtask", "unit", "reported_on", "progress", "submitted_by", "created_at")
    list_select_related = ("subtask", "unit", "submitted_by")
    search_fields = ("text", "subtask__title")
    date_hierarchy = "reported_on"
    inlines = [ProgressEvidenceInline]


@admin.register(ProgressEvidence)
class ProgressEvidenceAdmin(ReadOnlyScopedAdmin):
    list_display = ("filename", "progress_return", "unit", "uploaded_at")
    list_select_related = ("progress_return", "unit")


@admin.register(SupervisionEvaluation)
class SupervisionEvaluationAdmin(ReadOnlyScopedAdmin):
    list_display = ("unit", "subtask", "period_label", "evaluated_on", "score", "grade", "evaluator")
    list_filter = ("grade",)
    list_select_related = ("unit", "subtask", "evaluator")
    date_hierarchy = "evaluated_on"


@admin.register(TaskReminder)
class TaskReminderAdmin(ReadOnlyScopedAdmin):
    list_display = ("subtask", "kind", "sent_on", "recipients")
    list_filter = ("kind",)
    list_select_related = ("subtask",)
    date_hierarchy = "sent_on"


@admin.register(KpiRefresh)
class KpiRefreshAdmin(ReadOnlyScopedAdmin):
    list_display = ("consortium", "status", "trigger", "started_at", "finished_at", "facts", "duration_ms")
    list_filter = ("status", "trigger")
    list_select_related = ("consortium",)


@admin.register(KpiFact)
class KpiFactAdmin(ReadOnlyScopedAdmin):
    list_display = ("metric", "year", "unit", "dimension", "label", "value", "computed_at")
    list_filter = ("year",)
    search_fields = ("metric", "label")
    list_select_related = ("unit",)


@admin.register(ReportSchedule)
class ReportScheduleAdmin(ReadOnlyScopedAdmin):
    list_display = ("kind", "enabled", "minute", "hour", "day_of_week", "day_of_month", "month_of_year", "consortium")
    list_filter = ("kind", "enabled")
    list_select_related = ("consortium",)


@admin.register(Report)
class ReportAdmin(ReadOnlyScopedAdmin):
    list_display = ("kind", "period_start", "period_end", "unit", "version", "status", "progress", "created_at")
    list_filter = ("kind", "status")
    list_select_related = ("unit",)
    exclude = ("content",)


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(ReadOnlyScopedAdmin):
    list_display = ("report", "email", "member", "sent_at", "error")
    list_select_related = ("report", "member")
    search_fields = ("email",)
