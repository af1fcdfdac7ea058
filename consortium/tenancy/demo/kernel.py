"""Kernel part of the demo: reference data, consortia, local chains, member units, users and memberships.

Idempotent: rows are found by their natural keys and only the fields that differ are written, so a second run
changes nothing. Commands take explicit consortia: tenant rows are always reached through ``for_consortium``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher, make_password
from django.db import models
from django.utils import timezone

from consortium.tenancy import services
from consortium.tenancy.choices import ConsortiumStatus, UnitStatus
from consortium.tenancy.models import (
    Consortium,
    Industry,
    LocalChain,
    MemberUnit,
    UnitMembership,
    UnitStatusChange,
    User,
)

from .codes import demo_credit_code
from .data import DEMO_NOTE, DEMO_PASSWORD, DEMO_SETS, DEMO_USERS, ConsortiumSpec, DemoSet, UnitSpec

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "reference"
INDUSTRY_FILE = REFERENCE_DIR / "industry_system_4567.json"


@dataclass
class DemoContext:
    """What the kernel built, handed to the council part."""

    consortia: dict[str, Consortium] = field(default_factory=dict)
    units: dict[str, MemberUnit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


def sync(model: type[models.Model], *, lookup: dict[str, Any], values: dict[str, Any],
         consortium: Consortium | None = None) -> tuple[Any, bool]:
    """Get-or-create by ``lookup``; on an existing row write only the fields of ``values`` that differ."""
    manager: Any = model._default_manager
    base = manager.for_consortium(consortium.pk) if consortium is not None else manager
    obj = base.filter(**lookup).first()
    if obj is None:
        extra = {"consortium": consortium} if consortium is not None else {}
        obj = model(**extra, **lookup, **values)
        obj.full_clean()
        obj.save()
        return obj, True
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            changed.append("updated_at")
        obj.full_clean()
        obj.save(update_fields=changed)
    return obj, False


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """A fixed, timezone-aware moment on ``day`` (fixed values keep the history idempotent)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def demo_phone(name: str, *, landline: bool = True) -> str:
    digits = "".join(str(b % 10) for b in hashlib.sha256(name.encode()).digest()[:7])
    return f"0469-{digits[:7]}" if landline else f"139{digits[:4]}{digits[-4:]}"


def load_reference() -> dict[str, Any]:
    data = json.loads(INDUSTRY_FILE.read_text(encoding="utf-8"))
    services.reference_load(data=data)
    return data


def load_consortium(spec: ConsortiumSpec) -> Consortium:
    consortium, _created = sync(
        Consortium,
        lookup={"name": spec.name},
        values={
            "short_name": spec.short_name, "region": spec.region, "division_code": spec.division_code,
            "established_on": spec.established_on, "status": ConsortiumStatus.ACTIVE,
        },
    )
    return consortium


def load_chains(demo: DemoSet, consortium: Consortium, reference: dict[str, Any]) -> dict[str, LocalChain]:
    if demo.chains is None:
        services.reference_load(data=reference, consortium=consortium)
    else:
        for position, chain in enumerate(demo.chains, start=1):
            obj, _created = sync(
                LocalChain, consortium=consortium, lookup={"name": chain.name},
                values={"name_en": chain.name_en, "description": chain.description, "position": position},
            )
            obj.industries.set(Industry.objects.filter(code__in=chain.maps_to))
    return {chain.name: chain for chain in LocalChain.objects.for_consortium(consortium.pk)}


def unit_values(spec: UnitSpec, consortium: Consortium) -> dict[str, Any]:
    slug = hashlib.sha256(spec.name.encode()).hexdigest()[:8]
    return {
        "kind": spec.kind,
        "credit_code": demo_credit_code(spec.name, division_code=consortium.division_code, category=spec.category),
        "contact_person": spec.contact_person,
        "contact_phone": demo_phone(spec.name),
        "contact_email": f"unit-{slug}@example.com",
        "address": spec.address,
        "description": spec.description + DEMO_NOTE,
    }


def unit_industries(spec: UnitSpec, chains: list[LocalChain]) -> list[Industry]:
    if spec.industries is not None:
        return list(Industry.objects.filter(code__in=spec.industries))
    return list(Industry.objects.filter(local_chains__in=chains).distinct())


def load_units(demo: DemoSet, consortium: Consortium, chains: dict[str, LocalChain], context: DemoContext) -> None:
    decided_by = next(
        (context.users[u.username] for u in DEMO_USERS
         if u.role == "secretariat" and context.consortia.get(u.consortium or "") == consortium),
        None,
    )
    for spec in demo.units:
        unit_chains = [chains[name] for name in spec.chains]
        values = unit_values(spec, consortium)
        if spec.history == "applied":
            unit = _load_application(spec, consortium, values)
        else:
            unit = _load_member(spec, consortium, values, decided_by)
        unit.local_chains.set(unit_chains)
        unit.industries.set(unit_industries(spec, unit_chains))
        context.units[spec.key] = unit


def _load_member(spec: UnitSpec, consortium: Consortium, values: dict[str, Any], decided_by: User | None) -> MemberUnit:
    founded = consortium.established_on
    if spec.history.startswith("joined:"):
        joined = dt.date.fromisoformat(spec.history.split(":", 1)[1])
        steps = [("", UnitStatus.APPLIED, joined - dt.timedelta(days=14), ""),
                 (UnitStatus.APPLIED, UnitStatus.ACTIVE, joined, "秘书处审核通过入会申请")]
    else:
        joined = founded
        steps = [("", UnitStatus.ACTIVE, founded, "联合体成立大会确认的首批成员单位")]
    status = UnitStatus.ACTIVE
    if spec.history.startswith("suspended:"):
        suspended = dt.date.fromisoformat(spec.history.split(":", 1)[1])
        steps.append((UnitStatus.ACTIVE, UnitStatus.SUSPENDED, suspended, spec.suspend_reason))
        status = UnitStatus.SUSPENDED
    existing = MemberUnit.objects.for_consortium(consortium.pk).filter(name=spec.name).first()
    if existing is None:
        values = {**values, "status": status, "joined_on": joined}
    # An existing unit keeps its status: statuses move only through unit_transition (and its history).
    unit, _created = sync(MemberUnit, consortium=consortium, lookup={"name": spec.name}, values=values)
    for from_status, to_status, day, reason in steps:
        sync(
            UnitStatusChange, consortium=consortium,
            lookup={"unit": unit, "from_status": from_status, "to_status": to_status, "decided_at": at(day)},
            values={"reason": reason, "decided_by": None if to_status == UnitStatus.APPLIED else decided_by},
        )
    return unit


def _load_application(spec: UnitSpec, consortium: Consortium, values: dict[str, Any]) -> MemberUnit:
    """A pending application goes through the public self-registration service, exactly as a visitor's would."""
    assert spec.applicant is not None, spec.key
    unit = MemberUnit.objects.for_consortium(consortium.pk).filter(name=spec.name).first()
    username, full_name = spec.applicant
    if unit is None:
        unit = services.unit_apply(
            consortium=consortium,
            unit_fields={"name": spec.name, **values},
            industries=None,
            username=username,
            password=DEMO_PASSWORD,
            email=f"{username}@example.com",
            full_name=full_name,
            phone=demo_phone(username, landline=False),
        )
    else:
        unit, _created = sync(MemberUnit, consortium=consortium, lookup={"name": spec.name}, values=values)
    return unit


def load_users(context: DemoContext, *, with_units: bool) -> None:
    """Consortium-level users first (they decide the status history), unit users once the units exist."""
    for spec in DEMO_USERS:
        if bool(spec.unit) != with_units:
            continue
        consortium = context.consortia[spec.consortium] if spec.consortium else None
        user, _created = sync(
            User,
            lookup={"username": spec.username},
            values={
                "full_name": spec.full_name, "email": f"{spec.username}@example.com",
                "phone": demo_phone(spec.username, landline=False), "consortium": consortium, "role": spec.role,
                "is_staff": spec.is_staff, "is_superuser": spec.is_superuser, "is_active": True,
                "password": user_password(spec.username),
            },
        )
        context.users[spec.username] = user
        if spec.unit:
            sync(
                UnitMembership, consortium=consortium,
                lookup={"unit": context.units[spec.unit], "user": user},
                values={"role": spec.unit_role, "title": spec.title, "is_active": True},
            )


def user_password(username: str) -> str:
    """The stored hash of the demo password: kept if it still matches (reruns change nothing), else renewed."""
    existing = User.objects.filter(username=username).values_list("password", flat=True).first()
    if existing and check_password(DEMO_PASSWORD, existing):
        hasher = identify_hasher(existing)
        if hasher.algorithm == get_hasher().algorithm and not hasher.must_update(existing):
            return existing
    return make_password(DEMO_PASSWORD)


def load_kernel() -> DemoContext:
    context = DemoContext()
    reference = load_reference()
    for demo in DEMO_SETS:
        context.consortia[demo.consortium.key] = load_consortium(demo.consortium)
    load_users(context, with_units=False)
    for demo in DEMO_SETS:
        consortium = context.consortia[demo.consortium.key]
        chains = load_chains(demo, consortium, reference)
        load_units(demo, consortium, chains, context)
    load_users(context, with_units=True)
    return context


def kernel_counts(context: DemoContext) -> dict[str, int]:
    counts: dict[str, int] = {"产业": Industry.objects.count(), "产教联合体": len(context.consortia)}
    for key, consortium in context.consortia.items():
        units = MemberUnit.objects.for_consortium(consortium.pk)
        counts[f"{key}: 本地产业链"] = LocalChain.objects.for_consortium(consortium.pk).count()
        counts[f"{key}: 成员单位"] = units.count()
        counts[f"{key}: 申请中"] = units.filter(status=UnitStatus.APPLIED).count()
        counts[f"{key}: 已暂停"] = units.filter(status=UnitStatus.SUSPENDED).count()
        counts[f"{key}: 用户"] = User.objects.for_consortium(consortium.pk).count()
    return counts
