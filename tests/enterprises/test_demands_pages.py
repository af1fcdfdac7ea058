"""Pages of the demand side: lists by role, create/edit/transition buttons, review queue, 404/403, query counts."""

# ruff: noqa: F811  (tests take the imported fixture "w" as a parameter)

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models.demands import EnterpriseProfile, StaffTrainingNeed, TalentDemand
from tests.factories.enterprises_demands import (
    DemandSkillFactory,
    EnterpriseUnitFactory,
    StaffTrainingNeedFactory,
    TalentDemandFactory,
    TechnologyProblemFactory,
)

from .test_demands_world import w  # noqa: F401  (the shared fixture)

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def _listed(response):
    return {row.pk for row in response.context["object_list"]}


def test_demand_list_by_role(client, w):
    draft = TalentDemandFactory(unit=w.ent, draft=True)
    published = TalentDemandFactory(unit=w.ent, position="电气维修工")
    TalentDemandFactory(unit=w.foreign_ent)
    url = reverse("enterprises:demand-list")
    assert _listed(_login(client, w.admin).get(url)) == {draft.pk, published.pk}
    assert _listed(_login(client, w.other_admin).get(url)) == {published.pk}
    assert _listed(_login(client, w.secretariat).get(url + "?status=draft")) == {draft.pk}
    assert _listed(_login(client, w.other_admin).get(url + "?q=电气")) == {published.pk}
    assert _listed(_login(client, w.other_admin).get(url + "?q=不存在")) == set()
    assert _login(client, w.other_admin).get(url + "?kind=bogus&industry=abc").status_code == 200


def test_detail_404_for_hidden_and_foreign(client, w):
    draft = TalentDemandFactory(unit=w.ent, draft=True)
    foreign = TalentDemandFactory(unit=w.foreign_ent)
    _login(client, w.other_admin)
    assert client.get(reverse("enterprises:demand-detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("enterprises:demand-detail", args=[foreign.pk])).status_code == 404
    _login(client, w.admin)
    page = client.get(reverse("enterprises:demand-detail", args=[draft.pk]))
    assert page.status_code == 200 and "提交审核" in page.content.decode()


def test_create_then_submit_then_secretariat_approves_from_queue(client, w):
    _login(client, w.admin)
    response = client.post(reverse("enterprises:demand-create"), {
        "unit": w.ent.pk, "position": "焊工", "kind": "apprenticeship", "headcount": 2, "education_level": "any",
        "start_date": "2027-07-01", "skills_text": "焊接:5",
    })
    demand = TalentDemand.objects.get()
    assert response.status_code == 302 and demand.status == "draft"
    assert list(demand.skills.values_list("name", "importance")) == [("焊接", 5)]
    client.post(reverse("enterprises:demand-transition", args=[demand.pk]), {"action": "submit"})
    client.post(reverse("enterprises:demand-transition", args=[demand.pk]), {"action": "approve"})
    demand.refresh_from_db()
    assert demand.status == "submitted"  # the enterprise cannot publish itself
    _login(client, w.secretariat)
    queue = client.get(reverse("enterprises:review-queue"))
    assert queue.status_code == 200 and "焊工" in queue.content.decode()
    client.post(reverse("enterprises:demand-transition", args=[demand.pk]), {"action": "return", "reason": ""})
    demand.refresh_from_db()
    assert demand.status == "submitted"  # a return without reason is refused
    client.post(reverse("enterprises:demand-transition", args=[demand.pk]),
                {"action": "approve", "next": "review-queue"})
    demand.refresh_from_db()
    assert demand.status == "approved"


def test_create_form_errors_change_nothing(client, w):
    _login(client, w.admin)
    response = client.post(reverse("enterprises:demand-create"), {
        "unit": w.ent.pk, "position": "焊工", "kind": "employment", "headcount": 2, "education_level": "any",
        "start_date": "2027-07-01", "salary_min": 9000, "salary_max": 3000, "skills_text": "焊接:7",
    })
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not TalentDemand.objects.exists()


def test_create_refused_to_users_without_enterprise(client, w):
    _login(client, w.official)
    assert client.get(reverse("enterprises:demand-create")).status_code == 403
    _login(client, w.staff)
    assert client.get(reverse("enterprises:demand-create")).status_code == 403


def test_edit_and_transition_403_for_visible_but_not_editable(client, w):
    published = TalentDemandFactory(unit=w.ent)
    _login(client, w.other_admin)
    assert client.get(reverse("enterprises:demand-edit", args=[published.pk])).status_code == 403
    response = client.post(reverse("enterprises:demand-transition", args=[published.pk]), {"action": "withdraw"})
    assert response.status_code == 403
    published.refresh_from_db()
    assert published.status == "approved"


def test_fill_page_action(client, w):
    row = TalentDemandFactory(unit=w.ent, headcount=3)
    _login(client, w.admin)
    client.post(reverse("enterprises:demand-fill", args=[row.pk]), {"filled_count": 1})
    row.refresh_from_db()
    assert (row.status, row.filled_count) == ("partly_filled", 1)
    client.post(reverse("enterprises:demand-fill", args=[row.pk]), {"filled_count": "x"})
    row.refresh_from_db()
    assert row.filled_count == 1


def test_enterprise_pages_and_profile_edit(client, w):
    _login(client, w.other_admin)
    assert client.get(reverse("enterprises:enterprise-list")).status_code == 200
    assert client.get(reverse("enterprises:enterprise-detail", args=[w.ent.pk])).status_code == 200
    assert client.get(reverse("enterprises:enterprise-edit", args=[w.ent.pk])).status_code == 403
    assert client.get(reverse("enterprises:enterprise-detail", args=[w.foreign_ent.pk])).status_code == 404
    _login(client, w.admin)
    response = client.post(reverse("enterprises:enterprise-edit", args=[w.ent.pk]), {
        "size": "large", "zone_type": "township", "zone_name": "七星泡镇", "employees": 800,
        "is_integration_enterprise": "on", "recognised_on": "2024-06-01",
    })
    assert response.status_code == 302
    profile = EnterpriseProfile.objects.get(unit=w.ent)
    assert (profile.size, profile.employees, profile.is_integration_enterprise) == ("large", 800, True)
    bad = client.post(reverse("enterprises:enterprise-edit", args=[w.ent.pk]), {
        "size": "large", "zone_type": "township", "employees": 5, "recognised_on": "2024-06-01"})
    assert bad.status_code == 200 and "recognised_on" in bad.context["form"].errors


def test_training_need_pages(client, w):
    _login(client, w.admin)
    client.post(reverse("enterprises:trainingneed-create"), {
        "unit": w.ent.pk, "topic": "安全培训", "trainees": 12, "period_start": "2027-03-01",
        "period_end": "2027-03-03"})
    need = StaffTrainingNeed.objects.get()
    assert client.get(reverse("enterprises:trainingneed-detail", args=[need.pk])).status_code == 200
    client.post(reverse("enterprises:trainingneed-transition", args=[need.pk]), {"action": "submit"})
    need.refresh_from_db()
    assert need.status == "submitted"
    _login(client, w.other_admin)
    assert client.get(reverse("enterprises:trainingneed-detail", args=[need.pk])).status_code == 404
    assert _listed(client.get(reverse("enterprises:trainingneed-list"))) == set()


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["enterprises:demand-list", "enterprises:enterprise-list",
                                  "enterprises:trainingneed-list", "enterprises:techproblem-list",
                                  "enterprises:review-queue"])
def test_list_pages_query_counts_constant(client, w, name):
    def grow():
        unit = EnterpriseUnitFactory(consortium=w.consortium)
        DemandSkillFactory(demand=TalentDemandFactory(unit=unit))
        TalentDemandFactory(unit=unit, submitted=True)
        StaffTrainingNeedFactory(unit=unit)
        TechnologyProblemFactory(unit=unit)

    grow()
    _login(client, w.secretariat)
    url = reverse(name)
    _queries(client, url)
    first = _queries(client, url)
    for _ in range(4):
        grow()
    assert _queries(client, url) == first
