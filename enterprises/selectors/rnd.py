"""Reads of R&D: every selector takes the acting user and starts from ``visible_to``."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Count, Prefetch, Sum
from django.db.models.functions import ExtractYear

from consortium.tenancy.models import MemberUnit, User

from ..choices.rnd import project_allowed_actions
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
from ..services.rnd import project_parties


def platforms(user: User) -> models.QuerySet:
    return (
        RnDPlatform.objects.visible_to(user)
        .select_related("unit")
        .prefetch_related(Prefetch("co_builder_links", queryset=PlatformCoBuilder.objects.select_related("unit")))
        .annotate(project_count=Count("projects", distinct=True))
        .order_by("name")
    )


def projects(user: User, *, status: str = "", q: str = "", unit_id: int | None = None) -> models.QuerySet:
    qs = RnDProject.objects.visible_to(user)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(title__icontains=q)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return (
        qs.select_related("unit", "platform", "field")
        .prefetch_related(Prefetch("partners", queryset=MemberUnit.objects.order_by("name")))
        .order_by("-start_on", "-id")
    )


def project_milestones(user: User, project: RnDProject) -> models.QuerySet:
    return ProjectMilestone.objects.visible_to(user).filter(project=project).order_by("due_on", "id")


def project_history(user: User, project: RnDProject) -> models.QuerySet:
    return ProjectStatusChange.objects.visible_to(user).filter(project=project).select_related("decided_by")


def project_actions(user: User, project: RnDProject) -> list[str]:
    """Actions the user may take on the project now (buttons)."""
    return project_allowed_actions(project.status, project_parties(user, project))


def technical_services(user: User) -> models.QuerySet:
    return (
        TechnicalService.objects.visible_to(user)
        .select_related("unit", "client_unit", "project")
        .order_by("-delivered_on", "-id")
    )


def achievements(user: User) -> models.QuerySet:
    return (
        Achievement.objects.visible_to(user)
        .select_related("unit", "project")
        .annotate(transfer_total=Sum("transfers__amount"), transfer_count=Count("transfers"))
        .order_by("-obtained_on", "-id")
    )


def transfer_totals(user: User, *, year: int | None = None) -> list[dict[str, Any]]:
    """Transfer amounts and counts per owner unit and year (one query): [{unit_id, unit_name, year, total, count}]."""
    qs = AchievementTransfer.objects.visible_to(user)
    if year:
        qs = qs.filter(transferred_on__year=year)
    return list(
        qs.annotate(year=ExtractYear("transferred_on"))
        .values("unit_id", "unit__name", "year")
        .annotate(total=Sum("amount"), count=Count("pk"))
        .order_by("-year", "unit__name")
    )


def technical_service_totals(user: User) -> list[dict[str, Any]]:
    """Contract value and count of technical services per provider unit and year (one query)."""
    return list(
        TechnicalService.objects.visible_to(user)
        .annotate(year=ExtractYear("delivered_on"))
        .values("unit_id", "unit__name", "year")
        .annotate(total=Sum("value"), count=Count("pk"))
        .order_by("-year", "unit__name")
    )
