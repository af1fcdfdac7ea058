"""Services of the plan and task supervision: secretariat-only writes (officials, unit users and other consortia are
refused and nothing changes), same-consortium checks, progress returns (who may report, lead/co-unit only, files
checked all-or-nothing, the sub-task follows its latest return), evaluations and status changes.

``build_world`` is shared by the other task test modules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from consortium.leadership import services
from consortium.leadership.choices import Cadence, EvaluationGrade, GroupRole, TaskStatus
from consortium.leadership.models import (
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
from consortium.tenancy.models import Consortium, MemberUnit, User
from tests.factories.tenancy import ConsortiumFactory, MemberUnitFactory, UnitMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@dataclass
class World:
    a: Consortium
    b: Consortium
    lead: MemberUnit  # leads T
    co: MemberUnit  # co-operates on T
    other: MemberUnit  # leads T2, not involved in T
    foreign: MemberUnit  # consortium B
    sec: User
    off: User
    lead_admin: User
    lead_staff: User
    co_staff: User
    other_admin: User
    b_sec: User
    foreign_admin: User
    group: LeadershipGroup
    phase: PlanPhase
    key: KeyTask
    task: SubTask  # T
    task2: SubTask  # T2
    b_key: KeyTask
    b_task: SubTask
    today: date


def make_subtask(key: KeyTask, lead: MemberUnit, *, today: date, co=(), **kw: Any) -> SubTask:
    fields = dict(
        consortium=key.consortium, key_task=key, title="子任务", lead_unit=lead, responsible_person="张三",
        starts_on=today - timedelta(days=30), deadline=today + timedelta(days=30), cadence=Cadence.MONTHLY,
    ) | kw
    task = SubTask.objects.create(**fields)
    task.co_units.set(co)
    return task


def build_world() -> World:
    today = timezone.localdate()
    a, b = ConsortiumFactory(name="甲联合体"), ConsortiumFactory(name="乙联合体")
    lead = MemberUnitFactory(consortium=a, name="牵头职校")
    co = MemberUnitFactory(consortium=a, name="配合企业")
    other = MemberUnitFactory(consortium=a, name="其他单位")
    foreign = MemberUnitFactory(consortium=b, name="乙县单位")
    group = LeadershipGroup.objects.create(consortium=a, name="甲县领导小组", joint_meeting_rules="每季度召开一次")
    phase = PlanPhase.objects.create(
        consortium=a, number=1, name="打基础、建机制", starts_on=today - timedelta(days=100),
        ends_on=today + timedelta(days=200), goals="建立机制",
    )
    key = KeyTask.objects.create(consortium=a, number=1, title="建设实体化运行的联合体")
    b_key = KeyTask.objects.create(consortium=b, number=1, title="乙县重点任务")
    lead_staff = UnitMembershipFactory(unit=lead, user__username="lead_staff").user
    w = World(
        a=a, b=b, lead=lead, co=co, other=other, foreign=foreign,
        sec=UserFactory(consortium=a, secretariat=True, username="sec"),
        off=UserFactory(consortium=a, official=True, username="off"),
        lead_admin=UnitMembershipFactory(unit=lead, admin=True, user__username="lead_admin").user,
        lead_staff=lead_staff,
        co_staff=UnitMembershipFactory(unit=co, user__username="co_staff").user,
        other_admin=UnitMembershipFactory(unit=other, admin=True, user__username="other_admin").user,
        b_sec=UserFactory(consortium=b, secretariat=True, username="b_sec"),
        foreign_admin=UnitMembershipFactory(unit=foreign, admin=True, user__username="foreign_admin").user,
        group=group, phase=phase, key=key,
        task=make_subtask(key, lead, today=today, co=[co], code="1.1", title="组建理事会", phase=phase,
                          responsible_user=lead_staff, progress=50, status=TaskStatus.IN_PROGRESS),
        task2=make_subtask(key, other, today=today, code="1.2", title="制定章程", progress=50,
                           status=TaskStatus.IN_PROGRESS),
        b_key=b_key,
        b_task=make_subtask(b_key, foreign, today=today, code="B1", title="乙县任务"),
        today=today,
    )
    return w


@pytest.fixture
def w() -> World:
    return build_world()


def snapshot(task: SubTask) -> tuple:
    task = SubTask.objects.get(pk=task.pk)
    return (task.title, task.status, task.progress, task.last_return_on, task.completed_on, task.lead_unit_id,
            sorted(task.co_units.values_list("pk", flat=True)))


def pdf(name: str = "evidence.pdf", size: int = 100) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 " + b"x" * size, content_type="application/pdf")


def submit(w: World, actor: User, unit: MemberUnit | None = None, task: SubTask | None = None, **kw: Any):
    fields = dict(
        actor=actor, subtask=task or w.task, unit=unit or w.lead, reported_on=w.today, progress=40,
        text="已召开筹备会议", problems="", next_steps="起草章程",
    ) | kw
    return services.progress_return_submit(**fields)


# --- secretariat-only plan writes ---------------------------------------------------------------------------------


def test_secretariat_creates_plan_rows(w):
    phase = services.phase_create(
        actor=w.sec, consortium_id=w.a.pk, number=2, name="强功能、出成果", starts_on=w.today,
        ends_on=w.today + timedelta(days=300),
    )
    key = services.key_task_create(actor=w.sec, consortium_id=w.a.pk, number=2, title="打造开放型实践中心")
    task = services.subtask_create(
        actor=w.sec, key_task=key, phase=phase, code="2.1", title="建设公共实训基地", lead_unit=w.lead,
        responsible_person="李四", starts_on=w.today, deadline=w.today + timedelta(days=90),
        cadence=Cadence.WEEKLY, co_units=[w.co, w.other],
    )
    assert task.consortium_id == w.a.pk
    assert set(task.co_units.all()) == {w.co, w.other}
    member = services.member_create(
        actor=w.sec, group=w.group, role=GroupRole.HEAD, name="王县长", department="县政府", email="wang@example.com"
    )
    meeting = services.meeting_create(
        actor=w.sec, group=w.group, title="第一次联席会议", held_on=w.today, convener=member, attendees=[member],
        subtasks=[task],
    )
    assert list(meeting.attendees.all()) == [member]
    assert list(meeting.subtasks.all()) == [task]


@pytest.mark.parametrize("who", ["off", "lead_admin", "lead_staff", "b_sec"])
def test_plan_writes_refused_to_everyone_but_the_secretariat(w, who):
    actor = getattr(w, who)
    before = (snapshot(w.task), PlanPhase.objects.count(), KeyTask.objects.count(), SubTask.objects.count(),
              GroupMember.objects.count(), JointMeeting.objects.count(), LeadershipGroup.objects.count())
    calls = [
        lambda: services.phase_create(actor=actor, consortium_id=w.a.pk, number=5, name="x", starts_on=w.today,
                                      ends_on=w.today),
        lambda: services.key_task_create(actor=actor, consortium_id=w.a.pk, number=5, title="x"),
        lambda: services.subtask_create(actor=actor, key_task=w.key, title="x", lead_unit=w.lead,
                                        responsible_person="x", starts_on=w.today, deadline=w.today),
        lambda: services.subtask_update(actor=actor, subtask=w.task, title="改名"),
        lambda: services.subtask_set_status(actor=actor, subtask=w.task, status=TaskStatus.COMPLETED),
        lambda: services.member_create(actor=actor, group=w.group, name="x"),
        lambda: services.meeting_create(actor=actor, group=w.group, title="x", held_on=w.today),
        lambda: services.group_update(actor=actor, group=w.group, name="改名"),
        lambda: services.group_create(actor=actor, consortium_id=w.a.pk, name="第二个"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    after = (snapshot(w.task), PlanPhase.objects.count(), KeyTask.objects.count(), SubTask.objects.count(),
             GroupMember.objects.count(), JointMeeting.objects.count(), LeadershipGroup.objects.count())
    assert after == before
    assert LeadershipGroup.objects.get(pk=w.group.pk).name == "甲县领导小组"


def test_subtask_units_must_be_of_the_same_consortium(w):
    before = SubTask.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.subtask_create(
            actor=w.sec, key_task=w.key, title="x", lead_unit=w.foreign, responsible_person="x",
            starts_on=w.today, deadline=w.today,
        )
    assert "lead_unit" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.subtask_create(
            actor=w.sec, key_task=w.key, title="x", lead_unit=w.lead, responsible_person="x",
            starts_on=w.today, deadline=w.today, co_units=[w.foreign],
        )
    assert "co_units" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.subtask_create(
            actor=w.sec, key_task=w.key, title="x", lead_unit=w.lead, responsible_person="x",
            starts_on=w.today, deadline=w.today, responsible_user=w.foreign_admin,
        )
    assert "responsible_user" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # the lead unit cannot also co-operate
        services.subtask_create(
            actor=w.sec, key_task=w.key, title="x", lead_unit=w.lead, responsible_person="x",
            starts_on=w.today, deadline=w.today, co_units=[w.lead],
        )
    assert "co_units" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # deadline before the start
        services.subtask_create(
            actor=w.sec, key_task=w.key, title="x", lead_unit=w.lead, responsible_person="x",
            starts_on=w.today, deadline=w.today - timedelta(days=1),
        )
    assert "deadline" in exc.value.message_dict
    # the secretariat of B cannot put a task under A's key task
    with pytest.raises(PermissionDenied):
        services.subtask_create(
            actor=w.b_sec, key_task=w.key, title="x", lead_unit=w.foreign, responsible_person="x",
            starts_on=w.today, deadline=w.today,
        )
    assert SubTask.objects.count() == before


def test_phase_and_key_task_numbers_unique_with_field_message(w):
    with pytest.raises(ValidationError) as exc:
        services.phase_create(actor=w.sec, consortium_id=w.a.pk, number=1, name="重复", starts_on=w.today,
                              ends_on=w.today)
    assert exc.value.message_dict["number"] == ["该阶段序号已存在。"]
    with pytest.raises(ValidationError) as exc:
        services.key_task_create(actor=w.sec, consortium_id=w.a.pk, number=1, title="重复")
    assert exc.value.message_dict["number"] == ["该任务序号已存在。"]
    # the same number in another consortium is fine
    services.key_task_create(actor=w.b_sec, consortium_id=w.b.pk, number=2, title="乙县第二项")
    with pytest.raises(ValidationError):
        services.group_create(actor=w.sec, consortium_id=w.a.pk, name="第二个小组")
    assert LeadershipGroup.objects.for_consortium(w.a.pk).count() == 1


def test_meeting_attendees_must_be_group_members(w):
    b_group = LeadershipGroup.objects.create(consortium=w.b, name="乙县领导小组")
    stranger = GroupMember.objects.create(consortium=w.b, group=b_group, name="外人")
    with pytest.raises(ValidationError) as exc:
        services.meeting_create(actor=w.sec, group=w.group, title="会", held_on=w.today, attendees=[stranger])
    assert "attendees" in exc.value.message_dict
    assert JointMeeting.objects.count() == 0


# --- progress returns ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who,unit", [("lead_admin", "lead"), ("lead_staff", "lead"), ("co_staff", "co")])
def test_lead_and_co_units_report_progress(w, who, unit):
    record = submit(w, getattr(w, who), unit=getattr(w, unit), progress=45)
    task = SubTask.objects.get(pk=w.task.pk)
    assert record.unit == getattr(w, unit) and record.submitted_by == getattr(w, who)
    assert (task.progress, task.last_return_on, task.status) == (45, w.today, TaskStatus.IN_PROGRESS)


@pytest.mark.parametrize(
    "who,unit,error",
    [
        ("off", "lead", PermissionDenied),  # officials never write
        ("sec", "lead", PermissionDenied),  # the secretariat does not report on a unit's behalf
        ("other_admin", "lead", PermissionDenied),  # not a member of the reporting unit
        ("other_admin", "other", ValidationError),  # own unit, but not lead/co-unit of T
        ("co_staff", "lead", PermissionDenied),  # member of the co-unit reporting as the lead unit
        ("foreign_admin", "foreign", ValidationError),  # another consortium's unit
        ("b_sec", "lead", PermissionDenied),
    ],
)
def test_denied_returns_change_nothing(w, who, unit, error):
    before = (snapshot(w.task), ProgressReturn.objects.count(), ProgressEvidence.objects.count())
    with pytest.raises(error):
        submit(w, getattr(w, who), unit=getattr(w, unit), files=[pdf()])
    assert (snapshot(w.task), ProgressReturn.objects.count(), ProgressEvidence.objects.count()) == before


def test_return_with_evidence_files(w, tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        record = submit(w, w.lead_staff, files=[pdf("会议纪要.pdf"), (pdf("照片.jpg"), "现场照片")])
        evidence = list(record.evidence.order_by("id"))
        assert [e.filename for e in evidence] == ["会议纪要.pdf", "照片.jpg"]
        assert [e.description for e in evidence] == ["", "现场照片"]
        assert all(e.unit_id == w.lead.pk and e.consortium_id == w.a.pk for e in evidence)
        assert evidence[0].file.read().startswith(b"%PDF")


@pytest.mark.parametrize(
    "upload,fragment",
    [
        (SimpleUploadedFile("病毒.exe", b"MZ" * 10), "exe"),
        (SimpleUploadedFile("脚本.html", b"<script>"), "html"),
    ],
)
def test_bad_extension_is_a_field_error_and_nothing_is_saved(w, tmp_path, upload, fragment):
    before = (snapshot(w.task), ProgressReturn.objects.count(), ProgressEvidence.objects.count())
    with override_settings(MEDIA_ROOT=tmp_path):
        with pytest.raises(ValidationError) as exc:
            submit(w, w.lead_staff, files=[pdf(), upload])
    assert list(exc.value.message_dict) == ["files"]
    assert fragment in " ".join(exc.value.message_dict["files"])
    assert (snapshot(w.task), ProgressReturn.objects.count(), ProgressEvidence.objects.count()) == before
    assert not any(tmp_path.rglob("*.pdf"))  # the valid file was not stored either


def test_too_large_file_is_a_field_error_and_nothing_is_saved(w, tmp_path):
    before = (snapshot(w.task), ProgressReturn.objects.count(), ProgressEvidence.objects.count())
    with override_settings(MEDIA_ROOT=tmp_path, ATTACHMENT_MAX_BYTES=1024):
        with pytest.raises(ValidationError) as exc:
            submit(w, w.lead_staff, files=[pdf(size=2048)])
        assert "附件过大" in exc.value.message_dict["files"][0]
        submit(w, w.lead_staff, files=[pdf(size=900)])  # under the limit: accepted
    assert ProgressReturn.objects.count() == before[1] + 1


def test_return_validation_messages(w):
    before = (snapshot(w.task), ProgressReturn.objects.count())
    for kwargs, field in [
        ({"progress": 101}, "progress"),
        ({"progress": -1}, "progress"),
        ({"progress": "50.5"}, "progress"),
        ({"text": "  "}, "text"),
        ({"reported_on": timezone.localdate() + timedelta(days=1)}, "reported_on"),
    ]:
        with pytest.raises(ValidationError) as exc:
            submit(w, w.lead_staff, **kwargs)
        assert field in exc.value.message_dict, kwargs
    assert (snapshot(w.task), ProgressReturn.objects.count()) == before


def test_subtask_follows_latest_return_and_completes_at_100(w):
    submit(w, w.lead_staff, progress=60, reported_on=w.today - timedelta(days=2))
    submit(w, w.co_staff, unit=w.co, progress=30, reported_on=w.today - timedelta(days=5))  # older: kept only
    task = SubTask.objects.get(pk=w.task.pk)
    assert (task.progress, task.last_return_on) == (60, w.today - timedelta(days=2))
    assert ProgressReturn.objects.filter(subtask=w.task).count() == 2
    submit(w, w.lead_staff, progress=100, reported_on=w.today)
    task = SubTask.objects.get(pk=w.task.pk)
    assert (task.progress, task.status, task.completed_on) == (100, TaskStatus.COMPLETED, w.today)
    with pytest.raises(ValidationError):  # a completed task takes no more returns
        submit(w, w.lead_staff, progress=90)


def test_suspended_task_takes_no_return(w):
    services.subtask_set_status(actor=w.sec, subtask=w.task, status=TaskStatus.SUSPENDED)
    with pytest.raises(ValidationError):
        submit(w, w.lead_staff)
    assert ProgressReturn.objects.count() == 0


def test_set_status_records_completion(w):
    task = services.subtask_set_status(actor=w.sec, subtask=w.task, status=TaskStatus.COMPLETED)
    assert (task.status, task.completed_on) == (TaskStatus.COMPLETED, w.today)
    task = services.subtask_set_status(actor=w.sec, subtask=w.task, status=TaskStatus.IN_PROGRESS)
    assert (task.status, task.completed_on) == (TaskStatus.IN_PROGRESS, None)
    with pytest.raises(ValidationError):
        services.subtask_set_status(actor=w.sec, subtask=w.task, status="bogus")


# --- evaluations --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("score,grade", [("59.9", EvaluationGrade.FAIL), ("60", EvaluationGrade.PASS),
                                         ("80", EvaluationGrade.GOOD), ("90", EvaluationGrade.EXCELLENT)])
def test_evaluation_grade_from_score(w, score, grade):
    ev = services.evaluation_create(
        actor=w.sec, unit=w.lead, subtask=w.task, period_label="2025年第一季度", evaluated_on=w.today,
        score=Decimal(score), comments="按期推进",
    )
    ev.refresh_from_db()
    assert (ev.grade, ev.evaluator, ev.consortium_id) == (grade, w.sec, w.a.pk)


@pytest.mark.parametrize("who", ["off", "lead_admin", "co_staff", "b_sec"])
def test_evaluation_refused_to_non_secretariat(w, who):
    with pytest.raises(PermissionDenied):
        services.evaluation_create(
            actor=getattr(w, who), unit=w.lead, period_label="Q1", evaluated_on=w.today, score=90
        )
    assert SupervisionEvaluation.objects.count() == 0


def test_evaluation_checks(w):
    for kwargs, field in [
        ({"score": 100.5}, "score"),
        ({"score": -1}, "score"),
        ({"score": "88.25"}, "score"),
        ({"period_label": " "}, "period_label"),
        ({"unit": w.other, "subtask": w.task}, "unit"),  # not lead/co-unit of the task
    ]:
        fields = dict(actor=w.sec, unit=w.lead, period_label="Q1", evaluated_on=w.today, score=90) | kwargs
        with pytest.raises(ValidationError) as exc:
            services.evaluation_create(**fields)
        assert field in exc.value.message_dict, kwargs
    with pytest.raises(ValidationError):  # a task of another consortium
        services.evaluation_create(actor=w.sec, unit=w.lead, subtask=w.b_task, period_label="Q1",
                                   evaluated_on=w.today, score=90)
    services.evaluation_create(actor=w.sec, unit=w.co, subtask=w.task, period_label="Q1", evaluated_on=w.today,
                               score=75)  # a co-unit may be evaluated on the task
    assert SupervisionEvaluation.objects.count() == 1
