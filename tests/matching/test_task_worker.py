"""One match run end to end through a REAL Celery worker on the Redis broker and PostgreSQL (not eager mode):
created through the service, executed by the worker, watched from the test's own connection until it succeeds,
then published (the notification also goes through the worker).

Same approach as tests/infra/test_celery_worker.py: the in-process solo worker consumes a private queue, so parallel
test processes sharing one Redis never steal each other's messages; skipped with a reason without PostgreSQL/Redis
(and fatal under CI=true, see tests/conftest.py).
"""

from __future__ import annotations

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from consortium.celery import app as celery_app
from matching import services
from matching.choices import CandidacyStatus, RunStatus
from matching.engine import ALGORITHM_VERSION
from matching.models import Candidacy, MatchRun, Recommendation

from .scenario import build_scenario

TIMEOUT = 60.0


@pytest.fixture
def redis_worker(settings):
    """Eager mode off, matching tasks routed to a private queue, and a solo-pool worker thread consuming it."""
    queue = f"test-matching-{uuid.uuid4().hex}"
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "task_routes")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(task_always_eager=False, task_routes={"matching.tasks.*": {"queue": queue}})
    try:
        with start_worker(
            celery_app, pool="solo", concurrency=1, perform_ping_check=False, queues=[queue], shutdown_timeout=30
        ) as worker:
            yield worker
    finally:
        celery_app.conf.update(saved)
        with celery_app.connection_for_write() as conn:  # drop the private queue's key from Redis
            conn.default_channel.client.delete(queue)


def _wait_for(predicate, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_a_match_and_the_results_are_stored(redis_worker):
    assert celery_app.conf.task_always_eager is False
    world = build_scenario(students_per_school=3)
    mail.outbox.clear()

    run = services.match_run_create(actor=world.secretariat, kinds=["talent"])  # commits: the task is sent now

    def finished():
        status = MatchRun.objects.filter(pk=run.pk).values_list("status", flat=True).get()
        return status if status not in (RunStatus.QUEUED, RunStatus.RUNNING) else None

    assert _wait_for(finished) == RunStatus.SUCCEEDED, MatchRun.objects.get(pk=run.pk).error
    run.refresh_from_db()
    assert run.task_id and run.attempts == 1 and run.progress == 100
    assert run.algorithm_version == ALGORITHM_VERSION and len(run.input_hash) == 64
    assert (run.student_count, run.demand_count, run.assignment_count) == (6, 2, 4)
    stored = Recommendation.objects.filter(run=run)
    assert stored.count() == run.recommendation_count > 0
    assert set(stored.filter(demand=world.demand1).values_list("student_id", flat=True)) >= {
        s.pk for s in world.students1
    }
    assert stored.filter(in_plan=True).count() == 4

    # Publishing sends the notification through the worker too; candidacies are there at once.
    services.match_run_publish(actor=world.secretariat, run=run)
    assert Candidacy.objects.filter(run=run, status=CandidacyStatus.RECOMMENDED).count() == 4
    _wait_for(lambda: MatchRun.objects.filter(pk=run.pk, notified_at__isnull=False).exists())
    assert len(mail.outbox) == 4

    # A repeated delivery of the finished run (acks_late redelivery) is a no-op.
    from matching.tasks import execute_match_run

    assert execute_match_run.delay(run.pk, world.consortium.pk).get(timeout=TIMEOUT) == "skipped"
    assert Recommendation.objects.filter(run=run).count() == run.recommendation_count
