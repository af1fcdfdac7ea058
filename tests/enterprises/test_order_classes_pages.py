"""Pages of order classes and colleges: next-step buttons only for the allowed party, masked students for the
partner, 404 for a third unit and a foreign consortium, the enrolment picker, forms with field errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.choices.order_classes import OrderClassStage
from enterprises.models.order_classes import ModernIndustryCollege, OrderClass, OrderClassEnrolment
from enterprises.services import order_classes as services
from tests.factories.enterprises_order_classes import OrderClassFactory, OrderClassWorld
from tests.factories.schools import ProgrammeOfferingFactory, StudentFactory

pytestmark = pytest.mark.django_db
S = OrderClassStage


@pytest.fixture
def w():
    return OrderClassWorld()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _agreed(w) -> OrderClass:
    oc = w.propose()
    services.order_class_confirm(actor=w.fresh(w.school_admin), order_class=oc)
    return services.order_class_confirm(actor=w.fresh(w.enterprise_admin), order_class=oc)


def url(name, **kwargs):
    return reverse(f"enterprises:{name}", kwargs=kwargs or None)


def test_next_step_buttons_only_for_the_allowed_party(w):
    oc = _agreed(w)
    detail = url("orderclass-detail", pk=oc.pk)
    school = login(w.school_admin).get(detail).content.decode()
    enterprise = login(w.enterprise_admin).get(detail).content.decode()
    staff = login(w.school_staff).get(detail).content.decode()
    assert 'value="open_enrolment"' in school and 'value="cancel"' in school
    assert 'value="open_enrolment"' not in enterprise and 'value="cancel"' in enterprise
    assert 'name="action"' not in staff
    assert login(w.third_admin).get(detail).status_code == 404
    assert login(w.foreign_secretariat).get(detail).status_code == 404


def test_transition_page_post(w):
    oc = _agreed(w)
    post_url = url("orderclass-transition", pk=oc.pk)
    assert login(w.enterprise_admin).post(post_url, {"action": "open_enrolment"}).status_code == 302
    oc.refresh_from_db()
    assert oc.stage == S.AGREED  # refused with a message, nothing changed
    assert login(w.school_staff).post(post_url, {"action": "open_enrolment"}).status_code == 403
    assert login(w.third_admin).post(post_url, {"action": "open_enrolment"}).status_code == 404
    response = login(w.school_admin).post(post_url, {"action": "open_enrolment"}, follow=True)
    oc.refresh_from_db()
    assert oc.stage == S.ENROLLING and "订单班已进入下一阶段" in response.content.decode()


def test_confirm_buttons_and_agreement(w):
    oc = w.propose()
    detail = url("orderclass-detail", pk=oc.pk)
    assert "orderclass-confirm" not in login(w.school_staff).get(detail).content.decode()
    assert (
        reverse("enterprises:orderclass-confirm", kwargs={"pk": oc.pk})
        in login(w.enterprise_admin).get(detail).content.decode()
    )
    login(w.school_admin).post(url("orderclass-confirm", pk=oc.pk))
    login(w.enterprise_admin).post(url("orderclass-confirm", pk=oc.pk))
    oc.refresh_from_db()
    assert oc.stage == S.AGREED


def test_partner_sees_masked_students_school_sees_names(w):
    oc = services.order_class_transition(actor=w.fresh(w.school_admin), order_class=_agreed(w), action="open_enrolment")
    student = w.students(1)[0]
    services.enrolment_create(
        actor=w.fresh(w.school_admin), order_class=oc, student=student, consent_on=dt.date(2024, 9, 1)
    )
    detail = url("orderclass-detail", pk=oc.pk)
    partner = login(w.enterprise_staff).get(detail).content.decode()
    assert student.name not in partner and student.student_no not in partner
    assert student.name[0] + "*" in partner
    assert student.name in login(w.school_staff).get(detail).content.decode()


def test_enrol_page_offers_only_eligible_students_and_states_quota(w):
    oc = services.order_class_transition(
        actor=w.fresh(w.school_admin), order_class=_agreed(w), action="open_enrolment"
    )  # quota 3
    eligible = w.students(4)
    other_cohort = StudentFactory(offering=ProgrammeOfferingFactory(programme=w.programme, year=2023))
    graduated = w.students(1, status="graduated")[0]
    page = login(w.school_admin).get(url("orderclass-enrol", pk=oc.pk))
    assert page.status_code == 200
    offered = {s.pk for s in page.context["form"].fields["students"].queryset}
    assert offered == {s.pk for s in eligible}
    assert other_cohort.pk not in offered and graduated.pk not in offered
    assert login(w.enterprise_admin).get(url("orderclass-enrol", pk=oc.pk)).status_code == 403
    response = login(w.school_admin).post(
        url("orderclass-enrol", pk=oc.pk), {"students": [s.pk for s in eligible], "consent_on": "2024-09-01"}
    )
    assert response.status_code == 200 and "剩余3人" in response.content.decode()
    response = login(w.school_admin).post(url("orderclass-enrol", pk=oc.pk), {"students": [eligible[0].pk]})
    assert response.status_code == 200 and response.context["form"].errors["consent_on"]
    assert not OrderClassEnrolment.objects.exists()
    response = login(w.school_admin).post(
        url("orderclass-enrol", pk=oc.pk), {"students": [s.pk for s in eligible[:3]], "consent_on": "2024-09-01"}
    )
    assert response.status_code == 302 and OrderClassEnrolment.objects.count() == 3


def test_create_page_errors_and_success(w):
    client = login(w.school_admin)
    data = {
        "unit": w.school.pk,
        "partner_unit": w.enterprise.pk,
        "kind": "order",
        "name": "新订单班",
        "programme": w.programme.pk,
        "cohort": 2024,
        "quota": 5,
        "cost_school_pct": 60,
        "cost_enterprise_pct": 60,
        "cost_government_pct": 0,
        "committed_positions": 5,
    }
    response = client.post(url("orderclass-create"), data)
    assert response.status_code == 200 and "120%" in response.content.decode()
    data["cost_enterprise_pct"] = 40
    response = client.post(url("orderclass-create"), data)
    assert response.status_code == 302
    assert OrderClass.objects.get().proposed_by == "school"
    assert login(w.school_staff).get(url("orderclass-create")).status_code == 403


def test_party_pages_readable_but_post_needs_a_party(w):
    oc = _agreed(w)
    page = url("orderclass-plan-add", pk=oc.pk)
    assert login(w.official).get(page).status_code == 200
    assert login(w.official).post(page, {"course": "x", "hours": 2, "taught_by": "both"}).status_code == 403
    response = login(w.enterprise_admin).post(page, {"course": "设备点检", "hours": 0, "taught_by": "enterprise"})
    assert response.status_code == 200 and response.context["form"].errors["hours"]
    response = login(w.enterprise_admin).post(page, {"course": "设备点检", "hours": 8, "taught_by": "enterprise"})
    assert response.status_code == 302 and oc.plan_items.get().course == "设备点检"


def test_list_filters_and_constant_queries(w):
    client = login(w.secretariat)
    OrderClassFactory(unit=w.school, partner_unit=w.enterprise, programme=w.programme, stage=S.TRAINING)
    client.get(url("orderclass-list"))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("orderclass-list")).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for _ in range(5):
        OrderClassFactory(unit=w.school, partner_unit=w.enterprise, programme=w.programme)
    assert count() == before
    response = client.get(url("orderclass-list"), {"stage": "training"})
    assert [oc.stage for oc in response.context["object_list"]] == [S.TRAINING]
    assert len(login(w.third_admin).get(url("orderclass-list")).context["object_list"]) == 0


def test_college_pages(w):
    client = login(w.school_admin)
    response = client.post(
        url("college-create"), {"unit": w.school.pk, "name": "现代产业学院", "programmes": [w.programme.pk]}
    )
    assert response.status_code == 302
    college = ModernIndustryCollege.objects.get()
    assert login(w.third_admin).get(url("college-detail", pk=college.pk)).status_code == 200
    assert login(w.third_admin).get(url("college-edit", pk=college.pk)).status_code == 403
    assert login(w.foreign_secretariat).get(url("college-detail", pk=college.pk)).status_code == 404
    response = client.post(
        url("college-report-add", pk=college.pk),
        {"year": 2025, "students_trained": 40, "courses_developed": 2, "textbooks": 1, "projects": 1},
    )
    assert response.status_code == 302 and college.annual_reports.get().students_trained == 40
    assert "40" in login(w.third_admin).get(url("college-detail", pk=college.pk)).content.decode()
