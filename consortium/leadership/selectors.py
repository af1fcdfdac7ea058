"""Reads of the plan and task supervision. Every selector takes the acting user and starts from ``visible_to``;
the RAG colour is computed here (``rules.rag_status`` with the given ``today``), never stored.

Query counts are constant whatever the number of sub-tasks: the rows come with their key task, phase, lead unit and
responsible user joined and the co-units prefetched in one extra query.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from consortium.tenancy.models import MemberUnit
from consortium.tenancy.scoping import unit_roles

from . import rules
from .choices import Rag
from .models import (
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

#: Board order: the most urgent colours first.
RAG_ORDER = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2, Rag.NOT_STARTED: 3, Rag.SUSPENDED: 4, Rag.DONE: 5}
RAG_CSS = {
    Rag.RED: "danger", Rag.AMBER: "warning", Rag.GREEN: "success", Rag.DONE: "primary",
    Rag.NOT_STARTED: "secondary", Rag.SUSPENDED: "dark",
}


@dataclass(frozen=True)
class TaskFilters:
    phase_id: int | None = None
    key_task_id: int | None = None
    unit_id: int | None = None  # lead unit
    rag: str | None = None
    overdue: bool = False
    mine: bool = False  # sub-tasks the user's units lead or co-operate on


@dataclass
class SubTaskRow:
    task: SubTask
    rag: str
    overdue: bool
    expected: int
    next_return_due: date
    return_due: bool

    @property
    def rag_label(self) -> str:
        return str(Rag(self.rag).label)

    @property
    def rag_css(self) -> str:
        return RAG_CSS[Rag(self.rag)]


def my_unit_ids(user: Any) -> list[int]:
    if not (user is not None and user.is_authenticated and getattr(user, "role", "") == "member"):
        return []
    return sorted(unit_roles(user))


def subtask_queryset(user: Any) -> QuerySet:
    return (
        SubTask.objects.visible_to(user)
        .select_related("key_task", "phase", "lead_unit", "responsible_user")
        .prefetch_related(Prefetch("co_units", queryset=MemberUnit.objects.only("id", "name").order_by("name")))
    )


def row_for(task: SubTask, today: date) -> SubTaskRow:
    due = rules.next_return_due(starts_on=task.starts_on, last_return_on=task.last_return_on, cadence=task.cadence)
    rag = rules.rag_status(
        today=today, starts_on=task.starts_on, deadline=task.deadline, progress=task.progress, status=task.status
    )
    active = rag not in (Rag.DONE, Rag.SUSPENDED)
    return SubTaskRow(
        task=task,
        rag=rag,
        overdue=rules.is_overdue(today=today, deadline=task.deadline, progress=task.progress, status=task.status),
        expected=rules.expected_progress(today=today, starts_on=task.starts_on, deadline=task.deadline),
        next_return_due=due,
        return_due=active and today >= task.starts_on and due <= today,
    )


def subtask_rows(user: Any, *, today: date, filters: TaskFilters | None = None) -> list[SubTaskRow]:
    """Visible sub-tasks with their computed RAG colour, filtered, overdue first then by colour and deadline."""
    filters = filters or TaskFilters()
    qs = subtask_queryset(user)
    if filters.phase_id:
        qs = qs.filter(phase_id=filters.phase_id)
    if filters.key_task_id:
        qs = qs.filter(key_task_id=filters.key_task_id)
    if filters.unit_id:
        qs = qs.filter(lead_unit_id=filters.unit_id)
    if filters.mine:
        units = my_unit_ids(user)
        co_operated = SubTask.co_units.through.objects.filter(memberunit_id__in=units).values("subtask_id")
        qs = qs.filter(Q(lead_unit_id__in=units) | Q(pk__in=co_operated))
    rows = [row_for(task, today) for task in qs]
    if filters.rag:
        rows = [row for row in rows if row.rag == filters.rag]
    if filters.overdue:
        rows = [row for row in rows if row.overdue]
    rows.sort(key=lambda r: (not r.overdue, RAG_ORDER[Rag(r.rag)], r.task.deadline, r.task.key_task.number,
                             r.task.code, r.task.pk))
    return rows


@dataclass
class UnitSummary:
    unit_id: int
    unit_name: str
    total: int = 0
    overdue: int = 0
    return_due: int = 0
    progress_sum: int = 0
    rag: Counter = field(default_factory=Counter)

    @property
    def average_progress(self) -> int:
        return round(self.progress_sum / self.total) if self.total else 0

    @property
    def completed(self) -> int:
        return self.rag[Rag.DONE]


def task_summary_by_unit(user: Any, *, today: date, rows: list[SubTaskRow] | None = None) -> list[UnitSummary]:
    """Per lead unit: number of sub-tasks, colours, overdue and return-due counts, average progress."""
    rows = subtask_rows(user, today=today) if rows is None else rows
    summaries: dict[int, UnitSummary] = {}
    for row in rows:
        unit = row.task.lead_unit
        summary = summaries.setdefault(unit.pk, UnitSummary(unit_id=unit.pk, unit_name=unit.name))
        summary.total += 1
        summary.overdue += row.overdue
        summary.return_due += row.return_due
        summary.progress_sum += row.task.progress
        summary.rag[row.rag] += 1
    return sorted(summaries.values(), key=lambda s: (-s.rag[Rag.RED], -s.overdue, s.unit_name))


@dataclass
class KeyTaskOverview:
    key_task: KeyTask
    total: int
    rag: Counter
    overdue: int

    @property
    def rag_mix(self) -> list[tuple[str, str, str, int]]:
        """[(value, label, css, count)] of the colours present, in board order."""
        return [
            (value, str(Rag(value).label), RAG_CSS[Rag(value)], self.rag[value])
            for value in sorted(self.rag, key=lambda v: RAG_ORDER[Rag(v)]) if self.rag[value]
        ]


def plan_overview(user: Any, *, today: date) -> dict[str, Any]:
    """Phases (with their sub-task counts) and key tasks (with sub-task counts, RAG mix and overdue count)."""
    phases = list(
        PlanPhase.objects.visible_to(user).annotate(subtask_count=Count("subtasks")).order_by("consortium_id", "number")
    )
    key_tasks = list(KeyTask.objects.visible_to(user).order_by("consortium_id", "number"))
    rows = subtask_rows(user, today=today)
    by_key: dict[int, list[SubTaskRow]] = {}
    for row in rows:
        by_key.setdefault(row.task.key_task_id, []).append(row)
    overview = [
        KeyTaskOverview(
            key_task=key_task,
            total=len(by_key.get(key_task.pk, [])),
            rag=Counter(row.rag for row in by_key.get(key_task.pk, [])),
            overdue=sum(row.overdue for row in by_key.get(key_task.pk, [])),
        )
        for key_task in key_tasks
    ]
    return {
        "phases": phases,
        "key_tasks": overview,
        "totals": Counter(row.rag for row in rows),
        "total": len(rows),
        "overdue": sum(row.overdue for row in rows),
    }


def returns_for(user: Any, subtask: SubTask) -> list[ProgressReturn]:
    """The sub-task's returns the user may read (reporting unit, lead unit, secretariat, officials), newest first,
    with their evidence files."""
    evidence = ProgressEvidence.objects.visible_to(user).order_by("id")
    return list(
        ProgressReturn.objects.visible_to(user).filter(subtask=subtask)
        .select_related("unit", "submitted_by")
        .prefetch_related(Prefetch("evidence", queryset=evidence))
        .order_by("-reported_on", "-id")
    )


def evaluations_for(user: Any, *, subtask: SubTask | None = None) -> QuerySet:
    qs = SupervisionEvaluation.objects.visible_to(user).select_related("unit", "subtask", "evaluator")
    if subtask is not None:
        qs = qs.filter(subtask=subtask)
    return qs.order_by("-evaluated_on", "-id")


def group_for(user: Any) -> LeadershipGroup | None:
    """The leadership group of the user's consortium (platform admins: the first visible one)."""
    qs = LeadershipGroup.objects.visible_to(user)
    if getattr(user, "consortium_id", None):
        qs = qs.filter(consortium_id=user.consortium_id)
    return qs.order_by("consortium_id", "id").first()


def members_of(user: Any, group: LeadershipGroup) -> QuerySet:
    return (
        GroupMember.objects.visible_to(user).filter(group=group)
        .select_related("unit", "user", "scope_unit").order_by("order", "id")
    )


def meetings_for(user: Any) -> QuerySet:
    return (
        JointMeeting.objects.visible_to(user).select_related("group", "convener")
        .annotate(attendee_count=Count("attendees", distinct=True), subtask_count=Count("subtasks", distinct=True))
        .order_by("-held_on", "-id")
    )
