"""Fixtures of the isolation suite: one world per module (rolled back at module end) and the session summary."""

from __future__ import annotations

import pytest
from django.db import transaction

from .stats import API_ROUTES, HTML_ROUTES, ROLES_SEEN, STATS
from .world import build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction that is rolled back afterwards; each test runs in a savepoint."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            yield build_world()
            transaction.set_rollback(True)


def _summary() -> dict[str, int]:
    return {
        "api": len(API_ROUTES), "html": len(HTML_ROUTES), "roles": len(ROLES_SEEN),
        "assertions": STATS["assertions"],
    }


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # pytest-xdist worker: hand the counters to the controller
        workeroutput["isolation"] = {
            "api": sorted(API_ROUTES), "html": sorted(HTML_ROUTES), "roles": sorted(ROLES_SEEN),
            "assertions": STATS["assertions"],
        }


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    data = getattr(node, "workeroutput", {}).get("isolation")
    if data:
        API_ROUTES.update(data["api"])
        HTML_ROUTES.update(data["html"])
        ROLES_SEEN.update(data["roles"])
        STATS["assertions"] += data["assertions"]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    s = _summary()
    if s["assertions"]:
        terminalreporter.write_line(
            f"isolation: checked {s['api']} API routes, {s['html']} HTML routes × {s['roles']} roles, "
            f"{s['assertions']} assertions"
        )
