"""Shortlisting any recommended student of a published run (helper M6): the service
``candidacy_from_recommendation``, the "加入候选（入围）" button of the enterprise's demand page and
``POST /api/v1/match-recommendations/{id}/shortlist/`` — who may, idempotence, closed states, 404 out of scope, denied
writes change nothing, and (PostgreSQL) concurrent requests create one candidacy."""

# ruff: noqa: F811  (tests take the imported fixture "w" as a parameter)

from __future__ import annotations

import threading

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.urls import reverse

from consortium.tenancy.models import User
from enterprises.choices.demands import DemandStatus
from matching import services
from matching.choices import CandidacyStatus
from matching.models import Candidacy, CandidacyStatusChange, Recommendation
from tests.factories.enterprises_demands import TalentDemandFactory
from tests.factories.matching import CandidacyFactory, MatchRunFactory, RecommendationFactory, student_in
from tests.factories.tenancy import UnitMembershipFactory

from .world_results import api, w  # noqa: F401  (the shared fixture)

pytestmark = pytest.mark.django_db

RECS = "/api/v1/match-recommendations/"


def shortlist_url(rec) -> str:
    return reverse("matching:recommendation-shortlist", args=[rec.pk])


def page_url(demand) -> str:
    return reverse("matching:demand-candidates", args=[demand.pk])


def state() -> tuple:
    """Everything a shortlist may change: candidacies (status, run, recommendation) and the audit trail."""
    return (
        sorted(Candidacy.objects.values_list("pk", "student_id", "demand_id", "status", "run_id", "recommendation_id")),
        sorted(CandidacyStatusChange.objects.values_list("pk", "candidacy_id", "from_status", "to_status")),
    )


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- service ------------------------------------------------------------------------------------------------------


def test_enterprise_admin_shortlists_a_recommendation_outside_the_plan(w):
    assert not w.rec_s2_d.in_plan
    assert not Candidacy.objects.filter(student=w.s2, demand=w.demand).exists()
    candidacy = services.candidacy_from_recommendation(actor=w.ent_admin, recommendation=w.rec_s2_d, reason="技能对口")
    candidacy.refresh_from_db()
    assert (candidacy.student_id, candidacy.demand_id, candidacy.status) == (w.s2.pk, w.demand.pk, "shortlisted")
    assert (candidacy.school_unit_id, candidacy.enterprise_unit_id) == (w.school.pk, w.ent.pk)
    assert (candidacy.run_id, candidacy.recommendation_id, candidacy.score) == (w.run.pk, w.rec_s2_d.pk, 0.6)
    history = list(CandidacyStatusChange.objects.filter(candidacy=candidacy).values_list(
        "from_status", "to_status", "actor_id", "reason", "school_unit_id", "enterprise_unit_id", "consortium_id"))
    assert history == [("", "shortlisted", w.ent_admin.pk, "技能对口", w.school.pk, w.ent.pk, w.consortium.pk)]
    # the school of the student now sees where its student stands
    assert list(Candidacy.objects.visible_to(w.school_admin).filter(student=w.s2).values_list("pk", flat=True)) == [
        candidacy.pk
    ]


def test_a_second_call_is_idempotent(w):
    first = services.candidacy_from_recommendation(actor=w.ent_admin, recommendation=w.rec_s2_d)
    before = state()
    second = services.candidacy_from_recommendation(actor=w.ent_admin, recommendation=w.rec_s2_d)
    assert second.pk == first.pk and second.status == CandidacyStatus.SHORTLISTED
    assert state() == before
    reason = CandidacyStatusChange.objects.get(candidacy=first).reason
    assert f"#{w.run.pk}" in reason  # the default audit reason names the run


def test_an_existing_recommended_candidacy_is_shortlisted_and_audited(w):
    candidacy = services.candidacy_from_recommendation(actor=w.ent_admin, recommendation=w.rec_s1_d)
    assert candidacy.pk == w.cand_s1_d.pk and candidacy.status == CandidacyStatus.SHORTLISTED
    assert Candidacy.objects.filter(student=w.s1, demand=w.demand).count() == 1
    last = CandidacyStatusChange.objects.filter(candidacy=w.cand_s1_d).latest("at", "pk")
    assert (last.from_status, last.to_status, last.actor_id) == ("recommended", "shortlisted", w.ent_admin.pk)


@pytest.mark.parametrize("status", ["interview", "declined", "withdrawn"])
def test_a_candidacy_beyond_recommended_is_returned_unchanged(w, status):
    Candidacy.objects.filter(pk=w.cand_s1_d.pk).update(status=status)
    before = state()
    candidacy = services.candidacy_from_recommendation(actor=w.ent_admin, recommendation=w.rec_s1_d)
    assert candidacy.pk == w.cand_s1_d.pk and candidacy.status == status
    assert state() == before


def test_the_secretariat_may_shortlist(w):
    candidacy = services.candidacy_from_recommendation(actor=w.secretariat, recommendation=w.rec_s2_d)
    assert candidacy.status == CandidacyStatus.SHORTLISTED
    assert CandidacyStatusChange.objects.get(candidacy=candidacy).actor_id == w.secretariat.pk


def test_an_unpublished_run_is_refused_and_nothing_changes(w):
    draft_rec = Recommendation.objects.get(run=w.draft_run)
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.candidacy_from_recommendation(actor=w.secretariat, recommendation=draft_rec)
    assert "status" in exc.value.message_dict and "已发布" in exc.value.message_dict["status"][0]
    # the enterprise of the demand does not even see it
    ent2_admin_rec = Recommendation.objects.visible_to(w.ent2_admin).filter(pk=draft_rec.pk)
    assert not ent2_admin_rec.exists()
    with pytest.raises(ValidationError):
        services.candidacy_from_recommendation(actor=w.ent2_admin, recommendation=draft_rec)
    assert state() == before


@pytest.mark.parametrize("user", ["ent_staff", "school_admin", "school_staff", "official", "ent2_admin",
                                  "school2_admin", "foreign_admin", "foreign_secretariat"])
def test_others_are_denied_and_nothing_changes(w, user):
    before = state()
    with pytest.raises(PermissionDenied):
        services.candidacy_from_recommendation(actor=getattr(w, user), recommendation=w.rec_s2_d)
    assert state() == before


def test_a_unit_admin_of_a_school_may_not_shortlist_even_its_own_student(w):
    # the school sees the recommendation (its student) but only the enterprise moves the pair along
    assert Recommendation.objects.visible_to(w.school_admin).filter(pk=w.rec_s2_d.pk).exists()
    with pytest.raises(PermissionDenied):
        services.candidacy_from_recommendation(actor=w.school_admin, recommendation=w.rec_s2_d)


def test_a_hired_student_is_refused(w):
    CandidacyFactory(demand=TalentDemandFactory(unit=w.ent2), student=w.s2, status=CandidacyStatus.HIRED)
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.candidacy_from_recommendation(actor=w.ent_admin, recommendation=w.rec_s2_d)
    assert exc.value.message_dict == {"student": ["该学生已被其他岗位录用。"]}
    assert state() == before


@pytest.mark.parametrize("status", [DemandStatus.FILLED, DemandStatus.EXPIRED, DemandStatus.WITHDRAWN])
def test_a_demand_no_longer_open_is_refused(w, status):
    type(w.demand).objects.filter(pk=w.demand.pk).update(status=status)
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.candidacy_from_recommendation(actor=w.ent_admin, recommendation=w.rec_s2_d)
    assert list(exc.value.message_dict) == ["demand"]
    assert state() == before


def test_partly_filled_demand_still_takes_candidates(w):
    type(w.demand).objects.filter(pk=w.demand.pk).update(status=DemandStatus.PARTLY_FILLED)
    candidacy = services.candidacy_from_recommendation(actor=w.ent_admin, recommendation=w.rec_s2_d)
    assert candidacy.status == CandidacyStatus.SHORTLISTED


def test_a_too_long_reason_is_refused(w):
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.candidacy_from_recommendation(actor=w.ent_admin, recommendation=w.rec_s2_d, reason="x" * 2001)
    assert list(exc.value.message_dict) == ["reason"]
    assert state() == before


# --- page ---------------------------------------------------------------------------------------------------------


def test_the_page_offers_the_button_to_the_enterprise_admin_only(client, w):
    client.force_login(w.ent_admin)
    page = client.get(page_url(w.demand))
    assert page.status_code == 200 and page.context["can_shortlist"]
    assert [r.pk for r in page.context["others"]] == [w.rec_s2_d.pk]
    html = page.content.decode()
    assert f'data-testid="shortlist-{w.rec_s2_d.pk}"' in html and shortlist_url(w.rec_s2_d) in html
    for user in (w.ent_staff, w.official):
        client.force_login(user)
        page = client.get(page_url(w.demand))
        assert page.status_code == 200 and not page.context["can_shortlist"]
        assert "data-testid=\"shortlist-" not in page.content.decode()
    client.force_login(w.secretariat)
    assert client.get(page_url(w.demand)).context["can_shortlist"]
    # a closed demand: no button
    type(w.demand).objects.filter(pk=w.demand.pk).update(status=DemandStatus.FILLED)
    client.force_login(w.ent_admin)
    assert not client.get(page_url(w.demand)).context["can_shortlist"]


def test_page_shortlist_moves_the_student_to_the_candidates(client, w):
    client.force_login(w.ent_admin)
    next_url = page_url(w.demand) + "?status=shortlisted"
    response = client.post(shortlist_url(w.rec_s2_d), {"next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url
    assert any("电气维修工" in text and "入围" in text for text in texts(response))
    candidacy = Candidacy.objects.get(student=w.s2, demand=w.demand)
    assert candidacy.status == CandidacyStatus.SHORTLISTED
    page = client.get(page_url(w.demand))
    assert {c.pk for c in page.context["candidacies"]} == {w.cand_s1_d.pk, candidacy.pk}
    assert page.context["others"] == []
    # again (e.g. a second tab): a message, nothing changes; an unsafe next falls back to the demand's page
    before = state()
    again = client.post(shortlist_url(w.rec_s2_d), {"next": "https://evil.example/"})
    assert again.status_code == 302 and again["Location"] == page_url(w.demand)
    assert any("已是此岗位的候选人" in text for text in texts(again))
    assert state() == before


def test_page_errors_are_messages(client, w):
    CandidacyFactory(demand=TalentDemandFactory(unit=w.ent2), student=w.s2, status=CandidacyStatus.HIRED)
    before = state()
    client.force_login(w.ent_admin)
    response = client.post(shortlist_url(w.rec_s2_d))
    assert response.status_code == 302 and response["Location"] == page_url(w.demand)
    assert texts(response) == ["该学生已被其他岗位录用。"]
    client.force_login(w.secretariat)
    draft_rec = Recommendation.objects.get(run=w.draft_run)
    response = client.post(shortlist_url(draft_rec))
    assert response.status_code == 302 and any("已发布" in text for text in texts(response))
    assert state() == before


@pytest.mark.parametrize(
    "user, status",
    [("ent_staff", 403), ("school_admin", 403), ("school_staff", 403), ("official", 403), ("ent2_admin", 404),
     ("school2_admin", 404), ("foreign_admin", 404), ("foreign_secretariat", 404)],
)
def test_denied_page_posts_change_nothing(client, w, user, status):
    before = state()
    client.force_login(getattr(w, user))
    assert client.post(shortlist_url(w.rec_s2_d)).status_code == status
    assert state() == before


def test_page_out_of_scope_and_missing_are_404(client, w):
    client.force_login(w.ent_admin)
    draft_rec = Recommendation.objects.get(run=w.draft_run)  # an unpublished run: units do not see it
    before = state()
    for rec_id in (draft_rec.pk, w.rec_s3_d2.pk, w.foreign_rec.pk, 999999):
        assert client.post(reverse("matching:recommendation-shortlist", args=[rec_id])).status_code == 404
    assert client.get(shortlist_url(w.rec_s2_d)).status_code == 405
    assert state() == before


def test_anonymous_is_sent_to_login(client, w):
    before = state()
    response = client.post(shortlist_url(w.rec_s2_d))
    assert response.status_code == 302 and "login" in response["Location"]
    assert state() == before


# --- API ----------------------------------------------------------------------------------------------------------


def test_api_shortlist_returns_the_candidacy(w):
    response = api(w.ent_admin).post(f"{RECS}{w.rec_s2_d.pk}/shortlist/", {"reason": "技能对口"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    candidacy = Candidacy.objects.get(student=w.s2, demand=w.demand)
    assert (body["id"], body["status"], body["status_display"]) == (candidacy.pk, "shortlisted", "入围")
    assert (body["run"], body["recommendation"], body["demand"], body["student"]) == (
        w.run.pk, w.rec_s2_d.pk, w.demand.pk, w.s2.pk
    )
    assert body["candidate"]["full"] is False and "name" not in body["candidate"]  # not shared with the enterprise
    assert list(CandidacyStatusChange.objects.filter(candidacy=candidacy).values_list("from_status", "to_status",
                                                                                       "reason")) == [
        ("", "shortlisted", "技能对口")
    ]
    before = state()
    again = api(w.ent_admin).post(f"{RECS}{w.rec_s2_d.pk}/shortlist/", {}, format="json")
    assert again.status_code == 200 and again.json()["id"] == candidacy.pk
    assert state() == before
    # the candidacy's workflow goes on from there
    step = api(w.ent_admin).post(f"/api/v1/candidacies/{candidacy.pk}/interview/", {}, format="json")
    assert step.status_code == 200 and step.json()["status"] == "interview"


def test_api_bad_states_are_400_with_field_messages(w):
    before = state()
    draft_rec = Recommendation.objects.get(run=w.draft_run)
    response = api(w.secretariat).post(f"{RECS}{draft_rec.pk}/shortlist/", {}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["status"]
    CandidacyFactory(demand=TalentDemandFactory(unit=w.ent2), student=w.s2, status=CandidacyStatus.HIRED)
    before = state()
    response = api(w.ent_admin).post(f"{RECS}{w.rec_s2_d.pk}/shortlist/", {}, format="json")
    assert response.status_code == 400 and response.json() == {"student": ["该学生已被其他岗位录用。"]}
    response = api(w.ent_admin).post(f"{RECS}{w.rec_s2_d.pk}/shortlist/", {"reason": "x" * 2001}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["reason"]
    assert state() == before


def test_api_closed_demand_is_400(w):
    type(w.demand).objects.filter(pk=w.demand.pk).update(status=DemandStatus.FILLED)
    before = state()
    response = api(w.ent_admin).post(f"{RECS}{w.rec_s2_d.pk}/shortlist/", {}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["demand"]
    assert state() == before


@pytest.mark.parametrize(
    "user, status",
    [("ent_staff", 403), ("school_admin", 403), ("school_staff", 403), ("official", 403), ("ent2_admin", 404),
     ("school2_admin", 404), ("foreign_admin", 404), ("foreign_secretariat", 404)],
)
def test_api_denied_change_nothing(w, user, status):
    before = state()
    response = api(getattr(w, user)).post(f"{RECS}{w.rec_s2_d.pk}/shortlist/", {}, format="json")
    assert response.status_code == status
    assert state() == before


def test_api_out_of_scope_and_missing_are_404(w):
    before = state()
    draft_rec = Recommendation.objects.get(run=w.draft_run)
    for rec_id in (draft_rec.pk, w.rec_s3_d2.pk, w.foreign_rec.pk, 999999, "abc"):
        assert api(w.ent_admin).post(f"{RECS}{rec_id}/shortlist/", {}, format="json").status_code == 404
    assert api(w.ent_admin).get(f"{RECS}{w.rec_s2_d.pk}/shortlist/").status_code == 405
    assert state() == before


def test_api_other_enterprise_shortlists_its_own_recommendation(w):
    """ent2's admin shortlists its non-plan student on its own demand; ent's admin cannot touch that row."""
    rec_s1_d2 = w.rec_s1_d2
    assert api(w.ent_admin).post(f"{RECS}{rec_s1_d2.pk}/shortlist/", {}, format="json").status_code == 404
    response = api(w.ent2_admin).post(f"{RECS}{rec_s1_d2.pk}/shortlist/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "shortlisted"
    assert set(Candidacy.objects.filter(student=w.s1).values_list("demand_id", "status")) == {
        (w.demand.pk, "recommended"), (w.demand2.pk, "shortlisted")
    }


# --- concurrency (PostgreSQL) -------------------------------------------------------------------------------------

THREADS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_shortlists_create_one_candidacy():
    """Eight enterprise admins' requests on the same recommendation at once: one candidacy, one audit row."""
    run = MatchRunFactory()
    demand = TalentDemandFactory(unit__consortium=run.consortium)
    student = student_in(run.consortium)
    rec = RecommendationFactory(run=run, student=student, demand=demand, in_plan=False)
    admins = [UnitMembershipFactory(unit=demand.unit, admin=True).user.pk for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    results: list[int] = []
    unexpected: list[BaseException] = []
    lock = threading.Lock()

    def request(user_id: int) -> None:
        try:
            actor = User.objects.get(pk=user_id)
            target = Recommendation.objects.get(pk=rec.pk)
            barrier.wait(timeout=30)
            candidacy = services.candidacy_from_recommendation(actor=actor, recommendation=target)
            with lock:
                results.append(candidacy.pk)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            with lock:
                unexpected.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request, args=(user_id,)) for user_id in admins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not unexpected, unexpected
    candidacies = list(Candidacy.objects.filter(student=student, demand=demand))
    assert len(candidacies) == 1 and candidacies[0].status == CandidacyStatus.SHORTLISTED
    assert results == [candidacies[0].pk] * THREADS
    assert CandidacyStatusChange.objects.filter(candidacy=candidacies[0]).count() == 1
