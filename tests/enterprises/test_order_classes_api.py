"""API of order classes: the partner share (non-identifying student fields), a third unit and a foreign
consortium, lifecycle actions per party, bulk enrolment, bad input (400, nothing changed), constant list queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from enterprises.choices.order_classes import OrderClassStage
from enterprises.models.order_classes import OrderClass, OrderClassEnrolment
from enterprises.services import order_classes as services
from tests.factories.enterprises_order_classes import EnrolmentFactory, OrderClassFactory, OrderClassWorld

pytestmark = pytest.mark.django_db
S = OrderClassStage


@pytest.fixture
def w():
    return OrderClassWorld()


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def _agreed(w) -> OrderClass:
    oc = w.propose()
    services.order_class_confirm(actor=w.fresh(w.school_admin), order_class=oc)
    return services.order_class_confirm(actor=w.fresh(w.enterprise_admin), order_class=oc)


def _enrolling_with_students(w, n=2):
    oc = services.order_class_transition(actor=w.fresh(w.school_admin), order_class=_agreed(w), action="open_enrolment")
    students = w.students(n)
    services.enrolments_create(
        actor=w.fresh(w.school_admin), order_class=oc, students=students, consent_on=dt.date(2024, 9, 1)
    )
    return oc, students


def test_partner_sees_the_class_and_masked_students_third_unit_nothing(w):
    oc, students = _enrolling_with_students(w)
    url = f"/api/v1/order-classes/{oc.pk}/"
    assert client_for(w.enterprise_staff).get(url).status_code == 200
    assert client_for(w.third_admin).get(url).status_code == 404
    assert client_for(w.foreign_secretariat).get(url).status_code == 404
    assert client_for(w.third_admin).get("/api/v1/order-classes/").json()["count"] == 0

    rows = client_for(w.enterprise_staff).get(f"/api/v1/order-class-enrolments/?order_class={oc.pk}").json()
    labels = sorted(r["student_label"] for r in rows["results"])
    assert labels == sorted(s.name[0] + "*" * (len(s.name) - 1) for s in students)
    assert all(s.student_no not in str(rows) and s.id_number not in str(rows) for s in students)
    school = client_for(w.school_staff).get(f"/api/v1/order-class-enrolments/?order_class={oc.pk}").json()
    assert sorted(r["student_label"] for r in school["results"]) == sorted(str(s) for s in students)
    third = client_for(w.third_admin).get(f"/api/v1/order-class-enrolments/?order_class={oc.pk}")
    assert third.status_code == 400  # a class the user cannot see is not a valid filter value (as if missing)
    assert client_for(w.third_admin).get("/api/v1/order-class-enrolments/").json()["count"] == 0


def test_partner_cannot_patch_the_record(w):
    oc = _agreed(w)
    response = client_for(w.enterprise_admin).patch(f"/api/v1/order-classes/{oc.pk}/", {"name": "x"}, format="json")
    assert response.status_code == 403
    oc.refresh_from_db()
    assert oc.name == "测试订单班"


def test_transition_action_per_party(w):
    oc = _agreed(w)
    url = f"/api/v1/order-classes/{oc.pk}/transition/"
    response = client_for(w.enterprise_admin).post(url, {"action": "open_enrolment"}, format="json")
    assert response.status_code == 403 and "只能由" in str(response.json())
    assert client_for(w.school_staff).post(url, {"action": "open_enrolment"}, format="json").status_code == 403
    assert client_for(w.third_admin).post(url, {"action": "open_enrolment"}, format="json").status_code == 404
    response = client_for(w.school_admin).post(url, {"action": "graduate"}, format="json")
    assert response.status_code == 400 and "action" in response.json()
    response = client_for(w.school_admin).post(url, {"action": "nonsense"}, format="json")
    assert response.status_code == 400 and "action" in response.json()
    oc.refresh_from_db()
    assert oc.stage == S.AGREED
    response = client_for(w.school_admin).post(url, {"action": "open_enrolment"}, format="json")
    assert response.status_code == 200 and response.json()["stage"] == S.ENROLLING
    response = client_for(w.enterprise_admin).post(url, {"action": "cancel", "reason": "产线调整"}, format="json")
    assert response.status_code == 200 and response.json()["stage"] == S.CANCELLED


def test_confirm_action_by_both_parties(w):
    oc = w.propose()
    url = f"/api/v1/order-classes/{oc.pk}/confirm/"
    assert client_for(w.school_admin).post(url, {}, format="json").json()["stage"] == S.PROPOSED
    assert client_for(w.enterprise_admin).post(url, {}, format="json").json()["stage"] == S.AGREED


def test_bulk_enrol_quota_consent_and_bad_input(w):
    oc = services.order_class_transition(
        actor=w.fresh(w.school_admin), order_class=_agreed(w), action="open_enrolment"
    )  # quota 3
    url = f"/api/v1/order-classes/{oc.pk}/enrol/"
    api = client_for(w.school_admin)
    students = w.students(4)
    response = api.post(url, {"students": [s.pk for s in students], "consent_on": "2024-09-01"}, format="json")
    assert response.status_code == 400
    assert "名额3人" in str(response.json()["students"]) and "剩余3人" in str(response.json()["students"])
    response = api.post(url, {"students": [students[0].pk]}, format="json")
    assert response.status_code == 400 and "consent_on" in response.json()
    response = api.post(url, {"students": "abc", "consent_on": "2024-99-01"}, format="json")
    assert response.status_code == 400 and {"students", "consent_on"} <= set(response.json())
    response = api.post(url, {"students": [987654321], "consent_on": "2024-09-01"}, format="json")
    assert response.status_code == 400
    assert not OrderClassEnrolment.objects.exists()
    response = api.post(url, {"students": [s.pk for s in students[:3]], "consent_on": "2024-09-01"}, format="json")
    assert response.status_code == 201 and len(response.json()) == 3
    assert (
        client_for(w.enterprise_admin)
        .post(url, {"students": [students[3].pk], "consent_on": "2024-09-01"}, format="json")
        .status_code
        == 403
    )


def test_create_bad_input_is_400_with_field_messages(w):
    api = client_for(w.school_admin)
    payload = {
        "unit": w.school.pk,
        "partner_unit": w.enterprise.pk,
        "name": "新班",
        "programme": w.programme.pk,
        "cohort": 2024,
        "quota": 0,
        "cost_school_pct": 50,
        "cost_enterprise_pct": 60,
        "cost_government_pct": 0,
    }
    response = api.post("/api/v1/order-classes/", payload, format="json")
    assert response.status_code == 400 and "quota" in response.json()
    payload["quota"] = 10
    response = api.post("/api/v1/order-classes/", payload, format="json")
    assert response.status_code == 400 and "110%" in str(response.json())
    payload.update(cost_enterprise_pct=50, programme=999999)
    response = api.post("/api/v1/order-classes/", payload, format="json")
    assert response.status_code == 400 and "programme" in response.json()
    assert not OrderClass.objects.exists()
    payload["programme"] = w.programme.pk
    response = api.post("/api/v1/order-classes/", payload, format="json")
    assert response.status_code == 201 and response.json()["stage"] == S.PROPOSED


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_query_counts_are_constant(w):
    api = client_for(w.fresh(w.enterprise_admin))
    school_api = client_for(w.fresh(w.school_staff))

    def add(n):
        for _ in range(n):
            oc = OrderClassFactory(unit=w.school, partner_unit=w.enterprise, programme=w.programme)
            services._share(oc)
            EnrolmentFactory(order_class=oc)

    add(2)
    _count(api, "/api/v1/order-classes/")  # warm-up: permission and content-type caches
    _count(school_api, "/api/v1/order-class-enrolments/")
    first = (
        _count(api, "/api/v1/order-classes/"),
        _count(api, "/api/v1/order-class-enrolments/"),
        _count(school_api, "/api/v1/order-class-enrolments/"),
    )
    add(5)
    second = (
        _count(api, "/api/v1/order-classes/"),
        _count(api, "/api/v1/order-class-enrolments/"),
        _count(school_api, "/api/v1/order-class-enrolments/"),
    )
    assert first == second
    assert api.get("/api/v1/order-classes/").json()["count"] == 7


def test_college_api_readable_by_all_written_by_the_lead(w):
    api = client_for(w.school_admin)
    response = api.post(
        "/api/v1/industry-colleges/",
        {"unit": w.school.pk, "name": "学院", "programmes": [w.programme.pk]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert client_for(w.third_admin).get(f"/api/v1/industry-colleges/{pk}/").status_code == 200
    assert (
        client_for(w.third_admin).patch(f"/api/v1/industry-colleges/{pk}/", {"name": "x"}, format="json").status_code
        == 403
    )
    assert client_for(w.foreign_secretariat).get(f"/api/v1/industry-colleges/{pk}/").status_code == 404
    response = api.post("/api/v1/industry-college-reports/", {"college": pk, "year": 1800}, format="json")
    assert response.status_code == 400 and "year" in response.json()
