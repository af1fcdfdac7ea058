"""Admin of the schools app. Every model goes through ``ScopedAdmin`` (rows limited by ``visible_to``; the secretariat
changes its own consortium, officials read it, platform admins see every tenant).

Personal fields (teachers' ID number and phone; students' number, name, gender, ID number and phone) are neither
listed, searched nor shown to users who may not see them in clear (``selectors.can_see_personal``: here, officials).
The part-time cap holds in the admin too: teachers and school profiles are saved through ``schools.services``, and
their forms check the cap first so a refusal is a form error, not a server error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction

from consortium.tenancy.mixins import ScopedAdmin, ScopedInline
from consortium.tenancy.scoping import is_platform_admin

from . import services
from .choices import Employment
from .models import (
    STUDENT_PERSONAL_FIELDS,
    TEACHER_PERSONAL_FIELDS,
    Campus,
    DualQualification,
    EngagementRequest,
    EnterprisePractice,
    IndustryProfessor,
    PoolExpert,
    Programme,
    ProgrammeGroup,
    ProgrammeIndustryLink,
    ProgrammeMajorCategory,
    ProgrammeOffering,
    SchoolProfile,
    Student,
    StudentCertificate,
    Studio,
    Teacher,
    TrainingBase,
)
from .rules import part_time_allows, part_time_cap, part_time_cap_message, quota_too_low_message


def _sees_personal(request: Any) -> bool:
    """In the admin (secretariat, officials, platform admins) only officials are denied personal fields."""
    user = request.user
    return is_platform_admin(user) or getattr(user, "role", None) == "secretariat"


class UnitFixedAdmin(ScopedAdmin):
    """The owning unit and the consortium are chosen on create only (rows never move between schools)."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "consortium", "unit"] if obj is not None else fields


class PersonalFieldsAdmin(UnitFixedAdmin):
    """Drops ``personal_fields`` from lists, searches and forms for users who may not see them."""

    personal_fields: tuple[str, ...] = ()

    def get_list_display(self, request):
        fields = super().get_list_display(request)
        return fields if _sees_personal(request) else [f for f in fields if f not in self.personal_fields]

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        return fields if _sees_personal(request) else [f for f in fields if f not in self.personal_fields]

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        return exclude if _sees_personal(request) else [*exclude, *self.personal_fields]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if _sees_personal(request) else [f for f in fields if f not in self.personal_fields]


# --- reference data -----------------------------------------------------------------------------------------------


@admin.register(ProgrammeMajorCategory)
class ProgrammeMajorCategoryAdmin(ScopedAdmin):
    """Global reference data (the 2021 catalogue): everyone in the admin reads it, platform admins edit it."""

    list_display = ["name", "code_secondary", "code_associate", "code_bachelor", "position"]
    search_fields = ["name", "name_en"]

    def has_add_permission(self, request, obj=None):
        return is_platform_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_platform_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_platform_admin(request.user)


# --- schools ------------------------------------------------------------------------------------------------------


class SchoolProfileAdminForm(forms.ModelForm):
    class Meta:
        model = SchoolProfile
        fields = ["consortium", "unit", *services.SCHOOL_PROFILE_FIELDS]

    def clean(self):
        cleaned = super().clean()
        quota = cleaned.get("staffing_quota")
        if self.instance.pk and quota is not None:
            current = Teacher.objects.filter(
                unit_id=self.instance.unit_id, employment=Employment.PART_TIME, is_active=True
            ).count()
            if part_time_cap(quota) < current:
                self.add_error("staffing_quota", quota_too_low_message(quota, current))
        return cleaned


class CampusInline(admin.TabularInline):
    model = Campus
    extra = 0
    fields = ["name", "address", "area_mu", "building_area_m2"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SchoolProfile)
class SchoolProfileAdmin(UnitFixedAdmin):
    form = SchoolProfileAdminForm
    list_display = ["unit", "level", "staffing_quota", "enrolment", "consortium"]
    list_filter = ["level", "consortium"]
    search_fields = ["unit__name"]
    inlines = [CampusInline]

    def save_model(self, request, obj, form, change):
        fields = {k: form.cleaned_data[k] for k in services.SCHOOL_PROFILE_FIELDS if k in form.cleaned_data}
        with transaction.atomic():
            if change:
                saved = services.school_profile_update(
                    actor=request.user, profile=SchoolProfile.objects.get(pk=obj.pk), **fields
                )
            else:
                saved = services.school_profile_upsert(actor=request.user, unit=form.cleaned_data["unit"], **fields)
        obj.pk = saved.pk


@admin.register(Campus)
class CampusAdmin(ScopedAdmin):
    list_display = ["name", "unit", "address", "area_mu"]
    search_fields = ["name", "unit__name"]


# --- programmes ---------------------------------------------------------------------------------------------------


class LinkInline(admin.TabularInline):
    model = ProgrammeIndustryLink
    extra = 0
    fields = ["industry", "local_chain", "weight"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Programme)
class ProgrammeAdmin(ScopedAdmin):
    list_display = ["code", "name", "level", "unit", "major_category", "is_active"]
    list_filter = ["level", "is_active", "major_category"]
    search_fields = ["code", "name", "unit__name"]
    inlines = [LinkInline]


@admin.register(ProgrammeGroup)
class ProgrammeGroupAdmin(ScopedAdmin):
    list_display = ["name", "unit", "lead_programme"]
    search_fields = ["name", "unit__name"]
    filter_horizontal = ["programmes"]


@admin.register(ProgrammeOffering)
class ProgrammeOfferingAdmin(ScopedAdmin):
    list_display = ["programme", "year", "unit", "planned_intake", "reported_enrolled", "status", "priority_class"]
    list_filter = ["year", "status", "priority_class"]
    search_fields = ["programme__name", "programme__code", "unit__name"]
    list_select_related = ["programme", "unit"]


@admin.register(ProgrammeIndustryLink)
class ProgrammeIndustryLinkAdmin(ScopedAdmin):
    list_display = ["programme", "industry", "local_chain", "weight", "unit"]
    list_select_related = ["programme", "industry", "local_chain", "unit"]


# --- teachers -----------------------------------------------------------------------------------------------------


class TeacherAdminForm(forms.ModelForm):
    class Meta:
        model = Teacher
        fields = ["consortium", "unit", *services.TEACHER_FIELDS, "programmes"]

    def clean(self):
        cleaned = super().clean()
        unit = cleaned.get("unit") or getattr(self.instance, "unit", None)
        counted_before = self.instance.pk and self.instance.is_part_time and self.instance.is_active
        adds_part_timer = cleaned.get("employment") == Employment.PART_TIME and cleaned.get("is_active")
        if unit is not None and adds_part_timer and not counted_before:
            profile = SchoolProfile.objects.filter(unit_id=unit.pk).first()
            quota = profile.staffing_quota if profile else 0
            current = (
                Teacher.objects.filter(unit_id=unit.pk, employment=Employment.PART_TIME, is_active=True)
                .exclude(pk=self.instance.pk)
                .count()
            )
            if not part_time_allows(quota, current):
                self.add_error("employment", part_time_cap_message(quota, current))
        return cleaned


@admin.register(Teacher)
class TeacherAdmin(PersonalFieldsAdmin):
    form = TeacherAdminForm
    personal_fields = TEACHER_PERSONAL_FIELDS
    list_display = ["name", "unit", "employment", "title", "is_active", "in_shared_pool"]
    list_filter = ["employment", "is_active", "in_shared_pool"]
    search_fields = ["name", "title", "unit__name"]
    list_select_related = ["unit"]
    filter_horizontal = ["programmes"]

    def save_model(self, request, obj, form, change):
        # Through the services: they lock the school's profile and enforce the part-time cap authoritatively.
        data = form.cleaned_data
        fields = {k: data[k] for k in services.TEACHER_FIELDS if k in data}
        programmes = data.get("programmes")
        with transaction.atomic():
            if change:
                saved = services.teacher_update(
                    actor=request.user, teacher=Teacher.objects.get(pk=obj.pk), programmes=programmes, **fields
                )
            else:
                saved = services.teacher_create(
                    actor=request.user, unit=data["unit"], programmes=programmes or [], **fields
                )
        obj.pk = saved.pk
        obj.refresh_from_db()


@admin.register(DualQualification)
class DualQualificationAdmin(ScopedAdmin):
    list_display = ["teacher", "unit", "level", "certified_on", "expires_on"]
    list_filter = ["level"]
    search_fields = ["teacher__name"]
    list_select_related = ["teacher", "unit"]
    readonly_fields = ["warned_at", "warned_expires_on"]


@admin.register(IndustryProfessor)
class IndustryProfessorAdmin(ScopedAdmin):
    list_display = ["person_name", "kind", "unit", "from_unit", "term_start", "term_end"]
    list_filter = ["kind"]
    search_fields = ["person_name"]
    list_select_related = ["unit", "from_unit"]


@admin.register(Studio)
class StudioAdmin(ScopedAdmin):
    list_display = ["name", "kind", "unit", "lead_name", "partner_unit"]
    list_filter = ["kind"]
    search_fields = ["name", "lead_name"]


@admin.register(PoolExpert)
class PoolExpertAdmin(ScopedAdmin):
    list_display = ["name", "unit", "available_hours_per_term", "is_listed", "created_at"]
    list_filter = ["is_listed"]
    search_fields = ["name", "expertise", "programme_keywords"]
    filter_horizontal = ["industries"]


@admin.register(EngagementRequest)
class EngagementRequestAdmin(ScopedAdmin):
    """Read-only here: requests and decisions go through the portal/API (the services apply the part-time cap)."""

    list_display = ["expert", "school_unit", "unit", "status", "period_start", "period_end", "created_at"]
    list_filter = ["status"]
    list_select_related = ["expert", "school_unit", "unit"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EnterprisePractice)
class EnterprisePracticeAdmin(ScopedAdmin):
    list_display = ["teacher", "unit", "host_display", "start_date", "end_date", "hours"]
    search_fields = ["teacher__name", "host_name"]
    list_select_related = ["teacher", "unit", "host_unit"]


@admin.register(TrainingBase)
class TrainingBaseAdmin(ScopedAdmin):
    list_display = ["name", "kind", "unit", "capacity", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]


# --- students -----------------------------------------------------------------------------------------------------


class CertificateInline(ScopedInline):
    model = StudentCertificate
    extra = 0
    fields = ["kind", "name", "level", "issued_on", "issuer"]


@admin.register(Student)
class StudentAdmin(PersonalFieldsAdmin):
    personal_fields = STUDENT_PERSONAL_FIELDS
    list_display = ["student_no", "name", "unit", "offering", "cohort", "expected_graduation", "status"]
    list_filter = ["status", "cohort", "willing_to_work_locally"]
    search_fields = ["student_no", "name", "skills"]
    list_select_related = ["unit", "offering__programme"]
    filter_horizontal = ["preferred_industries"]
    inlines = [CertificateInline]

    def get_list_display_links(self, request, list_display):
        return [list_display[0]] if _sees_personal(request) and list_display else None

    def has_view_permission(self, request, obj=None):
        # A student's own page names the student (title, breadcrumbs): only for those who see personal data.
        if obj is not None and not _sees_personal(request):
            return False
        return super().has_view_permission(request, obj)


@admin.register(StudentCertificate)
class StudentCertificateAdmin(PersonalFieldsAdmin):
    personal_fields = ("student",)  # its label is the student's number and name
    list_display = ["name", "kind", "level", "unit", "issued_on"]
    list_filter = ["kind"]
    search_fields = ["name", "issuer"]
