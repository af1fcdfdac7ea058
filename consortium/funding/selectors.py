"""Reads of the funding kernel app: every selector takes the acting user and starts from ``visible_to``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Sum

from consortium.tenancy.models import User

from .choices import FundingSource, PolicyStatus
from .models import FundingRecord, PolicyDocument
from .registry import fundable_models


def funding_records(user: User, *, year: int | None = None, source: str | None = None) -> models.QuerySet:
    qs = FundingRecord.objects.visible_to(user).select_related("recipient", "target_type")
    if year:
        qs = qs.filter(year=year)
    if source:
        qs = qs.filter(source=source)
    return qs.order_by("-year", "-id")


def totals_by_source(user: User, *, year: int | None = None) -> list[dict[str, Any]]:
    """[{source, label, total, count}] over the records the user sees (one query), largest first."""
    qs = FundingRecord.objects.visible_to(user)
    if year:
        qs = qs.filter(year=year)
    rows = qs.order_by().values("source").annotate(total=Sum("amount"), count=Count("pk"))
    labels = dict(FundingSource.choices)
    result = [
        {
            "source": r["source"],
            "label": str(labels.get(r["source"], r["source"])),
            "total": r["total"],
            "count": r["count"],
        }
        for r in rows
    ]
    return sorted(result, key=lambda r: (-r["total"], r["source"]))


def totals_by_year(user: User, *, source: str | None = None) -> list[dict[str, Any]]:
    """[{year, total, count}] over the records the user sees (one query), by year ascending."""
    qs = FundingRecord.objects.visible_to(user)
    if source:
        qs = qs.filter(source=source)
    return list(qs.order_by("year").values("year").annotate(total=Sum("amount"), count=Count("pk")))


def totals_for_object(user: User, obj: models.Model) -> dict[str, Any]:
    """{total, count} of the funding the user sees for one funded object (one query)."""
    content_type = ContentType.objects.get_for_model(type(obj))
    row = (
        FundingRecord.objects.visible_to(user)
        .filter(target_type=content_type, target_id=obj.pk)
        .aggregate(total=Sum("amount"), count=Count("pk"))
    )
    return {"total": row["total"] or Decimal("0"), "count": row["count"]}


def totals_by_target(user: User, model: type[models.Model]) -> dict[int, Decimal]:
    """{object id: total funding} for every funded object of ``model`` (one query), for list pages."""
    content_type = ContentType.objects.get_for_model(model)
    rows = (
        FundingRecord.objects.visible_to(user)
        .filter(target_type=content_type)
        .order_by()
        .values("target_id")
        .annotate(total=Sum("amount"))
    )
    return {r["target_id"]: r["total"] for r in rows}


def records_for_object(user: User, obj: models.Model) -> models.QuerySet:
    content_type = ContentType.objects.get_for_model(type(obj))
    return funding_records(user).filter(target_type=content_type, target_id=obj.pk)


def target_choices(user: User, consortium_id: int, *, limit: int = 300) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices "label:pk" of the fundable objects the user sees in ``consortium_id`` (one query per model)."""
    groups = []
    for model in fundable_models():
        rows = model.objects.visible_to(user).filter(consortium_id=consortium_id).order_by("-pk")[:limit]  # type: ignore[attr-defined]
        options = [(f"{model._meta.label_lower}:{row.pk}", str(row)) for row in rows]
        if options:
            groups.append((str(model._meta.verbose_name), options))
    return groups


def attach_targets(records: list[FundingRecord], user: User) -> list[FundingRecord]:
    """Set ``target_obj`` (or None) on each record, one query per target model, through the user's scope."""
    wanted: dict[int, set[int]] = {}
    for record in records:
        if record.target_type_id and record.target_id:
            wanted.setdefault(record.target_type_id, set()).add(record.target_id)
    found: dict[tuple[int, int], Any] = {}
    for type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None or not hasattr(model.objects, "visible_to"):
            continue
        for obj in model.objects.visible_to(user).filter(pk__in=ids):  # type: ignore[attr-defined]
            found[(type_id, obj.pk)] = obj
    for record in records:
        record.target_obj = found.get((record.target_type_id, record.target_id))  # type: ignore[attr-defined]
    return records


def policies(user: User, *, q: str = "", status: str = "") -> models.QuerySet:
    qs = PolicyDocument.objects.visible_to(user)
    if q:
        qs = qs.filter(title__icontains=q) | qs.filter(issuer__icontains=q)
    if status in PolicyStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-issued_on", "-id")
