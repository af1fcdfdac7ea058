"""API of the plan and task supervision: exact result sets in and out of scope, secretariat-only writes through the
services (officials and unit users refused, nothing changed), progress returns created through the service
(multipart with files; bad files answer 400 with a field message), evaluations through the service, foreign ids
answer "does not exist", constant list query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from consortium.leadership import services
from consortium.leadership.choices import TaskStatus
from consortium.leadership.models import (
    GroupMember,
    KeyTask,
    ProgressEvidence,
    ProgressReturn,
    SubTask,
    SupervisionEvaluation,
    TaskReminder,
)
from tests.factories.tenancy import MemberUnitFactory

from .test_task_services import World, build_world, make_subtask, pdf, snapshot

pytestmark = pytest.mark.django_db

API = "/api/v1/leadership"


@pytest.fixture
def w() -> World:
    return build_world()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_subtask_list_scope_and_filters(w):
    assert ids(api(w.lead_staff).get(f"{API}/subtasks/")) == {w.task.pk, w.task2.pk}
    assert ids(api(w.off).get(f"{API}/subtasks/")) == {w.task.pk, w.task2.pk}
    assert ids(api(w.b_sec).get(f"{API}/subtasks/")) == {w.b_task.pk}
    assert ids(api(w.sec).get(f"{API}/subtasks/?lead_unit={w.other.pk}")) == {w.task2.pk}
    assert ids(api(w.sec).get(f"{API}/subtasks/?co_unit={w.co.pk}")) == {w.task.pk}
    assert api(w.sec).get(f"{API}/subtasks/?lead_unit={w.foreign.pk}").status_code == 400
    assert api(w.b_sec).get(f"{API}/subtasks/{w.task.pk}/").status_code == 404
    body = api(w.lead_staff).get(f"{API}/subtasks/{w.task.pk}/").json()
    assert body["rag"] == "green" and body["overdue"] is False and body["co_units"] == [w.co.pk]
    assert ids(api(w.co_staff).get(f"{API}/key-tasks/")) == {w.key.pk}
    assert ids(api(w.co_staff).get(f"{API}/phases/")) == {w.phase.pk}
    assert ids(api(w.co_staff).get(f"{API}/groups/")) == {w.group.pk}
    assert ids(api(w.b_sec).get(f"{API}/groups/")) == set()


def test_subtask_writes_secretariat_only(w):
    payload = {
        "key_task": w.key.pk, "title": "API子任务", "lead_unit": w.lead.pk, "co_units": [w.co.pk],
        "responsible_person": "周七", "starts_on": w.today.isoformat(),
        "deadline": (w.today + timedelta(days=30)).isoformat(), "cadence": "weekly",
    }
    before = SubTask.objects.count()
    assert api(w.off).post(f"{API}/subtasks/", payload, format="json").status_code == 403
    assert api(w.lead_admin).post(f"{API}/subtasks/", payload, format="json").status_code == 403
    assert SubTask.objects.count() == before
    # B's secretariat cannot use A's key task or unit: "does not exist"
    response = api(w.b_sec).post(f"{API}/subtasks/", payload, format="json")
    assert response.status_code == 400 and {"key_task", "lead_unit"} <= set(response.json())
    response = api(w.sec).post(f"{API}/subtasks/", payload | {"co_units": [w.foreign.pk]}, format="json")
    assert response.status_code == 400 and "co_units" in response.json()
    response = api(w.sec).post(f"{API}/subtasks/", payload | {"co_units": [w.lead.pk]}, format="json")
    assert response.status_code == 400 and "co_units" in response.json()  # the service's rule
    assert SubTask.objects.count() == before
    response = api(w.sec).post(f"{API}/subtasks/", payload, format="json")
    assert response.status_code == 201, response.content
    created = SubTask.objects.get(pk=response.json()["id"])
    assert created.consortium_id == w.a.pk and list(created.co_units.all()) == [w.co]
    # edits and status
    before_task = snapshot(w.task)
    for user in (w.off, w.lead_admin):
        assert api(user).patch(f"{API}/subtasks/{w.task.pk}/", {"title": "x"}, format="json").status_code == 403
        assert api(user).post(f"{API}/subtasks/{w.task.pk}/status/", {"status": "completed"}).status_code == 403
    assert api(w.b_sec).patch(f"{API}/subtasks/{w.task.pk}/", {"title": "x"}, format="json").status_code == 404
    assert snapshot(w.task) == before_task
    response = api(w.sec).post(f"{API}/subtasks/{w.task.pk}/status/", {"status": "suspended"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == TaskStatus.SUSPENDED
    response = api(w.sec).patch(f"{API}/subtasks/{w.task.pk}/", {"title": "改名"}, format="json")
    assert response.status_code == 200 and SubTask.objects.get(pk=w.task.pk).title == "改名"
    # progress is not writable through the sub-task
    api(w.sec).patch(f"{API}/subtasks/{w.task.pk}/", {"progress": 99}, format="json")
    assert SubTask.objects.get(pk=w.task.pk).progress == 50


def test_plan_rows_secretariat_only(w):
    assert api(w.off).post(f"{API}/key-tasks/", {"number": 7, "title": "x"}, format="json").status_code == 403
    assert api(w.co_staff).post(f"{API}/key-tasks/", {"number": 7, "title": "x"}, format="json").status_code == 403
    response = api(w.sec).post(f"{API}/key-tasks/", {"number": 1, "title": "重复"}, format="json")
    assert response.status_code == 400 and "number" in response.json()
    response = api(w.sec).post(f"{API}/key-tasks/", {"number": 7, "title": "第七项"}, format="json")
    assert response.status_code == 201 and KeyTask.objects.get(pk=response.json()["id"]).consortium_id == w.a.pk
    response = api(w.sec).post(f"{API}/group-members/", {"group": w.group.pk, "name": "王县长", "role": "head"},
                               format="json")
    assert response.status_code == 201
    assert api(w.b_sec).post(f"{API}/group-members/", {"group": w.group.pk, "name": "x"},
                             format="json").status_code == 400
    assert GroupMember.objects.count() == 1
    response = api(w.sec).post(f"{API}/groups/", {"name": "第二个"}, format="json")
    assert response.status_code == 400


def test_progress_return_multipart_with_files(w, tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        response = api(w.co_staff).post(
            f"{API}/returns/",
            {"subtask": w.task.pk, "unit": w.co.pk, "reported_on": w.today.isoformat(), "progress": 55,
             "text": "API 报送", "files": [pdf("a.pdf"), pdf("b.png")]},
            format="multipart",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert [e["filename"] for e in body["evidence"]] == ["a.pdf", "b.png"]
        assert body["evidence"][0]["download_url"].startswith("/leadership/evidence/")
        assert SubTask.objects.get(pk=w.task.pk).progress == 55
        record = ProgressReturn.objects.get(pk=body["id"])
        assert record.submitted_by == w.co_staff
        # scope: reporting unit and lead unit read it, the other unit and B do not
        assert ids(api(w.co_staff).get(f"{API}/returns/")) == {record.pk}
        assert ids(api(w.lead_admin).get(f"{API}/returns/")) == {record.pk}
        assert ids(api(w.off).get(f"{API}/returns/")) == {record.pk}
        assert ids(api(w.other_admin).get(f"{API}/returns/")) == set()
        assert ids(api(w.b_sec).get(f"{API}/returns/")) == set()
        assert ids(api(w.other_admin).get(f"{API}/evidence/")) == set()
        assert len(ids(api(w.lead_admin).get(f"{API}/evidence/"))) == 2
        # returns are never edited
        assert api(w.co_staff).patch(f"{API}/returns/{record.pk}/", {"text": "x"}, format="json").status_code == 405


def test_progress_return_bad_file_and_denied(w, tmp_path):
    before = (snapshot(w.task), ProgressReturn.objects.count(), ProgressEvidence.objects.count())
    with override_settings(MEDIA_ROOT=tmp_path):
        response = api(w.lead_staff).post(
            f"{API}/returns/",
            {"subtask": w.task.pk, "unit": w.lead.pk, "reported_on": w.today.isoformat(), "progress": 55,
             "text": "x", "files": [pdf(), SimpleUploadedFile("a.bat", b"echo")]},
            format="multipart",
        )
        assert response.status_code == 400 and "files" in response.json()
    base = {"subtask": w.task.pk, "reported_on": w.today.isoformat(), "progress": 55, "text": "x"}
    assert api(w.off).post(f"{API}/returns/", base | {"unit": w.lead.pk}, format="json").status_code == 403
    response = api(w.other_admin).post(f"{API}/returns/", base | {"unit": w.other.pk}, format="json")
    assert response.status_code == 400 and "unit" in response.json()
    assert api(w.other_admin).post(f"{API}/returns/", base | {"unit": w.lead.pk}, format="json").status_code == 403
    response = api(w.foreign_admin).post(f"{API}/returns/", base | {"unit": w.foreign.pk}, format="json")
    assert response.status_code == 400 and "subtask" in response.json()  # A's task does not exist for B
    response = api(w.lead_staff).post(f"{API}/returns/", base | {"unit": w.lead.pk, "progress": 120}, format="json")
    assert response.status_code == 400 and "progress" in response.json()
    assert (snapshot(w.task), ProgressReturn.objects.count(), ProgressEvidence.objects.count()) == before
    response = api(w.lead_staff).post(f"{API}/returns/", base | {"unit": w.lead.pk}, format="json")
    assert response.status_code == 201  # JSON without files works


def test_evaluations_api(w):
    payload = {"unit": w.lead.pk, "subtask": w.task.pk, "period_label": "Q1", "evaluated_on": w.today.isoformat(),
               "score": "89.9", "comments": "良好"}
    assert api(w.off).post(f"{API}/evaluations/", payload, format="json").status_code == 403
    assert api(w.lead_admin).post(f"{API}/evaluations/", payload, format="json").status_code == 403
    assert SupervisionEvaluation.objects.count() == 0
    response = api(w.sec).post(f"{API}/evaluations/", payload, format="json")
    assert response.status_code == 201 and response.json()["grade"] == "good"
    other = services.evaluation_create(actor=w.sec, unit=w.other, period_label="Q1", evaluated_on=w.today, score=95)
    mine = response.json()["id"]
    assert ids(api(w.lead_staff).get(f"{API}/evaluations/")) == {mine}
    assert ids(api(w.other_admin).get(f"{API}/evaluations/")) == {other.pk}
    assert ids(api(w.off).get(f"{API}/evaluations/")) == {mine, other.pk}
    assert ids(api(w.b_sec).get(f"{API}/evaluations/")) == set()
    assert api(w.lead_staff).get(f"{API}/evaluations/{other.pk}/").status_code == 404
    response = api(w.sec).post(f"{API}/evaluations/", payload | {"unit": w.other.pk}, format="json")
    assert response.status_code == 400 and "unit" in response.json()


def test_reminder_log_scope(w):
    reminder = TaskReminder.objects.create(consortium=w.a, subtask=w.task, kind="overdue", sent_on=w.today)
    assert ids(api(w.lead_admin).get(f"{API}/reminders/")) == {reminder.pk}  # lead unit
    assert ids(api(w.co_staff).get(f"{API}/reminders/")) == set()
    assert ids(api(w.off).get(f"{API}/reminders/")) == {reminder.pk}
    assert ids(api(w.b_sec).get(f"{API}/reminders/")) == set()


def test_subtask_list_query_count_constant(w):
    client = api(w.sec)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{API}/subtasks/").status_code == 200
        return len(ctx)

    small = count()
    for i in range(20):
        make_subtask(w.key, MemberUnitFactory(consortium=w.a), today=w.today, code=f"7.{i}", co=[w.co])
    assert count() == small
