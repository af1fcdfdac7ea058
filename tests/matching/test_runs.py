"""Match runs end to end (tasks eager, as in every test but the worker test): create → task → stored results;
validation and permissions; cancel; failure; idempotent re-delivery and retry; stale sweep; all-or-nothing writes."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone

from matching import services
from matching.choices import RunStatus
from matching.engine import ALGORITHM_VERSION
from matching.engine.types import DEFAULT_WEIGHTS, MatchResult
from matching.models import MatchRun, MatchSettings, NeedMatch, Recommendation
from matching.tasks import execute_match_run, fail_stale_runs
from tests.factories.enterprises_demands import StaffTrainingNeedFactory
from tests.factories.schools import PoolExpertFactory

from .scenario import build_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_scenario(students_per_school=3)


def _run(world, django_capture_on_commit_callbacks, **kwargs) -> MatchRun:
    kwargs.setdefault("kinds", ["talent"])
    with django_capture_on_commit_callbacks(execute=True):
        run = services.match_run_create(actor=world.secretariat, **kwargs)
    run.refresh_from_db()
    return run


def _pairs(run: MatchRun) -> list[tuple[int, int, float, bool]]:
    return list(
        Recommendation.objects.filter(run=run).order_by("student_id", "demand_id")
        .values_list("student_id", "demand_id", "score", "in_plan")
    )


# --- the happy path -----------------------------------------------------------------------------------------------


def test_a_run_is_queued_executed_and_stores_explained_results(world, django_capture_on_commit_callbacks):
    run = _run(world, django_capture_on_commit_callbacks, cohort=None, demand_kinds=["employment"])

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.progress == 100 and run.started_at and run.finished_at and run.heartbeat_at
    assert run.task_id and run.attempts == 1
    assert run.algorithm_version == ALGORITHM_VERSION
    assert len(run.input_hash) == 64
    assert run.params["weights"] == DEFAULT_WEIGHTS and run.params["top_k"] == 10
    assert run.kinds == ["talent"] and run.demand_kinds == ["employment"]
    assert (run.student_count, run.demand_count) == (6, 2)
    assert run.created_by == world.secretariat
    assert MatchSettings.objects.filter(consortium=world.consortium).count() == 1  # created with the defaults

    recommendations = list(Recommendation.objects.filter(run=run).select_related("student", "demand"))
    assert run.recommendation_count == len(recommendations) > 0
    by_demand = {}
    for rec in recommendations:
        by_demand.setdefault(rec.demand_id, set()).add(rec.student_id)
        assert rec.consortium_id == world.consortium.pk
        assert rec.school_unit_id == rec.student.unit_id and rec.enterprise_unit_id == rec.demand.unit_id
        assert rec.explanation and rec.components and 0 < rec.score <= 1
        assert {c["name"] for c in rec.components} <= set(DEFAULT_WEIGHTS)
    # Every mechatronics graduate is recommended for the mechatronics demand, every welder for the welding one.
    assert {s.pk for s in world.students1} <= by_demand[world.demand1.pk]
    assert {s.pk for s in world.students2} <= by_demand[world.demand2.pk]
    plan = [r for r in recommendations if r.in_plan]
    assert run.assignment_count == len(plan) == 4  # 2 + 2 places
    assert {r.student_id for r in plan if r.demand_id == world.demand1.pk} <= {s.pk for s in world.students1}
    assert len({r.student_id for r in plan}) == len(plan)  # at most one placement per student
    assert run.total_score == pytest.approx(sum(r.score for r in plan), abs=1e-6)
    best = min((r for r in recommendations if r.demand_id == world.demand1.pk), key=lambda r: r.rank_for_demand)
    assert best.rank_for_demand == 1


def test_training_and_technology_runs_store_provider_matches(world, django_capture_on_commit_callbacks):
    need = StaffTrainingNeedFactory(unit=world.ent1, topic="焊接机器人操作培训", content="焊接机器人编程与维护")
    expert = PoolExpertFactory(unit=world.school2, expertise="焊接机器人编程、焊接工艺")
    PoolExpertFactory(unit=world.school2, expertise="会计电算化")

    run = _run(world, django_capture_on_commit_callbacks, kinds=["training", "technology"])

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.recommendation_count == 0 and run.student_count == 0
    matches = list(NeedMatch.objects.filter(run=run).order_by("rank"))
    assert run.need_match_count == len(matches) >= 1
    top = matches[0]
    assert (top.need_kind, top.training_need_id, top.unit_id) == ("training", need.pk, world.ent1.pk)
    assert (top.provider_kind, top.provider_id, top.provider_unit_id) == ("expert", expert.pk, world.school2.pk)
    assert top.provider_label == expert.name and top.matched_terms and top.rank == 1


# --- validation and permissions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kinds": []}, "kinds"),
        ({"kinds": ["talent", "dating"]}, "kinds"),
        ({"kinds": ["talent"], "demand_kinds": ["forever"]}, "demand_kinds"),
        ({"kinds": ["talent"], "cohort": "abc"}, "cohort"),
        ({"kinds": ["talent"], "cohort": 1999}, "cohort"),
        ({"kinds": ["talent"], "weights": {"skills": 1.5}}, "weights"),
        ({"kinds": ["talent"], "weights": {"skills": -0.1}}, "weights"),
        ({"kinds": ["talent"], "weights": {"skills": "x"}}, "weights"),
        ({"kinds": ["talent"], "weights": {"beauty": 0.5}}, "weights"),
        ({"kinds": ["talent"], "weights": dict.fromkeys(DEFAULT_WEIGHTS, 0)}, "weights"),
    ],
)
def test_bad_run_input_gives_field_errors_and_creates_nothing(world, kwargs, field):
    with pytest.raises(ValidationError) as error:
        services.match_run_create(actor=world.secretariat, **kwargs)
    assert field in error.value.message_dict
    assert all(error.value.message_dict[field])
    assert not MatchRun.objects.exists()


def test_weights_of_a_run_override_the_settings_for_that_run_only(world, django_capture_on_commit_callbacks):
    run = _run(world, django_capture_on_commit_callbacks, weights={"skills": 0.9, "local": 0})
    assert run.params["weights"]["skills"] == 0.9 and run.params["weights"]["local"] == 0.0
    assert run.params["weights"]["programme"] == DEFAULT_WEIGHTS["programme"]
    assert MatchSettings.objects.get(consortium=world.consortium).weights == DEFAULT_WEIGHTS


@pytest.mark.parametrize("who", ["official", "ent1_admin", "school1_admin", "other_secretariat"])
def test_only_the_secretariat_starts_runs(world, who):
    with pytest.raises(PermissionDenied):
        services.match_run_create(actor=getattr(world, who), kinds=["talent"], consortium_id=world.consortium.pk)
    assert not MatchRun.objects.exists()


def test_one_active_run_at_a_time(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        services.match_run_create(actor=world.secretariat, kinds=["talent"])
        with pytest.raises(ValidationError) as error:
            services.match_run_create(actor=world.secretariat, kinds=["talent"])
    assert "__all__" in error.value.message_dict
    assert MatchRun.objects.count() == 1


def test_settings_update_validates_and_feeds_the_next_run(world, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError) as error:
        services.match_settings_update(actor=world.secretariat, synonyms="电焊=焊接\n坏行")
    assert "第2行" in error.value.message_dict["synonyms"][0]
    with pytest.raises(ValidationError) as error:
        services.match_settings_update(actor=world.secretariat, top_k=0)
    assert "top_k" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.match_settings_update(actor=world.ent1_admin, top_k=5)

    services.match_settings_update(
        actor=world.secretariat, top_k=3, weights={"local": 0.2}, synonyms="电焊=焊接", local_terms="宝清\n七星泡",
    )
    run = _run(world, django_capture_on_commit_callbacks)
    assert run.params["top_k"] == 3 and run.params["weights"]["local"] == 0.2
    assert run.params["synonyms"] == {"电焊": "焊接"} and run.params["local_terms"] == sorted(["宝清", "七星泡"])


# --- cancel, failure, idempotency ---------------------------------------------------------------------------------


def test_cancelling_a_queued_run_stops_it_before_it_starts(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = services.match_run_create(actor=world.secretariat, kinds=["talent"])
    with pytest.raises(PermissionDenied):
        services.match_run_cancel(actor=world.ent1_admin, run=run)
    services.match_run_cancel(actor=world.secretariat, run=run)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.cancel_requested and run.finished_at
    for callback in callbacks:  # the task is delivered anyway: it must do nothing
        callback()
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.attempts == 0
    assert not Recommendation.objects.filter(run=run).exists()
    with pytest.raises(ValidationError):
        services.match_run_cancel(actor=world.secretariat, run=run)


def test_cancelling_a_running_run_ends_it_without_results(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = services.match_run_create(actor=world.secretariat, kinds=["talent"])
    # The worker has picked it up (claimed) ...
    claimed = services._claim(run.pk, world.consortium.pk, "task-1")
    assert claimed.status == RunStatus.RUNNING
    # ... the secretariat asks it to stop, and the next poll of the engine's should_cancel sees the flag.
    services.match_run_cancel(actor=world.secretariat, run=run)
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.cancel_requested
    with pytest.raises(services.RunCancelled):
        services._compute(claimed, services._Reporter(run.pk, world.consortium.pk))
    # The whole execution path ends as cancelled and writes nothing.
    MatchRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED)
    assert services.match_run_execute(run_id=run.pk, consortium_id=world.consortium.pk, task_id="t2") == "skipped"
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert not Recommendation.objects.filter(run=run).exists()


def test_progress_writes_and_cancel_polls_are_throttled(world):
    run = MatchRun.objects.create(consortium=world.consortium, kinds=["talent"], status=RunStatus.RUNNING)
    now = [100.0]
    reporter = services._Reporter(run.pk, world.consortium.pk, clock=lambda: now[0])
    reporter.span(10, 60)
    reporter.progress(50, "生成候选")
    run.refresh_from_db()
    assert (run.progress, run.progress_message) == (35, "生成候选")  # 10 + 50 % of 50
    reporter.progress(100, "太快")
    run.refresh_from_db()
    assert run.progress == 35  # throttled
    now[0] += 1
    reporter.progress(100, "完成")
    run.refresh_from_db()
    assert (run.progress, run.progress_message) == (60, "完成")

    assert reporter.should_cancel() is False
    MatchRun.objects.filter(pk=run.pk).update(cancel_requested=True)
    assert reporter.should_cancel() is False  # polled less than once a second
    now[0] += 2
    assert reporter.should_cancel() is True


def test_a_failing_run_is_marked_failed_with_the_error(world):
    run = MatchRun.objects.create(
        consortium=world.consortium, kinds=["talent"], params={"weights": {"skills": "not a number"}}
    )
    assert execute_match_run.delay(run.pk, world.consortium.pk).get() == RunStatus.FAILED
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "ValueError" in run.error and run.finished_at
    assert not Recommendation.objects.filter(run=run).exists()


def test_a_task_for_another_consortium_finds_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = services.match_run_create(actor=world.secretariat, kinds=["talent"])
    assert execute_match_run.delay(run.pk, world.other.pk).get() == "skipped"
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED


def test_redelivery_and_retry_never_duplicate_results(world, django_capture_on_commit_callbacks):
    run = _run(world, django_capture_on_commit_callbacks)
    first = _pairs(run)
    assert first

    # A second delivery of the finished task does nothing.
    assert execute_match_run.delay(run.pk, world.consortium.pk).get() == "skipped"
    assert _pairs(run) == first

    # The sweep found it dead (say), the secretariat re-runs it: same input, same hash, same results, no duplicates.
    MatchRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error="x")
    with django_capture_on_commit_callbacks(execute=True):
        services.match_run_retry(actor=world.secretariat, run=run)
    again = MatchRun.objects.get(pk=run.pk)
    assert again.status == RunStatus.SUCCEEDED and again.attempts == 2 and again.error == ""
    assert again.input_hash == run.input_hash
    assert _pairs(again) == first
    assert Recommendation.objects.filter(run=run).count() == len(first)

    # A new run over the same data has the same input hash and its own rows.
    other = _run(world, django_capture_on_commit_callbacks)
    assert other.pk != run.pk and other.input_hash == run.input_hash
    assert [p[:2] for p in _pairs(other)] == [p[:2] for p in first]

    with pytest.raises(ValidationError):
        services.match_run_retry(actor=world.secretariat, run=other)  # succeeded: nothing to retry


def test_an_execution_owned_by_a_live_worker_is_not_taken_over(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = services.match_run_create(actor=world.secretariat, kinds=["talent"])
    assert services._claim(run.pk, world.consortium.pk, "worker-a") is not None
    assert services.match_run_execute(run_id=run.pk, consortium_id=world.consortium.pk, task_id="worker-b") == (
        "skipped"
    )
    # The same message redelivered (its worker died) takes over and finishes.
    assert services.match_run_execute(run_id=run.pk, consortium_id=world.consortium.pk, task_id="worker-a") == (
        RunStatus.SUCCEEDED
    )


def test_results_are_written_all_or_nothing(world, django_capture_on_commit_callbacks):
    run = _run(world, django_capture_on_commit_callbacks)
    before = _pairs(run)
    MatchRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED)
    claimed = services._claim(run.pk, world.consortium.pk, "again")
    out = services._compute(claimed, services._Reporter(run.pk, world.consortium.pk))
    # Corrupt the last recommendation (a negative rank violates a CHECK constraint): the delete of the previous
    # results has run and the insert fails ...
    good = out["result"]
    broken = (*good.recommendations[:-1], dataclasses.replace(good.recommendations[-1], rank_for_student=-1))
    out["result"] = MatchResult(recommendations=broken, assignments=good.assignments, total_score=good.total_score)
    with pytest.raises(IntegrityError):
        services._store(claimed, "again", out)
    # ... and the previous results are untouched: the delete and the inserts were one transaction.
    assert _pairs(run) == before
    assert MatchRun.objects.get(pk=run.pk).status == RunStatus.RUNNING  # the sweep will fail it; retry re-runs it


def test_stale_running_runs_are_failed_by_the_sweep_and_can_be_retried(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        stale = services.match_run_create(actor=world.secretariat, kinds=["talent"])
    services._claim(stale.pk, world.consortium.pk, "dead-worker")
    MatchRun.objects.filter(pk=stale.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=20))
    fresh = MatchRun.objects.create(
        consortium=world.other, kinds=["talent"], status=RunStatus.RUNNING, heartbeat_at=timezone.now(),
        started_at=timezone.now(),
    )

    assert fail_stale_runs.delay().get() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == RunStatus.FAILED and "15" in stale.error
    assert fresh.status == RunStatus.RUNNING
    assert fail_stale_runs.delay().get() == 0  # idempotent

    with django_capture_on_commit_callbacks(execute=True):
        services.match_run_retry(actor=world.secretariat, run=stale)
    stale.refresh_from_db()
    assert stale.status == RunStatus.SUCCEEDED and stale.recommendation_count > 0


def test_the_stale_sweep_is_scheduled_every_ten_minutes():
    """Migration matching/0002 ships the beat entry (needs migrations: not with --nomigrations)."""
    from django_celery_beat.models import PeriodicTask

    from consortium.celery import app

    entry = PeriodicTask.objects.get(task="matching.tasks.fail_stale_runs")
    assert entry.enabled and entry.crontab is not None
    assert (entry.crontab.minute, entry.crontab.hour, str(entry.crontab.timezone)) == ("*/10", "*", "Asia/Shanghai")
    app.loader.import_default_modules()
    assert entry.task in app.tasks
