"""The leadership part of ``manage.py load_demo`` (``consortium/leadership/demo.py``): the county plan as data
(leadership group, joint meetings, three phases, nine key tasks decomposed into sub-tasks), progress returns that
give the task board every colour, supervision evaluations; idempotent, Baoqing only.

The demo is loaded once for the class (slow); evidence files go to a temporary MEDIA_ROOT.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from collections import Counter
from io import StringIO

from django.core.management import call_command
from django.db.models import F
from django.test import TestCase, override_settings
from django.utils import timezone

from consortium.leadership import demo as leadership_demo
from consortium.leadership import rules
from consortium.leadership.choices import GroupRole, Rag, TaskStatus
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
from consortium.tenancy.choices import UnitRole
from consortium.tenancy.demo import domains
from consortium.tenancy.models import Consortium, UnitMembership

MODELS = (
    LeadershipGroup,
    GroupMember,
    JointMeeting,
    PlanPhase,
    KeyTask,
    SubTask,
    ProgressReturn,
    ProgressEvidence,
    SupervisionEvaluation,
    TaskReminder,
    KpiRefresh,
    KpiFact,
    ReportSchedule,
    Report,
    ReportDelivery,
)
MEDIA = tempfile.mkdtemp(prefix="leadership-demo-")


def _load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _state() -> dict[str, list]:
    """Every leadership row (pk + every concrete field + m2m ids): a rerun must neither create nor rewrite rows."""
    state = {}
    for model in MODELS:
        rows = []
        for row in model.objects.order_by("pk"):
            values = tuple(str(getattr(row, f.attname)) for f in model._meta.concrete_fields)
            m2m = tuple(
                tuple(sorted(getattr(row, f.name).values_list("pk", flat=True))) for f in model._meta.many_to_many
            )
            rows.append(values + m2m)
        state[model.__name__] = rows
    return state


def _rag(subtask: SubTask) -> str:
    return rules.rag_status(
        today=timezone.localdate(), starts_on=subtask.starts_on, deadline=subtask.deadline,
        progress=subtask.progress, status=subtask.status,
    )


@override_settings(MEDIA_ROOT=MEDIA)
class LeadershipDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = _load()
        cls.baoqing = Consortium.objects.get(name="宝清县产教联合体")
        cls.raohe = Consortium.objects.get(name="饶河县产教联合体")

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def subtasks(self):
        return SubTask.objects.for_consortium(self.baoqing.pk).select_related("lead_unit", "key_task", "phase")

    def test_discovered_by_load_demo(self):
        found = {demo.app_label: demo for demo in domains.discover()}
        assert found["leadership"].load is leadership_demo.load
        assert list(found)[-1] == "leadership"  # runs after every domain demo it reads
        assert "leadership: 领导小组成员 9" in self.output

    def test_second_run_creates_and_changes_nothing(self):
        before = _state()
        assert before["SubTask"] and before["ProgressReturn"]
        _load()
        assert _state() == before

    def test_leadership_group_with_head_deputies_departments_and_office(self):
        group = LeadershipGroup.objects.for_consortium(self.baoqing.pk).get()
        assert "联席会议" in group.joint_meeting_rules and group.responsibilities
        members = list(GroupMember.objects.for_consortium(self.baoqing.pk).filter(group=group))
        roles = Counter(m.role for m in members)
        assert roles[GroupRole.HEAD] == 1 and roles[GroupRole.DEPUTY] >= 2 and roles[GroupRole.OFFICE] == 1
        head = next(m for m in members if m.role == GroupRole.HEAD)
        assert head.user is not None and head.user.username == "official" and "县长" in head.position
        departments = {m.department for m in members}
        for department in ("县教育局", "县发改局", "县工信局", "县人社局", "县财政局", "县科技局"):
            assert department in departments, department
        # the government departments of the demo are linked as units; 科技局 has no demo unit
        linked = {m.department: m.unit for m in members if m.unit is not None}
        assert linked["县财政局"].name == "宝清县财政局"
        assert all(m.email.endswith("@example.com") for m in members)
        assert any(m.scope_unit is not None for m in members)  # a unit-scoped report recipient

    def test_joint_meetings_with_attendees_and_tasks(self):
        meetings = list(JointMeeting.objects.for_consortium(self.baoqing.pk))
        assert 2 <= len(meetings) <= 3
        for meeting in meetings:
            assert meeting.convener is not None and meeting.convener.role == GroupRole.HEAD
            assert meeting.attendees.count() >= 5 and meeting.subtasks.exists() and meeting.decisions
            assert meeting.held_on <= timezone.localdate()

    def test_three_phases_of_section_four(self):
        phases = list(PlanPhase.objects.for_consortium(self.baoqing.pk).order_by("number"))
        assert [p.number for p in phases] == [1, 2, 3]
        assert phases[0].name == "打基础、建机制" and phases[1].name == "强功能、出成果"
        assert phases[0].starts_on.year == 2024 and "到2025年" in phases[0].goals
        assert all(p.ends_on >= p.starts_on and p.goals for p in phases)

    def test_nine_key_tasks_of_section_three_each_decomposed(self):
        tasks = list(KeyTask.objects.for_consortium(self.baoqing.pk).order_by("number"))
        assert [t.number for t in tasks] == list(range(1, 10))
        assert [t.plan_section for t in tasks] == [f"三（{n}）" for n in "一二三四五六七八九"]
        assert tasks[1].title == "组建以政府及产业园区为基础的县域产教联合体"
        per_task = Counter(s.key_task_id for s in self.subtasks())
        assert all(2 <= per_task[t.pk] <= 4 for t in tasks), per_task

    def test_every_subtask_has_lead_unit_responsible_person_and_requirements(self):
        subtasks = list(self.subtasks())
        assert len(subtasks) >= 18
        for subtask in subtasks:
            assert subtask.lead_unit.consortium_id == self.baoqing.pk, subtask.code
            assert subtask.responsible_person, subtask.code
            assert subtask.deliverables and subtask.evidence_required and subtask.phase is not None, subtask.code
            assert subtask.deadline >= subtask.starts_on
            assert subtask.co_units.exists(), subtask.code
            subtask.full_clean()
        # the demo accounts are linked as responsible users where their unit leads
        admins = dict(
            UnitMembership.objects.for_consortium(self.baoqing.pk)
            .filter(role=UnitRole.UNIT_ADMIN).values_list("unit_id", "user_id")
        )
        school_led = [s for s in subtasks if s.lead_unit_id in admins and s.responsible_person == "高振宇"]
        assert school_led and all(s.responsible_user_id == admins[s.lead_unit_id] for s in school_led)

    def test_the_board_shows_every_colour(self):
        rags = Counter(_rag(s) for s in self.subtasks())
        for colour in (Rag.RED, Rag.AMBER, Rag.GREEN, Rag.DONE, Rag.NOT_STARTED):
            assert rags[colour] >= 1, rags
        assert rags[Rag.RED] >= 2 and rags[Rag.DONE] >= 3
        overdue = [s for s in self.subtasks() if rules.is_overdue(
            today=timezone.localdate(), deadline=s.deadline, progress=s.progress, status=s.status)]
        assert overdue

    def test_subtasks_follow_their_latest_return(self):
        returns = ProgressReturn.objects.for_consortium(self.baoqing.pk)
        assert returns.count() >= 40
        for subtask in self.subtasks():
            latest = returns.filter(subtask=subtask).order_by("-reported_on", "-id").first()
            if latest is None:
                assert subtask.status == TaskStatus.NOT_STARTED and subtask.progress == 0, subtask.code
                continue
            assert (subtask.progress, subtask.last_return_on) == (latest.progress, latest.reported_on), subtask.code
            assert latest.reported_on <= timezone.localdate()
            if subtask.status == TaskStatus.COMPLETED:
                assert subtask.progress == 100 and subtask.completed_on == latest.reported_on
        for row in returns.select_related("subtask"):
            lead_or_co = {row.subtask.lead_unit_id, *row.subtask.co_units.values_list("pk", flat=True)}
            assert row.unit_id in lead_or_co
            assert row.reported_on >= row.subtask.starts_on
        assert returns.exclude(unit_id=F("subtask__lead_unit_id")).exists()  # some returns come from co-units
        assert returns.exclude(problems="").exists() and returns.exclude(next_steps="").exists()

    def test_evidence_files_are_stored(self):
        evidence = list(ProgressEvidence.objects.for_consortium(self.baoqing.pk).select_related("progress_return"))
        assert len(evidence) >= 5
        for item in evidence:
            assert item.unit_id == item.progress_return.unit_id
            assert item.file.name.endswith(".xlsx") and item.file.size > 0

    def test_evaluations_per_unit_with_scores_grades_and_comments(self):
        evaluations = list(SupervisionEvaluation.objects.for_consortium(self.baoqing.pk))
        assert len(evaluations) >= 8 and len({e.unit_id for e in evaluations}) >= 5
        grades = {e.grade for e in evaluations}
        assert {"excellent", "good", "pass", "fail"} <= grades
        for evaluation in evaluations:
            assert evaluation.grade == rules.grade_for(evaluation.score) and evaluation.comments
            assert evaluation.evaluator is not None and evaluation.evaluated_on <= timezone.localdate()
        assert any(e.subtask_id is None for e in evaluations) and any(e.subtask_id for e in evaluations)

    def test_other_consortium_gets_no_plan(self):
        for model in (LeadershipGroup, KeyTask, SubTask, ProgressReturn, SupervisionEvaluation):
            assert not model.objects.for_consortium(self.raohe.pk).exists(), model.__name__

    def test_kpis_refreshed_when_the_kpi_module_exists(self):
        if importlib.util.find_spec("consortium.leadership.kpis.refresh") is None:
            self.skipTest("consortium.leadership.kpis.refresh not written yet")
        refreshes = KpiRefresh.objects.for_consortium(self.baoqing.pk)
        assert refreshes.count() == 1 and refreshes.get().trigger == "demo", "kpi refresh failed: " + self.output
        assert KpiFact.objects.for_consortium(self.baoqing.pk).exists()


    def test_default_report_schedules_when_the_reports_module_has_them(self):
        from consortium.leadership.reports import services as report_services

        if not hasattr(report_services, "report_schedules_ensure"):
            self.skipTest("reports.services.report_schedules_ensure not written yet")
        schedules = list(ReportSchedule.objects.for_consortium(self.baoqing.pk))
        assert {s.kind for s in schedules} == {"weekly_tasks", "monthly_kpi", "annual"}
        members = GroupMember.objects.for_consortium(self.baoqing.pk)
        receivers = set(members.filter(receives_reports=True).values_list("pk", flat=True))
        for schedule in schedules:
            assert set(schedule.recipients.values_list("pk", flat=True)) == receivers
