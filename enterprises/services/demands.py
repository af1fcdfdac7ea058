"""Writes of the demand side (issue 4): keyword-only, ``actor`` first, atomic; they raise
ValidationError({field: [msg]}) / PermissionDenied, which the API and the pages turn into 400/403 field messages.

Permissions: writing for an enterprise needs ``MemberUnit.objects.editable_by(actor)`` (its unit admins, the
secretariat, platform admins); changing a row needs it in ``Model.objects.editable_by(actor)``. Approving (publishing)
and returning are secretariat-only: an enterprise never publishes itself.

One workflow implementation serves talent demands, staff-training needs and technology problems: ``need_transition``
looks the action up in the lifecycle's pure data (``enterprises.choices.demands``), asks ``transition_problem``
whether the move is allowed, checks the role, moves the status and records a ``DemandStatusChange``.

Import natural key of talent demands: (unit, position, start_date). Re-importing updates rows still in draft or
returned; a row that matches a demand already submitted or published is refused (row error).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium.imports.bulk import BulkResult, BulkRowsError
from consortium.tenancy.choices import UnitKind
from consortium.tenancy.models import MemberUnit, User
from consortium.tenancy.scoping import require_secretariat, same_tenant_errors

from ..choices.demands import (
    DEMAND_ACTIONS,
    DEMAND_EDITABLE,
    DEMAND_TRANSITIONS,
    NEED_ACTIONS,
    NEED_EDITABLE,
    NEED_TRANSITIONS,
    REASON_REQUIRED_ACTIONS,
    SECRETARIAT_ACTIONS,
    DemandKind,
    DemandStatus,
    EducationLevel,
    NeedStatus,
    fill_status,
    transition_problem,
)
from ..models.demands import (
    DemandSkill,
    DemandStatusChange,
    EnterpriseProfile,
    StaffTrainingNeed,
    TalentDemand,
    TechnologyProblem,
)

PROFILE_FIELDS = ("size", "zone_type", "zone_name", "employees", "is_integration_enterprise", "recognised_on", "notes")
DEMAND_FIELDS = (
    "position", "kind", "headcount", "programme_keywords", "education_level", "place", "salary_min", "salary_max",
    "start_date", "valid_until", "description",
)
TRAINING_FIELDS = ("topic", "trainees", "period_start", "period_end", "content", "budget")
PROBLEM_FIELDS = ("title", "description", "field", "budget", "deadline")

Need = TalentDemand | StaffTrainingNeed | TechnologyProblem


# --- helpers ------------------------------------------------------------------------------------------------------


def _pick(fields: Mapping[str, Any], allowed: Sequence[str]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(unknown)}")
    return dict(fields)


def _require_enterprise_writer(actor: User, unit: MemberUnit) -> None:
    if unit is None or not MemberUnit.objects.editable_by(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("您无权为该单位登记或修改此类信息。"))
    if unit.kind != UnitKind.ENTERPRISE:
        raise ValidationError({"unit": [_("只有企业类成员单位可以登记此类信息。")]})


def _require_editable(actor: User, obj: models.Model) -> None:
    if not type(obj).objects.editable_by(actor).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        raise PermissionDenied(_("您无权修改该记录。"))


def _same_tenant(consortium_id: int, **related: Any) -> None:
    errors = same_tenant_errors({k: v for k, v in related.items() if v is not None}, consortium_id)
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})


def _save(obj: models.Model) -> models.Model:
    obj.full_clean()
    obj.save()
    return obj


def _status_labels(obj: Need) -> dict[str, str]:
    return {str(k): str(v) for k, v in type(obj)._meta.get_field("status").choices}


def _lifecycle(obj: Need) -> tuple[dict[str, frozenset[str]], dict[str, str], frozenset[str]]:
    if isinstance(obj, TalentDemand):
        return DEMAND_TRANSITIONS, DEMAND_ACTIONS, DEMAND_EDITABLE
    return NEED_TRANSITIONS, NEED_ACTIONS, NEED_EDITABLE


def _history_subject(obj: Need) -> dict[str, Any]:
    if isinstance(obj, TalentDemand):
        return {"demand": obj}
    if isinstance(obj, StaffTrainingNeed):
        return {"training_need": obj}
    return {"technology_problem": obj}


def _record(obj: Need, *, actor: User | None, from_status: str, to_status: str, reason: str = "") -> None:
    DemandStatusChange.objects.create(
        consortium_id=obj.consortium_id, unit_id=obj.unit_id, from_status=from_status, to_status=to_status,
        reason=reason, actor=actor if actor is not None and actor.pk else None, **_history_subject(obj),
    )


def _move(obj: Need, *, actor: User | None, target: str, reason: str = "") -> Need:
    """Check the lifecycle, set the status and its timestamps, save, record history."""
    transitions, _actions, _editable = _lifecycle(obj)
    current = obj.status
    problem = transition_problem(transitions, _status_labels(obj), current, target)
    if problem:
        raise ValidationError({"status": [problem]})
    now = timezone.now()
    obj.status = target
    if target in (DemandStatus.SUBMITTED, NeedStatus.SUBMITTED):
        obj.submitted_at = now
        obj.return_reason = ""
    if target in (DemandStatus.APPROVED, NeedStatus.PUBLISHED):
        obj.published_at = now
    if target in (DemandStatus.RETURNED, NeedStatus.RETURNED):
        obj.return_reason = reason
    obj.save()
    _record(obj, actor=actor, from_status=current, to_status=target, reason=reason)
    return obj


def _require_open_for_edit(obj: Need) -> None:
    _transitions, _actions, editable = _lifecycle(obj)
    if obj.status not in editable:
        raise ValidationError(
            {"status": [_("只有草稿或已退回的记录可以修改（当前状态：%(s)s）。") % {"s": obj.get_status_display()}]}
        )


# --- the one workflow ---------------------------------------------------------------------------------------------


@transaction.atomic
def need_transition(*, actor: User, need: Need, action: str, reason: str = "") -> Need:
    """Apply a workflow ``action`` (submit, approve, return, withdraw, close, expire) to a talent demand, training need
    or technology problem. Secretariat-only actions: approve, return, expire; ``return`` needs a reason."""
    _transitions, actions, _editable = _lifecycle(need)
    if action not in actions:
        raise ValidationError({"action": [_("未知的操作：%(a)s。") % {"a": action}]})
    need = type(need).objects.select_for_update().get(pk=need.pk)
    _require_editable(actor, need)
    if action in SECRETARIAT_ACTIONS:
        require_secretariat(actor, need.consortium_id)
    reason = (reason or "").strip()
    if action in REASON_REQUIRED_ACTIONS and not reason:
        raise ValidationError({"reason": [_("退回时必须填写原因。")]})
    return _move(need, actor=actor, target=actions[action], reason=reason)


# --- enterprise profiles ------------------------------------------------------------------------------------------


@transaction.atomic
def enterprise_profile_upsert(*, actor: User, unit: MemberUnit, **fields: Any) -> EnterpriseProfile:
    """Create or update the profile of enterprise ``unit``."""
    fields = _pick(fields, PROFILE_FIELDS)
    _require_enterprise_writer(actor, unit)
    profile = EnterpriseProfile.objects.filter(unit=unit).first()
    if profile is None:
        profile = EnterpriseProfile(consortium_id=unit.consortium_id, unit=unit)
    elif not EnterpriseProfile.objects.editable_by(actor).filter(pk=profile.pk).exists():
        raise PermissionDenied(_("您无权修改该记录。"))
    for key, value in fields.items():
        setattr(profile, key, value)
    if not profile.is_integration_enterprise:
        profile.recognised_on = None if "recognised_on" not in fields else profile.recognised_on
    return _save(profile)  # type: ignore[return-value]


# --- talent demands -----------------------------------------------------------------------------------------------


def _skills(value: Any) -> list[tuple[str, int]]:
    """Normalise skills: [(name, importance)] from dicts, pairs or "焊接:5, 识图:3" text."""
    if value in (None, ""):
        return []
    if isinstance(value, list | tuple):
        items: list[Any] = list(value)
    else:
        items = str(value).replace("，", ",").replace("、", ",").split(",")
    out: dict[str, int] = {}
    for item in items:
        if isinstance(item, Mapping):
            name, importance = item.get("name"), item.get("importance", 3)
        elif isinstance(item, list | tuple):
            name, importance = item[0], (item[1] if len(item) > 1 else 3)
        else:
            text = str(item).strip().replace("：", ":")
            name, _sep, rest = text.partition(":")
            importance = rest.strip() or 3
        name = str(name or "").strip()
        if not name:
            continue
        if len(name) > 60:
            raise ValidationError({"skills": [_("技能名称不能超过60个字符：%(n)s") % {"n": name[:20]}]})
        try:
            level = int(importance)
        except (TypeError, ValueError):
            level = 0
        if not 1 <= level <= 5:
            raise ValidationError({"skills": [_("技能“%(n)s”的重要程度须为1–5。") % {"n": name}]})
        out[name] = level
    return list(out.items())


def _set_skills(demand: TalentDemand, skills: list[tuple[str, int]]) -> None:
    DemandSkill.objects.filter(demand=demand).delete()
    DemandSkill.objects.bulk_create(
        [
            DemandSkill(consortium_id=demand.consortium_id, unit_id=demand.unit_id, demand=demand, name=n, importance=i)
            for n, i in skills
        ]
    )


def _set_programmes(demand: TalentDemand, programmes: Iterable[Any] | None) -> None:
    if programmes is None:
        return
    programmes = list(programmes)
    _same_tenant(demand.consortium_id, programmes=programmes)
    demand.programmes.set(programmes)


@transaction.atomic
def talent_demand_create(
    *, actor: User, unit: MemberUnit, programmes: Iterable[Any] = (), skills: Any = None, **fields: Any
) -> TalentDemand:
    """Register a talent demand of enterprise ``unit`` as a draft."""
    fields = _pick(fields, DEMAND_FIELDS)
    _require_enterprise_writer(actor, unit)
    parsed = _skills(skills)
    demand = TalentDemand(consortium_id=unit.consortium_id, unit=unit, created_by=actor, **fields)
    _save(demand)
    _set_programmes(demand, programmes)
    _set_skills(demand, parsed)
    _record(demand, actor=actor, from_status="", to_status=demand.status)
    return demand


@transaction.atomic
def talent_demand_update(
    *, actor: User, demand: TalentDemand, programmes: Iterable[Any] | None = None, skills: Any = None, **fields: Any
) -> TalentDemand:
    """Change a demand while it is a draft or returned (``skills=None`` keeps the skills)."""
    fields = _pick(fields, DEMAND_FIELDS)
    _require_editable(actor, demand)
    _require_open_for_edit(demand)
    for key, value in fields.items():
        setattr(demand, key, value)
    _save(demand)
    _set_programmes(demand, programmes)
    if skills is not None:
        _set_skills(demand, _skills(skills))
    return demand


def talent_demand_submit(*, actor: User, demand: TalentDemand) -> TalentDemand:
    return need_transition(actor=actor, need=demand, action="submit")  # type: ignore[return-value]


def talent_demand_approve(*, actor: User, demand: TalentDemand) -> TalentDemand:
    return need_transition(actor=actor, need=demand, action="approve")  # type: ignore[return-value]


def talent_demand_return(*, actor: User, demand: TalentDemand, reason: str) -> TalentDemand:
    return need_transition(actor=actor, need=demand, action="return", reason=reason)  # type: ignore[return-value]


def talent_demand_withdraw(*, actor: User, demand: TalentDemand, reason: str = "") -> TalentDemand:
    return need_transition(actor=actor, need=demand, action="withdraw", reason=reason)  # type: ignore[return-value]


def talent_demand_expire(*, actor: User, demand: TalentDemand) -> TalentDemand:
    return need_transition(actor=actor, need=demand, action="expire")  # type: ignore[return-value]


@transaction.atomic
def talent_demand_record_fill(*, actor: User, demand: TalentDemand, filled_count: Any) -> TalentDemand:
    """Record how many places of a published demand are filled: → partly_filled / filled."""
    demand = TalentDemand.objects.select_for_update().get(pk=demand.pk)
    _require_editable(actor, demand)
    try:
        count = int(filled_count)
    except (TypeError, ValueError):
        raise ValidationError({"filled_count": [_("请输入整数。")]})
    if demand.status not in (DemandStatus.APPROVED, DemandStatus.PARTLY_FILLED):
        raise ValidationError(
            {"status": [_("只有已发布或部分满足的需求可以登记满足人数（当前状态：%(s)s）。")
                        % {"s": demand.get_status_display()}]}
        )
    if count < demand.filled_count:
        message = _("满足人数不能减少（当前已满足 %(n)d 人）。") % {"n": demand.filled_count}
        raise ValidationError({"filled_count": [message]})
    if count > demand.headcount:
        raise ValidationError({"filled_count": [_("满足人数不能超过需求人数 %(n)d。") % {"n": demand.headcount}]})
    target = fill_status(demand.headcount, count)
    demand.filled_count = count
    if target != demand.status:
        return _move(demand, actor=actor, target=target, reason=_("已满足 %(n)d 人") % {"n": count})  # type: ignore[return-value]
    demand.save(update_fields=["filled_count", "updated_at"])
    return demand


@transaction.atomic
def talent_demands_expire(*, consortium_id: int, today: date | None = None) -> int:
    """Published demands past ``valid_until`` → expired (system actor). Idempotent; returns how many expired."""
    today = today or timezone.localdate()
    due = list(
        TalentDemand.objects.for_consortium(consortium_id)
        .select_for_update()
        .filter(status__in=[DemandStatus.APPROVED, DemandStatus.PARTLY_FILLED], valid_until__lt=today)
    )
    for demand in due:
        _move(demand, actor=None, target=DemandStatus.EXPIRED, reason=_("超过有效期自动过期"))
    return len(due)


# --- staff-training needs and technology problems ------------------------------------------------------------------


def _need_create(model: type, *, actor: User, unit: MemberUnit, fields: dict[str, Any]) -> Any:
    _require_enterprise_writer(actor, unit)
    _same_tenant(unit.consortium_id, **{k: v for k, v in fields.items() if isinstance(v, models.Model)})
    need = model(consortium_id=unit.consortium_id, unit=unit, created_by=actor, **fields)
    _save(need)
    _record(need, actor=actor, from_status="", to_status=need.status)
    return need


def _need_update(actor: User, need: Any, fields: dict[str, Any]) -> Any:
    _require_editable(actor, need)
    _require_open_for_edit(need)
    _same_tenant(need.consortium_id, **{k: v for k, v in fields.items() if isinstance(v, models.Model)})
    for key, value in fields.items():
        setattr(need, key, value)
    return _save(need)


@transaction.atomic
def training_need_create(*, actor: User, unit: MemberUnit, **fields: Any) -> StaffTrainingNeed:
    return _need_create(StaffTrainingNeed, actor=actor, unit=unit, fields=_pick(fields, TRAINING_FIELDS))


@transaction.atomic
def training_need_update(*, actor: User, need: StaffTrainingNeed, **fields: Any) -> StaffTrainingNeed:
    return _need_update(actor, need, _pick(fields, TRAINING_FIELDS))


@transaction.atomic
def technology_problem_create(*, actor: User, unit: MemberUnit, **fields: Any) -> TechnologyProblem:
    return _need_create(TechnologyProblem, actor=actor, unit=unit, fields=_pick(fields, PROBLEM_FIELDS))


@transaction.atomic
def technology_problem_update(*, actor: User, problem: TechnologyProblem, **fields: Any) -> TechnologyProblem:
    return _need_update(actor, problem, _pick(fields, PROBLEM_FIELDS))


def training_need_transition(*, actor: User, need: StaffTrainingNeed, action: str, reason: str = "") -> Any:
    return need_transition(actor=actor, need=need, action=action, reason=reason)


def technology_problem_transition(*, actor: User, problem: TechnologyProblem, action: str, reason: str = "") -> Any:
    return need_transition(actor=actor, need=problem, action=action, reason=reason)


# --- bulk upsert (the Excel import) -------------------------------------------------------------------------------


def _choice(choices: type[models.TextChoices], value: Any) -> Any:
    if value in (None, ""):
        return value
    text = str(value).strip()
    if text in choices.values:
        return text
    for member in choices:
        if str(member.label) == text:
            return member.value
    return text


def _messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {k: list(v) for k, v in error.message_dict.items()}
    return {"__all__": list(error.messages)}


@transaction.atomic
def talent_demands_upsert_bulk(*, actor: User, unit: MemberUnit, rows: Sequence[Mapping[str, Any]]) -> BulkResult:
    """Import talent demands of enterprise ``unit`` as drafts. Natural key (unit, position, start_date); rows matching
    a demand in draft/returned update it, rows matching one already submitted or published are refused.
    All-or-nothing: any row error raises ``BulkRowsError`` and nothing is written.

    Row keys: DEMAND_FIELDS (kind / education_level as value or Chinese label), programme_codes (list of the
    consortium's programme codes), skills ("焊接:5, 识图:3"), optional ``_row``."""
    from schools.models import Programme

    _require_enterprise_writer(actor, unit)
    existing = {(d.position, d.start_date): d for d in TalentDemand.objects.filter(unit=unit)}
    programmes: dict[str, list[Any]] = {}
    for programme in Programme.objects.visible_to(actor).filter(consortium_id=unit.consortium_id):
        programmes.setdefault(programme.code, []).append(programme)
    errors: dict[Any, dict[str, list[str]]] = {}
    planned: list[tuple[Any, TalentDemand, bool, list[Any], list[tuple[str, int]]]] = []
    seen: set[tuple[str, Any]] = set()
    for index, row in enumerate(rows):
        key = row.get("_row", index)
        row_errors: dict[str, list[str]] = {}
        fields = {k: row.get(k) for k in DEMAND_FIELDS if k in row}
        fields = {k: ("" if v is None and k in ("programme_keywords", "place", "description") else v)
                  for k, v in fields.items()}
        fields["kind"] = _choice(DemandKind, fields.get("kind")) or DemandKind.EMPLOYMENT
        fields["education_level"] = _choice(EducationLevel, fields.get("education_level")) or EducationLevel.ANY
        natural = (str(fields.get("position") or "").strip(), fields.get("start_date"))
        if natural in seen:
            row_errors.setdefault("position", []).append(_("同一岗位和到岗日期在文件中重复。"))
        seen.add(natural)
        demand = existing.get(natural)
        created = demand is None
        if demand is None:
            demand = TalentDemand(consortium_id=unit.consortium_id, unit=unit, created_by=actor)
        elif demand.status not in DEMAND_EDITABLE:
            row_errors.setdefault("position", []).append(
                _("该需求已%(s)s，不能通过导入修改。") % {"s": demand.get_status_display()}
            )
        for name, value in fields.items():
            setattr(demand, name, value)
        chosen: list[Any] = []
        for code in row.get("programme_codes") or []:
            found = programmes.get(str(code).strip())
            if not found:
                row_errors.setdefault("programme_codes", []).append(_("专业代码不存在：%(c)s") % {"c": code})
            else:
                chosen.extend(found)
        skills: list[tuple[str, int]] = []
        try:
            skills = _skills(row.get("skills"))
        except ValidationError as exc:
            for field, messages in _messages(exc).items():
                row_errors.setdefault(field, []).extend(messages)
        try:
            demand.full_clean(exclude=["consortium", "unit", "created_by"])
        except ValidationError as exc:
            for field, messages in _messages(exc).items():
                row_errors.setdefault(field, []).extend(messages)
        if row_errors:
            errors[key] = row_errors
        else:
            planned.append((key, demand, created, chosen, skills))
    if errors:
        raise BulkRowsError(errors)
    created_count = updated_count = 0
    for _key, demand, created, chosen, skills in planned:
        demand.save()
        if created:
            created_count += 1
            _record(demand, actor=actor, from_status="", to_status=demand.status, reason=_("Excel导入"))
        else:
            updated_count += 1
        demand.programmes.set(chosen)
        _set_skills(demand, skills)
    return BulkResult(created=created_count, updated=updated_count)
