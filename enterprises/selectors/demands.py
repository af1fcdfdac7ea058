"""Reads of the demand side: every selector takes the acting user and starts from ``visible_to(user)``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from consortium.tenancy.models import LocalChain
from consortium.tenancy.scoping import is_platform_admin

from ..choices.demands import DEMAND_PUBLISHED, DemandStatus, NeedStatus
from ..models.demands import StaffTrainingNeed, TalentDemand, TechnologyProblem

REVIEW_TYPES = (
    ("talent_demand", TalentDemand, DemandStatus),
    ("training_need", StaffTrainingNeed, NeedStatus),
    ("technology_problem", TechnologyProblem, NeedStatus),
)


def is_reviewer(user: Any) -> bool:
    """The secretariat (and platform admins) review and publish demands and needs."""
    return is_platform_admin(user) or getattr(user, "role", "") == "secretariat"


def review_counts(user: Any) -> dict[str, dict[str, int]]:
    """{type: {status: count}} of everything the user can see (one GROUP BY query per type)."""
    result: dict[str, dict[str, int]] = {}
    for key, model, statuses in REVIEW_TYPES:
        counts = {value: 0 for value in statuses.values}
        for row in model.objects.visible_to(user).values("status").annotate(n=Count("id")).order_by():
            counts[row["status"]] = row["n"]
        result[key] = counts
    return result


def review_queue(user: Any) -> dict[str, QuerySet]:
    """Submitted rows waiting for the secretariat, oldest first (empty for anyone else)."""
    queues: dict[str, QuerySet] = {}
    for key, model, _statuses in REVIEW_TYPES:
        qs = model.objects.visible_to(user).filter(status="submitted").select_related("unit").order_by("submitted_at")
        queues[key] = qs if is_reviewer(user) else qs.none()
    return queues


def demand_list(user: Any, *, q: str = "", kind: str = "", status: str = "", industry: Any = None,
                chain: Any = None, programme: Any = None, place: str = "", unit: Any = None,
                published_only: bool = False) -> QuerySet:
    """Demands the user can see, filtered; ``published_only`` restricts to approved / partly filled / filled."""
    qs = TalentDemand.objects.visible_to(user).select_related("unit")
    if published_only:
        qs = qs.filter(status__in=list(DEMAND_PUBLISHED))
    if q:
        qs = qs.filter(
            Q(position__icontains=q) | Q(description__icontains=q) | Q(programme_keywords__icontains=q)
            | Q(unit__name__icontains=q) | Q(skills__name__icontains=q)
        )
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if industry:
        qs = qs.filter(unit__industries=industry)
    if chain:
        qs = qs.filter(unit__local_chains=chain)
    if programme:
        qs = qs.filter(programmes=programme)
    if place:
        qs = qs.filter(place__icontains=place)
    if unit:
        qs = qs.filter(unit=unit)
    if q or industry or chain or programme:
        qs = qs.distinct()
    return qs.order_by("-published_at", "-created_at", "-id")


def published_demand_search(user: Any, **filters: Any) -> QuerySet:
    return demand_list(user, published_only=True, **filters)


def demand_summary_by_chain(user: Any) -> list[dict[str, Any]]:
    """Per local chain of the user's consortium: published demands, headcount, filled and open places."""
    chains = LocalChain.objects.visible_to(user).order_by("position", "name")
    published = Q(units__talent_demands__status__in=list(DEMAND_PUBLISHED))
    rows = chains.annotate(
        demands=Count("units__talent_demands", filter=published, distinct=True),
        headcount=Sum("units__talent_demands__headcount", filter=published),
        filled=Sum("units__talent_demands__filled_count", filter=published),
    ).values("pk", "name", "demands", "headcount", "filled")
    out = []
    for row in rows:
        headcount, filled = row["headcount"] or 0, row["filled"] or 0
        out.append({**row, "headcount": headcount, "filled": filled, "open": headcount - filled})
    return out
