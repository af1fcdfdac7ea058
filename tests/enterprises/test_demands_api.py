"""API of the demand side: scoped lists, workflow actions with roles, bad input 400, constant list query counts."""

# ruff: noqa: F811  (tests take the imported fixture "w" as a parameter)

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.models.demands import DemandStatusChange, TalentDemand
from tests.factories.enterprises_demands import DemandSkillFactory, EnterpriseProfileFactory, TalentDemandFactory
from tests.factories.schools import ProgrammeFactory

from .test_demands_world import api, w  # noqa: F401  (w: the shared fixture)

pytestmark = pytest.mark.django_db

URL = "/api/v1/talent-demands/"


def _payload(w, **extra):
    return {"unit": w.ent.pk, "position": "电工", "headcount": 3, "start_date": "2027-07-01", "kind": "internship",
            "skills": [{"name": "电工操作", "importance": 5}], **extra}


def _ids(response):
    return {row["id"] for row in response.json()["results"]}


def test_list_shows_published_and_own_drafts_only(w):
    draft = TalentDemandFactory(unit=w.ent, draft=True)
    published = TalentDemandFactory(unit=w.ent)
    other_draft = TalentDemandFactory(unit=w.other, draft=True)
    TalentDemandFactory(unit=w.foreign_ent)
    assert _ids(api(w.admin).get(URL)) == {draft.pk, published.pk}
    assert _ids(api(w.other_admin).get(URL)) == {published.pk, other_draft.pk}
    assert _ids(api(w.secretariat).get(URL)) == {draft.pk, published.pk, other_draft.pk}
    assert api(w.other_admin).get(f"{URL}{draft.pk}/").status_code == 404
    assert api(w.foreign_secretariat).get(f"{URL}{published.pk}/").status_code == 404


def test_create_submit_approve_through_the_api(w):
    programme = ProgrammeFactory(unit__consortium=w.consortium)
    response = api(w.admin).post(URL, _payload(w, programmes=[programme.pk]), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["skills"] == [{"name": "电工操作", "importance": 5}]
    pk = body["id"]
    assert api(w.admin).post(f"{URL}{pk}/submit/").json()["status"] == "submitted"
    refused = api(w.admin).post(f"{URL}{pk}/approve/")
    assert refused.status_code == 403
    assert TalentDemand.objects.get(pk=pk).status == "submitted"
    assert api(w.secretariat).post(f"{URL}{pk}/approve/").json()["status"] == "approved"
    filled = api(w.admin).post(f"{URL}{pk}/fill/", {"filled_count": 3}, format="json")
    assert filled.json()["status"] == "filled"
    history = api(w.other_admin).get("/api/v1/demand-status-changes/", {"demand": pk}).json()["results"]
    assert [row["to_status"] for row in history] == ["filled", "approved", "submitted", "draft"]


def test_invalid_transition_is_400_naming_both_statuses(w):
    row = TalentDemandFactory(unit=w.ent, draft=True)
    response = api(w.secretariat).post(f"{URL}{row.pk}/approve/")
    assert response.status_code == 400
    text = response.content.decode()
    assert "草稿" in text and "已发布" in text
    row.refresh_from_db()
    assert row.status == "draft"


def test_return_requires_reason(w):
    row = TalentDemandFactory(unit=w.ent, submitted=True)
    response = api(w.secretariat).post(f"{URL}{row.pk}/return/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    ok = api(w.secretariat).post(f"{URL}{row.pk}/return/", {"reason": "请补充"}, format="json")
    assert ok.status_code == 200 and ok.json()["return_reason"] == "请补充"


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"headcount": 0}, "headcount"),
        ({"headcount": "many"}, "headcount"),
        ({"salary_min": 8000, "salary_max": 5000}, "salary_max"),
        ({"start_date": "not-a-date"}, "start_date"),
        ({"kind": "nonsense"}, "kind"),
        ({"skills": [{"name": "焊接", "importance": 9}]}, "skills"),
        ({"position": ""}, "position"),
    ],
)
def test_bad_input_is_400_and_creates_nothing(w, bad, field):
    response = api(w.admin).post(URL, _payload(w, **bad), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not TalentDemand.objects.exists()


def test_foreign_unit_or_programme_is_400(w):
    foreign_programme = ProgrammeFactory(unit__consortium=w.foreign)
    assert api(w.admin).post(URL, _payload(w, unit=w.foreign_ent.pk), format="json").status_code == 400
    response = api(w.admin).post(URL, _payload(w, programmes=[foreign_programme.pk]), format="json")
    assert response.status_code == 400 and "programmes" in response.json()
    assert not TalentDemand.objects.exists()


def test_other_enterprise_cannot_create_for_us(w):
    assert api(w.other_admin).post(URL, _payload(w), format="json").status_code == 403
    assert api(w.official).post(URL, _payload(w), format="json").status_code == 403
    assert not TalentDemand.objects.exists()


def test_training_need_and_problem_actions(w):
    need = api(w.admin).post("/api/v1/training-needs/", {
        "unit": w.ent.pk, "topic": "安全培训", "trainees": 10, "period_start": "2027-03-01",
        "period_end": "2027-02-01"}, format="json")
    assert need.status_code == 400 and "period_end" in need.json()
    need = api(w.admin).post("/api/v1/training-needs/", {
        "unit": w.ent.pk, "topic": "安全培训", "trainees": 10, "period_start": "2027-03-01",
        "period_end": "2027-03-05"}, format="json").json()
    api(w.admin).post(f"/api/v1/training-needs/{need['id']}/submit/")
    assert api(w.secretariat).post(f"/api/v1/training-needs/{need['id']}/approve/").json()["status"] == "published"
    problem = api(w.admin).post("/api/v1/technology-problems/", {
        "unit": w.ent.pk, "title": "锅炉", "description": "热效率低"}, format="json").json()
    api(w.admin).post(f"/api/v1/technology-problems/{problem['id']}/submit/")
    assert api(w.admin).post(f"/api/v1/technology-problems/{problem['id']}/approve/").status_code == 403


def test_review_queue_counts(w):
    TalentDemandFactory(unit=w.ent, submitted=True)
    TalentDemandFactory(unit=w.other, submitted=True)
    TalentDemandFactory(unit=w.other, draft=True)
    TalentDemandFactory(unit=w.foreign_ent, submitted=True)
    body = api(w.secretariat).get(f"{URL}review-queue/").json()
    assert body["talent_demand"]["submitted"] == 2 and body["talent_demand"]["draft"] == 1
    assert api(w.other_admin).get(f"{URL}review-queue/").json()["talent_demand"]["submitted"] == 1


def test_enterprise_profile_upsert_and_edit_rights(w):
    response = api(w.admin).post("/api/v1/enterprise-profiles/", {
        "unit": w.ent.pk, "size": "medium", "zone_type": "development_zone", "zone_name": "宝清经济开发区",
        "employees": 200, "is_integration_enterprise": True, "recognised_on": "2024-05-01"}, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert api(w.other_admin).get(f"/api/v1/enterprise-profiles/{pk}/").status_code == 200
    assert api(w.other_admin).patch(f"/api/v1/enterprise-profiles/{pk}/", {"employees": 1}, format="json"
                                    ).status_code == 403
    bad = api(w.admin).patch(f"/api/v1/enterprise-profiles/{pk}/", {"employees": -4}, format="json")
    assert bad.status_code == 400 and "employees" in bad.json()


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", [URL, "/api/v1/training-needs/", "/api/v1/technology-problems/",
                                 "/api/v1/demand-status-changes/", "/api/v1/enterprise-profiles/"])
def test_list_query_counts_constant(w, url):
    from tests.factories.enterprises_demands import (
        DemandStatusChangeFactory,
        EnterpriseUnitFactory,
        StaffTrainingNeedFactory,
        TechnologyProblemFactory,
    )

    def grow():
        unit = EnterpriseUnitFactory(consortium=w.consortium)
        demand = TalentDemandFactory(unit=unit)
        demand.programmes.add(ProgrammeFactory(unit__consortium=w.consortium))
        DemandSkillFactory(demand=demand)
        DemandStatusChangeFactory(demand=demand, actor=w.admin)
        StaffTrainingNeedFactory(unit=unit)
        TechnologyProblemFactory(unit=unit)
        EnterpriseProfileFactory(unit=unit)

    grow()
    client = api(w.other_admin)
    _count_queries(client, url)  # warm-up: unit roles are memoised on the authenticated user object
    first = _count_queries(client, url)
    for _ in range(4):
        grow()
    assert _count_queries(client, url) == first
    assert DemandStatusChange.objects.count() == 5
