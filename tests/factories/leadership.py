"""Factories of the leadership layer and their builders for the isolation registry (@register).

Plain factory_boy factories (``SubTaskFactory(lead_unit=unit)``, ``ProgressReturnFactory(subtask=s, unit=u)``, ...)
for test writers; related rows live in one consortium (``TenantFactory`` raises otherwise). They write rows
directly, bypassing ``consortium.leadership.services`` (no permission checks, the sub-task does NOT follow a
factory-made return) — use the services in tests of the rules themselves.

Builders (contract in tests/factories/__init__.py) and what "owned by ``unit``" means for each model:

* plan data (group, member, meeting, phase, key task, sub-task): consortium-wide rows that mention ``unit`` (member
  of / lead unit); the leadership group is unique per consortium, so A1 and A2 get the same group;
* ProgressReturn: reported by ``unit`` on a sub-task led by a fresh unit (the reporting-unit branch of the policy);
* ProgressEvidence: evidence of a return reported by a fresh co-unit on a sub-task LED by ``unit`` (the lead-unit
  branch: ``unit`` reads it but does not write it);
* SupervisionEvaluation: evaluates ``unit`` on a sub-task it leads;
* TaskReminder: a reminder of a sub-task led by ``unit``;
* KpiFact / Report: scoped to ``unit``; each builder ALSO creates a consortium-wide row (unit empty) of the same
  model, so the list checks of the isolation suite see that those stay with the secretariat and officials;
* ReportDelivery: a delivery of a report scoped to ``unit``;
* KpiRefresh / ReportSchedule: consortium-level rows without an owner (``unit`` is not used); report schedules are
  unique per kind, so the factory gets-or-creates by (consortium, kind), cycling through the kinds.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from consortium.leadership.choices import (
    Cadence,
    GroupRole,
    RefreshStatus,
    ReminderKind,
    ReportKind,
    ReportStatus,
    TaskStatus,
)
from consortium.leadership.models import (
    GroupMember,
    JointMeeting,
    KeyTask,
    KpiFact,
    KpiRefresh,
    LeadershipGroup,
    PlanPhase,
    ProgressEvidence,
    ProgressReturn,
    Report,
    ReportDelivery,
    ReportSchedule,
    SubTask,
    SupervisionEvaluation,
    TaskReminder,
)
from consortium.tenancy.models import Consortium, MemberUnit

from . import register
from .tenancy import ConsortiumFactory, MemberUnitFactory, TenantFactory

_REPORT_KINDS = itertools.cycle(ReportKind.values)


class LeadershipGroupFactory(TenantFactory):
    """The consortium's leadership group (get-or-create: one per consortium)."""

    class Meta:
        model = LeadershipGroup
        django_get_or_create = ("consortium",)

    consortium = factory.SubFactory(ConsortiumFactory)
    name = "县职业教育产教融合创新发展工作领导小组"
    established_on = date(2024, 3, 1)
    responsibilities = "统筹推进县域职业教育产教融合工作。"
    joint_meeting_rules = "联席会议原则上每季度召开一次。"


class GroupMemberFactory(TenantFactory):
    """A member receiving the consortium-wide reports; ``unit=`` links a member unit (``scope_unit`` stays empty)."""

    _tenant_parents = ("group", "unit", "user", "scope_unit")

    class Meta:
        model = GroupMember

    group = factory.SubFactory(LeadershipGroupFactory)
    consortium = factory.SelfAttribute("group.consortium")
    role = GroupRole.MEMBER
    name = factory.Sequence(lambda n: f"成员{n}")
    position = "局长"
    department = "县教育局"
    unit = None
    user = None
    email = factory.Sequence(lambda n: f"member{n}@example.com")
    receives_reports = True
    scope_unit = None
    order = factory.Sequence(lambda n: n)


class JointMeetingFactory(TenantFactory):
    _tenant_parents = ("group",)

    class Meta:
        model = JointMeeting
        skip_postgeneration_save = True

    group = factory.SubFactory(LeadershipGroupFactory)
    consortium = factory.SelfAttribute("group.consortium")
    title = factory.Sequence(lambda n: f"县职业教育联席会议（第{n}次）")
    held_on = date(2025, 6, 18)
    location = "县政府会议室"
    topics = "听取重点任务推进情况汇报。"
    decisions = "滞后任务挂牌督办。"

    @factory.post_generation
    def attendees(self, create: bool, extracted: list | None, **kwargs) -> None:
        if create and extracted:
            self.attendees.set(extracted)

    @factory.post_generation
    def subtasks(self, create: bool, extracted: list | None, **kwargs) -> None:
        if create and extracted:
            self.subtasks.set(extracted)


class PlanPhaseFactory(TenantFactory):
    class Meta:
        model = PlanPhase

    consortium = factory.SubFactory(ConsortiumFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"第{n + 1}阶段")
    goals = "打基础、建机制。"
    starts_on = date(2024, 1, 1)
    ends_on = date(2025, 12, 31)


class KeyTaskFactory(TenantFactory):
    class Meta:
        model = KeyTask

    consortium = factory.SubFactory(ConsortiumFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"重点任务{n}")
    plan_section = "三（一）"
    description = "构建产教深度融合的发展格局。"


class SubTaskFactory(TenantFactory):
    """An in-progress sub-task led by ``lead_unit`` (started 60 days ago, due in 120 days, 40 %: green today).
    ``co_units=[...]`` sets the co-units."""

    _tenant_parents = ("key_task", "lead_unit", "phase", "responsible_user")

    class Meta:
        model = SubTask
        skip_postgeneration_save = True

    lead_unit = factory.SubFactory(MemberUnitFactory)
    consortium = factory.SelfAttribute("lead_unit.consortium")
    key_task = factory.SubFactory(KeyTaskFactory, consortium=factory.SelfAttribute("..consortium"))
    phase = None
    code = factory.Sequence(lambda n: f"{n}.1")
    title = factory.Sequence(lambda n: f"子任务{n}")
    description = "按计划推进。"
    responsible_person = "张三"
    responsible_user = None
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=60))
    deadline = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=120))
    deliverables = "工作方案"
    evidence_required = "会议纪要"
    cadence = Cadence.MONTHLY
    status = TaskStatus.IN_PROGRESS
    progress = 40

    @factory.post_generation
    def co_units(self, create: bool, extracted: list | None, **kwargs) -> None:
        if create and extracted:
            self.co_units.set(extracted)


class ProgressReturnFactory(TenantFactory):
    """A return of the sub-task's lead unit (``unit=`` for a co-unit — add it to the sub-task's co-units)."""

    _tenant_parents = ("subtask", "unit", "submitted_by")

    class Meta:
        model = ProgressReturn

    subtask = factory.SubFactory(SubTaskFactory)
    consortium = factory.SelfAttribute("subtask.consortium")
    unit = factory.SelfAttribute("subtask.lead_unit")
    reported_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=3))
    progress = 40
    text = "按计划推进，完成阶段性工作。"
    problems = ""
    next_steps = "继续推进。"
    submitted_by = None


class ProgressEvidenceFactory(TenantFactory):
    """Evidence of a return; ``unit`` copies the return's unit. The file is only a stored name (nothing is written
    to MEDIA_ROOT, like the other factories): pass ``file=ContentFile(b"...", name="x.pdf")`` for a real file."""

    _tenant_parents = ("progress_return", "unit")

    class Meta:
        model = ProgressEvidence

    progress_return = factory.SubFactory(ProgressReturnFactory)
    consortium = factory.SelfAttribute("progress_return.consortium")
    unit = factory.SelfAttribute("progress_return.unit")
    file = factory.Sequence(lambda n: f"leadership/test/evidence/evidence{n}.pdf")
    description = "会议纪要"


class SupervisionEvaluationFactory(TenantFactory):
    """An evaluation of ``unit`` (score 85: 良好), without a sub-task unless ``subtask=`` is given."""

    _tenant_parents = ("unit", "subtask", "evaluator")

    class Meta:
        model = SupervisionEvaluation

    unit = factory.SubFactory(MemberUnitFactory)
    consortium = factory.SelfAttribute("unit.consortium")
    subtask = None
    period_label = "2025年第二季度"
    evaluated_on = date(2025, 7, 10)
    score = Decimal("85.0")
    comments = "推进有力。"
    evaluator = None


class TaskReminderFactory(TenantFactory):
    _tenant_parents = ("subtask",)

    class Meta:
        model = TaskReminder

    subtask = factory.SubFactory(SubTaskFactory)
    consortium = factory.SelfAttribute("subtask.consortium")
    kind = ReminderKind.OVERDUE
    sent_on = factory.LazyFunction(timezone.localdate)
    recipients = 2


class KpiRefreshFactory(TenantFactory):
    """A finished refresh."""

    class Meta:
        model = KpiRefresh

    consortium = factory.SubFactory(ConsortiumFactory)
    status = RefreshStatus.DONE
    trigger = "manual"
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyAttribute(lambda o: o.started_at + timedelta(seconds=2))
    facts = 10
    duration_ms = 2000


class KpiFactFactory(TenantFactory):
    """A fact of ``unit`` (``unit=None``: consortium-wide; then pass ``consortium=``)."""

    _tenant_parents = ("unit",)

    class Meta:
        model = KpiFact

    unit = factory.SubFactory(MemberUnitFactory)
    consortium = factory.LazyAttribute(lambda o: o.unit.consortium if o.unit is not None else ConsortiumFactory())
    year = 2025
    metric = factory.Sequence(lambda n: f"test.metric_{n}")
    dimension = ""
    label = ""
    value = Decimal("12.0000")
    computed_at = factory.LazyFunction(timezone.now)


class ReportScheduleFactory(TenantFactory):
    """A schedule of ``kind`` (get-or-create per consortium and kind: the kinds are unique). No beat entry."""

    class Meta:
        model = ReportSchedule
        django_get_or_create = ("consortium", "kind")
        skip_postgeneration_save = True

    consortium = factory.SubFactory(ConsortiumFactory)
    kind = factory.LazyFunction(lambda: next(_REPORT_KINDS))
    enabled = True
    minute = "0"
    hour = "8"
    day_of_week = "1"

    @factory.post_generation
    def recipients(self, create: bool, extracted: list | None, **kwargs) -> None:
        if create and extracted:
            self.recipients.set(extracted)


class ReportFactory(TenantFactory):
    """A generated (done) weekly report of ``unit`` (``unit=None``: consortium-wide; then pass ``consortium=``),
    without files. Versions are unique per kind/period/scope: give ``version=`` or ``period_start=`` when making
    several of one scope."""

    _tenant_parents = ("unit", "schedule")

    class Meta:
        model = Report

    unit = factory.SubFactory(MemberUnitFactory)
    consortium = factory.LazyAttribute(lambda o: o.unit.consortium if o.unit is not None else ConsortiumFactory())
    kind = ReportKind.WEEKLY_TASKS
    period_start = factory.Sequence(lambda n: date(2025, 1, 6) + timedelta(weeks=n % 500))
    period_end = factory.LazyAttribute(lambda o: o.period_start + timedelta(days=6))
    version = 1
    status = ReportStatus.DONE
    progress = 100
    content = factory.LazyFunction(lambda: {"title": "任务进展周报"})
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)


class ReportDeliveryFactory(TenantFactory):
    _tenant_parents = ("report", "member")

    class Meta:
        model = ReportDelivery

    report = factory.SubFactory(ReportFactory)
    consortium = factory.SelfAttribute("report.consortium")
    member = None
    email = factory.Sequence(lambda n: f"recipient{n}@example.com")
    sent_at = factory.LazyFunction(timezone.now)


# --- builders for the isolation suite (contract in tests/factories/__init__.py) --------------------------------


def _fresh_unit(consortium: Consortium) -> MemberUnit:
    """A unit of ``consortium`` that no actor of the isolation world belongs to."""
    return MemberUnitFactory(consortium=consortium)


def _subtask_led_by(unit: MemberUnit, **kwargs) -> SubTask:
    return SubTaskFactory(lead_unit=unit, key_task=KeyTaskFactory(consortium=unit.consortium), **kwargs)


@register(LeadershipGroup)
def build_group(consortium: Consortium, unit: MemberUnit) -> LeadershipGroup:
    return LeadershipGroupFactory(consortium=consortium)


@register(GroupMember)
def build_member(consortium: Consortium, unit: MemberUnit) -> GroupMember:
    return GroupMemberFactory(group=LeadershipGroupFactory(consortium=consortium), unit=unit, scope_unit=unit)


@register(JointMeeting)
def build_meeting(consortium: Consortium, unit: MemberUnit) -> JointMeeting:
    group = LeadershipGroupFactory(consortium=consortium)
    member = GroupMemberFactory(group=group, unit=unit)
    return JointMeetingFactory(group=group, convener=member, attendees=[member], subtasks=[_subtask_led_by(unit)])


@register(PlanPhase)
def build_phase(consortium: Consortium, unit: MemberUnit) -> PlanPhase:
    return PlanPhaseFactory(consortium=consortium)


@register(KeyTask)
def build_key_task(consortium: Consortium, unit: MemberUnit) -> KeyTask:
    return KeyTaskFactory(consortium=consortium)


@register(SubTask)
def build_subtask(consortium: Consortium, unit: MemberUnit) -> SubTask:
    return _subtask_led_by(unit, phase=PlanPhaseFactory(consortium=consortium), co_units=[_fresh_unit(consortium)])


@register(ProgressReturn)
def build_return(consortium: Consortium, unit: MemberUnit) -> ProgressReturn:
    subtask = _subtask_led_by(_fresh_unit(consortium), co_units=[unit])
    return ProgressReturnFactory(subtask=subtask, unit=unit)


@register(ProgressEvidence)
def build_evidence(consortium: Consortium, unit: MemberUnit) -> ProgressEvidence:
    co_unit = _fresh_unit(consortium)
    subtask = _subtask_led_by(unit, co_units=[co_unit])
    return ProgressEvidenceFactory(progress_return=ProgressReturnFactory(subtask=subtask, unit=co_unit))


@register(SupervisionEvaluation)
def build_evaluation(consortium: Consortium, unit: MemberUnit) -> SupervisionEvaluation:
    return SupervisionEvaluationFactory(unit=unit, subtask=_subtask_led_by(unit))


@register(TaskReminder)
def build_reminder(consortium: Consortium, unit: MemberUnit) -> TaskReminder:
    return TaskReminderFactory(subtask=_subtask_led_by(unit))


@register(KpiRefresh)
def build_kpi_refresh(consortium: Consortium, unit: MemberUnit) -> KpiRefresh:
    return KpiRefreshFactory(consortium=consortium)


@register(KpiFact)
def build_kpi_fact(consortium: Consortium, unit: MemberUnit) -> KpiFact:
    KpiFactFactory(unit=None, consortium=consortium)  # the consortium-wide companion (see the module docstring)
    return KpiFactFactory(unit=unit)


@register(ReportSchedule)
def build_schedule(consortium: Consortium, unit: MemberUnit) -> ReportSchedule:
    return ReportScheduleFactory(consortium=consortium)


@register(Report)
def build_report(consortium: Consortium, unit: MemberUnit) -> Report:
    ReportFactory(unit=None, consortium=consortium)  # the consortium-wide companion (see the module docstring)
    return ReportFactory(unit=unit)


@register(ReportDelivery)
def build_delivery(consortium: Consortium, unit: MemberUnit) -> ReportDelivery:
    member = GroupMemberFactory(group=LeadershipGroupFactory(consortium=consortium), scope_unit=unit)
    return ReportDeliveryFactory(report=ReportFactory(unit=unit), member=member, email=member.email)
