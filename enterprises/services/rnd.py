"""Writes of R&D (plan §三(七)): platforms, projects (lifecycle), milestones, technical services, achievements and
transfers. Services check who may write for which unit, keep related rows in one consortium and record history."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from consortium.tenancy.models import MemberUnit, User
from consortium.tenancy.scoping import is_platform_admin, same_tenant_errors

from ..choices.rnd import (
    AchievementKind,
    CoBuilderRole,
    Party,
    PlatformKind,
    PlatformLevel,
    ServiceKind,
    TransferMode,
    TransitionRefused,
    project_next_status,
)
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

PLATFORM_FIELDS = ("kind", "name", "level", "established_on", "description")
PROJECT_FIELDS = ("platform", "title", "summary", "field", "budget", "start_on", "end_on")
MILESTONE_FIELDS = ("title", "due_on", "done_on", "note")
SERVICE_FIELDS = ("client_unit", "project", "kind", "title", "delivered_on", "value", "outcome")
ACHIEVEMENT_FIELDS = ("kind", "title", "number", "obtained_on", "project", "description")
TRANSFER_FIELDS = ("licensee_unit", "licensee_name", "mode", "amount", "transferred_on", "note")


# --- helpers ------------------------------------------------------------------------------------------------------


def _pick(fields: dict[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(unknown)}")
    return dict(fields)


def _require_unit_writer(actor: User, unit: MemberUnit | None) -> None:
    if unit is None or not MemberUnit.objects.editable_by(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("您无权为该单位登记或修改此类信息。"))


def _require_editable(actor: User, obj: models.Model) -> None:
    if not type(obj).objects.editable_by(actor).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        raise PermissionDenied(_("您无权修改该记录。"))


def _same_tenant(consortium_id: int, **related: Any) -> None:
    values = {k: v for k, v in related.items() if v is not None}
    errors = same_tenant_errors(values, consortium_id)
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})


def _choice(enum: Any, value: Any, field: str) -> None:
    if value not in enum.values:
        raise ValidationError({field: [_("请选择有效的选项。")]})


def _save(obj: models.Model, exclude: Iterable[str] = ()) -> models.Model:
    obj.full_clean(exclude=list(exclude), validate_unique=True)
    obj.save()
    return obj


def _apply(obj: models.Model, fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        setattr(obj, key, value)


# --- platforms ----------------------------------------------------------------------------------------------------


def _set_co_builders(platform: RnDPlatform, co_builders: Iterable[tuple[MemberUnit, str]]) -> None:
    pairs = list(co_builders)
    _same_tenant(platform.consortium_id, co_builders=[unit for unit, _role in pairs])
    seen: dict[int, str] = {}
    for unit, role in pairs:
        _choice(CoBuilderRole, role, "co_builders")
        if unit.pk == platform.unit_id:
            raise ValidationError({"co_builders": [_("牵头单位不必再列为共建单位。")]})
        seen[unit.pk] = role
    PlatformCoBuilder.objects.filter(platform=platform).exclude(unit_id__in=list(seen)).delete()
    for unit_id, role in seen.items():
        PlatformCoBuilder.objects.update_or_create(
            platform=platform, unit_id=unit_id, defaults={"role": role, "consortium_id": platform.consortium_id}
        )


@transaction.atomic
def platform_create(
    *, actor: User, unit: MemberUnit, co_builders: Iterable[tuple[MemberUnit, str]] = (), **fields: Any
) -> RnDPlatform:
    fields = _pick(fields, PLATFORM_FIELDS)
    _require_unit_writer(actor, unit)
    _choice(PlatformKind, fields.get("kind"), "kind")
    if "level" in fields:
        _choice(PlatformLevel, fields["level"], "level")
    platform = RnDPlatform(consortium_id=unit.consortium_id, unit=unit, **fields)
    _save(platform)
    _set_co_builders(platform, co_builders)
    return platform


@transaction.atomic
def platform_update(
    *,
    actor: User,
    platform: RnDPlatform,
    co_builders: Iterable[tuple[MemberUnit, str]] | None = None,
    **fields: Any,
) -> RnDPlatform:
    fields = _pick(fields, PLATFORM_FIELDS)
    _require_editable(actor, platform)
    if "kind" in fields:
        _choice(PlatformKind, fields["kind"], "kind")
    if "level" in fields:
        _choice(PlatformLevel, fields["level"], "level")
    _apply(platform, fields)
    _save(platform)
    if co_builders is not None:
        _set_co_builders(platform, co_builders)
    return platform


@transaction.atomic
def platform_delete(*, actor: User, platform: RnDPlatform) -> None:
    _require_editable(actor, platform)
    platform.delete()


# --- projects -----------------------------------------------------------------------------------------------------


def _check_project_links(consortium_id: int, unit: MemberUnit, fields: dict[str, Any], partners: list | None) -> None:
    _same_tenant(consortium_id, platform=fields.get("platform"), partners=partners or [])
    if partners and any(p.pk == unit.pk for p in partners):
        raise ValidationError({"partners": [_("申报单位不能同时作为合作单位。")]})
    budget = fields.get("budget")
    if budget is not None and budget < 0:
        raise ValidationError({"budget": [_("预算不能为负数。")]})


@transaction.atomic
def project_create(*, actor: User, unit: MemberUnit, partners: Iterable[MemberUnit] = (), **fields: Any) -> RnDProject:
    """A unit proposes a project (status ``proposed``); the secretariat approves it with ``project_transition``."""
    fields = _pick(fields, PROJECT_FIELDS)
    _require_unit_writer(actor, unit)
    partner_list = list(partners)
    _check_project_links(unit.consortium_id, unit, fields, partner_list)
    project = RnDProject(consortium_id=unit.consortium_id, unit=unit, created_by=actor, **fields)
    _save(project, exclude=["created_by"])
    project.partners.set(partner_list)
    ProjectStatusChange.objects.create(
        consortium_id=project.consortium_id,
        unit_id=project.unit_id,
        project=project,
        action="create",
        to_status=project.status,
        decided_by=actor,
    )
    return project


@transaction.atomic
def project_update(
    *, actor: User, project: RnDProject, partners: Iterable[MemberUnit] | None = None, **fields: Any
) -> RnDProject:
    fields = _pick(fields, PROJECT_FIELDS)
    _require_editable(actor, project)
    partner_list = list(partners) if partners is not None else None
    _check_project_links(project.consortium_id, project.unit, fields, partner_list)
    _apply(project, fields)
    _save(project, exclude=["created_by"])
    if partner_list is not None:
        project.partners.set(partner_list)
    return project


def project_parties(actor: User, project: RnDProject) -> frozenset[str]:
    """The lifecycle parties the actor acts as for ``project`` (proposer: unit admin of the proposer unit)."""
    parties: set[str] = set()
    if is_platform_admin(actor) or (
        getattr(actor, "role", "") == "secretariat" and actor.consortium_id == project.consortium_id
    ):
        parties.add(Party.SECRETARIAT)
    if (
        getattr(actor, "role", "") == "member"
        and MemberUnit.objects.editable_by(actor).filter(pk=project.unit_id).exists()
    ):
        parties.add(Party.PROPOSER)
    return frozenset(parties)


@transaction.atomic
def project_transition(*, actor: User, project: RnDProject, action: str, reason: str = "") -> RnDProject:
    """Move a project along its lifecycle (``choices.rnd.PROJECT_TRANSITIONS``) and record the change.

    Wrong party: PermissionDenied; wrong status or missing reason: ValidationError on ``action`` / ``reason``;
    closure cannot be requested while a milestone is still open."""
    if not RnDProject.objects.visible_to(actor).filter(pk=project.pk).exists():
        raise PermissionDenied(_("您无权对该项目执行此操作。"))
    project = RnDProject.objects.select_for_update().get(pk=project.pk)
    reason = (reason or "").strip()
    try:
        target = project_next_status(project.status, action, project_parties(actor, project), reason)
    except TransitionRefused as refused:
        if refused.permission:
            raise PermissionDenied(refused.message)
        raise ValidationError({refused.field: [refused.message]})
    if action == "submit_closure" and project.milestones.filter(done_on__isnull=True).exists():
        raise ValidationError({"action": [_("仍有未完成的里程碑，不能申请结题。")]})
    previous = project.status
    project.status = target
    project.save(update_fields=["status", "updated_at"])
    ProjectStatusChange.objects.create(
        consortium_id=project.consortium_id,
        unit_id=project.unit_id,
        project=project,
        action=action,
        from_status=previous,
        to_status=target,
        reason=reason,
        decided_by=actor,
    )
    return project


# --- milestones ---------------------------------------------------------------------------------------------------


@transaction.atomic
def milestone_create(*, actor: User, project: RnDProject, **fields: Any) -> ProjectMilestone:
    fields = _pick(fields, MILESTONE_FIELDS)
    _require_editable(actor, project)
    milestone = ProjectMilestone(
        consortium_id=project.consortium_id, unit_id=project.unit_id, project=project, **fields
    )
    return _save(milestone)  # type: ignore[return-value]


@transaction.atomic
def milestone_update(*, actor: User, milestone: ProjectMilestone, **fields: Any) -> ProjectMilestone:
    fields = _pick(fields, MILESTONE_FIELDS)
    _require_editable(actor, milestone)
    _apply(milestone, fields)
    return _save(milestone)  # type: ignore[return-value]


@transaction.atomic
def milestone_delete(*, actor: User, milestone: ProjectMilestone) -> None:
    _require_editable(actor, milestone)
    milestone.delete()


# --- technical services -------------------------------------------------------------------------------------------


def _check_service(consortium_id: int, unit_id: int, fields: dict[str, Any]) -> None:
    _same_tenant(consortium_id, client_unit=fields.get("client_unit"), project=fields.get("project"))
    if "kind" in fields:
        _choice(ServiceKind, fields["kind"], "kind")
    client = fields.get("client_unit")
    if client is not None and client.pk == unit_id:
        raise ValidationError({"client_unit": [_("服务提供单位与服务对象单位不能相同。")]})
    value = fields.get("value")
    if value is not None and value < 0:
        raise ValidationError({"value": [_("金额不能为负数。")]})


@transaction.atomic
def technical_service_create(*, actor: User, unit: MemberUnit, **fields: Any) -> TechnicalService:
    fields = _pick(fields, SERVICE_FIELDS)
    _require_unit_writer(actor, unit)
    if fields.get("client_unit") is None:
        raise ValidationError({"client_unit": [_("请选择服务对象单位。")]})
    _check_service(unit.consortium_id, unit.pk, fields)
    service = TechnicalService(consortium_id=unit.consortium_id, unit=unit, **fields)
    return _save(service)  # type: ignore[return-value]


@transaction.atomic
def technical_service_update(*, actor: User, service: TechnicalService, **fields: Any) -> TechnicalService:
    fields = _pick(fields, SERVICE_FIELDS)
    _require_editable(actor, service)
    _check_service(service.consortium_id, service.unit_id, fields)
    _apply(service, fields)
    return _save(service)  # type: ignore[return-value]


@transaction.atomic
def technical_service_delete(*, actor: User, service: TechnicalService) -> None:
    _require_editable(actor, service)
    service.delete()


# --- achievements and transfers -----------------------------------------------------------------------------------


@transaction.atomic
def achievement_create(*, actor: User, unit: MemberUnit, **fields: Any) -> Achievement:
    fields = _pick(fields, ACHIEVEMENT_FIELDS)
    _require_unit_writer(actor, unit)
    _choice(AchievementKind, fields.get("kind"), "kind")
    _same_tenant(unit.consortium_id, project=fields.get("project"))
    achievement = Achievement(consortium_id=unit.consortium_id, unit=unit, **fields)
    return _save(achievement)  # type: ignore[return-value]


@transaction.atomic
def achievement_update(*, actor: User, achievement: Achievement, **fields: Any) -> Achievement:
    fields = _pick(fields, ACHIEVEMENT_FIELDS)
    _require_editable(actor, achievement)
    if "kind" in fields:
        _choice(AchievementKind, fields["kind"], "kind")
    _same_tenant(achievement.consortium_id, project=fields.get("project"))
    _apply(achievement, fields)
    return _save(achievement)  # type: ignore[return-value]


@transaction.atomic
def achievement_delete(*, actor: User, achievement: Achievement) -> None:
    _require_editable(actor, achievement)
    achievement.delete()


def _check_transfer(transfer: AchievementTransfer) -> None:
    if transfer.mode not in TransferMode.values:
        raise ValidationError({"mode": [_("请选择有效的选项。")]})
    if transfer.licensee_unit_id is None and not (transfer.licensee_name or "").strip():
        raise ValidationError({"licensee_name": [_("请选择受让成员单位或填写受让方名称。")]})
    if transfer.licensee_unit_id is not None and transfer.licensee_unit_id == transfer.unit_id:
        raise ValidationError({"licensee_unit": [_("受让方不能是成果权属单位本身。")]})
    if transfer.amount is not None and transfer.amount < 0:
        raise ValidationError({"amount": [_("金额不能为负数。")]})


@transaction.atomic
def transfer_create(*, actor: User, achievement: Achievement, **fields: Any) -> AchievementTransfer:
    fields = _pick(fields, TRANSFER_FIELDS)
    _require_editable(actor, achievement)
    _same_tenant(achievement.consortium_id, licensee_unit=fields.get("licensee_unit"))
    transfer = AchievementTransfer(
        consortium_id=achievement.consortium_id, unit_id=achievement.unit_id, achievement=achievement, **fields
    )
    _check_transfer(transfer)
    return _save(transfer)  # type: ignore[return-value]


@transaction.atomic
def transfer_update(*, actor: User, transfer: AchievementTransfer, **fields: Any) -> AchievementTransfer:
    fields = _pick(fields, TRANSFER_FIELDS)
    _require_editable(actor, transfer)
    _same_tenant(transfer.consortium_id, licensee_unit=fields.get("licensee_unit"))
    _apply(transfer, fields)
    _check_transfer(transfer)
    return _save(transfer)  # type: ignore[return-value]


@transaction.atomic
def transfer_delete(*, actor: User, transfer: AchievementTransfer) -> None:
    _require_editable(actor, transfer)
    transfer.delete()
