"""API of matching (helper M3): settings, runs and their actions, recommendations, provider matches and candidacies —
exact result sets per role, denied writes change nothing, bad input 400, candidate identity only when shared,
constant list query counts."""

# ruff: noqa: F811  (tests take the imported fixture "w" as a parameter)

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from matching.choices import CandidacyStatus, RunStatus
from matching.models import Candidacy, CandidacyStatusChange, MatchRun, MatchSettings
from schools.services import student_share
from tests.factories.enterprises_demands import StaffTrainingNeedFactory
from tests.factories.matching import (
    CandidacyFactory,
    MatchRunFactory,
    MatchSettingsFactory,
    NeedMatchFactory,
    RecommendationFactory,
    student_in,
)

from .world_results import api, w  # noqa: F401  (w: the shared fixture)

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/match-runs/"
SETTINGS = "/api/v1/match-settings/"
RECS = "/api/v1/match-recommendations/"
NEEDS = "/api/v1/need-matches/"
CANDS = "/api/v1/candidacies/"


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- runs ---------------------------------------------------------------------------------------------------------


def test_runs_visible_by_role(w):
    assert _ids(api(w.secretariat).get(RUNS)) == {w.run.pk, w.draft_run.pk}
    assert _ids(api(w.official).get(RUNS)) == {w.run.pk, w.draft_run.pk}
    assert _ids(api(w.ent_admin).get(RUNS)) == {w.run.pk}
    assert _ids(api(w.school_staff).get(RUNS)) == {w.run.pk}
    assert _ids(api(w.foreign_secretariat).get(RUNS)) == {w.foreign_run.pk}
    assert api(w.ent_admin).get(f"{RUNS}{w.draft_run.pk}/").status_code == 404
    assert api(w.secretariat).get(f"{RUNS}{w.foreign_run.pk}/").status_code == 404
    body = api(w.secretariat).get(f"{RUNS}{w.run.pk}/").json()
    assert body["input_hash"] == "0" * 64 and body["algorithm_version"] == "test"
    assert body["counts"]["recommendations"] == w.run.recommendation_count
    progress = api(w.ent_admin).get(f"{RUNS}{w.run.pk}/progress/").json()
    assert progress == {**progress, "status": "published", "progress": 100}


def test_secretariat_creates_a_run_with_the_settings_snapshot(w, django_capture_on_commit_callbacks):
    MatchSettingsFactory(consortium=w.consortium, top_k=7)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(w.secretariat).post(
            RUNS, {"kinds": ["talent"], "cohort": 2027, "demand_kinds": ["employment"], "weights": {"skills": 0.5}},
            format="json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued" and body["kinds"] == ["talent"] and body["cohort"] == 2027
    assert body["params"]["top_k"] == 7 and body["params"]["weights"]["skills"] == 0.5
    assert len(callbacks) == 1  # the task is sent on commit
    # read-only fields are ignored on create
    assert MatchRun.objects.get(pk=body["id"]).created_by == w.secretariat


@pytest.mark.parametrize("user", ["official", "ent_admin", "school_admin"])
def test_others_cannot_create_runs(w, user):
    before = MatchRun.objects.count()
    response = api(getattr(w, user)).post(RUNS, {"kinds": ["talent"]}, format="json")
    assert response.status_code == 403
    assert MatchRun.objects.count() == before


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"kinds": ["bogus"]}, "kinds"),
        ({"kinds": []}, "kinds"),
        ({}, "kinds"),
        ({"kinds": "talent"}, "kinds"),
        ({"kinds": ["talent"], "cohort": 1800}, "cohort"),
        ({"kinds": ["talent"], "cohort": "abc"}, "cohort"),
        ({"kinds": ["talent"], "demand_kinds": ["nope"]}, "demand_kinds"),
        ({"kinds": ["talent"], "weights": {"programme": 2}}, "weights"),
        ({"kinds": ["talent"], "weights": {"unknown": 0.5}}, "weights"),
        ({"kinds": ["talent"], "weights": {"programme": 0, "skills": 0, "level": 0, "place": 0, "local": 0,
                                           "timing": 0, "order_class": 0}}, "weights"),
        ({"kinds": ["talent"], "weights": "x"}, "weights"),
    ],
)
def test_bad_run_input_is_400_with_field_messages(w, payload, field):
    before = MatchRun.objects.count()
    response = api(w.secretariat).post(RUNS, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert MatchRun.objects.count() == before


def test_only_one_active_run(w):
    MatchRunFactory(consortium=w.consortium, status=RunStatus.RUNNING, progress=40)
    response = api(w.secretariat).post(RUNS, {"kinds": ["talent"]}, format="json")
    assert response.status_code == 400
    assert "已有匹配正在排队或运行" in response.content.decode()


def test_run_actions_and_their_refusals(w):
    # units see the published run but cannot act on it; another consortium does not see it at all
    for user in (w.ent_admin, w.official):
        response = api(user).post(f"{RUNS}{w.run.pk}/cancel/")
        assert response.status_code == 403
    assert api(w.ent_admin).post(f"{RUNS}{w.draft_run.pk}/publish/").status_code == 404
    assert api(w.foreign_secretariat).post(f"{RUNS}{w.draft_run.pk}/publish/").status_code == 404
    w.draft_run.refresh_from_db()
    assert w.draft_run.status == RunStatus.SUCCEEDED
    assert not Candidacy.objects.filter(student=w.s2, demand=w.demand2).exists()
    # wrong state: 400 naming the status
    response = api(w.secretariat).post(f"{RUNS}{w.run.pk}/cancel/")
    assert response.status_code == 400 and "已发布" in response.content.decode()
    # publish: the plan pair becomes a candidacy
    published = api(w.secretariat).post(f"{RUNS}{w.draft_run.pk}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert Candidacy.objects.get(student=w.s2, demand=w.demand2).status == CandidacyStatus.RECOMMENDED
    # cancel a queued run, then retry it
    queued = MatchRunFactory(consortium=w.consortium, status=RunStatus.QUEUED, published_at=None, progress=0)
    assert api(w.secretariat).post(f"{RUNS}{queued.pk}/cancel/").json()["status"] == "cancelled"
    assert api(w.secretariat).post(f"{RUNS}{queued.pk}/retry/").json()["status"] == "queued"


def test_runs_have_no_update_or_delete(w):
    client = api(w.secretariat)
    assert client.patch(f"{RUNS}{w.run.pk}/", {"status": "failed"}, format="json").status_code == 405
    assert client.delete(f"{RUNS}{w.run.pk}/").status_code == 405
    w.run.refresh_from_db()
    assert w.run.status == RunStatus.PUBLISHED


# --- settings -----------------------------------------------------------------------------------------------------


def test_settings_current_read_and_secretariat_write(w):
    defaults = api(w.ent_admin).get(f"{SETTINGS}current/")
    assert defaults.status_code == 200 and defaults.json()["top_k"] == 10 and defaults.json()["id"] is None
    assert not MatchSettings.objects.exists()  # a read never writes
    response = api(w.secretariat).patch(
        f"{SETTINGS}current/", {"weights": {"programme": 0.5}, "top_k": 5, "synonyms": "电焊=焊接"}, format="json"
    )
    assert response.status_code == 200, response.content
    row = MatchSettings.objects.get(consortium=w.consortium)
    assert (row.top_k, row.weights["programme"], row.synonyms) == (5, 0.5, "电焊=焊接")
    assert _ids(api(w.official).get(SETTINGS)) == {row.pk}
    assert _ids(api(w.foreign_secretariat).get(SETTINGS)) == set()
    detail = api(w.secretariat).patch(f"{SETTINGS}{row.pk}/", {"min_score": 0.3}, format="json")
    assert detail.status_code == 200 and detail.json()["min_score"] == 0.3


@pytest.mark.parametrize("user, status", [("official", 403), ("ent_admin", 403), ("school_staff", 403)])
def test_settings_denied_writes_change_nothing(w, user, status):
    row = MatchSettingsFactory(consortium=w.consortium, top_k=10)
    client = api(getattr(w, user))
    assert client.patch(f"{SETTINGS}current/", {"top_k": 3}, format="json").status_code == status
    assert client.patch(f"{SETTINGS}{row.pk}/", {"top_k": 3}, format="json").status_code == status
    assert api(w.foreign_secretariat).patch(f"{SETTINGS}{row.pk}/", {"top_k": 3}, format="json").status_code == 404
    row.refresh_from_db()
    assert row.top_k == 10


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"top_k": 0}, "top_k"),
        ({"top_k": "many"}, "top_k"),
        ({"min_score": 1.5}, "min_score"),
        ({"synonyms": "没有等号"}, "synonyms"),
        ({"weights": {"programme": "x"}}, "weights"),
        ({"weights": [1, 2]}, "weights"),
    ],
)
def test_bad_settings_are_400(w, payload, field):
    row = MatchSettingsFactory(consortium=w.consortium)
    response = api(w.secretariat).patch(f"{SETTINGS}{row.pk}/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    row.refresh_from_db()
    assert row.top_k == 10 and row.synonyms == ""


# --- recommendations ----------------------------------------------------------------------------------------------


def test_recommendations_by_role(w):
    assert _ids(api(w.ent_admin).get(RECS)) == {w.rec_s1_d.pk, w.rec_s2_d.pk}
    assert _ids(api(w.ent2_admin).get(RECS)) == {w.rec_s3_d2.pk, w.rec_s1_d2.pk}
    assert _ids(api(w.school_admin).get(RECS)) == {w.rec_s1_d.pk, w.rec_s2_d.pk, w.rec_s1_d2.pk}
    assert _ids(api(w.school2_admin).get(RECS)) == {w.rec_s3_d2.pk}
    everything = _ids(api(w.secretariat).get(RECS))
    assert {w.rec_s1_d.pk, w.rec_s3_d2.pk} < everything and w.foreign_rec.pk not in everything
    assert _ids(api(w.foreign_secretariat).get(RECS)) == {w.foreign_rec.pk}
    # another enterprise's candidate list: 404 like a missing row
    assert api(w.ent2_admin).get(f"{RECS}{w.rec_s1_d.pk}/").status_code == 404
    assert api(w.foreign_admin).get(f"{RECS}{w.rec_s1_d.pk}/").status_code == 404


def test_recommendation_filters(w):
    client = api(w.secretariat)
    assert _ids(client.get(RECS, {"demand": w.demand.pk, "run": w.run.pk})) == {w.rec_s1_d.pk, w.rec_s2_d.pk}
    assert _ids(client.get(RECS, {"student": w.s1.pk, "run": w.run.pk})) == {w.rec_s1_d.pk, w.rec_s1_d2.pk}
    assert _ids(client.get(RECS, {"run": w.run.pk, "in_plan": "true"})) == {w.rec_s1_d.pk, w.rec_s3_d2.pk}
    for bad in ({"run": "abc"}, {"demand": "99999999999999999999999"}, {"run": w.foreign_run.pk}):
        assert client.get(RECS, bad).status_code == 400


def test_candidate_identity_only_when_shared(w):
    def card(user, pk):
        return api(user).get(f"{RECS}{pk}/").json()["candidate"]

    hidden = card(w.ent_admin, w.rec_s1_d.pk)
    assert hidden["full"] is False and hidden["programme"] and hidden["school"] == "宝清县职业技术教育中心"
    assert not {"name", "phone", "student_no", "gender"} & set(hidden)
    assert "李晓梅" not in api(w.ent_admin).get(RECS).content.decode()
    assert not card(w.official, w.rec_s1_d.pk)["full"]  # officials never see personal fields
    own = card(w.school_admin, w.rec_s1_d.pk)
    assert own["full"] and own["name"] == "李晓梅" and own["phone"] == "13800000001"
    student_share(actor=w.school_admin, student=w.s1, unit=w.ent)
    shared = card(w.ent_admin, w.rec_s1_d.pk)
    assert shared["full"] and shared["name"] == "李晓梅"
    assert not card(w.ent2_admin, w.rec_s1_d2.pk)["full"]  # shared with one enterprise only
    candidacy = api(w.ent_admin).get(f"{CANDS}{w.cand_s1_d.pk}/").json()
    assert candidacy["candidate"]["name"] == "李晓梅" and candidacy["explanation"].startswith("专业对口")


# --- need matches -------------------------------------------------------------------------------------------------


def test_need_matches_by_role(w):
    match = NeedMatchFactory(run=MatchRunFactory(consortium=w.consortium, kinds=["training"]),
                             training_need=StaffTrainingNeedFactory(unit=w.ent))
    other = NeedMatchFactory(run=MatchRunFactory(consortium=w.consortium, kinds=["training"]),
                             training_need=StaffTrainingNeedFactory(unit=w.ent2))
    assert _ids(api(w.ent_admin).get(NEEDS)) == {match.pk}
    assert _ids(api(w.ent2_admin).get(NEEDS)) == {other.pk}
    assert _ids(api(w.secretariat).get(NEEDS)) == {match.pk, other.pk}
    assert _ids(api(w.foreign_secretariat).get(NEEDS)) == set()
    provider = api(w.secretariat).get(f"{NEEDS}{match.pk}/").json()
    assert provider["need_title"] == match.training_need.topic and provider["provider_kind"] == "expert"
    assert api(w.secretariat).post(NEEDS, {}, format="json").status_code == 405


# --- candidacies --------------------------------------------------------------------------------------------------


def test_candidacies_by_role(w):
    assert _ids(api(w.ent_admin).get(CANDS)) == {w.cand_s1_d.pk}
    assert _ids(api(w.ent2_admin).get(CANDS)) == {w.cand_s3_d2.pk}
    assert _ids(api(w.school_admin).get(CANDS)) == {w.cand_s1_d.pk}
    assert _ids(api(w.school2_admin).get(CANDS)) == {w.cand_s3_d2.pk}
    assert _ids(api(w.secretariat).get(CANDS)) == {w.cand_s1_d.pk, w.cand_s3_d2.pk}
    assert _ids(api(w.foreign_admin).get(CANDS)) == {w.foreign_cand.pk}
    assert _ids(api(w.secretariat).get(CANDS, {"status": "recommended", "demand": w.demand.pk})) == {w.cand_s1_d.pk}
    assert api(w.secretariat).get(CANDS, {"status": "nope"}).status_code == 400


def test_enterprise_moves_a_candidate_to_hired(w):
    client = api(w.ent_admin)
    url = f"{CANDS}{w.cand_s1_d.pk}"
    for verb, status in (("shortlist", "shortlisted"), ("interview", "interview"), ("offer", "offer"),
                         ("hire", "hired")):
        response = client.post(f"{url}/{verb}/", {"reason": f"{verb} ok"}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == status
    w.s1.refresh_from_db()
    w.demand.refresh_from_db()
    assert w.s1.status == "employed"
    assert (w.demand.filled_count, w.demand.status) == (1, "partly_filled")
    history = list(CandidacyStatusChange.objects.filter(candidacy=w.cand_s1_d).values_list("to_status", flat=True))
    assert history[-4:] == ["shortlisted", "interview", "offer", "hired"]
    changes = api(w.school_admin).get("/api/v1/candidacy-status-changes/", {"candidacy": w.cand_s1_d.pk})
    assert len(changes.json()["results"]) == len(history)


@pytest.mark.parametrize(
    "user, verb, status",
    [
        ("ent_staff", "shortlist", 403),  # sees the candidate, is not a unit admin
        ("school_admin", "shortlist", 403),  # the school may only withdraw
        ("ent_admin", "withdraw", 403),  # the enterprise may not withdraw the student
        ("official", "shortlist", 403),
        ("ent2_admin", "shortlist", 404),  # another enterprise's candidate
        ("school2_admin", "withdraw", 404),  # another school's student
        ("foreign_secretariat", "decline", 404),
    ],
)
def test_denied_candidacy_actions_change_nothing(w, user, verb, status):
    before = CandidacyStatusChange.objects.count()
    response = api(getattr(w, user)).post(f"{CANDS}{w.cand_s1_d.pk}/{verb}/", {}, format="json")
    assert response.status_code == status
    w.cand_s1_d.refresh_from_db()
    assert w.cand_s1_d.status == CandidacyStatus.RECOMMENDED
    assert CandidacyStatusChange.objects.count() == before


def test_school_withdraws_and_bad_steps_are_400(w):
    response = api(w.school_admin).post(f"{CANDS}{w.cand_s1_d.pk}/withdraw/", {"reason": "已升学"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    again = api(w.ent_admin).post(f"{CANDS}{w.cand_s1_d.pk}/shortlist/", {}, format="json")
    assert again.status_code == 400 and "已撤回" in again.content.decode()
    skip = api(w.ent2_admin).post(f"{CANDS}{w.cand_s3_d2.pk}/hire/", {}, format="json")
    assert skip.status_code == 400 and "已推荐" in skip.content.decode() and "已录用" in skip.content.decode()
    long = api(w.ent2_admin).post(f"{CANDS}{w.cand_s3_d2.pk}/decline/", {"reason": "x" * 2001}, format="json")
    assert long.status_code == 400 and "reason" in long.json()
    w.cand_s3_d2.refresh_from_db()
    assert w.cand_s3_d2.status == CandidacyStatus.RECOMMENDED
    note = api(w.ent2_admin).post(f"{CANDS}{w.cand_s3_d2.pk}/note/", {"note": "周三面试"}, format="json")
    assert note.status_code == 200 and note.json()["note"] == "周三面试"


def test_candidacies_are_read_only_resources(w):
    client = api(w.secretariat)
    assert client.post(CANDS, {}, format="json").status_code == 405
    assert client.patch(f"{CANDS}{w.cand_s1_d.pk}/", {"status": "hired"}, format="json").status_code == 405
    assert client.delete(f"{CANDS}{w.cand_s1_d.pk}/").status_code == 405


# --- query counts -------------------------------------------------------------------------------------------------


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(w, n):
    for _ in range(n):
        student = student_in(w.consortium, w.school)
        recommendation = RecommendationFactory(run=w.run, student=student, demand=w.demand)
        CandidacyFactory(demand=w.demand, student=student, run=w.run, recommendation=recommendation)
        MatchRunFactory(consortium=w.consortium)


@pytest.mark.parametrize("url", [RECS, CANDS, RUNS])
@pytest.mark.parametrize("user", ["ent_admin", "secretariat"])
def test_list_query_counts_do_not_grow(w, url, user):
    client = api(getattr(w, user))
    _grow(w, 1)
    client.get(url)  # the user's unit roles are memoised on the (forced) user object by the first request
    small = _count_queries(client, url)
    _grow(w, 27)
    assert len(client.get(url).json()["results"]) >= 28
    assert _count_queries(client, url) == small
