"""Fixtures of the isolation suite: one world per module (rolled back at module end).

The session summary hooks live in tests/conftest.py, so the pytest-xdist controller loads them too.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from .world import build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction that is rolled back afterwards; each test runs in a savepoint."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            yield build_world()
            transaction.set_rollback(True)
