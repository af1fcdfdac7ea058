"""Pages of matching (helper M3): settings, runs (start, list, detail, progress fragment, actions), results tabs,
the enterprise's candidates, the school's students, candidacies — exact rows per role, 404 out of scope, denied
writes change nothing, non-identifying vs shared cards, constant query counts."""

# ruff: noqa: F811  (tests take the imported fixture "w" as a parameter)

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching.choices import CandidacyStatus, RunStatus
from matching.models import Candidacy, CandidacyStatusChange, MatchRun, MatchSettings
from schools.services import student_share
from tests.factories.matching import (
    CandidacyFactory,
    MatchRunFactory,
    MatchSettingsFactory,
    RecommendationFactory,
    student_in,
)

from .world_results import w  # noqa: F401  (the shared fixture)

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"matching:{name}", args=args)


def login(client, user):
    client.force_login(user)
    return client


def listed(response):
    assert response.status_code == 200
    return {row.pk for row in response.context["object_list"]}


# --- entry and settings -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user, target",
    [("secretariat", "run-list"), ("official", "run-list"), ("ent_admin", "candidates"),
     ("school_staff", "students")],
)
def test_index_sends_each_role_to_its_page(client, w, user, target):
    response = login(client, getattr(w, user)).get(url("index"))
    assert response.status_code == 302 and response["Location"] == url(target)


def test_settings_page_secretariat_saves_weights(client, w):
    login(client, w.secretariat)
    page = client.get(url("settings"))
    assert page.status_code == 200 and 'type="range"' in page.content.decode()
    data = {"weight_programme": "0.5", "weight_skills": "0.3", "weight_level": "0", "weight_place": "0",
            "weight_local": "0.1", "weight_timing": "0.05", "weight_order_class": "0.05", "top_k": "8",
            "candidate_k": "30", "min_score": "0.25", "synonyms": "电焊=焊接", "local_terms": "宝清\n七星泡"}
    response = client.post(url("settings"), data)
    assert response.status_code == 302
    row = MatchSettings.objects.get(consortium=w.consortium)
    assert (row.weights["programme"], row.weights["level"], row.top_k, row.min_score) == (0.5, 0.0, 8, 0.25)
    bad = client.post(url("settings"), {**data, "synonyms": "没有等号", "top_k": "3"})
    assert bad.status_code == 200 and "synonyms" in bad.context["form"].errors
    zero = client.post(url("settings"), {**data, **{f"weight_{c}": "0" for c in (
        "programme", "skills", "level", "place", "local", "timing", "order_class")}})
    assert zero.status_code == 200 and zero.context["form"].errors
    over = client.post(url("settings"), {**data, "weight_skills": "1.5"})
    assert over.status_code == 200 and "weight_skills" in over.context["form"].errors
    row.refresh_from_db()
    assert row.top_k == 8 and row.synonyms == "电焊=焊接"


@pytest.mark.parametrize("user", ["official", "ent_admin", "school_staff"])
def test_settings_read_only_for_others(client, w, user):
    MatchSettingsFactory(consortium=w.consortium, top_k=10)
    login(client, getattr(w, user))
    page = client.get(url("settings"))
    assert page.status_code == 200 and all(f.disabled for f in page.context["form"].fields.values())
    assert client.post(url("settings"), {"top_k": "3"}).status_code == 403
    assert MatchSettings.objects.get(consortium=w.consortium).top_k == 10


# --- runs ---------------------------------------------------------------------------------------------------------


def test_run_list_by_role(client, w):
    assert listed(login(client, w.secretariat).get(url("run-list"))) == {w.run.pk, w.draft_run.pk}
    assert listed(client.get(url("run-list"), {"status": "succeeded"})) == {w.draft_run.pk}
    assert listed(client.get(url("run-list"), {"status": "bogus"})) == {w.run.pk, w.draft_run.pk}
    assert listed(login(client, w.ent_admin).get(url("run-list"))) == {w.run.pk}
    assert listed(login(client, w.foreign_secretariat).get(url("run-list"))) == {w.foreign_run.pk}


def test_run_pages_404_out_of_scope(client, w):
    login(client, w.ent_admin)
    for name in ("run-detail", "run-progress"):
        assert client.get(url(name, w.draft_run.pk)).status_code == 404
        assert client.get(url(name, w.foreign_run.pk)).status_code == 404
    assert client.get(url("run-detail", w.run.pk)).status_code == 200
    login(client, w.foreign_secretariat)
    assert client.get(url("run-detail", w.run.pk)).status_code == 404


def test_start_a_run_from_the_page(client, w, django_capture_on_commit_callbacks):
    login(client, w.secretariat)
    assert client.get(url("run-create")).status_code == 200
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url("run-create"), {"kinds": ["talent"], "cohort": "2027",
                                                   "demand_kinds": ["employment", "internship"]})
    run = MatchRun.objects.filter(consortium=w.consortium).order_by("-pk").first()
    assert response.status_code == 302 and response["Location"] == url("run-detail", run.pk)
    assert (run.status, run.cohort, run.demand_kinds) == (RunStatus.QUEUED, 2027, ["employment", "internship"])
    # a second one while the first is queued: a form error, nothing created
    again = client.post(url("run-create"), {"kinds": ["talent"]})
    assert again.status_code == 200 and "已有匹配正在排队或运行" in again.content.decode()
    bad = client.post(url("run-create"), {"kinds": [], "cohort": "1800"})
    assert bad.status_code == 200 and {"kinds", "cohort"} <= set(bad.context["form"].errors)
    assert MatchRun.objects.filter(consortium=w.consortium).count() == 3


@pytest.mark.parametrize("user", ["official", "ent_admin", "school_admin"])
def test_others_cannot_start_runs(client, w, user):
    login(client, getattr(w, user))
    assert client.get(url("run-create")).status_code == 403
    assert client.post(url("run-create"), {"kinds": ["talent"]}).status_code == 403
    assert MatchRun.objects.filter(consortium=w.consortium).count() == 2


def test_progress_fragment_polls_while_running_and_refreshes_when_done(client, w):
    running = MatchRunFactory(consortium=w.consortium, status=RunStatus.RUNNING, progress=42, published_at=None,
                              progress_message="计算候选", finished_at=None)
    login(client, w.secretariat)
    fragment = client.get(url("run-progress", running.pk), {"poll": "1"}, HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert fragment.status_code == 200 and [t.name for t in fragment.templates][0] == "matching/runs/_progress.html"
    assert 'hx-trigger="every 2s"' in text and "42%" in text and "计算候选" in text and "取消运行" in text
    page = client.get(url("run-detail", running.pk)).content.decode()
    assert 'hx-trigger="every 2s"' in page and "发布结果" not in page
    MatchRun.objects.filter(pk=running.pk).update(status=RunStatus.SUCCEEDED, progress=100)
    done = client.get(url("run-progress", running.pk), {"poll": "1"}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and done["HX-Refresh"] == "true"
    page = client.get(url("run-detail", running.pk)).content.decode()
    assert "hx-trigger" not in page and "发布结果" in page
    # units never see an unpublished run's progress
    assert login(client, w.ent_admin).get(url("run-progress", running.pk)).status_code == 404


def test_run_actions_from_the_page(client, w):
    login(client, w.ent_admin)
    assert client.post(url("run-cancel", w.run.pk)).status_code == 403
    assert client.post(url("run-publish", w.draft_run.pk)).status_code == 404
    login(client, w.official)
    assert client.post(url("run-publish", w.draft_run.pk)).status_code == 403
    w.draft_run.refresh_from_db()
    assert w.draft_run.status == RunStatus.SUCCEEDED
    login(client, w.secretariat)
    response = client.post(url("run-publish", w.draft_run.pk))
    assert response.status_code == 302
    w.draft_run.refresh_from_db()
    assert w.draft_run.status == RunStatus.PUBLISHED
    assert Candidacy.objects.filter(run=w.draft_run, student=w.s2, demand=w.demand2).exists()
    wrong = client.post(url("run-cancel", w.run.pk), follow=True)
    assert "只有排队中或运行中的匹配可以取消" in wrong.content.decode()


def test_run_detail_tabs_and_cards(client, w):
    login(client, w.secretariat)
    page = client.get(url("run-detail", w.run.pk))
    text = page.content.decode()
    assert page.context["tab"] == "plan" and "0" * 64 in text and "test" in text
    plan = {row.pk for row, _card in page.context["rows"]}
    assert plan == {w.rec_s1_d.pk, w.rec_s3_d2.pk}
    assert "李晓梅" in text  # the secretariat sees students in clear
    demands = client.get(url("run-detail", w.run.pk), {"tab": "demands"})
    assert {row.pk for row, _ in demands.context["rows"]} == {w.rec_s1_d.pk, w.rec_s2_d.pk, w.rec_s3_d2.pk,
                                                              w.rec_s1_d2.pk}
    students = client.get(url("run-detail", w.run.pk), {"tab": "students"})
    assert [row.student_id for row, _ in students.context["rows"]] == sorted(
        [w.s1.pk, w.s1.pk, w.s2.pk, w.s3.pk]
    )
    assert client.get(url("run-detail", w.run.pk), {"tab": "bogus", "page": "x"}).status_code == 200
    # an enterprise sees only its own side of the published run, without names
    login(client, w.ent_admin)
    page = client.get(url("run-detail", w.run.pk), {"tab": "demands"})
    text = page.content.decode()
    assert {row.pk for row, _ in page.context["rows"]} == {w.rec_s1_d.pk, w.rec_s2_d.pk}
    assert "电气维修工" in text and "粮食烘干工" not in text
    assert "李晓梅" not in text and "13800000001" not in text and "未共享" in text
    assert "发布结果" not in text


# --- enterprise candidates ----------------------------------------------------------------------------------------


def test_candidates_page_by_role(client, w):
    assert listed(login(client, w.ent_admin).get(url("candidates"))) == {w.demand.pk}
    assert listed(login(client, w.ent_staff).get(url("candidates"))) == {w.demand.pk}
    assert listed(login(client, w.ent2_admin).get(url("candidates"))) == {w.demand2.pk}
    assert listed(login(client, w.school_admin).get(url("candidates"))) == set()
    assert listed(login(client, w.secretariat).get(url("candidates"))) == {w.demand.pk, w.demand2.pk}
    assert listed(login(client, w.foreign_admin).get(url("candidates"))) == {w.foreign_cand.demand_id}


def test_demand_candidates_non_identifying_until_shared(client, w):
    login(client, w.ent_admin)
    page = client.get(url("demand-candidates", w.demand.pk))
    text = page.content.decode()
    assert [c.pk for c in page.context["candidacies"]] == [w.cand_s1_d.pk]
    assert [r.pk for r in page.context["others"]] == [w.rec_s2_d.pk]
    assert "专业对口 +0.40" in text and "电工证" in text and "入围" in text
    assert "李晓梅" not in text and "王建国" not in text and "13800000001" not in text
    student_share(actor=w.school_admin, student=w.s1, unit=w.ent)
    text = client.get(url("demand-candidates", w.demand.pk)).content.decode()
    assert "李晓梅" in text and "13800000001" in text and "王建国" not in text
    # staff see the list but get no workflow buttons
    staff = login(client, w.ent_staff).get(url("demand-candidates", w.demand.pk))
    assert staff.context["candidacies"][0].actions == []


def test_another_enterprise_never_sees_the_candidate_list(client, w):
    login(client, w.ent2_admin)
    page = client.get(url("demand-candidates", w.demand.pk))  # the demand itself is published
    assert page.status_code == 200 and page.context["candidacies"] == [] and page.context["others"] == []
    assert "专业对口" not in page.content.decode()
    assert client.get(url("candidacy-detail", w.cand_s1_d.pk)).status_code == 404
    login(client, w.foreign_admin)
    assert client.get(url("demand-candidates", w.demand.pk)).status_code == 404


def test_workflow_buttons_on_the_page(client, w):
    login(client, w.ent_admin)
    next_url = url("demand-candidates", w.demand.pk)
    response = client.post(url("candidacy-action", w.cand_s1_d.pk), {"action": "shortlist", "next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url
    w.cand_s1_d.refresh_from_db()
    assert w.cand_s1_d.status == CandidacyStatus.SHORTLISTED
    # an unsafe next falls back to the candidacy page; a wrong step is a message, not an error
    response = client.post(url("candidacy-action", w.cand_s1_d.pk), {"action": "hire", "next": "https://evil.example/"})
    assert response["Location"] == url("candidacy-detail", w.cand_s1_d.pk)
    follow = client.get(response["Location"])
    assert follow.status_code == 200
    assert client.post(url("candidacy-action", w.cand_s1_d.pk), {"action": "bogus"}).status_code == 302
    w.cand_s1_d.refresh_from_db()
    assert w.cand_s1_d.status == CandidacyStatus.SHORTLISTED
    detail = client.get(url("candidacy-detail", w.cand_s1_d.pk))
    assert [a["name"] for a in detail.context["candidacy"].actions] == ["interview", "decline"]
    assert len(detail.context["history"]) == CandidacyStatusChange.objects.filter(candidacy=w.cand_s1_d).count()
    client.post(url("candidacy-note", w.cand_s1_d.pk), {"note": "周三面试"})
    w.cand_s1_d.refresh_from_db()
    assert w.cand_s1_d.note == "周三面试"


@pytest.mark.parametrize(
    "user, action, status",
    [("ent_staff", "shortlist", 403), ("school_admin", "shortlist", 403), ("school_staff", "withdraw", 403),
     ("ent2_admin", "shortlist", 404), ("school2_admin", "withdraw", 404), ("foreign_secretariat", "decline", 404),
     ("official", "shortlist", 403)],
)
def test_denied_page_actions_change_nothing(client, w, user, action, status):
    before = CandidacyStatusChange.objects.count()
    login(client, getattr(w, user))
    assert client.post(url("candidacy-action", w.cand_s1_d.pk), {"action": action}).status_code == status
    if user != "school_admin":  # either party's unit admins may keep a note
        assert client.post(url("candidacy-note", w.cand_s1_d.pk), {"note": "x"}).status_code == status
    w.cand_s1_d.refresh_from_db()
    assert (w.cand_s1_d.status, w.cand_s1_d.note) == (CandidacyStatus.RECOMMENDED, "")
    assert CandidacyStatusChange.objects.count() == before


def test_school_shares_from_the_candidacy_page(client, w):
    login(client, w.ent_admin)
    assert client.post(url("candidacy-share", w.cand_s1_d.pk)).status_code == 403
    assert "李晓梅" not in client.get(url("candidacy-detail", w.cand_s1_d.pk)).content.decode()
    login(client, w.school_admin)
    detail = client.get(url("candidacy-detail", w.cand_s1_d.pk))
    assert detail.context["can_share"] and [a["name"] for a in detail.context["candidacy"].actions] == ["withdraw"]
    assert client.post(url("candidacy-share", w.cand_s1_d.pk)).status_code == 302
    login(client, w.ent_admin)
    assert "李晓梅" in client.get(url("candidacy-detail", w.cand_s1_d.pk)).content.decode()


# --- candidacy list and school view -------------------------------------------------------------------------------


def test_candidacy_list_by_role_and_status(client, w):
    assert listed(login(client, w.ent_admin).get(url("candidacy-list"))) == {w.cand_s1_d.pk}
    assert listed(login(client, w.school_admin).get(url("candidacy-list"))) == {w.cand_s1_d.pk}
    assert listed(login(client, w.school2_admin).get(url("candidacy-list"))) == {w.cand_s3_d2.pk}
    assert listed(login(client, w.secretariat).get(url("candidacy-list"))) == {w.cand_s1_d.pk, w.cand_s3_d2.pk}
    assert listed(client.get(url("candidacy-list"), {"status": "hired"})) == set()
    assert listed(client.get(url("candidacy-list"), {"status": "nope"})) == {w.cand_s1_d.pk, w.cand_s3_d2.pk}
    assert listed(login(client, w.foreign_admin).get(url("candidacy-list"))) == {w.foreign_cand.pk}
    school = login(client, w.school_admin).get(url("candidacy-list")).content.decode()
    assert "李晓梅" in school and "撤回" in school and "入围" not in school.split("data-testid=\"candidacy-table")[1]


def test_school_students_view(client, w):
    page = login(client, w.school_admin).get(url("students"))
    assert listed(page) == {w.s1.pk, w.s2.pk}
    text = page.content.decode()
    assert "李晓梅" in text and "电气维修工" in text
    s1 = next(s for s in page.context["students"] if s.pk == w.s1.pk)
    assert [c.pk for c in s1.visible_candidacies] == [w.cand_s1_d.pk]
    assert {r.pk for r in s1.visible_recommendations} == {w.rec_s1_d.pk, w.rec_s1_d2.pk}
    assert listed(client.get(url("students"), {"status": "recommended"})) == {w.s1.pk}
    assert listed(login(client, w.school2_admin).get(url("students"))) == {w.s3.pk}
    assert listed(login(client, w.ent_admin).get(url("students"))) == set()
    official = login(client, w.official).get(url("students"))
    assert listed(official) == {w.s1.pk, w.s2.pk, w.s3.pk}
    assert "李晓梅" not in official.content.decode()  # officials never see personal fields


def test_student_matches_page(client, w):
    login(client, w.school_admin)
    page = client.get(url("student-matches", w.s1.pk))
    assert page.status_code == 200 and page.context["card"]["name"] == "李晓梅"
    assert [r.pk for r in page.context["recommendations"]] == [w.rec_s1_d.pk, w.rec_s1_d2.pk]
    assert [c.pk for c in page.context["candidacies"]] == [w.cand_s1_d.pk]
    assert [a["name"] for a in page.context["candidacies"][0].actions] == ["withdraw"]
    response = client.post(url("candidacy-action", w.cand_s1_d.pk),
                           {"action": "withdraw", "next": url("student-matches", w.s1.pk)})
    assert response["Location"] == url("student-matches", w.s1.pk)
    w.cand_s1_d.refresh_from_db()
    assert w.cand_s1_d.status == CandidacyStatus.WITHDRAWN
    # an enterprise sees only its own side of the student, without identity
    other = login(client, w.ent2_admin).get(url("student-matches", w.s1.pk))
    assert [r.pk for r in other.context["recommendations"]] == [w.rec_s1_d2.pk]
    assert other.context["candidacies"] == [] and not other.context["card"]["full"]
    assert "李晓梅" not in other.content.decode()
    assert login(client, w.foreign_admin).get(url("student-matches", w.s1.pk)).status_code == 404


# --- query counts -------------------------------------------------------------------------------------------------


def _grow(w, n):
    for _ in range(n):
        student = student_in(w.consortium, w.school)
        recommendation = RecommendationFactory(run=w.run, student=student, demand=w.demand, in_plan=True)
        CandidacyFactory(demand=w.demand, student=student, run=w.run, recommendation=recommendation)
        MatchRunFactory(consortium=w.consortium)
        from tests.factories.enterprises_demands import TalentDemandFactory

        demand = TalentDemandFactory(unit=w.ent)
        RecommendationFactory(run=w.run, student=student, demand=demand)


def _queries(client, target):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(target)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "user, name, args",
    [
        ("secretariat", "run-list", ()),
        ("secretariat", "run-detail", ("run",)),
        ("ent_admin", "run-detail", ("run",)),
        ("ent_admin", "candidates", ()),
        ("ent_admin", "demand-candidates", ("demand",)),
        ("ent_admin", "candidacy-list", ()),
        ("school_admin", "candidacy-list", ()),
        ("school_admin", "students", ()),
        ("secretariat", "students", ()),
    ],
)
def test_page_query_counts_do_not_grow(client, w, user, name, args):
    login(client, getattr(w, user))
    target = url(name, *[getattr(w, a).pk for a in args])
    _grow(w, 2)
    small = _queries(client, target)
    _grow(w, 20)
    assert _queries(client, target) == small
    for tab in ("demands", "students"):
        if name == "run-detail":
            assert _queries(client, f"{target}?tab={tab}") <= small + 2


# --- end to end through the pages (engine and task for real, Celery eager) ------------------------------------------


def test_pages_end_to_end_run_publish_shortlist_hire(client, django_capture_on_commit_callbacks):
    from .scenario import build_scenario

    world = build_scenario(students_per_school=3)
    login(client, world.secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("run-create"), {"kinds": ["talent"]})
    run = MatchRun.objects.get(consortium=world.consortium)
    assert response["Location"] == url("run-detail", run.pk)
    assert run.status == RunStatus.SUCCEEDED and run.assignment_count == 4 and len(run.input_hash) == 64
    page = client.get(url("run-detail", run.pk)).content.decode()
    assert "hx-trigger" not in page and "发布结果" in page and run.algorithm_version in page
    assert "专业对口" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("run-publish", run.pk))
    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHED
    # the enterprise sees its demand's candidates without identity, and moves one along
    login(client, world.ent1_admin)
    assert listed(client.get(url("candidates"))) == {world.demand1.pk}
    page = client.get(url("demand-candidates", world.demand1.pk))
    candidacies = page.context["candidacies"]
    assert len(candidacies) == 2 and {c.student.unit_id for c in candidacies} == {world.school1.pk}
    assert all(not c.card["full"] for c in candidacies)
    assert all(s.name not in page.content.decode() for s in world.students1)
    first = candidacies[0]
    for verb in ("shortlist", "interview", "offer", "hire"):
        client.post(url("candidacy-action", first.pk), {"action": verb})
    first.refresh_from_db()
    assert first.status == CandidacyStatus.HIRED
    world.demand1.refresh_from_db()
    assert world.demand1.filled_count == 1
    # the school sees where its student stands
    login(client, world.school1_admin)
    page = client.get(url("student-matches", first.student_id))
    assert [c.status for c in page.context["candidacies"]] == [CandidacyStatus.HIRED]
    # the other enterprise never sees this candidate list
    login(client, world.ent2_admin)
    assert client.get(url("demand-candidates", world.demand1.pk)).context["candidacies"] == []


def test_needs_tab_lists_provider_matches(client, w):
    from tests.factories.enterprises_demands import StaffTrainingNeedFactory
    from tests.factories.matching import NeedMatchFactory

    run = MatchRunFactory(consortium=w.consortium, kinds=["talent", "training"])
    mine = NeedMatchFactory(run=run, training_need=StaffTrainingNeedFactory(unit=w.ent, topic="PLC培训"))
    theirs = NeedMatchFactory(run=run, training_need=StaffTrainingNeedFactory(unit=w.ent2, topic="烘干培训"))
    login(client, w.secretariat)
    page = client.get(url("run-detail", run.pk), {"tab": "needs"})
    assert page.context["tabs"] == ["plan", "demands", "students", "needs"]
    assert {row.pk for row in page.context["rows"]} == {mine.pk, theirs.pk}
    assert "PLC培训" in page.content.decode() and "测试专家" in page.content.decode()
    login(client, w.ent_admin)
    page = client.get(url("run-detail", run.pk), {"tab": "needs"})
    assert {row.pk for row in page.context["rows"]} == {mine.pk} and "烘干培训" not in page.content.decode()
    training_only = MatchRunFactory(consortium=w.consortium, kinds=["training"])
    assert client.get(url("run-detail", training_only.pk)).context["tabs"] == ["needs"]
