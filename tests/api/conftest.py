"""Fixtures of the OpenAPI fuzz suite: one isolation world per module, API tokens, and in-process WSGI calls that
share the test's database connection and transaction."""

from __future__ import annotations

import traceback
from collections.abc import Iterator

import pytest
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from rest_framework.authtoken.models import Token

from tests.isolation.world import World, build_world

#: The roles the fuzzer authenticates as (keys of ``World.actors``).
FUZZ_ROLES = ("a_secretariat", "a1_admin")


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The isolation world (consortia A and B, units A1/A2/B1, one row of every registered model per slot) plus a
    DRF token for each fuzzed role; built once per module in a transaction rolled back at module end."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            world = build_world()
            world.tokens = {role: Token.objects.create(user=world.user(role)).key for role in FUZZ_ROLES}
            yield world
            transaction.set_rollback(True)


@pytest.fixture
def in_process_wsgi() -> Iterator[list[str]]:
    """Let Django's WSGI handler run inside the test transaction and collect the tracebacks of uncaught exceptions.

    The handler sends ``request_started``/``request_finished``, whose ``close_old_connections`` receiver would drop
    the connection while the test transaction is open (Django's own test client disconnects it the same way).
    """
    errors: list[str] = []

    def record(sender, request=None, **kwargs):
        errors.append(traceback.format_exc())

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    got_request_exception.connect(record, weak=False)
    try:
        yield errors
    finally:
        got_request_exception.disconnect(record)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
