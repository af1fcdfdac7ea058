"""Writes of the plan and task supervision (plan §四): leadership group, members, joint meetings, phases, key tasks,
sub-tasks, progress returns with evidence files, supervision evaluations.

Who may do what:

* group, members, meetings, phases, key tasks, sub-tasks, sub-task status, evaluations: the secretariat of the
  consortium (platform admins pass) — ``require_secretariat``; officials and unit users never write them;
* progress returns: a unit admin or staff member of the reporting ``unit``, which must be the sub-task's lead unit
  or one of its co-units (``progress_return_submit``). The secretariat does not report on a unit's behalf.

Every related object (units, users, members, sub-tasks) must live in the same consortium as the row; rule
violations raise ``ValidationError({field: [message]})`` and nothing is written (each service is atomic).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium.tenancy.choices import UnitStatus
from consortium.tenancy.models import MemberUnit, User
from consortium.tenancy.scoping import require_secretariat, same_tenant_errors, unit_roles

from .choices import Cadence, GroupRole, TaskStatus
from .models import (
    RETURN_WRITES,
    GroupMember,
    JointMeeting,
    KeyTask,
    LeadershipGroup,
    PlanPhase,
    ProgressEvidence,
    ProgressReturn,
    SubTask,
    SupervisionEvaluation,
)

GROUP_FIELDS = ("name", "established_on", "responsibilities", "joint_meeting_rules")
MEMBER_FIELDS = (
    "role", "name", "position", "department", "unit", "user", "email", "receives_reports", "scope_unit", "order",
)
MEETING_FIELDS = ("title", "held_on", "location", "convener", "topics", "decisions")
PHASE_FIELDS = ("number", "name", "goals", "starts_on", "ends_on")
KEY_TASK_FIELDS = ("number", "title", "plan_section", "description")
SUBTASK_FIELDS = (
    "key_task", "phase", "code", "title", "description", "lead_unit", "responsible_person", "responsible_user",
    "starts_on", "deadline", "deliverables", "evidence_required", "cadence",
)
#: At most this many evidence files per progress return.
MAX_EVIDENCE_FILES = 10


# --- helpers ------------------------------------------------------------------------------------------------------


def _pick(fields: dict[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(unknown)}")
    return dict(fields)


def _apply(obj: models.Model, fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        setattr(obj, key, value)


def _save(obj: Any, exclude: Iterable[str] = ()) -> Any:
    obj.full_clean(exclude=list(exclude), validate_unique=True)
    obj.save()
    return obj


def _same_tenant(consortium_id: int, **related: Any) -> None:
    values = {k: v for k, v in related.items() if v is not None}
    errors = same_tenant_errors(values, consortium_id)
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})


def _active_units(field: str, units: Iterable[MemberUnit]) -> None:
    for unit in units:
        if unit is not None and unit.status != UnitStatus.ACTIVE:
            raise ValidationError({field: [_("只能选择正式成员单位。")]})


def _strip(fields: dict[str, Any], *names: str) -> None:
    for name in names:
        if name in fields and isinstance(fields[name], str):
            fields[name] = fields[name].strip()


def is_secretariat(actor: Any, consortium_id: int) -> bool:
    """Platform admins and the secretariat of the consortium (what ``require_secretariat`` lets through)."""
    try:
        require_secretariat(actor, consortium_id)
    except PermissionDenied:
        return False
    return True


def return_units(actor: Any, subtask: SubTask) -> list[int]:
    """Ids of the units ``actor`` may report progress for on ``subtask``: units where the actor is admin or staff
    that lead the sub-task or co-operate on it (empty for the secretariat, officials and other consortia)."""
    if not (
        actor is not None and actor.is_authenticated and actor.is_active and actor.role == "member"
        and actor.consortium_id == subtask.consortium_id
    ):
        return []
    mine = {unit_id for unit_id, role in unit_roles(actor).items() if role in RETURN_WRITES}
    if not mine:
        return []
    involved = {subtask.lead_unit_id, *(u.pk for u in subtask.co_units.all())}
    return sorted(mine & involved)


# --- leadership group -----------------------------------------------------------------------------------------------


@transaction.atomic
def group_create(*, actor: User, consortium_id: int, **fields: Any) -> LeadershipGroup:
    require_secretariat(actor, consortium_id)
    fields = _pick(fields, GROUP_FIELDS)
    _strip(fields, "name")
    if LeadershipGroup.objects.for_consortium(consortium_id).exists():
        raise ValidationError({"name": [_("本联合体已有领导小组。")]})
    return _save(LeadershipGroup(consortium_id=consortium_id, **fields))


@transaction.atomic
def group_update(*, actor: User, group: LeadershipGroup, **fields: Any) -> LeadershipGroup:
    require_secretariat(actor, group.consortium_id)
    fields = _pick(fields, GROUP_FIELDS)
    _strip(fields, "name")
    _apply(group, fields)
    return _save(group)


def _check_member(consortium_id: int, fields: dict[str, Any]) -> None:
    _strip(fields, "name", "email")
    _same_tenant(
        consortium_id, unit=fields.get("unit"), user=fields.get("user"), scope_unit=fields.get("scope_unit")
    )
    if fields.get("role") is not None and fields["role"] not in GroupRole.values:
        raise ValidationError({"role": [_("请选择有效的选项。")]})


@transaction.atomic
def member_create(*, actor: User, group: LeadershipGroup, **fields: Any) -> GroupMember:
    require_secretariat(actor, group.consortium_id)
    fields = _pick(fields, MEMBER_FIELDS)
    _check_member(group.consortium_id, fields)
    return _save(GroupMember(consortium_id=group.consortium_id, group=group, **fields))


@transaction.atomic
def member_update(*, actor: User, member: GroupMember, **fields: Any) -> GroupMember:
    require_secretariat(actor, member.consortium_id)
    fields = _pick(fields, MEMBER_FIELDS)
    merged = {name: getattr(member, name) for name in MEMBER_FIELDS} | fields
    _check_member(member.consortium_id, merged)
    _apply(member, {k: merged[k] for k in fields})
    return _save(member)


@transaction.atomic
def member_delete(*, actor: User, member: GroupMember) -> None:
    require_secretariat(actor, member.consortium_id)
    member.delete()


# --- joint meetings -----------------------------------------------------------------------------------------------


def _check_meeting(
    group: LeadershipGroup, fields: dict[str, Any], attendees: Sequence[GroupMember] | None,
    subtasks: Sequence[SubTask] | None,
) -> None:
    _strip(fields, "title")
    _same_tenant(
        group.consortium_id, convener=fields.get("convener"),
        attendees=list(attendees or []), subtasks=list(subtasks or []),
    )
    convener = fields.get("convener")
    if convener is not None and convener.group_id != group.pk:
        raise ValidationError({"convener": [_("召集人须是领导小组成员。")]})
    if attendees and any(member.group_id != group.pk for member in attendees):
        raise ValidationError({"attendees": [_("出席人员须是领导小组成员。")]})


@transaction.atomic
def meeting_create(
    *, actor: User, group: LeadershipGroup, attendees: Sequence[GroupMember] | None = None,
    subtasks: Sequence[SubTask] | None = None, **fields: Any,
) -> JointMeeting:
    require_secretariat(actor, group.consortium_id)
    fields = _pick(fields, MEETING_FIELDS)
    _check_meeting(group, fields, attendees, subtasks)
    meeting = _save(JointMeeting(consortium_id=group.consortium_id, group=group, **fields))
    meeting.attendees.set(attendees or [])
    meeting.subtasks.set(subtasks or [])
    return meeting


@transaction.atomic
def meeting_update(
    *, actor: User, meeting: JointMeeting, attendees: Sequence[GroupMember] | None = None,
    subtasks: Sequence[SubTask] | None = None, **fields: Any,
) -> JointMeeting:
    require_secretariat(actor, meeting.consortium_id)
    fields = _pick(fields, MEETING_FIELDS)
    _check_meeting(meeting.group, fields, attendees, subtasks)
    _apply(meeting, fields)
    _save(meeting)
    if attendees is not None:
        meeting.attendees.set(attendees)
    if subtasks is not None:
        meeting.subtasks.set(subtasks)
    return meeting


# --- phases and key tasks -----------------------------------------------------------------------------------------


def _check_number(model: type, consortium_id: int, number: Any, pk: int | None, message: str) -> None:
    if number is not None and model.objects.for_consortium(consortium_id).filter(number=number).exclude(pk=pk).exists():  # type: ignore[attr-defined]
        raise ValidationError({"number": [message]})


@transaction.atomic
def phase_create(*, actor: User, consortium_id: int, **fields: Any) -> PlanPhase:
    require_secretariat(actor, consortium_id)
    fields = _pick(fields, PHASE_FIELDS)
    _strip(fields, "name")
    _check_number(PlanPhase, consortium_id, fields.get("number"), None, _("该阶段序号已存在。"))
    return _save(PlanPhase(consortium_id=consortium_id, **fields))


@transaction.atomic
def phase_update(*, actor: User, phase: PlanPhase, **fields: Any) -> PlanPhase:
    require_secretariat(actor, phase.consortium_id)
    fields = _pick(fields, PHASE_FIELDS)
    _strip(fields, "name")
    _check_number(PlanPhase, phase.consortium_id, fields.get("number"), phase.pk, _("该阶段序号已存在。"))
    _apply(phase, fields)
    return _save(phase)


@transaction.atomic
def key_task_create(*, actor: User, consortium_id: int, **fields: Any) -> KeyTask:
    require_secretariat(actor, consortium_id)
    fields = _pick(fields, KEY_TASK_FIELDS)
    _strip(fields, "title")
    _check_number(KeyTask, consortium_id, fields.get("number"), None, _("该任务序号已存在。"))
    return _save(KeyTask(consortium_id=consortium_id, **fields))


@transaction.atomic
def key_task_update(*, actor: User, key_task: KeyTask, **fields: Any) -> KeyTask:
    require_secretariat(actor, key_task.consortium_id)
    fields = _pick(fields, KEY_TASK_FIELDS)
    _strip(fields, "title")
    _check_number(KeyTask, key_task.consortium_id, fields.get("number"), key_task.pk, _("该任务序号已存在。"))
    _apply(key_task, fields)
    return _save(key_task)


# --- sub-tasks ----------------------------------------------------------------------------------------------------


def _check_subtask(consortium_id: int, fields: dict[str, Any], co_units: Sequence[MemberUnit] | None) -> None:
    _strip(fields, "title", "code", "responsible_person")
    _same_tenant(
        consortium_id,
        key_task=fields.get("key_task"),
        phase=fields.get("phase"),
        lead_unit=fields.get("lead_unit"),
        responsible_user=fields.get("responsible_user"),
        co_units=list(co_units or []),
    )
    lead = fields.get("lead_unit")
    _active_units("lead_unit", [lead] if lead is not None else [])
    _active_units("co_units", co_units or [])
    if lead is not None and co_units and any(unit.pk == lead.pk for unit in co_units):
        raise ValidationError({"co_units": [_("牵头单位不能同时作为配合单位。")]})
    if fields.get("cadence") is not None and fields["cadence"] not in Cadence.values:
        raise ValidationError({"cadence": [_("请选择有效的选项。")]})
    user = fields.get("responsible_user")
    if user is not None and not user.is_active:
        raise ValidationError({"responsible_user": [_("该账号已停用。")]})


@transaction.atomic
def subtask_create(*, actor: User, co_units: Sequence[MemberUnit] | None = None, **fields: Any) -> SubTask:
    """A sub-task under ``key_task`` (its consortium is the key task's)."""
    fields = _pick(fields, SUBTASK_FIELDS)
    key_task = fields.get("key_task")
    if key_task is None:
        raise ValidationError({"key_task": [_("请选择重点任务。")]})
    consortium_id = key_task.consortium_id
    require_secretariat(actor, consortium_id)
    _check_subtask(consortium_id, fields, co_units)
    subtask = _save(SubTask(consortium_id=consortium_id, **fields))
    subtask.co_units.set(co_units or [])
    return subtask


@transaction.atomic
def subtask_update(
    *, actor: User, subtask: SubTask, co_units: Sequence[MemberUnit] | None = None, **fields: Any
) -> SubTask:
    require_secretariat(actor, subtask.consortium_id)
    fields = _pick(fields, SUBTASK_FIELDS)
    merged_lead = fields.get("lead_unit", subtask.lead_unit)
    check = dict(fields)
    check["lead_unit"] = merged_lead
    _check_subtask(subtask.consortium_id, check, co_units if co_units is not None else list(subtask.co_units.all()))
    _apply(subtask, fields)
    _save(subtask)
    if co_units is not None:
        subtask.co_units.set(co_units)
    return subtask


@transaction.atomic
def subtask_set_status(*, actor: User, subtask: SubTask, status: str, today: date | None = None) -> SubTask:
    """The secretariat marks a sub-task completed, suspended, in progress or not started. Completing records the
    completion date (today); any other status clears it."""
    require_secretariat(actor, subtask.consortium_id)
    if status not in TaskStatus.values:
        raise ValidationError({"status": [_("请选择有效的选项。")]})
    today = today or timezone.localdate()
    subtask = SubTask.objects.for_consortium(subtask.consortium_id).select_for_update().get(pk=subtask.pk)
    subtask.status = status
    if status == TaskStatus.COMPLETED:
        subtask.completed_on = subtask.completed_on or today
    else:
        subtask.completed_on = None
    subtask.save(update_fields=["status", "completed_on"])
    return subtask


# --- progress returns ---------------------------------------------------------------------------------------------


def _validate_files(files: Sequence[Any]) -> list[tuple[Any, str]]:
    """[(file, description)] after the evidence field's validators (extension, size); errors under "files"."""
    pairs = [(item if isinstance(item, tuple) else (item, "")) for item in files]
    if len(pairs) > MAX_EVIDENCE_FILES:
        raise ValidationError({"files": [_("每次最多上传 %(n)d 个佐证材料。") % {"n": MAX_EVIDENCE_FILES}]})
    field = ProgressEvidence._meta.get_field("file")
    errors: list[str] = []
    for upload, _description in pairs:
        name = getattr(upload, "name", "") or ""
        try:
            field.run_validators(upload)
        except ValidationError as exc:
            errors.extend(f"{name}：{message}" for message in exc.messages)
        if len(name) > 200:
            errors.append(_("文件名过长：%(name)s") % {"name": name[:40]})
    if errors:
        raise ValidationError({"files": errors})
    return [(upload, (description or "")[:200]) for upload, description in pairs]


def _progress(value: Any) -> int:
    message = _("请输入0到100之间的整数。")
    if isinstance(value, bool):
        raise ValidationError({"progress": [message]})
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"progress": [message]})
    if not number.is_finite() or number != number.to_integral_value() or not 0 <= number <= 100:
        raise ValidationError({"progress": [message]})
    return int(number)


@transaction.atomic
def progress_return_submit(
    *, actor: User, subtask: SubTask, unit: MemberUnit, reported_on: date, progress: int, text: str,
    problems: str = "", next_steps: str = "", files: Sequence[Any] = (), today: date | None = None,
) -> ProgressReturn:
    """A progress return with its evidence files, all or nothing.

    The actor must be a unit admin or staff member of ``unit``, and ``unit`` the sub-task's lead unit or a co-unit.
    Files are checked (extension, size) before anything is written. The sub-task then follows its latest return:
    progress and ``last_return_on`` (a return dated before the latest one is kept but does not move them), status
    "in progress" (completed with ``completed_on`` when the latest return reports 100 %).
    """
    today = today or timezone.localdate()
    subtask = (
        SubTask.objects.for_consortium(subtask.consortium_id).select_for_update().get(pk=subtask.pk)
    )
    _same_tenant(subtask.consortium_id, unit=unit)
    member = bool(
        actor is not None and actor.is_authenticated and actor.is_active and actor.role == "member"
        and actor.consortium_id == subtask.consortium_id
    )
    if not member or unit_roles(actor).get(unit.pk) not in RETURN_WRITES:
        raise PermissionDenied(_("只有报送单位的管理员或工作人员可以报送进度。"))
    if unit.pk not in return_units(actor, subtask):
        raise ValidationError({"unit": [_("只有该任务的牵头单位或配合单位可以报送进度。")]})
    if subtask.status in (TaskStatus.SUSPENDED, TaskStatus.COMPLETED):
        raise ValidationError({"__all__": [_("已暂停或已完成的任务不能报送进度。")]})
    progress = _progress(progress)
    if not isinstance(reported_on, date):
        raise ValidationError({"reported_on": [_("请输入有效的日期。")]})
    if reported_on > today:
        raise ValidationError({"reported_on": [_("报送日期不能晚于今天。")]})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("请填写进展情况。")]})
    pairs = _validate_files(list(files or ()))

    record = _save(
        ProgressReturn(
            consortium_id=subtask.consortium_id, subtask=subtask, unit=unit, reported_on=reported_on,
            progress=progress, text=text, problems=(problems or "").strip(), next_steps=(next_steps or "").strip(),
            submitted_by=actor,
        )
    )
    stored: list[str] = []
    try:
        for upload, description in pairs:
            evidence = ProgressEvidence(
                consortium_id=subtask.consortium_id, progress_return=record, unit=unit, description=description
            )
            evidence.file.save(getattr(upload, "name", "evidence"), upload, save=False)
            stored.append(evidence.file.name)
            evidence.save()
        if subtask.last_return_on is None or reported_on >= subtask.last_return_on:
            subtask.progress = progress
            subtask.last_return_on = reported_on
            if progress >= 100:
                subtask.status = TaskStatus.COMPLETED
                subtask.completed_on = reported_on
            else:
                subtask.status = TaskStatus.IN_PROGRESS
            subtask.save(update_fields=["progress", "last_return_on", "status", "completed_on"])
    except Exception:
        storage = ProgressEvidence._meta.get_field("file").storage
        for name in stored:  # the rows roll back with the transaction; the stored files must go too
            storage.delete(name)
        raise
    return record


# --- supervision evaluations --------------------------------------------------------------------------------------


def _score(value: Any) -> Decimal:
    try:
        score = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"score": [_("得分必须在0到100之间。")]})
    if not score.is_finite() or score < 0 or score > 100:
        raise ValidationError({"score": [_("得分必须在0到100之间。")]})
    if score != score.quantize(Decimal("0.1")):
        raise ValidationError({"score": [_("得分最多保留一位小数。")]})
    return score


@transaction.atomic
def evaluation_create(
    *, actor: User, unit: MemberUnit, period_label: str, evaluated_on: date, score: Any, comments: str = "",
    subtask: SubTask | None = None,
) -> SupervisionEvaluation:
    """督导评价 of a unit (optionally on one sub-task it leads or co-operates on). Secretariat only."""
    consortium_id = unit.consortium_id
    require_secretariat(actor, consortium_id)
    _same_tenant(consortium_id, subtask=subtask)
    score = _score(score)
    period_label = (period_label or "").strip()
    if not period_label:
        raise ValidationError({"period_label": [_("请填写评价周期。")]})
    if subtask is not None and unit.pk != subtask.lead_unit_id and not subtask.co_units.filter(pk=unit.pk).exists():
        raise ValidationError({"unit": [_("被评价单位须是该任务的牵头单位或配合单位。")]})
    return _save(
        SupervisionEvaluation(
            consortium_id=consortium_id, unit=unit, subtask=subtask, period_label=period_label,
            evaluated_on=evaluated_on, score=score, comments=(comments or "").strip(),
            evaluator=actor,
        ),
        exclude=["grade"],
    )
