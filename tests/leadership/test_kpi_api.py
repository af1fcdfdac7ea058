"""API of the KPI facts and refreshes (H-dash): exact result sets per role, filters, read-only facts, the refresh
trigger for the secretariat only (officials and unit users refused, nothing queued or changed)."""

# ruff: noqa: F811  (tests take the imported fixture "dw" as a parameter)

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from consortium.leadership.choices import RefreshStatus
from consortium.leadership.kpis import tasks as kpi_tasks
from consortium.leadership.models import KpiFact, KpiRefresh

from .test_dashboard_pages import dw, fact  # noqa: F401  (dw: the shared fixture)

pytestmark = pytest.mark.django_db

FACTS = "/api/v1/leadership/kpi-facts/"
REFRESHES = "/api/v1/leadership/kpi-refreshes/"
TRIGGER = "/api/v1/leadership/kpi-refreshes/trigger/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def facts(dw):
    y = dw.year
    return {
        "a_total": fact(dw.consortium, "members.by_kind", 3, year=0),
        "a_kind": fact(dw.consortium, "members.by_kind", 2, year=0, dimension="school"),
        "a_school": fact(dw.consortium, "teachers.full_time", 12, year=0, unit=dw.school),
        "a_enterprise": fact(dw.consortium, "demands.published_headcount", 40, year=y, unit=dw.enterprise),
        "a_demand": fact(dw.consortium, "demands.published_headcount", 40, year=y),
        "a_demand_old": fact(dw.consortium, "demands.published_headcount", 7, year=y - 1),
        "b_total": fact(dw.other, "members.by_kind", 5, year=0),
        "b_unit": fact(dw.other, "teachers.full_time", 9, year=0, unit=dw.foreign_school),
    }


@pytest.fixture
def refreshes(dw):
    now = timezone.now()
    return {
        "a": KpiRefresh.objects.create(
            consortium=dw.consortium, status=RefreshStatus.DONE, started_at=now, finished_at=now, facts=6
        ),
        "b": KpiRefresh.objects.create(
            consortium=dw.other, status=RefreshStatus.DONE, started_at=now, finished_at=now, facts=2
        ),
    }


def _pk(rows: dict, *names: str) -> set[int]:
    return {rows[name].pk for name in names}


def test_facts_visible_by_role(dw, facts):
    consortium_a = _pk(facts, "a_total", "a_kind", "a_school", "a_enterprise", "a_demand", "a_demand_old")
    assert _ids(api(dw.secretariat).get(FACTS)) == consortium_a
    assert _ids(api(dw.official).get(FACTS)) == consortium_a
    # a unit user reads its own unit's facts only (never the consortium-wide ones, never another unit's)
    assert _ids(api(dw.school_admin).get(FACTS)) == _pk(facts, "a_school")
    assert _ids(api(dw.foreign_official).get(FACTS)) == _pk(facts, "b_total", "b_unit")
    assert _ids(api(dw.platform_admin).get(FACTS)) == {f.pk for f in facts.values()}
    # out of scope answers 404 like a missing row
    assert api(dw.secretariat).get(f"{FACTS}{facts['b_total'].pk}/").status_code == 404
    assert api(dw.school_admin).get(f"{FACTS}{facts['a_total'].pk}/").status_code == 404
    assert api(dw.school_admin).get(f"{FACTS}{facts['a_enterprise'].pk}/").status_code == 404
    body = api(dw.official).get(f"{FACTS}{facts['a_kind'].pk}/").json()
    assert body["metric"] == "members.by_kind" and body["metric_label"] == "正式成员单位数"
    assert body["dimension"] == "school" and body["dimension_label"] == "职业学校"
    assert Decimal(body["value"]) == Decimal(2) and body["unit"] is None


def test_fact_filters(dw, facts):
    client = api(dw.secretariat)
    assert _ids(client.get(FACTS, {"year": dw.year})) == _pk(facts, "a_enterprise", "a_demand")
    assert _ids(client.get(FACTS, {"year": 0})) == _pk(facts, "a_total", "a_kind", "a_school")
    assert _ids(client.get(FACTS, {"unit": dw.school.pk})) == _pk(facts, "a_school")
    assert _ids(client.get(FACTS, {"metric": "demands.published_headcount"})) == _pk(
        facts, "a_enterprise", "a_demand", "a_demand_old"
    )
    assert _ids(client.get(FACTS, {"metric": ["members.by_kind", "teachers.full_time"], "year": 0})) == _pk(
        facts, "a_total", "a_kind", "a_school"
    )
    assert _ids(client.get(FACTS, {"consortium_wide": "true", "year": 0})) == _pk(facts, "a_total", "a_kind")
    assert _ids(client.get(FACTS, {"metric": "members.by_kind", "dimension": ""})) == _pk(
        facts, "a_total", "a_kind"
    )  # an empty filter value is no filter
    assert _ids(client.get(FACTS, {"metric": "members.by_kind", "dimension": "school"})) == _pk(facts, "a_kind")
    # another consortium's unit is not a valid choice; bad values answer 400, never 500
    assert client.get(FACTS, {"unit": dw.foreign_school.pk}).status_code == 400
    assert client.get(FACTS, {"unit": 2**70}).status_code == 400
    assert client.get(FACTS, {"metric": "no.such.metric"}).status_code == 400
    assert client.get(FACTS, {"year": "abc"}).status_code == 400
    # a unit user filtering on another unit gets nothing
    assert _ids(api(dw.school_admin).get(FACTS, {"unit": dw.enterprise.pk})) == set()


def test_facts_are_read_only(dw, facts):
    before = list(KpiFact.objects.order_by("pk").values_list("pk", "value"))
    fact_url = f"{FACTS}{facts['a_total'].pk}/"
    for user in (dw.secretariat, dw.platform_admin):
        assert api(user).post(FACTS, {"metric": "x", "year": 0, "value": 1}, format="json").status_code == 405
        assert api(user).patch(fact_url, {"value": 99}, format="json").status_code == 405
        assert api(user).delete(fact_url).status_code == 405
    assert api(dw.official).patch(fact_url, {"value": 99}, format="json").status_code == 405
    assert list(KpiFact.objects.order_by("pk").values_list("pk", "value")) == before


def test_refreshes_visible_by_role(dw, refreshes):
    assert _ids(api(dw.secretariat).get(REFRESHES)) == {refreshes["a"].pk}
    assert _ids(api(dw.official).get(REFRESHES)) == {refreshes["a"].pk}
    assert _ids(api(dw.school_admin).get(REFRESHES)) == set()
    assert _ids(api(dw.platform_admin).get(REFRESHES)) == {refreshes["a"].pk, refreshes["b"].pk}
    assert api(dw.secretariat).get(f"{REFRESHES}{refreshes['b'].pk}/").status_code == 404
    assert _ids(api(dw.secretariat).get(REFRESHES, {"status": "done"})) == {refreshes["a"].pk}
    assert _ids(api(dw.secretariat).get(REFRESHES, {"status": "failed"})) == set()


@pytest.fixture
def queued(monkeypatch):
    """Replaces the task's ``delay``: records the consortium ids the trigger queues."""
    calls: list[int] = []
    monkeypatch.setattr(kpi_tasks.refresh_kpis, "delay", lambda consortium_id, *args: calls.append(consortium_id))
    return calls


def test_secretariat_triggers_a_refresh_on_commit(dw, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(dw.secretariat).post(TRIGGER, {}, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued" and response.json()["consortium"] == dw.consortium.pk
    assert queued == [dw.consortium.pk]
    # a consortium id in the body is ignored for the secretariat: always its own consortium
    with django_capture_on_commit_callbacks(execute=True):
        api(dw.secretariat).post(TRIGGER, {"consortium": dw.other.pk}, format="json")
    assert queued == [dw.consortium.pk, dw.consortium.pk]


def test_a_running_refresh_is_not_queued_twice(dw, queued, django_capture_on_commit_callbacks):
    KpiRefresh.objects.create(consortium=dw.consortium, status=RefreshStatus.RUNNING, started_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        response = api(dw.secretariat).post(TRIGGER, {}, format="json")
    assert response.status_code == 202 and response.json()["status"] == "running"
    assert queued == []


@pytest.mark.parametrize("role", ["official", "school_admin", "foreign_official"])
def test_others_cannot_trigger_a_refresh(dw, facts, refreshes, queued, role, django_capture_on_commit_callbacks):
    facts_before = list(KpiFact.objects.order_by("pk").values_list("pk", "value"))
    refreshes_before = list(KpiRefresh.objects.order_by("pk").values_list("pk", "status"))
    with django_capture_on_commit_callbacks(execute=True):
        response = api(getattr(dw, role)).post(TRIGGER, {}, format="json")
    assert response.status_code == 403, response.content
    assert queued == []
    assert list(KpiFact.objects.order_by("pk").values_list("pk", "value")) == facts_before
    assert list(KpiRefresh.objects.order_by("pk").values_list("pk", "status")) == refreshes_before


def test_platform_admin_names_the_consortium(dw, queued, django_capture_on_commit_callbacks):
    client = api(dw.platform_admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(TRIGGER, {}, format="json").status_code == 400
        assert client.post(TRIGGER, {"consortium": 2**70}, format="json").status_code == 400
        assert client.post(TRIGGER, {"consortium": "abc"}, format="json").status_code == 400
    assert queued == []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(TRIGGER, {"consortium": dw.other.pk}, format="json")
    assert response.status_code == 202 and queued == [dw.other.pk]


def test_anonymous_is_refused(dw, facts, queued):
    client = APIClient()
    assert client.get(FACTS).status_code in (401, 403)
    assert client.post(TRIGGER, {}, format="json").status_code in (401, 403)
    assert queued == []
