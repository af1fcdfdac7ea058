"""Pages of social training and production records: exact row sets per role (foreign consortium 404), trainee
personal data only for the organiser / secretariat / officials, writes through the services with field errors,
denied writes change nothing, constant list query counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practice_center.forms_training import certificate_numbers, mask_personal
from practice_center.models import ProductionRecord, Trainee, TrainingSession
from tests.factories.practice_center import (
    PracticeCentreFactory,
    ProductionRecordFactory,
    TraineeFactory,
    TrainingSessionFactory,
)

from . import p3_world
from .p3_world import ID_A, ID_B

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return p3_world.build()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, **kwargs) -> str:
    return reverse(f"practice_center:{name}", kwargs=kwargs or None)


def listed(user, name: str = "training-list", key: str = "sessions", **params) -> set[int]:
    response = login(user).get(url(name), params)
    assert response.status_code == 200
    return {row.pk for row in response.context[key]}


def snapshot(model) -> list:
    return sorted(model.objects.values_list(*[f.attname for f in model._meta.concrete_fields]))


# --- pure helpers ---------------------------------------------------------------------------------------------------


def test_certificate_numbers_skip_used_ones_and_mask_keeps_ends():
    assert certificate_numbers("PX-", 3, {"PX-002"}) == ["PX-001", "PX-003", "PX-004"]
    assert mask_personal(ID_A) == "230***********1234"
    assert mask_personal("1234") == "****"


# --- training sessions ----------------------------------------------------------------------------------------------


def test_session_list_shows_exactly_the_visible_sessions(w):
    everything = {w.sess_e.pk, w.sess_s.pk, w.sess_hidden.pk}
    assert listed(w.e_admin) == everything
    assert listed(w.e_staff) == everything
    assert listed(w.s_admin) == {w.sess_e.pk, w.sess_s.pk}  # the unpublished centre's session stays hidden
    assert listed(w.x_admin) == {w.sess_e.pk, w.sess_s.pk}
    assert listed(w.sec) == everything
    assert listed(w.official) == everything
    assert listed(w.foreign_sec) == {w.foreign_sess.pk}


def test_session_list_filters_and_ignores_bad_values(w):
    assert listed(w.sec, centre=w.centre.pk) == {w.sess_e.pk, w.sess_s.pk}
    assert listed(w.sec, year=2025, status="running") == {w.sess_e.pk, w.sess_s.pk, w.sess_hidden.pk}
    assert listed(w.sec, status="finished") == set()
    # an invalid filter is ignored (never an error page); a foreign centre is not a valid choice either
    assert listed(w.sec, year="abc", status="nonsense") == {w.sess_e.pk, w.sess_s.pk, w.sess_hidden.pk}
    assert listed(w.sec, year="abc", centre=w.e_centre.pk) == {w.sess_hidden.pk}
    assert listed(w.sec, centre=w.foreign_centre.pk) == {w.sess_e.pk, w.sess_s.pk, w.sess_hidden.pk}
    assert listed(w.sec, centre="99999999999999999999") == {w.sess_e.pk, w.sess_s.pk, w.sess_hidden.pk}


def test_detail_trainees_and_id_numbers_only_for_organiser_secretariat_officials(w):
    detail = url("training-detail", pk=w.sess_e.pk)
    for user in (w.e_staff, w.sec, w.official):
        response = login(user).get(detail)
        page = response.content.decode()
        assert {t.pk for t in response.context["trainees"]} == {w.t1.pk, w.t2.pk}
        assert ID_A in page and ID_B in page and "张伟" in page
    for user in (w.s_admin, w.x_admin):  # the centre's operator and an unrelated unit: counts only
        response = login(user).get(detail)
        page = response.content.decode()
        assert response.status_code == 200 and response.context["trainees"] == []
        assert "张伟" not in page and ID_A not in page and 'data-testid="trainees-hidden"' in page
        assert response.context["session"].trainee_count == 2
    assert login(w.foreign_sec).get(detail).status_code == 404
    assert login(w.s_admin).get(url("training-detail", pk=w.sess_hidden.pk)).status_code == 404
    assert login(w.s_admin).get(url("training-detail", pk=999999)).status_code == 404


def test_create_session_through_the_service_with_field_errors(w):
    client = login(w.e_admin)
    data = {
        "unit": w.E.pk,
        "centre": w.centre.pk,
        "course": "新电工培训",
        "trainer_name": "刘师傅",
        "start_date": "2025-05-10",
        "end_date": "2025-05-01",
        "hours": "16",
        "status": "planned",
    }
    response = client.post(url("training-create"), data)
    assert response.status_code == 200 and response.context["form"].errors["end_date"]
    data["end_date"] = "2025-05-20"
    data["hours"] = "0"
    response = client.post(url("training-create"), data)
    assert response.status_code == 200 and response.context["form"].errors["hours"]
    assert not TrainingSession.objects.filter(course="新电工培训").exists()
    no_training = PracticeCentreFactory(owner_unit=w.S, offers_social_training=False)
    response = client.post(url("training-create"), {**data, "hours": "16", "centre": no_training.pk})
    assert response.status_code == 200 and response.context["form"].errors["centre"]
    response = client.post(url("training-create"), {**data, "hours": "16"})
    session = TrainingSession.objects.get(course="新电工培训")
    assert response.status_code == 302 and response["Location"] == url("training-detail", pk=session.pk)
    assert (session.unit, session.centre, session.hours) == (w.E, w.centre, Decimal("16"))


def test_create_session_refused_for_users_without_write_rights(w):
    before = snapshot(TrainingSession)
    assert login(w.e_staff).get(url("training-create")).status_code == 403
    assert login(w.official).post(url("training-create"), {"course": "x"}).status_code == 403
    # an admin cannot organise for another unit: the unit choice only offers their own
    response = login(w.x_admin).post(
        url("training-create"),
        {
            "unit": w.E.pk,
            "centre": w.centre.pk,
            "course": "冒名培训",
            "start_date": "2025-05-01",
            "end_date": "2025-05-02",
            "hours": "8",
            "status": "planned",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["unit"]
    assert snapshot(TrainingSession) == before


def test_edit_session_only_for_the_organiser_admins(w):
    edit = url("training-edit", pk=w.sess_e.pk)
    before = snapshot(TrainingSession)
    assert login(w.e_staff).get(edit).status_code == 403
    assert login(w.s_admin).post(edit, {"course": "改名"}).status_code == 403  # the centre may read, not edit
    assert login(w.x_admin).get(url("training-edit", pk=w.sess_hidden.pk)).status_code == 404
    assert login(w.foreign_sec).get(edit).status_code == 404
    assert snapshot(TrainingSession) == before
    data = {
        "course": "电工培训（改）",
        "trainer_name": "王师傅",
        "start_date": "2025-03-03",
        "end_date": "2025-03-14",
        "hours": "40",
        "status": "finished",
    }
    assert login(w.e_admin).post(edit, data).status_code == 302
    w.sess_e.refresh_from_db()
    assert (w.sess_e.course, w.sess_e.status) == ("电工培训（改）", "finished")


# --- trainees -------------------------------------------------------------------------------------------------------


def test_add_and_edit_trainee_with_attendance_completion_and_certificate(w):
    client = login(w.e_admin)
    data = {"name": "王强", "employer_unit": w.X.pk, "id_number": "230523198505050019"}
    response = client.post(url("trainee-create", pk=w.sess_e.pk), data)  # wrong check character
    assert response.status_code == 200 and response.context["form"].errors["id_number"]
    response = client.post(url("trainee-create", pk=w.sess_e.pk), {**data, "id_number": "230523198505050013"})
    assert response.status_code == 302
    trainee = Trainee.objects.get(name="王强")
    assert (trainee.session, trainee.unit, trainee.employer_unit) == (w.sess_e, w.E, w.X)
    edit = url("trainee-edit", pk=trainee.pk)
    data = {"name": "王强", "employer_unit": w.X.pk, "attended_hours": "41", "completed": "", "certificate_no": ""}
    response = client.post(edit, data)
    assert response.status_code == 200 and response.context["form"].errors["attended_hours"]
    data.update(attended_hours="38", certificate_no="CERT-1")  # a certificate before completion
    response = client.post(edit, data)
    assert response.status_code == 200 and response.context["form"].errors["certificate_no"]
    trainee.refresh_from_db()
    assert (trainee.attended_hours, trainee.completed, trainee.certificate_no) == (Decimal("0"), False, "")
    data.update(completed="on", certificate_issued_on="2025-03-20")
    assert client.post(edit, data).status_code == 302
    trainee.refresh_from_db()
    assert (trainee.attended_hours, trainee.completed, trainee.certificate_no) == (Decimal("38"), True, "CERT-1")
    assert trainee.certificate_issued_on == date(2025, 3, 20)
    # the number is unique in the consortium
    data.update(certificate_no="CERT-1")
    other = TraineeFactory(session=w.sess_e, name="赵六", completed=True)
    response = client.post(url("trainee-edit", pk=other.pk), {**data, "name": "赵六"})
    assert response.status_code == 200 and "已被使用" in str(response.context["form"].errors)


def test_trainee_pages_refused_to_the_centre_and_other_units(w):
    before = snapshot(Trainee)
    assert login(w.s_admin).get(url("trainee-create", pk=w.sess_e.pk)).status_code == 403
    assert login(w.s_admin).post(url("trainee-create", pk=w.sess_e.pk), {"name": "混入"}).status_code == 403
    assert login(w.e_staff).post(url("trainee-create", pk=w.sess_e.pk), {"name": "混入"}).status_code == 403
    assert login(w.s_admin).get(url("trainee-edit", pk=w.t1.pk)).status_code == 404  # trainees are not visible
    assert login(w.official).post(url("trainee-edit", pk=w.t1.pk), {"name": "x"}).status_code == 403
    assert login(w.foreign_sec).post(url("trainee-delete", pk=w.t1.pk)).status_code == 404
    assert login(w.e_staff).post(url("trainee-delete", pk=w.t1.pk)).status_code == 403
    assert login(w.e_admin).get(url("trainee-delete", pk=w.t1.pk)).status_code == 405
    assert snapshot(Trainee) == before
    assert login(w.e_admin).post(url("trainee-delete", pk=w.t1.pk)).status_code == 302
    assert not Trainee.objects.filter(pk=w.t1.pk).exists()


def test_attendance_page_records_hours_and_completion_for_all(w):
    page = url("training-attendance", pk=w.sess_e.pk)
    response = login(w.e_admin).get(page)
    assert response.status_code == 200 and len(response.context["form"].rows()) == 2
    data = {f"hours_{w.t1.pk}": "40", f"done_{w.t1.pk}": "on", f"hours_{w.t2.pk}": "99"}
    response = login(w.e_admin).post(page, data)
    assert response.status_code == 200 and response.context["form"].errors
    assert Trainee.objects.filter(session=w.sess_e, attended_hours__gt=0).count() == 0
    data[f"hours_{w.t2.pk}"] = "12.5"
    assert login(w.e_admin).post(page, data).status_code == 302
    w.t1.refresh_from_db()
    w.t2.refresh_from_db()
    assert (w.t1.attended_hours, w.t1.completed, w.t2.attended_hours, w.t2.completed) == (
        Decimal("40"),
        True,
        Decimal("12.5"),
        False,
    )
    assert login(w.s_admin).post(page, data).status_code == 403
    assert login(w.foreign_sec).get(page).status_code == 404


def test_certificates_are_numbered_for_completed_trainees_without_one(w):
    Trainee.objects.filter(pk=w.t1.pk).update(completed=True, attended_hours=40)
    page = url("training-certificates", pk=w.sess_e.pk)
    assert login(w.e_staff).get(page).status_code == 403
    response = login(w.e_admin).get(page)
    assert [t.pk for t in response.context["waiting"]] == [w.t1.pk]
    response = login(w.e_admin).post(page, {"prefix": "PX2025-", "issued_on": "2025-03-20"})
    assert response.status_code == 302
    w.t1.refresh_from_db()
    w.t2.refresh_from_db()
    assert (w.t1.certificate_no, w.t1.certificate_issued_on, w.t2.certificate_no) == (
        "PX2025-001",
        date(2025, 3, 20),
        "",
    )
    response = login(w.e_admin).post(page, {"prefix": "PX2025-", "issued_on": "2025-03-20"})
    assert response.status_code == 200 and "没有待发证" in response.content.decode()


# --- production records ---------------------------------------------------------------------------------------------


def test_production_list_rows_and_totals_per_role(w):
    assert listed(w.s_admin, "production-list", "records") == {w.record.pk}
    assert listed(w.e_admin, "production-list", "records") == {w.e_record.pk}
    assert listed(w.x_admin, "production-list", "records") == set()
    assert listed(w.sec, "production-list", "records") == {w.record.pk, w.e_record.pk}
    assert listed(w.official, "production-list", "records", centre=w.centre.pk) == {w.record.pk}
    assert listed(w.foreign_sec, "production-list", "records") == {w.foreign_record.pk}
    client_record = ProductionRecordFactory(centre=w.centre, client_unit=w.X, client_name="", value=Decimal("1.25"))
    assert listed(w.x_admin, "production-list", "records") == {client_record.pk}  # the client reads its own
    response = login(w.sec).get(url("production-list"), {"year": 2025})
    totals = {(row["centre__name"], row["year"]): (row["records"], row["value"]) for row in response.context["totals"]}
    assert totals == {("公共实训基地", 2025): (2, Decimal("3.75")), ("企业培训中心", 2025): (1, Decimal("7.00"))}


def test_production_create_and_edit_by_centre_admins_only(w):
    data = {
        "centre": w.centre.pk,
        "kind": "technical_service",
        "client_unit": w.X.pk,
        "item": "检测服务",
        "value": "1.50",
        "date": "2025-06-01",
    }
    before = snapshot(ProductionRecord)
    assert login(w.x_admin).get(url("production-create")).status_code == 403
    assert login(w.s_staff).post(url("production-create"), data).status_code == 403
    response = login(w.e_admin).post(url("production-create"), data)  # E administers no unit of this centre
    assert response.status_code == 200 and response.context["form"].errors["centre"]
    response = login(w.s_admin).post(url("production-create"), {**data, "client_unit": "", "client_name": ""})
    assert response.status_code == 200 and response.context["form"].errors["client_name"]
    response = login(w.s_admin).post(url("production-create"), {**data, "value": "-1"})
    assert response.status_code == 200 and response.context["form"].errors["value"]
    assert snapshot(ProductionRecord) == before
    assert login(w.s_admin).post(url("production-create"), data).status_code == 302
    record = ProductionRecord.objects.get(item="检测服务")
    assert (record.unit, record.centre, record.value) == (w.S, w.centre, Decimal("1.50"))
    edit = url("production-edit", pk=record.pk)
    assert login(w.s_staff).post(edit, {**data, "item": "改"}).status_code == 403
    assert login(w.x_admin).post(edit, {**data, "item": "改"}).status_code == 403  # the client reads, not edits
    assert login(w.foreign_sec).get(edit).status_code == 404
    record.refresh_from_db()
    assert record.item == "检测服务"
    assert login(w.s_admin).post(edit, {**data, "item": "检测服务（复检）"}).status_code == 302
    record.refresh_from_db()
    assert record.item == "检测服务（复检）"
    assert login(w.x_admin).get(url("production-detail", pk=record.pk)).status_code == 200
    assert login(w.e_admin).get(url("production-detail", pk=record.pk)).status_code == 404


# --- query counts ---------------------------------------------------------------------------------------------------


def _count(user, name: str) -> int:
    client = login(user)
    client.get(url(name))  # warm-up (session, caches)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url(name)).status_code == 200
    return len(ctx)


def test_list_query_counts_do_not_grow_with_rows(w):
    first = {name: _count(w.sec, name) for name in ("training-list", "production-list")}
    for _ in range(5):
        session = TrainingSessionFactory(centre=w.centre, unit=w.E)
        TraineeFactory(session=session)
        TraineeFactory(session=session, completed=True)
        ProductionRecordFactory(centre=w.centre)
        ProductionRecordFactory(centre=w.e_centre, client_unit=w.X, client_name="")
    assert {name: _count(w.sec, name) for name in first} == first
    assert _count(w.e_admin, "training-list") == _count(w.e_admin, "training-list")


def test_detail_query_count_does_not_grow_with_trainees(w):
    detail = url("training-detail", pk=w.sess_e.pk)
    client = login(w.e_admin)
    client.get(detail)
    with CaptureQueriesContext(connection) as ctx:
        client.get(detail)
    for _ in range(6):
        TraineeFactory(session=w.sess_e, employer_unit=w.X, employer_name="")
    with CaptureQueriesContext(connection) as ctx2:
        client.get(detail)
    assert len(ctx2) == len(ctx)
