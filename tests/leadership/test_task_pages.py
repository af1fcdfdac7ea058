"""Pages of the plan and task supervision: plan overview, the task board (my tasks by default, filters, invalid
values answered with a message, constant query count), the sub-task page (returns with evidence, the return form
only for lead/co-units, denied posts change nothing, bad files are field errors), evidence downloads through the
scope, secretariat-only editing, the group, meetings and evaluations (unit users see only their own unit's)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consortium.leadership import services
from consortium.leadership.choices import GroupRole, Rag, TaskStatus
from consortium.leadership.models import (
    GroupMember,
    JointMeeting,
    KeyTask,
    ProgressEvidence,
    ProgressReturn,
    SubTask,
    SupervisionEvaluation,
)
from tests.factories.tenancy import MemberUnitFactory

from .test_task_services import World, build_world, make_subtask, pdf, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    return build_world()


def url(name: str, **kwargs) -> str:
    return reverse(f"leadership:{name}", kwargs=kwargs or None)


def login(client, user):
    client.force_login(user)
    return client


def board(client, user, query: str = "") -> list[str]:
    response = login(client, user).get(url("task-list") + query)
    assert response.status_code == 200
    return [row.task.code for row in response.context["rows"]]


# --- plan -----------------------------------------------------------------------------------------------------------


def test_plan_overview(w, client):
    make_subtask(w.key, w.lead, today=w.today, code="1.3", deadline=w.today - timedelta(days=1))  # overdue
    response = login(client, w.off).get(url("plan"))
    assert response.status_code == 200
    item = next(i for i in response.context["key_tasks"] if i.key_task == w.key)
    assert item.total == 3 and item.overdue == 1 and item.rag[Rag.RED] == 1
    assert [p.pk for p in response.context["phases"]] == [w.phase.pk]
    assert response.context["phases"][0].subtask_count == 1
    content = response.content.decode()
    assert w.key.title in content and w.b_key.title not in content
    assert url("keytask-create") not in content  # officials get no editing links
    assert url("keytask-create") in login(client, w.sec).get(url("plan")).content.decode()


# --- board --------------------------------------------------------------------------------------------------------


def test_unit_users_land_on_my_tasks(w, client):
    assert board(client, w.lead_staff) == ["1.1"]
    assert board(client, w.co_staff) == ["1.1"]  # co-unit
    assert board(client, w.other_admin) == ["1.2"]
    assert sorted(board(client, w.other_admin, "?scope=all")) == ["1.1", "1.2"]
    assert sorted(board(client, w.sec)) == ["1.1", "1.2"]
    assert sorted(board(client, w.off)) == ["1.1", "1.2"]
    assert board(client, w.b_sec) == ["B1"]


def test_board_filters_and_overdue_first(w, client):
    late = make_subtask(w.key, w.lead, today=w.today, code="1.9", deadline=w.today - timedelta(days=3),
                        starts_on=w.today - timedelta(days=60))
    done = make_subtask(w.key, w.other, today=w.today, code="1.8", status=TaskStatus.COMPLETED, progress=100)
    assert board(client, w.sec)[0] == late.code  # overdue first
    assert board(client, w.sec, f"?unit={w.other.pk}") == sorted([w.task2.code, done.code], key=lambda c: c != "1.2")
    assert board(client, w.sec, "?rag=done") == ["1.8"]
    assert board(client, w.sec, "?overdue=1") == ["1.9"]
    assert board(client, w.sec, f"?rag=red&unit={w.lead.pk}") == ["1.9"]
    other_key = KeyTask.objects.create(consortium=w.a, number=2, title="第二项")
    make_subtask(other_key, w.lead, today=w.today, code="2.1")
    assert board(client, w.sec, f"?key_task={other_key.pk}") == ["2.1"]
    assert board(client, w.sec, f"?phase={w.phase.pk}") == ["1.1"]


@pytest.mark.parametrize(
    "query", ["?unit=abc", "?rag=purple", "?phase=99999999999999999999999", "?key_task=-1", "?key_task=1.5",
              "?unit=%s", "?page=999"],
)
def test_board_invalid_filters_answer_with_a_message(w, client, query):
    if "%s" in query:
        query = query % w.foreign.pk  # another consortium's unit is not a valid choice
    response = login(client, w.sec).get(url("task-list") + query)
    assert response.status_code == 200
    codes = sorted(row.task.code for row in response.context["rows"])
    assert codes == ["1.1", "1.2"]  # the invalid filter is ignored
    if "page" not in query:
        assert any("筛选条件无效" in str(m) for m in response.context["messages"])


def test_board_query_count_is_constant(w, client):
    login(client, w.sec)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("task-list")).status_code == 200
        return len(ctx)

    small = count()
    for i in range(30):
        unit = MemberUnitFactory(consortium=w.a)
        make_subtask(w.key, unit, today=w.today, code=f"9.{i}", co=[w.co, w.other],
                     deadline=w.today + timedelta(days=i - 10))
    large = count()
    assert large == small, (small, large)


def test_board_max_queries(w, client, django_assert_max_num_queries):
    login(client, w.lead_staff)
    for i in range(20):
        make_subtask(w.key, w.lead, today=w.today, code=f"8.{i}", co=[w.co])
    with django_assert_max_num_queries(12):
        assert client.get(url("task-list")).status_code == 200


# --- sub-task detail and returns ------------------------------------------------------------------------------------


def test_detail_shows_return_form_only_to_lead_and_co_units(w, client):
    for user, shown in [(w.lead_staff, True), (w.co_staff, True), (w.lead_admin, True), (w.other_admin, False),
                        (w.off, False), (w.sec, False)]:
        response = login(client, user).get(url("subtask-detail", pk=w.task.pk))
        assert response.status_code == 200
        assert (response.context["return_form"] is not None) == shown, user.username
    assert login(client, w.b_sec).get(url("subtask-detail", pk=w.task.pk)).status_code == 404


def test_submit_return_with_evidence_and_download(w, client, tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        response = login(client, w.co_staff).post(
            url("subtask-detail", pk=w.task.pk),
            {"unit": w.co.pk, "reported_on": w.today.isoformat(), "progress": 35, "text": "完成调研",
             "files": [pdf("调研报告.pdf"), pdf("签到表.pdf")]},
        )
        assert response.status_code == 302
        record = ProgressReturn.objects.get(subtask=w.task)
        assert (record.unit, record.progress) == (w.co, 35)
        assert SubTask.objects.get(pk=w.task.pk).progress == 35
        evidence = list(record.evidence.order_by("id"))
        assert [e.filename for e in evidence] == ["调研报告.pdf", "签到表.pdf"]
        page = login(client, w.lead_admin).get(url("subtask-detail", pk=w.task.pk)).content.decode()
        assert "完成调研" in page and url("evidence-download", pk=evidence[0].pk) in page
        # the reporting unit, the lead unit, the secretariat and officials download; others 404
        for user, status in [(w.co_staff, 200), (w.lead_admin, 200), (w.sec, 200), (w.off, 200),
                             (w.other_admin, 404), (w.b_sec, 404)]:
            got = login(client, user).get(url("evidence-download", pk=evidence[0].pk))
            assert got.status_code == status, user.username
            if status == 200:
                assert b"".join(got.streaming_content).startswith(b"%PDF")
        # another unit does not see the co-unit's return in the timeline
        page = login(client, w.other_admin).get(url("subtask-detail", pk=w.task.pk))
        assert page.context["returns"] == []


def test_bad_evidence_on_the_page_is_a_field_error(w, client, tmp_path):
    before = (snapshot(w.task), ProgressReturn.objects.count(), ProgressEvidence.objects.count())
    with override_settings(MEDIA_ROOT=tmp_path, ATTACHMENT_MAX_BYTES=1000):
        for upload, text in [(SimpleUploadedFile("x.exe", b"MZ"), "exe"), (pdf(size=5000), "附件过大")]:
            response = login(client, w.lead_staff).post(
                url("subtask-detail", pk=w.task.pk),
                {"unit": w.lead.pk, "reported_on": w.today.isoformat(), "progress": 50, "text": "进展",
                 "files": [upload]},
            )
            assert response.status_code == 200
            errors = response.context["return_form"].errors
            assert "files" in errors and text in " ".join(errors["files"])
    assert (snapshot(w.task), ProgressReturn.objects.count(), ProgressEvidence.objects.count()) == before


@pytest.mark.parametrize("who", ["other_admin", "off", "sec"])
def test_post_return_by_others_is_refused(w, client, who):
    before = (snapshot(w.task), ProgressReturn.objects.count())
    response = login(client, getattr(w, who)).post(
        url("subtask-detail", pk=w.task.pk),
        {"unit": w.lead.pk, "reported_on": w.today.isoformat(), "progress": 50, "text": "冒名报送"},
    )
    assert response.status_code == 403
    assert (snapshot(w.task), ProgressReturn.objects.count()) == before


def test_co_unit_cannot_report_as_lead_unit(w, client):
    response = login(client, w.co_staff).post(
        url("subtask-detail", pk=w.task.pk),
        {"unit": w.lead.pk, "reported_on": w.today.isoformat(), "progress": 50, "text": "x"},
    )
    assert response.status_code == 200 and "unit" in response.context["return_form"].errors
    assert ProgressReturn.objects.count() == 0


# --- secretariat editing ------------------------------------------------------------------------------------------


def test_subtask_create_edit_status_secretariat_only(w, client):
    data = {
        "key_task": w.key.pk, "phase": w.phase.pk, "code": "1.5", "title": "新建子任务", "lead_unit": w.lead.pk,
        "co_units": [w.co.pk], "responsible_person": "赵六", "starts_on": w.today.isoformat(),
        "deadline": (w.today + timedelta(days=60)).isoformat(), "cadence": "monthly",
    }
    for user in (w.lead_admin, w.off):
        assert login(client, user).get(url("subtask-create")).status_code == 403
        assert login(client, user).post(url("subtask-create"), data).status_code == 403
        assert login(client, user).get(url("subtask-edit", pk=w.task.pk)).status_code == 403
        before = snapshot(w.task)
        assert login(client, user).post(url("subtask-status", pk=w.task.pk), {"status": "completed"}).status_code \
            == 403
        assert snapshot(w.task) == before
    assert not SubTask.objects.filter(code="1.5").exists()
    response = login(client, w.sec).post(url("subtask-create"), data)
    task = SubTask.objects.get(code="1.5")
    assert response.status_code == 302 and list(task.co_units.all()) == [w.co]
    # a bad date range comes back as a field error
    bad = data | {"code": "1.6", "deadline": (w.today - timedelta(days=1)).isoformat()}
    response = login(client, w.sec).post(url("subtask-create"), bad)
    assert response.status_code == 200 and "deadline" in response.context["form"].errors
    # another consortium's unit is not a valid choice
    response = login(client, w.sec).post(url("subtask-create"), data | {"code": "1.7", "lead_unit": w.foreign.pk})
    assert response.status_code == 200 and "lead_unit" in response.context["form"].errors
    response = login(client, w.sec).post(url("subtask-edit", pk=task.pk), data | {"title": "改名后"})
    assert response.status_code == 302 and SubTask.objects.get(pk=task.pk).title == "改名后"
    login(client, w.sec).post(url("subtask-status", pk=task.pk), {"status": "completed"})
    assert SubTask.objects.get(pk=task.pk).status == TaskStatus.COMPLETED
    assert login(client, w.b_sec).get(url("subtask-edit", pk=task.pk)).status_code == 404


# --- group, meetings ------------------------------------------------------------------------------------------------


def test_group_page_and_member_editing(w, client):
    head = GroupMember.objects.create(consortium=w.a, group=w.group, role=GroupRole.HEAD, name="王县长",
                                      department="县政府")
    response = login(client, w.lead_staff).get(url("group"))
    assert response.status_code == 200
    assert response.context["members"] == [head]
    assert "每季度召开一次" in response.content.decode()
    assert login(client, w.lead_admin).get(url("member-create")).status_code == 403
    assert login(client, w.off).get(url("member-edit", pk=head.pk)).status_code == 403
    response = login(client, w.sec).post(url("member-create"), {
        "role": "deputy", "name": "李局长", "department": "教育局", "order": 2, "email": "li@example.com",
        "receives_reports": "on",
    })
    assert response.status_code == 302
    assert GroupMember.objects.filter(group=w.group, name="李局长", role="deputy").exists()
    response = login(client, w.sec).post(url("member-edit", pk=head.pk), {
        "role": "head", "name": "王县长", "position": "副县长", "department": "县政府", "order": 1,
    })
    assert response.status_code == 302 and GroupMember.objects.get(pk=head.pk).position == "副县长"
    assert login(client, w.b_sec).get(url("member-edit", pk=head.pk)).status_code == 404


def test_meetings(w, client):
    head = GroupMember.objects.create(consortium=w.a, group=w.group, role=GroupRole.HEAD, name="王县长")
    assert login(client, w.off).get(url("meeting-create")).status_code == 403
    response = login(client, w.sec).post(url("meeting-create"), {
        "title": "第一次联席会议", "held_on": w.today.isoformat(), "convener": head.pk, "attendees": [head.pk],
        "subtasks": [w.task.pk], "decisions": "成立工作专班",
    })
    assert response.status_code == 302
    meeting = JointMeeting.objects.get(title="第一次联席会议")
    response = login(client, w.co_staff).get(url("meeting-list"))
    assert [m.pk for m in response.context["meetings"]] == [meeting.pk]
    response = login(client, w.co_staff).get(url("meeting-detail", pk=meeting.pk))
    assert response.status_code == 200 and "成立工作专班" in response.content.decode()
    assert login(client, w.b_sec).get(url("meeting-detail", pk=meeting.pk)).status_code == 404
    assert login(client, w.b_sec).get(url("meeting-list")).context["meetings"].count() == 0
    detail = login(client, w.lead_staff).get(url("subtask-detail", pk=w.task.pk))
    assert detail.context["meetings"] == [meeting]


# --- evaluations --------------------------------------------------------------------------------------------------


def test_evaluations_visible_to_the_evaluated_unit_only(w, client):
    mine = services.evaluation_create(actor=w.sec, unit=w.lead, subtask=w.task, period_label="Q1",
                                      evaluated_on=w.today, score=Decimal("92"))
    theirs = services.evaluation_create(actor=w.sec, unit=w.other, period_label="Q1", evaluated_on=w.today,
                                        score=Decimal("58"))

    def listed(user, query=""):
        response = login(client, user).get(url("evaluation-list") + query)
        assert response.status_code == 200
        return {e.pk for e in response.context["evaluations"]}

    assert listed(w.lead_staff) == {mine.pk}
    assert listed(w.other_admin) == {theirs.pk}
    assert listed(w.co_staff) == set()
    assert listed(w.sec) == {mine.pk, theirs.pk}
    assert listed(w.off, "?grade=fail") == {theirs.pk}
    assert listed(w.b_sec) == set()
    assert listed(w.sec, "?unit=abc&grade=bogus") == {mine.pk, theirs.pk}


def test_evaluation_create_page(w, client):
    assert login(client, w.lead_admin).get(url("evaluation-create")).status_code == 403
    assert login(client, w.off).post(url("evaluation-create"), {}).status_code == 403
    page = login(client, w.sec).get(url("evaluation-create") + f"?subtask={w.task.pk}&unit={w.lead.pk}")
    assert page.status_code == 200 and page.context["form"].initial["subtask"] == w.task.pk
    data = {"unit": w.lead.pk, "subtask": w.task.pk, "period_label": "2025年上半年",
            "evaluated_on": w.today.isoformat(), "score": "80", "comments": "推进有力"}
    assert login(client, w.sec).post(url("evaluation-create"), data).status_code == 302
    assert SupervisionEvaluation.objects.get().grade == "good"
    response = login(client, w.sec).post(url("evaluation-create"), data | {"unit": w.other.pk})
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    assert SupervisionEvaluation.objects.count() == 1


def test_every_page_renders_for_the_secretariat_and_lists_for_the_platform_admin(w, client):
    from tests.factories.tenancy import UserFactory

    member = GroupMember.objects.create(consortium=w.a, group=w.group, role=GroupRole.HEAD, name="王县长")
    meeting = services.meeting_create(actor=w.sec, group=w.group, title="会", held_on=w.today, attendees=[member])
    pages = [
        url("plan"), url("task-list"), url("subtask-create"), url("subtask-detail", pk=w.task.pk),
        url("subtask-edit", pk=w.task.pk), url("phase-create"), url("phase-edit", pk=w.phase.pk),
        url("keytask-create"), url("keytask-edit", pk=w.key.pk), url("group"), url("group-edit"),
        url("member-create"), url("member-edit", pk=member.pk), url("meeting-list"), url("meeting-create"),
        url("meeting-detail", pk=meeting.pk), url("meeting-edit", pk=meeting.pk), url("evaluation-list"),
        url("evaluation-create"),
    ]
    login(client, w.sec)
    for page in pages:
        assert client.get(page).status_code == 200, page
    platform = UserFactory(platform_admin=True)
    login(client, platform)
    for page in (url("plan"), url("task-list"), url("group"), url("meeting-list"), url("evaluation-list"),
                 url("subtask-detail", pk=w.b_task.pk)):
        assert client.get(page).status_code == 200, page
    assert sorted(board(client, platform)) == ["1.1", "1.2", "B1"]
    # a consortium without a group: the secretariat is sent to found one first
    login(client, w.b_sec)
    assert client.get(url("group")).status_code == 200
    response = client.get(url("member-create"))
    assert response.status_code == 302 and response.url == url("group-edit")
    response = client.post(url("group-edit"), {"name": "乙县领导小组", "joint_meeting_rules": "每月一次"})
    assert response.status_code == 302
    assert w.b.pk in set(type(w.group).objects.values_list("consortium_id", flat=True))
