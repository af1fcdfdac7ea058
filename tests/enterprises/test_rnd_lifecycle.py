"""R&D: project lifecycle (allowed / refused transitions, wrong party, closure review), visibility of projects and
technical services, API bad input and constant list query counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from consortium.tenancy.choices import UnitKind
from enterprises.choices.rnd import (
    Party,
    ProjectStatus,
    TransitionRefused,
    project_allowed_actions,
    project_next_status,
)
from enterprises.models.rnd import ProjectStatusChange, RnDProject, TechnicalService
from enterprises.selectors import rnd as selectors
from enterprises.services import rnd as services
from tests.factories.enterprises_rnd import (
    AchievementFactory,
    AchievementTransferFactory,
    ProjectMilestoneFactory,
    RnDProjectFactory,
    TechnicalServiceFactory,
)
from tests.factories.tenancy import ConsortiumFactory, MemberUnitFactory, UnitMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# --- pure lifecycle ---------------------------------------------------------------------------------------------


def test_pure_transitions_allowed_and_refused():
    sec, prop = {Party.SECRETARIAT}, {Party.PROPOSER}
    assert project_next_status("proposed", "approve", sec) == "approved"
    assert project_next_status("approved", "start", prop) == "in_progress"
    assert project_next_status("in_progress", "submit_closure", prop) == "closure_review"
    assert project_next_status("closure_review", "accept_closure", sec) == "closed"
    assert project_next_status("closure_review", "reject_closure", sec, "数据不全") == "in_progress"
    with pytest.raises(TransitionRefused) as wrong_party:
        project_next_status("proposed", "approve", prop)
    assert wrong_party.value.permission
    with pytest.raises(TransitionRefused) as wrong_status:
        project_next_status("closed", "terminate", sec, "x")
    assert not wrong_status.value.permission and wrong_status.value.field == "action"
    with pytest.raises(TransitionRefused) as no_reason:
        project_next_status("closure_review", "reject_closure", sec, "  ")
    assert no_reason.value.field == "reason"
    assert project_allowed_actions("closure_review", prop) == []
    assert set(project_allowed_actions("in_progress", prop)) == {"submit_closure", "terminate"}


# --- world ------------------------------------------------------------------------------------------------------


@pytest.fixture
def rnd_world():
    consortium = ConsortiumFactory()
    proposer = MemberUnitFactory(consortium=consortium, kind=UnitKind.SCHOOL)
    partner = MemberUnitFactory(consortium=consortium)
    third = MemberUnitFactory(consortium=consortium)
    other = ConsortiumFactory()
    return {
        "c": consortium,
        "proposer": proposer,
        "partner": partner,
        "third": third,
        "proposer_admin": UnitMembershipFactory(unit=proposer, admin=True).user,
        "partner_admin": UnitMembershipFactory(unit=partner, admin=True).user,
        "third_admin": UnitMembershipFactory(unit=third, admin=True).user,
        "sec": UserFactory(consortium=consortium, secretariat=True),
        "official": UserFactory(consortium=consortium, official=True),
        "foreign_sec": UserFactory(consortium=other, secretariat=True),
    }


def _propose(w):
    return services.project_create(
        actor=w["proposer_admin"],
        unit=w["proposer"],
        partners=[w["partner"]],
        title="秸秆综合利用技术研究",
        start_on=date(2024, 1, 1),
        end_on=date(2025, 12, 31),
        budget=30,
    )


def test_full_lifecycle_with_history(rnd_world):
    w = rnd_world
    project = _propose(w)
    assert project.status == ProjectStatus.PROPOSED
    services.project_transition(actor=w["sec"], project=project, action="approve")
    services.project_transition(actor=w["proposer_admin"], project=project, action="start")
    milestone = ProjectMilestoneFactory(project=project)
    with pytest.raises(ValidationError) as open_milestone:
        services.project_transition(actor=w["proposer_admin"], project=project, action="submit_closure")
    assert "action" in open_milestone.value.message_dict
    services.milestone_update(actor=w["proposer_admin"], milestone=milestone, done_on=date(2024, 9, 1))
    services.project_transition(actor=w["proposer_admin"], project=project, action="submit_closure")
    services.project_transition(actor=w["sec"], project=project, action="reject_closure", reason="缺少测试报告")
    project.refresh_from_db()
    assert project.status == ProjectStatus.IN_PROGRESS
    services.project_transition(actor=w["proposer_admin"], project=project, action="submit_closure")
    services.project_transition(actor=w["sec"], project=project, action="accept_closure")
    project.refresh_from_db()
    assert project.status == ProjectStatus.CLOSED
    history = list(
        ProjectStatusChange.objects.filter(project=project).order_by("id").values_list("action", "to_status")
    )
    assert history[0] == ("create", "proposed")
    assert ("reject_closure", "in_progress") in history
    assert history[-1] == ("accept_closure", "closed")
    assert ProjectStatusChange.objects.get(project=project, action="reject_closure").reason == "缺少测试报告"


@pytest.mark.parametrize("actor_key", ["proposer_admin", "partner_admin", "official"])
def test_closure_review_is_the_secretariats(rnd_world, actor_key):
    w = rnd_world
    project = RnDProjectFactory(unit=w["proposer"], status=ProjectStatus.CLOSURE_REVIEW, partners=[w["partner"]])
    with pytest.raises(PermissionDenied):
        services.project_transition(actor=w[actor_key], project=project, action="accept_closure")
    project.refresh_from_db()
    assert project.status == ProjectStatus.CLOSURE_REVIEW
    assert not ProjectStatusChange.objects.filter(project=project).exists()


def test_wrong_party_and_wrong_status_refused(rnd_world):
    w = rnd_world
    project = _propose(w)
    with pytest.raises(PermissionDenied):  # the proposer cannot approve its own project
        services.project_transition(actor=w["proposer_admin"], project=project, action="approve")
    with pytest.raises(PermissionDenied):  # the secretariat does not start it for the proposer
        services.project_transition(actor=w["sec"], project=project, action="start")
    with pytest.raises(ValidationError) as wrong_status:
        services.project_transition(actor=w["proposer_admin"], project=project, action="submit_closure")
    assert "action" in wrong_status.value.message_dict
    with pytest.raises(ValidationError) as no_reason:
        services.project_transition(actor=w["sec"], project=project, action="terminate")
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(PermissionDenied):  # foreign consortium: not even visible
        services.project_transition(actor=w["foreign_sec"], project=project, action="approve")
    project.refresh_from_db()
    assert project.status == ProjectStatus.PROPOSED


def test_project_visibility_rule(rnd_world):
    """Proposals: proposer, partners, secretariat, officials. Approved (not terminated): consortium-wide."""
    w = rnd_world
    project = _propose(w)

    def sees(user):
        return RnDProject.objects.visible_to(user).filter(pk=project.pk).exists()

    assert sees(w["proposer_admin"]) and sees(w["partner_admin"]) and sees(w["sec"]) and sees(w["official"])
    assert not sees(w["third_admin"])
    assert not sees(w["foreign_sec"])
    # partners read but do not write
    assert not RnDProject.objects.editable_by(w["partner_admin"]).filter(pk=project.pk).exists()
    services.project_transition(actor=w["sec"], project=project, action="approve")
    assert sees(w["third_admin"])
    services.project_transition(actor=w["sec"], project=project, action="terminate", reason="经费未落实")
    assert not sees(w["third_admin"]) and sees(w["partner_admin"])


def test_project_pages_partner_third_foreign(rnd_world, client):
    w = rnd_world
    project = _propose(w)
    url = reverse("enterprises:project-detail", kwargs={"pk": project.pk})
    client.force_login(w["partner_admin"])
    response = client.get(url)
    assert response.status_code == 200
    assert b"project-actions" not in response.content  # partners get no transition buttons
    client.force_login(w["third_admin"])
    assert client.get(url).status_code == 404
    client.force_login(w["foreign_sec"])
    assert client.get(url).status_code == 404
    client.force_login(w["sec"])
    response = client.get(url)
    assert "批准立项" in response.content.decode()
    # the transition page: a partner may not act (403), the secretariat approves
    client.force_login(w["partner_admin"])
    transition = reverse("enterprises:project-transition", kwargs={"pk": project.pk})
    assert client.post(transition, {"action": "approve"}).status_code == 403
    client.force_login(w["sec"])
    assert client.post(transition, {"action": "approve"}).status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.APPROVED


def test_technical_service_both_units_see_it(rnd_world):
    w = rnd_world
    service = services.technical_service_create(
        actor=w["proposer_admin"],
        unit=w["proposer"],
        client_unit=w["partner"],
        kind="process_improvement",
        title="锅炉燃烧工艺改进",
        delivered_on=date(2024, 6, 1),
        value=15,
    )
    assert TechnicalService.objects.visible_to(w["partner_admin"]).filter(pk=service.pk).exists()
    assert not TechnicalService.objects.editable_by(w["partner_admin"]).filter(pk=service.pk).exists()
    assert not TechnicalService.objects.visible_to(w["third_admin"]).filter(pk=service.pk).exists()
    with pytest.raises(ValidationError) as same_unit:
        services.technical_service_create(
            actor=w["proposer_admin"],
            unit=w["proposer"],
            client_unit=w["proposer"],
            kind="consulting",
            title="x",
            delivered_on=date(2024, 6, 1),
        )
    assert "client_unit" in same_unit.value.message_dict


def test_transfer_totals_per_unit_and_year(rnd_world):
    w = rnd_world
    a = AchievementFactory(unit=w["proposer"])
    AchievementTransferFactory(achievement=a, amount=10, transferred_on=date(2024, 3, 1))
    AchievementTransferFactory(achievement=a, amount=5, transferred_on=date(2024, 9, 1))
    AchievementTransferFactory(achievement=a, amount=7, transferred_on=date(2023, 9, 1))
    rows = {(r["unit_id"], r["year"]): (r["total"], r["count"]) for r in selectors.transfer_totals(w["third_admin"])}
    assert rows == {(w["proposer"].pk, 2024): (15, 2), (w["proposer"].pk, 2023): (7, 1)}
    with pytest.raises(ValidationError) as no_licensee:
        services.transfer_create(
            actor=w["proposer_admin"], achievement=a, mode="license", amount=1, transferred_on=date(2024, 1, 1)
        )
    assert "licensee_name" in no_licensee.value.message_dict


# --- API ------------------------------------------------------------------------------------------------------------


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_bad_input_gives_field_errors(rnd_world):
    w = rnd_world
    api = _api(w["proposer_admin"])
    before = RnDProject.objects.count()
    response = api.post(
        "/api/v1/rnd-projects/",
        {
            "unit": w["proposer"].pk,
            "title": "x",
            "start_on": "2025-01-01",
            "end_on": "2024-01-01",
            "budget": "-1",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "budget" in response.json() or "end_on" in response.json()
    response = api.post(
        "/api/v1/rnd-projects/",
        {"unit": w["proposer"].pk, "title": "x", "start_on": "2025-01-01", "end_on": "2024-01-01"},
        format="json",
    )
    assert response.status_code == 400 and "end_on" in response.json()
    assert RnDProject.objects.count() == before
    project = _propose(w)
    bad = api.post(f"/api/v1/rnd-projects/{project.pk}/transition/", {"action": "fly"}, format="json")
    assert bad.status_code == 400 and "action" in bad.json()
    refused = api.post(f"/api/v1/rnd-projects/{project.pk}/transition/", {"action": "approve"}, format="json")
    assert refused.status_code == 403
    ok = _api(w["sec"]).post(f"/api/v1/rnd-projects/{project.pk}/transition/", {"action": "approve"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "approved"


def test_api_partner_sees_project_third_does_not(rnd_world):
    w = rnd_world
    project = _propose(w)
    ids = {row["id"] for row in _api(w["partner_admin"]).get("/api/v1/rnd-projects/").json()["results"]}
    assert project.pk in ids
    ids = {row["id"] for row in _api(w["third_admin"]).get("/api/v1/rnd-projects/").json()["results"]}
    assert project.pk not in ids
    assert _api(w["foreign_sec"]).get(f"/api/v1/rnd-projects/{project.pk}/").status_code == 404


@pytest.mark.parametrize(
    "url", ["/api/v1/rnd-projects/", "/api/v1/rnd-platforms/", "/api/v1/technical-services/", "/api/v1/achievements/"]
)
def test_api_list_query_count_constant(rnd_world, url):
    w = rnd_world
    api = _api(w["sec"])

    def add_rows():
        project = RnDProjectFactory(unit=w["proposer"], partners=[w["partner"], w["third"]])
        ProjectMilestoneFactory(project=project)
        TechnicalServiceFactory(unit=w["proposer"], client_unit=w["partner"])
        AchievementFactory(unit=w["proposer"])
        from tests.factories.enterprises_rnd import RnDPlatformFactory

        platform = RnDPlatformFactory(unit=w["proposer"])
        platform.co_builders.add(w["partner"], through_defaults={"consortium_id": platform.consortium_id})

    add_rows()
    with CaptureQueriesContext(connection) as small:
        assert api.get(url).status_code == 200
    for _ in range(4):
        add_rows()
    with CaptureQueriesContext(connection) as large:
        assert api.get(url).status_code == 200
    assert len(large) == len(small)


@pytest.mark.parametrize("name", ["project-list", "platform-list", "techservice-list", "achievement-list"])
def test_page_list_query_count_constant(rnd_world, client, name):
    w = rnd_world
    client.force_login(w["sec"])
    url = reverse(f"enterprises:{name}")
    RnDProjectFactory(unit=w["proposer"], partners=[w["partner"]])
    TechnicalServiceFactory(unit=w["proposer"], client_unit=w["partner"])
    AchievementFactory(unit=w["proposer"])
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for _ in range(4):
        RnDProjectFactory(unit=w["proposer"], partners=[w["partner"], w["third"]])
        TechnicalServiceFactory(unit=w["proposer"], client_unit=w["partner"])
        AchievementFactory(unit=w["proposer"])
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)


def test_project_create_page_and_bad_input(rnd_world, client):
    w = rnd_world
    client.force_login(w["proposer_admin"])
    url = reverse("enterprises:project-create")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"unit": w["proposer"].pk, "title": "x", "start_on": "2025-01-01", "end_on": "2024-01-01", "budget": "1"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not RnDProject.objects.filter(title="x").exists()
    response = client.post(
        url,
        {
            "unit": w["proposer"].pk,
            "title": "新项目",
            "start_on": "2024-01-01",
            "end_on": "2025-01-01",
            "budget": "1",
            "partners": [w["partner"].pk],
        },
    )
    assert response.status_code == 302
    project = RnDProject.objects.get(title="新项目")
    assert list(project.partners.all()) == [w["partner"]]
    client.force_login(w["official"])
    assert client.get(url).status_code == 403


def test_demo_load_is_idempotent():
    from consortium.funding.models import FundingRecord, PolicyDocument
    from enterprises.demo import rnd as demo

    c = ConsortiumFactory()
    sec = UserFactory(consortium=c, secretariat=True)
    school = MemberUnitFactory(consortium=c, kind=UnitKind.SCHOOL)
    UnitMembershipFactory(unit=school, admin=True)
    MemberUnitFactory(consortium=c)
    demo.load(consortium=c, secretariat=sec, stdout=None)
    counts = (RnDProject.objects.count(), FundingRecord.objects.count(), PolicyDocument.objects.count())
    statuses = set(RnDProject.objects.values_list("status", flat=True))
    assert {"closed", "in_progress", "closure_review", "approved", "proposed"} <= statuses
    assert counts[1] == 8 and counts[2] == 4
    demo.load(consortium=c, secretariat=sec, stdout=None)
    assert (RnDProject.objects.count(), FundingRecord.objects.count(), PolicyDocument.objects.count()) == counts
