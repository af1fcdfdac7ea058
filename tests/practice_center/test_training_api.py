"""API of training sessions, trainees and production records: exact result sets per role, 404 outside the scope,
writes through the services (bad input → 400 with field messages, nothing changed), the attendance / completion /
certificate actions, production totals, constant list query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from practice_center.models import ProductionRecord, Trainee, TrainingSession
from tests.factories.practice_center import (
    PracticeCentreFactory,
    ProductionRecordFactory,
    TraineeFactory,
    TrainingSessionFactory,
)

from . import p3_world
from .p3_world import ID_A

pytestmark = pytest.mark.django_db
SESSIONS, TRAINEES, RECORDS = (
    "/api/v1/practice-training-sessions/",
    "/api/v1/practice-trainees/",
    "/api/v1/practice-production-records/",
)


@pytest.fixture
def w():
    return p3_world.build()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def ids(user, base: str, **params) -> set[int]:
    response = api(user).get(base, params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def snapshot(model) -> list:
    return sorted(model.objects.values_list(*[f.attname for f in model._meta.concrete_fields]))


# --- sessions -------------------------------------------------------------------------------------------------------


def test_session_lists_are_exact_per_role(w):
    everything = {w.sess_e.pk, w.sess_s.pk, w.sess_hidden.pk}
    assert ids(w.e_staff, SESSIONS) == everything
    assert ids(w.s_admin, SESSIONS) == {w.sess_e.pk, w.sess_s.pk}
    assert ids(w.x_admin, SESSIONS) == {w.sess_e.pk, w.sess_s.pk}
    assert ids(w.official, SESSIONS) == everything
    assert ids(w.foreign_sec, SESSIONS) == {w.foreign_sess.pk}
    assert ids(w.sec, SESSIONS, centre=w.e_centre.pk) == {w.sess_hidden.pk}
    assert api(w.x_admin).get(f"{SESSIONS}{w.sess_hidden.pk}/").status_code == 404
    assert api(w.foreign_sec).get(f"{SESSIONS}{w.sess_e.pk}/").status_code == 404
    row = api(w.s_admin).get(f"{SESSIONS}{w.sess_e.pk}/").json()
    assert (row["unit_name"], row["centre_name"], row["trainee_count"]) == ("培训企业", "公共实训基地", 2)


def test_session_create_update_with_field_errors(w):
    payload = {
        "unit": w.E.pk,
        "centre": w.centre.pk,
        "course": "API培训",
        "trainer_name": "刘师傅",
        "start_date": "2025-05-10",
        "end_date": "2025-05-01",
        "hours": "16",
    }
    client = api(w.e_admin)
    response = client.post(SESSIONS, payload, format="json")
    assert response.status_code == 400 and "end_date" in response.json()
    response = client.post(SESSIONS, {**payload, "end_date": "2025-05-20", "hours": "0"}, format="json")
    assert response.status_code == 400 and "hours" in response.json()
    no_training = PracticeCentreFactory(owner_unit=w.S, offers_social_training=False)
    response = client.post(SESSIONS, {**payload, "end_date": "2025-05-20", "centre": no_training.pk}, format="json")
    assert response.status_code == 400 and "centre" in response.json()
    response = client.post(SESSIONS, {**payload, "centre": w.foreign_centre.pk}, format="json")
    assert response.status_code == 400 and "centre" in response.json()
    response = client.post(SESSIONS, {**payload, "end_date": "2025-05-20", "hours": "abc"}, format="json")
    assert response.status_code == 400 and "hours" in response.json()
    assert not TrainingSession.objects.filter(course="API培训").exists()
    response = client.post(SESSIONS, {**payload, "end_date": "2025-05-20"}, format="json")
    assert response.status_code == 201, response.content
    created = TrainingSession.objects.get(pk=response.json()["id"])
    assert (created.unit, created.centre, created.status) == (w.E, w.centre, "planned")
    response = client.patch(f"{SESSIONS}{created.pk}/", {"status": "running", "centre": w.e_centre.pk}, format="json")
    assert response.status_code == 200
    created.refresh_from_db()
    assert (created.status, created.centre) == ("running", w.centre)  # the centre is fixed after creation


def test_session_denied_writes_change_nothing(w):
    before = snapshot(TrainingSession)
    payload = {
        "unit": w.E.pk,
        "centre": w.centre.pk,
        "course": "冒名",
        "trainer_name": "x",
        "start_date": "2025-05-01",
        "end_date": "2025-05-02",
        "hours": "8",
    }
    assert api(w.x_admin).post(SESSIONS, payload, format="json").status_code == 403  # not their unit
    assert api(w.e_staff).post(SESSIONS, payload, format="json").status_code == 403
    assert api(w.official).post(SESSIONS, payload, format="json").status_code == 403
    assert api(w.s_admin).patch(f"{SESSIONS}{w.sess_e.pk}/", {"course": "改"}, format="json").status_code == 403
    assert api(w.foreign_sec).delete(f"{SESSIONS}{w.sess_e.pk}/").status_code == 404
    assert api(w.s_admin).delete(f"{SESSIONS}{w.sess_e.pk}/").status_code == 403
    assert snapshot(TrainingSession) == before


def test_session_attendance_action(w):
    action = f"{SESSIONS}{w.sess_e.pk}/attendance/"
    body = {
        "rows": [{"trainee": w.t1.pk, "attended_hours": "40"}, {"trainee": w.t2.pk, "attended_hours": "50"}],
        "completed": [w.t1.pk],
    }
    response = api(w.e_admin).post(action, body, format="json")
    assert response.status_code == 400 and "attendance" in response.json()
    body["rows"][1]["attended_hours"] = "20"
    assert api(w.s_admin).post(action, body, format="json").status_code == 403
    assert Trainee.objects.filter(session=w.sess_e, attended_hours__gt=0).count() == 0
    other = TraineeFactory(session=w.sess_s)
    response = api(w.e_admin).post(action, {**body, "completed": [other.pk]}, format="json")
    assert response.status_code == 400
    assert api(w.e_admin).post(action, body, format="json").status_code == 200
    assert dict(Trainee.objects.filter(session=w.sess_e).values_list("pk", "completed")) == {
        w.t1.pk: True,
        w.t2.pk: False,
    }


# --- trainees -------------------------------------------------------------------------------------------------------


def test_trainees_only_for_organiser_secretariat_officials_with_id_numbers(w):
    assert ids(w.e_staff, TRAINEES) == {w.t1.pk, w.t2.pk}
    assert ids(w.official, TRAINEES) == {w.t1.pk, w.t2.pk}
    assert ids(w.s_admin, TRAINEES) == set()  # the centre's operator sees no trainee rows
    assert ids(w.x_admin, TRAINEES) == set()
    assert ids(w.foreign_sec, TRAINEES) == {w.foreign_trainee.pk}
    assert api(w.s_admin).get(f"{TRAINEES}{w.t1.pk}/").status_code == 404
    row = api(w.official).get(f"{TRAINEES}{w.t1.pk}/").json()
    assert (row["id_number"], row["personal_masked"]) == (ID_A, False)


def test_trainee_create_and_actions(w):
    client = api(w.e_admin)
    response = client.post(TRAINEES, {"session": w.sess_e.pk, "name": " "}, format="json")
    assert response.status_code == 400 and "name" in response.json()
    response = client.post(TRAINEES, {"session": w.sess_hidden.pk, "name": "赵六", "id_number": "123"}, format="json")
    assert response.status_code == 400 and "id_number" in response.json()
    response = client.post(TRAINEES, {"session": w.foreign_sess.pk, "name": "赵六"}, format="json")
    assert response.status_code == 400 and "session" in response.json()
    assert api(w.s_admin).post(TRAINEES, {"session": w.sess_e.pk, "name": "混入"}, format="json").status_code == 403
    response = client.post(
        TRAINEES, {"session": w.sess_e.pk, "name": "赵六", "employer_unit": w.X.pk, "completed": True}, format="json"
    )
    assert response.status_code == 201
    trainee = Trainee.objects.get(pk=response.json()["id"])
    assert (trainee.unit, trainee.completed) == (w.E, False)  # completion only through the action
    base = f"{TRAINEES}{trainee.pk}/"
    assert client.post(base + "attendance/", {"attended_hours": "41"}, format="json").status_code == 400
    assert client.post(base + "attendance/", {"attended_hours": "-1"}, format="json").status_code == 400
    response = client.post(base + "certificate/", {"certificate_no": "C-1"}, format="json")
    assert response.status_code == 400 and "certificate_no" in response.json()
    assert api(w.e_staff).post(base + "complete/", {}, format="json").status_code == 403
    assert api(w.foreign_sec).post(base + "complete/", {}, format="json").status_code == 404
    trainee.refresh_from_db()
    assert (trainee.attended_hours, trainee.completed, trainee.certificate_no) == (Decimal("0"), False, "")
    assert client.post(base + "attendance/", {"attended_hours": "39.5"}, format="json").json()["attended_hours"]
    assert client.post(base + "complete/", {}, format="json").json()["completed"] is True
    row = client.post(base + "certificate/", {"certificate_no": "C-1", "issued_on": "2025-03-20"}, format="json").json()
    assert (row["certificate_no"], row["certificate_issued_on"]) == ("C-1", "2025-03-20")
    Trainee.objects.filter(pk=w.t1.pk).update(completed=True)
    response = client.post(f"{TRAINEES}{w.t1.pk}/certificate/", {"certificate_no": "C-1"}, format="json")
    assert response.status_code == 400 and "certificate_no" in response.json()
    response = client.post(base + "complete/", {"completed": False}, format="json")
    assert response.status_code == 400  # a certified trainee stays completed
    assert client.delete(base).status_code == 400
    assert Trainee.objects.filter(pk=trainee.pk).exists()


# --- production records ---------------------------------------------------------------------------------------------


def test_production_records_per_role_and_totals(w):
    assert ids(w.s_staff, RECORDS) == {w.record.pk}
    assert ids(w.e_admin, RECORDS) == {w.e_record.pk}
    assert ids(w.x_admin, RECORDS) == set()
    assert ids(w.sec, RECORDS) == {w.record.pk, w.e_record.pk}
    assert ids(w.foreign_sec, RECORDS) == {w.foreign_record.pk}
    assert api(w.x_admin).get(f"{RECORDS}{w.record.pk}/").status_code == 404
    rows = api(w.sec).get(f"{RECORDS}totals/", {"year": 2025}).json()
    assert {(r["centre_name"], r["year"], r["records"], r["value"]) for r in rows} == {
        ("公共实训基地", 2025, 1, "2.50"),
        ("企业培训中心", 2025, 1, "7.00"),
    }
    assert api(w.s_admin).get(f"{RECORDS}totals/").json() == [
        {"centre_id": w.centre.pk, "centre_name": "公共实训基地", "year": 2025, "records": 1, "value": "2.50"}
    ]
    assert api(w.sec).get(f"{RECORDS}totals/", {"year": "abc"}).status_code == 400


def test_production_create_update_and_denials(w):
    payload = {
        "centre": w.centre.pk,
        "kind": "technical_service",
        "client_unit": w.X.pk,
        "item": "API检测",
        "value": "1.50",
        "date": "2025-06-01",
    }
    before = snapshot(ProductionRecord)
    assert api(w.x_admin).post(RECORDS, payload, format="json").status_code == 403
    assert api(w.s_staff).post(RECORDS, payload, format="json").status_code == 403
    response = api(w.s_admin).post(RECORDS, {**payload, "client_unit": None}, format="json")
    assert response.status_code == 400 and "client_name" in response.json()
    response = api(w.s_admin).post(RECORDS, {**payload, "value": "-2"}, format="json")
    assert response.status_code == 400 and "value" in response.json()
    response = api(w.s_admin).post(RECORDS, {**payload, "kind": "magic"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()
    response = api(w.s_admin).post(RECORDS, {**payload, "client_unit": w.S.pk}, format="json")
    assert response.status_code == 400 and "client_unit" in response.json()
    response = api(w.s_admin).post(RECORDS, {**payload, "unit": w.X.pk}, format="json")
    assert response.status_code == 403  # recording for a unit the user does not administer
    assert snapshot(ProductionRecord) == before
    response = api(w.s_admin).post(RECORDS, payload, format="json")
    assert response.status_code == 201, response.content
    record = ProductionRecord.objects.get(pk=response.json()["id"])
    assert (record.unit, record.value) == (w.S, Decimal("1.50"))
    assert api(w.x_admin).patch(f"{RECORDS}{record.pk}/", {"item": "改"}, format="json").status_code == 403
    response = api(w.s_admin).patch(f"{RECORDS}{record.pk}/", {"value": "2.75", "centre": w.e_centre.pk}, format="json")
    assert response.status_code == 200
    record.refresh_from_db()
    assert (record.value, record.centre) == (Decimal("2.75"), w.centre)


# --- query counts ---------------------------------------------------------------------------------------------------


def _queries(user, base: str) -> int:
    client = api(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(base).status_code == 200
    return len(ctx)


def test_list_query_counts_are_constant(w):
    first = {base: _queries(w.sec, base) for base in (SESSIONS, TRAINEES, RECORDS)}
    for _ in range(4):
        session = TrainingSessionFactory(centre=w.centre, unit=w.E)
        TraineeFactory(session=session, employer_unit=w.X, employer_name="")
        ProductionRecordFactory(centre=w.centre, client_unit=w.X, client_name="")
    assert {base: _queries(w.sec, base) for base in first} == first
