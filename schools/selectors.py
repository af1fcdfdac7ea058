"""Reads of the schools app. Every selector takes the acting user and starts from ``visible_to`` (DESIGN.md §3).

Personal data: ``can_see_personal`` / ``student_view_mode`` decide whether a serializer or template shows personal
fields in clear; ``mask_id_number`` / ``mask_phone`` / ``mask_name`` (from ``rules``) produce the masked forms.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from consortium.tenancy.models import MemberUnit, User
from consortium.tenancy.scoping import is_platform_admin, unit_roles

from .choices import Employment, StudentStatus
from .models import (
    STUDENT_PERSONAL_FIELDS,
    STUDENT_PUBLIC_FIELDS,
    TEACHER_PERSONAL_FIELDS,
    DualQualification,
    EngagementRequest,
    EnterprisePractice,
    PoolExpert,
    Programme,
    SchoolProfile,
    Student,
    StudentUserObjectPermission,
    Teacher,
)
from .rules import mask_id_number, mask_name, mask_phone, part_time_cap, part_time_headroom

__all__ = [
    "STUDENT_PERSONAL_FIELDS",
    "STUDENT_PUBLIC_FIELDS",
    "TEACHER_PERSONAL_FIELDS",
    "can_see_personal",
    "certifications_expiring",
    "engagements_for",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "part_time_status",
    "pool_experts_search",
    "practice_totals_by_school",
    "practice_totals_by_teacher",
    "programmes_for",
    "shared_student_ids",
    "student_view_mode",
    "students_for",
    "supply_by_offering",
    "teachers_for",
]


# --- personal data ------------------------------------------------------------------------------------------------


def can_see_personal(user: Any, unit_id: int, consortium_id: int | None = None) -> bool:
    """May ``user`` read personal fields (ID number, phone, student names...) of rows owned by ``unit_id``?

    Yes for platform admins, the secretariat (of ``consortium_id`` when given) and any active member of the owning
    unit; no for officials and other units. Pure apart from the memoised ``unit_roles`` lookup."""
    if is_platform_admin(user):
        return True
    if not (user and user.is_authenticated and user.is_active and user.consortium_id):
        return False
    if user.role == "secretariat":
        return consortium_id is None or consortium_id == user.consortium_id
    if user.role != "member":
        return False
    return unit_id in unit_roles(user)


def shared_student_ids(user: Any) -> set[int]:
    """Ids of students explicitly shared with ``user`` (guardian direct-FK table; one query)."""
    if not (user and user.is_authenticated):
        return set()
    return set(
        StudentUserObjectPermission.objects.filter(
            user_id=user.pk, permission__codename="view_student", content_object__consortium_id=user.consortium_id
        ).values_list("content_object_id", flat=True)
    )


def student_view_mode(user: Any, student: Student, shared_ids: set[int] | None = None) -> str:
    """``"full"`` (personal fields in clear) or ``"public"`` (only ``STUDENT_PUBLIC_FIELDS``).

    Pass ``shared_ids=shared_student_ids(user)`` when rendering a list to avoid one query per row."""
    if can_see_personal(user, student.unit_id, student.consortium_id):
        return "full"
    if shared_ids is None:
        shared_ids = shared_student_ids(user)
    return "full" if student.pk in shared_ids else "public"


# --- lists --------------------------------------------------------------------------------------------------------


def programmes_for(user: User, *, unit: MemberUnit | None = None, search: str = "") -> QuerySet[Programme]:
    qs = Programme.objects.visible_to(user).select_related("unit", "major_category")
    if unit is not None:
        qs = qs.filter(unit=unit)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__startswith=search))
    return qs


def teachers_for(user: User, *, unit: MemberUnit | None = None, employment: str = "", active: bool | None = None):
    qs = Teacher.objects.visible_to(user).select_related("unit", "source_unit")
    if unit is not None:
        qs = qs.filter(unit=unit)
    if employment:
        qs = qs.filter(employment=employment)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def students_for(user: User, *, unit: MemberUnit | None = None, status: str = "", cohort: int | None = None):
    qs = Student.objects.visible_to(user).select_related("unit", "offering__programme")
    if unit is not None:
        qs = qs.filter(unit=unit)
    if status:
        qs = qs.filter(status=status)
    if cohort:
        qs = qs.filter(cohort=cohort)
    return qs


def pool_experts_search(user: User, *, q: str = "", industry_id: int | None = None) -> QuerySet[PoolExpert]:
    """Listed pool entries (and the user's own units' unlisted ones) matching ``q`` in name/expertise/keywords."""
    qs = PoolExpert.objects.visible_to(user).select_related("unit")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(expertise__icontains=q) | Q(programme_keywords__icontains=q))
    if industry_id:
        qs = qs.filter(
            pk__in=PoolExpert.industries.through.objects.filter(industry_id=industry_id).values("poolexpert_id")
        )
    return qs


def engagements_for(user: User, *, status: str = "") -> QuerySet[EngagementRequest]:
    qs = EngagementRequest.objects.visible_to(user).select_related("school_unit", "unit", "expert", "created_teacher")
    return qs.filter(status=status) if status else qs


# --- part-time cap ------------------------------------------------------------------------------------------------


def part_time_status(user: User, unit: MemberUnit) -> dict[str, int] | None:
    """{quota, cap, current, headroom} of a school the user can see (None when it has no profile or is invisible)."""
    profile = SchoolProfile.objects.visible_to(user).filter(unit=unit).first()
    if profile is None:
        return None
    current = Teacher.objects.filter(unit=unit, employment=Employment.PART_TIME, is_active=True).count()
    return {
        "quota": profile.staffing_quota,
        "cap": part_time_cap(profile.staffing_quota),
        "current": current,
        "headroom": part_time_headroom(profile.staffing_quota, current),
    }


# --- certifications -----------------------------------------------------------------------------------------------


def certifications_expiring(
    user: User, *, within_days: int = 90, today: date | None = None, include_expired: bool = True
) -> QuerySet[DualQualification]:
    """Certifications visible to ``user`` expiring within ``within_days`` (and, by default, already expired),
    soonest first; each row has ``is_expired`` (bool annotation)."""
    today = today or timezone.localdate()
    qs = DualQualification.objects.visible_to(user).filter(expires_on__lte=today + timedelta(days=within_days))
    if not include_expired:
        qs = qs.filter(expires_on__gte=today)
    return (
        qs.select_related("teacher", "unit")
        .annotate(is_expired=ExpressionWrapper(Q(expires_on__lt=today), output_field=BooleanField()))
        .order_by("expires_on", "id")
    )


# --- supply and practice aggregates -------------------------------------------------------------------------------


def supply_by_offering(
    user: User, *, year: int | None = None, graduation_year: int | None = None, unit: MemberUnit | None = None
) -> list[dict[str, Any]]:
    """Supply per programme offering, derived from Student rows in ONE query (never typed twice).

    Each row: offering_id, unit_id, unit_name, programme_id, programme_code, programme_name, year, total, one count per
    ``StudentStatus`` value (``studying``, ``internship``, ...), ``expected_graduates`` (expected to graduate in
    ``graduation_year``; defaults to the current year) and ``willing_local``. Counts are not personal data, so every
    user who may list the students gets them."""
    graduation_year = graduation_year or timezone.localdate().year
    qs = Student.objects.visible_to(user)
    if year is not None:
        qs = qs.filter(offering__year=year)
    if unit is not None:
        qs = qs.filter(unit=unit)
    per_status = {status.value: Count("id", filter=Q(status=status.value)) for status in StudentStatus}
    rows = (
        qs.values(
            "offering_id",
            "unit_id",
            "offering__year",
            "offering__programme_id",
            "offering__programme__code",
            "offering__programme__name",
            "unit__name",
        )
        .annotate(
            total=Count("id"),
            expected_graduates=Count("id", filter=Q(expected_graduation__year=graduation_year)),
            willing_local=Count("id", filter=Q(willing_to_work_locally=True)),
            **per_status,
        )
        .order_by("unit__name", "offering__programme__code", "offering__year")
    )
    result = []
    for row in rows:
        result.append(
            {
                "offering_id": row.pop("offering_id"),
                "unit_id": row.pop("unit_id"),
                "unit_name": row.pop("unit__name"),
                "programme_id": row.pop("offering__programme_id"),
                "programme_code": row.pop("offering__programme__code"),
                "programme_name": row.pop("offering__programme__name"),
                "year": row.pop("offering__year"),
                **row,
            }
        )
    return result


def _practice_filter(prefix: str, since: date | None, until: date | None) -> Q:
    condition = Q()
    if since:
        condition &= Q(**{f"{prefix}start_date__gte": since})
    if until:
        condition &= Q(**{f"{prefix}start_date__lte": until})
    return condition


def practice_totals_by_teacher(
    user: User, *, unit: MemberUnit | None = None, since: date | None = None, until: date | None = None
) -> QuerySet[Teacher]:
    """Teachers visible to ``user`` annotated with ``practice_hours`` and ``practice_count`` (one query).
    ``since``/``until`` bound the practice start dates."""
    condition = _practice_filter("practices__", since, until)
    qs = Teacher.objects.visible_to(user)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return (
        qs.select_related("unit")
        .annotate(
            practice_hours=Coalesce(Sum("practices__hours", filter=condition), 0),
            practice_count=Count("practices", filter=condition),
        )
        .order_by("unit_id", "name", "id")
    )


def practice_totals_by_school(
    user: User, *, since: date | None = None, until: date | None = None
) -> list[dict[str, Any]]:
    """Per school: unit_id, unit_name, hours, records, teachers (distinct) — one query over visible practices."""
    qs = EnterprisePractice.objects.visible_to(user).filter(_practice_filter("", since, until))
    return list(
        qs.values("unit_id", "unit__name")
        .annotate(hours=Sum("hours"), records=Count("id"), teachers=Count("teacher_id", distinct=True))
        .order_by("unit__name")
    )
