"""Reads of the council app. Entry points take the acting user and start from ``visible_to``."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django.db.models import Count, Q, QuerySet

from consortium.tenancy.models import User

from . import rules
from .choices import (
    ATTENDING_STATUSES,
    DEFAULT_PASS_RULE,
    DEFAULT_QUORUM_DENOMINATOR,
    DEFAULT_QUORUM_NUMERATOR,
    PassRule,
    ResolutionStatus,
    SeatRole,
    VoteChoice,
)
from .models import Council, CouncilSeat, DocumentVersion, GovernanceDocument, Meeting, Resolution


def council_for_user(user: User) -> Council | None:
    """The council of the user's consortium (platform admins: None, they pick from the list)."""
    if not getattr(user, "consortium_id", None):
        return None
    return Council.objects.visible_to(user).filter(consortium_id=user.consortium_id).first()


def seats_by_role(user: User, council: Council, *, include_past: bool = False) -> OrderedDict[str, Any]:
    """{role label: [seats]} in the order chair, vice chairs, secretary general, members."""
    from django.utils import timezone

    today = timezone.localdate()
    seats = CouncilSeat.objects.visible_to(user).filter(council=council).select_related("unit", "user")
    if not include_past:
        seats = seats.filter(term_start__lte=today, term_end__gte=today)
    grouped: OrderedDict[str, Any] = OrderedDict((role.label, []) for role in SeatRole)
    order = {role.value: index for index, role in enumerate(SeatRole)}
    for seat in sorted(seats, key=lambda s: (order.get(s.role, 99), s.person_name)):
        grouped[SeatRole(seat.role).label].append(seat)
    return OrderedDict((label, items) for label, items in grouped.items() if items)


def meeting_seats(meeting: Meeting) -> QuerySet[CouncilSeat]:
    """Seats of the meeting's council whose term covers the meeting day (the seats that count for quorum)."""
    day = meeting.meeting_date
    return (
        CouncilSeat.objects.for_consortium(meeting.consortium_id)
        .filter(council_id=meeting.council_id, term_start__lte=day, term_end__gte=day)
        .select_related("unit", "user")
    )


def rules_in_force(meeting: Meeting) -> dict[str, Any]:
    """Quorum fraction and pass rule of the meeting: its rules of procedure, or the stated default."""
    version: DocumentVersion | None = meeting.rules_version
    if version is None and meeting.status == "draft":
        from .services import adopted_rules_version

        version = adopted_rules_version(meeting.consortium_id)
    if version is not None and version.quorum_fraction and version.pass_rule:
        numerator, denominator = version.quorum_fraction
        return {
            "numerator": numerator,
            "denominator": denominator,
            "pass_rule": version.pass_rule,
            "is_default": False,
            "version": version,
        }
    return {
        "numerator": DEFAULT_QUORUM_NUMERATOR,
        "denominator": DEFAULT_QUORUM_DENOMINATOR,
        "pass_rule": DEFAULT_PASS_RULE,
        "is_default": True,
        "version": None,
    }


def meeting_quorum(meeting: Meeting) -> dict[str, Any]:
    """Live quorum of a meeting: seats, attending (present or by proxy), required and whether it is met."""
    seat_ids = list(meeting_seats(meeting).values_list("pk", flat=True))
    present = meeting.attendances.filter(status__in=ATTENDING_STATUSES, seat_id__in=seat_ids).count()
    info = rules_in_force(meeting)
    required, met = rules.quorum(len(seat_ids), present, info["numerator"], info["denominator"])
    return {
        "seat_count": len(seat_ids),
        "present_count": present,
        "required": required,
        "met": met,
        "numerator": info["numerator"],
        "denominator": info["denominator"],
        "pass_rule": info["pass_rule"],
        "pass_rule_display": PassRule(info["pass_rule"]).label,
        "is_default": info["is_default"],
        "rules_version_id": info["version"].pk if info["version"] else None,
    }


def tally_annotations() -> dict[str, Count]:
    return {
        "votes_for": Count("votes", filter=Q(votes__choice=VoteChoice.FOR)),
        "votes_against": Count("votes", filter=Q(votes__choice=VoteChoice.AGAINST)),
        "votes_abstain": Count("votes", filter=Q(votes__choice=VoteChoice.ABSTAIN)),
    }


def resolution_list(user: User) -> QuerySet[Resolution]:
    return (
        Resolution.objects.visible_to(user)
        .select_related("meeting", "agenda_item")
        .annotate(**tally_annotations())
        .order_by("meeting", "id")
    )


def resolution_register(user: User) -> QuerySet[Resolution]:
    """The register: adopted resolutions of the consortium ordered by number."""
    return resolution_list(user).filter(status=ResolutionStatus.ADOPTED).order_by("number")


def document_list(user: User) -> QuerySet[GovernanceDocument]:
    return GovernanceDocument.objects.visible_to(user).order_by("kind", "title")


def document_versions(user: User, document: GovernanceDocument) -> QuerySet[DocumentVersion]:
    return (
        DocumentVersion.objects.visible_to(user)
        .filter(document=document)
        .select_related("adopted_at_meeting")
        .order_by("-version_no")
    )


def meeting_list(user: User) -> QuerySet[Meeting]:
    return (
        Meeting.objects.visible_to(user)
        .select_related("council")
        .annotate(
            agenda_count=Count("agenda_items", distinct=True), resolution_count=Count("resolutions", distinct=True)
        )
        .order_by("-scheduled_at", "-id")
    )
