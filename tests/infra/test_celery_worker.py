"""A real Celery worker against the Redis broker and the real database (not eager mode).

The in-process worker consumes from a queue of its own, so parallel test processes sharing one Redis never steal
each other's messages.
"""

from __future__ import annotations

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connection
from django.urls import reverse

from consortium.celery import app as celery_app
from consortium.tenancy.choices import Role, UnitKind, UnitRole, UnitStatus
from consortium.tenancy.models import Consortium, Invitation, MemberUnit, User
from consortium.tenancy.services import invitation_create
from consortium.tenancy.tasks import send_invitation
from consortium.tenancy.validators import credit_code_check_char

TIMEOUT = 20.0


def _credit_code(serial: str) -> str:
    first17 = ("91230523" + serial).ljust(17, "0")[:17]
    return first17 + credit_code_check_char(first17)


@pytest.fixture
def redis_worker(settings):
    """Eager mode off, tasks routed to a private queue, and a solo-pool worker thread consuming it."""
    queue = f"test-{uuid.uuid4().hex}"
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "task_routes")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(task_always_eager=False, task_routes={"*": {"queue": queue}})  # every task
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
@pytest.mark.django_db(transaction=True)
def test_worker_sends_invitation_once_even_when_delivered_twice(redis_worker, settings):
    assert celery_app.conf.task_always_eager is False
    consortium = Consortium.objects.create(name="宝清县产教联合体", region="黑龙江省宝清县", division_code="230523")
    secretariat = User.objects.create_user(
        username="sec-worker", password="x", consortium=consortium, role=Role.SECRETARIAT
    )
    unit = MemberUnit.objects.create(
        consortium=consortium, kind=UnitKind.SCHOOL, name="宝清县职业技术教育中心",
        credit_code=_credit_code("MA1X00001"), status=UnitStatus.ACTIVE,
    )
    mail.outbox.clear()

    invitation = invitation_create(actor=secretariat, unit=unit, email="Teacher@Example.com", role=UnitRole.UNIT_STAFF)

    # Nothing ran inline: the message went through Redis and the worker thread did the work.
    sent_at = _wait_for(lambda: Invitation.objects.filter(pk=invitation.pk).values_list("sent_at", flat=True)[0])
    _wait_for(lambda: len(mail.outbox) == 1)
    message = mail.outbox[0]
    assert message.to == ["teacher@example.com"]
    assert unit.name in message.subject
    assert settings.PORTAL_BASE_URL + reverse("invitation-accept", kwargs={"token": invitation.token}) in message.body

    # A second delivery of the same job (acks_late redelivery after a crash) must not send a second e-mail.
    result = send_invitation.delay(invitation_id=invitation.pk, consortium_id=consortium.pk)
    assert result.get(timeout=TIMEOUT) is False
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.sent_at == sent_at

    # A job naming the wrong consortium finds nothing and sends nothing (tasks are scoped by consortium id).
    other = Consortium.objects.create(name="其他县产教联合体", region="其他县", division_code="230500")
    fresh = Invitation.objects.create(consortium=consortium, unit=unit, email="x@example.com", invited_by=secretariat)
    assert send_invitation.delay(invitation_id=fresh.pk, consortium_id=other.pk).get(timeout=TIMEOUT) is False
    assert len(mail.outbox) == 1
    fresh.refresh_from_db()
    assert fresh.sent_at is None


@pytest.mark.postgres
@pytest.mark.django_db
def test_database_is_postgresql_with_utf8():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_encoding")
        assert cursor.fetchone()[0] == "UTF8"
        cursor.execute(
            "SELECT pg_encoding_to_char(encoding), datctype FROM pg_database WHERE datname = current_database()"
        )
        encoding, ctype = cursor.fetchone()
    assert encoding == "UTF8"
    # pg_trgm needs a non-C ctype to index Chinese names (DESIGN.md §5).
    assert ctype not in ("C", "POSIX"), ctype
    assert "UTF" in ctype.upper().replace("-", "")
