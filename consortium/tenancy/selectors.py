"""Reads of the tenancy kernel for the pages. Every selector takes the acting user and starts from visible_to."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .choices import UnitKind, UnitStatus
from .models import Consortium, Invitation, MemberUnit, UnitMembership, UnitStatusChange, User
from .scoping import is_platform_admin, unit_roles


def unit_list(user: User, *, filters: dict[str, Any] | None = None) -> QuerySet[MemberUnit]:
    """The unit directory for ``user``, searched and filtered; relations prefetched (constant query count)."""
    return unit_filter(MemberUnit.objects.visible_to(user), filters or {})


def unit_filter(queryset: QuerySet[MemberUnit], filters: dict[str, Any]) -> QuerySet[MemberUnit]:
    """Refine an already-scoped unit queryset with the list page's search and filters."""
    q = (filters.get("q") or "").strip()
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(credit_code__icontains=q.upper()))
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("industry"):
        queryset = queryset.filter(industries=filters["industry"])
    if filters.get("chain"):
        queryset = queryset.filter(local_chains=filters["chain"])
    if filters.get("industry") or filters.get("chain"):
        queryset = queryset.distinct()
    return queryset.select_related("consortium").prefetch_related("industries", "local_chains").order_by(
        "kind", "name", "pk"
    )


def unit_status_history(user: User, unit: MemberUnit) -> QuerySet[UnitStatusChange]:
    return UnitStatusChange.objects.visible_to(user).filter(unit=unit).select_related("decided_by")


def unit_can_see_members(user: User, unit: MemberUnit) -> bool:
    """Member lists are for the secretariat, officials (read), platform admins and the unit's own admins."""
    if is_platform_admin(user) or user.role in ("secretariat", "official"):
        return True
    return unit_roles(user).get(unit.pk) == "unit_admin"


def unit_members(user: User, unit: MemberUnit) -> QuerySet[UnitMembership]:
    if not unit_can_see_members(user, unit):
        return UnitMembership.objects.none()
    return UnitMembership.objects.visible_to(user).filter(unit=unit).select_related("user").order_by("role", "pk")


def unit_is_editable(user: User, unit: MemberUnit) -> bool:
    return MemberUnit.objects.editable_by(user).filter(pk=unit.pk).exists()


def applications_refine(queryset: QuerySet[MemberUnit], user: User) -> QuerySet[MemberUnit]:
    """Narrow an already-scoped unit queryset to pending applications, with the applicant's admin account."""
    return (
        queryset.filter(status=UnitStatus.APPLIED)
        .select_related("consortium")
        .prefetch_related(
            "industries",
            Prefetch(
                "memberships",
                queryset=UnitMembership.objects.visible_to(user).select_related("user"),
                to_attr="applicants",
            ),
        )
        .order_by("created_at", "pk")
    )


def pending_applications(user: User) -> QuerySet[MemberUnit]:
    """Applications waiting for a decision, oldest first."""
    return applications_refine(MemberUnit.objects.visible_to(user), user)


def _labelled_counts(rows: QuerySet, field: str, choices: Any) -> list[dict[str, Any]]:
    counts = {row[field]: row["n"] for row in rows}
    return [{"value": value, "label": str(label), "count": counts.get(value, 0)} for value, label in choices]


def unit_kind_counts(user: User) -> list[dict[str, Any]]:
    """Units of the directory (applications and rejected excluded) per kind, with translated labels."""
    rows = (
        MemberUnit.objects.visible_to(user)
        .filter(status__in=[UnitStatus.ACTIVE, UnitStatus.SUSPENDED])
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _labelled_counts(rows, "kind", UnitKind.choices)


def unit_status_counts(user: User) -> list[dict[str, Any]]:
    rows = MemberUnit.objects.visible_to(user).values("status").annotate(n=Count("pk")).order_by()
    return _labelled_counts(rows, "status", UnitStatus.choices)


def upcoming_meetings(user: User, *, limit: int = 5) -> list[dict[str, Any]]:
    """The next council meetings the user can see (empty until the council app provides its Meeting model)."""
    try:
        meeting_model = apps.get_model("council", "Meeting")
    except LookupError:
        return []
    manager = meeting_model.objects
    if not hasattr(manager, "visible_to"):
        return []
    field_names = {f.name for f in meeting_model._meta.get_fields()}
    candidates = ("starts_at", "start_at", "scheduled_at", "held_at", "date")
    start_field = next((name for name in candidates if name in field_names), None)
    if start_field is None:
        return []
    now = timezone.now()
    if meeting_model._meta.get_field(start_field).get_internal_type() == "DateField":
        now = timezone.localdate()
    meetings = manager.visible_to(user).filter(**{f"{start_field}__gte": now})
    if "status" in field_names:
        meetings = meetings.exclude(status="cancelled")
    return [
        {
            "title": str(meeting),
            "when": getattr(meeting, start_field),
            "location": getattr(meeting, "location", ""),
            "status": meeting.get_status_display() if hasattr(meeting, "get_status_display") else "",
            "url": _meeting_url(meeting),
        }
        for meeting in meetings.order_by(start_field)[:limit]
    ]


def _meeting_url(meeting: Any) -> str:
    if hasattr(meeting, "get_absolute_url"):
        return meeting.get_absolute_url()
    try:
        return reverse("council:meeting-detail", kwargs={"pk": meeting.pk})
    except NoReverseMatch:
        return ""


def consortia_overview(user: User) -> list[dict[str, Any]]:
    """Platform admin: every visible consortium with its unit counts (two queries, whatever the size)."""
    consortia = list(Consortium.objects.visible_to(user))
    rows = (
        MemberUnit.objects.visible_to(user)
        .values("consortium_id")
        .annotate(
            total=Count("pk"),
            active=Count("pk", filter=Q(status=UnitStatus.ACTIVE)),
            applied=Count("pk", filter=Q(status=UnitStatus.APPLIED)),
        )
        .order_by()
    )
    by_id = {row["consortium_id"]: row for row in rows}
    return [
        {
            "consortium": consortium,
            "total": by_id.get(consortium.pk, {}).get("total", 0),
            "active": by_id.get(consortium.pk, {}).get("active", 0),
            "applied": by_id.get(consortium.pk, {}).get("applied", 0),
        }
        for consortium in consortia
    ]


def my_units(user: User) -> QuerySet[MemberUnit]:
    return (
        MemberUnit.objects.visible_to(user)
        .filter(pk__in=list(unit_roles(user)))
        .prefetch_related("industries", "local_chains")
        .order_by("name")
    )


def my_memberships(user: User) -> QuerySet[UnitMembership]:
    return UnitMembership.objects.visible_to(user).filter(user_id=user.pk, is_active=True).select_related("unit")


def open_invitations(user: User) -> QuerySet[Invitation]:
    """Pending invitations of the units the user administers (the secretariat: of the whole consortium)."""
    return (
        Invitation.objects.editable_by(user)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("unit", "invited_by")
        .order_by("-created_at")
    )


def invitation_list(user: User) -> QuerySet[Invitation]:
    """Every invitation of the units the user may invite into, newest first."""
    return Invitation.objects.editable_by(user).select_related("unit", "invited_by", "accepted_user").order_by(
        "-created_at", "-pk"
    )


def invitation_by_token(token: str) -> Invitation | None:
    """Public lookup for the accept page: the unguessable token is the credential (no user yet).

    Only what the page shows is loaded; the service re-checks everything under a row lock.
    """
    if not token or len(token) > 64:
        return None
    return Invitation.objects.select_related("unit").filter(token=token).first()


def home_dashboard(user: User) -> dict[str, Any]:
    """Figures of the home page for the user's role."""
    if is_platform_admin(user):
        return {"consortia": consortia_overview(user)}
    data: dict[str, Any] = {}
    if user.role in ("secretariat", "official"):
        kind_counts = unit_kind_counts(user)
        status_counts = unit_status_counts(user)
        status_map = {row["value"]: row["count"] for row in status_counts}
        pending = pending_applications(user)
        data.update(
            {
                "kind_counts": kind_counts,
                "status_counts": status_counts,
                "active_count": status_map.get(UnitStatus.ACTIVE, 0),
                "suspended_count": status_map.get(UnitStatus.SUSPENDED, 0),
                "pending_count": status_map.get(UnitStatus.APPLIED, 0),
                "pending_applications": list(pending[:5]),
                "upcoming_meetings": upcoming_meetings(user),
                "chart_kinds": [{"name": row["label"], "value": row["count"]} for row in kind_counts if row["count"]],
            }
        )
    if unit_roles(user):
        data.update(
            {
                "my_units": list(my_units(user)),
                "my_memberships": list(my_memberships(user)),
                "open_invitations": list(open_invitations(user)[:10]) if user.role == "member" else [],
            }
        )
    return data
