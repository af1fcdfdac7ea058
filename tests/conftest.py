"""Session-wide test settings and the postgres/redis marker policy. Keep this file small: put fixtures in your own
directory's conftest.py.

* Tests run with django-axes off, the fast MD5 hasher, the locmem e-mail backend and Celery tasks executed eagerly
  (a service that enqueues a task runs it inline). A test that needs a real worker turns eagerness off itself.
* ``@pytest.mark.postgres`` tests are skipped unless the database is PostgreSQL; ``@pytest.mark.redis`` tests are
  skipped unless REDIS_URL is set and answers. With ``CI=true`` (set by ``.ci/run``) a missing PostgreSQL or Redis
  aborts the whole run instead: CI must never pass by skipping.
"""

from __future__ import annotations

import os

import pytest

from tests.isolation.stats import API_ROUTES, HTML_ROUTES, ROLES_SEEN, STATS

IN_CI = os.environ.get("CI", "").lower() == "true"


def _refuse_the_real_database(sender, connection, **kwargs) -> None:
    """A fixture that asks for ``django_db_setup`` in a module without a ``django_db`` test silently gets the
    configured database (var/db.sqlite3 or the CI database) instead of the test one: fail loudly instead."""
    name = str(connection.settings_dict.get("NAME") or "")
    if name and name != "postgres" and not any(marker in name for marker in ("test", "memorydb", ":memory:")):
        raise RuntimeError(f"a test opened the real database {name!r}; mark the module with pytest.mark.django_db")


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings
    from django.db.backends.signals import connection_created

    connection_created.connect(_refuse_the_real_database)

    settings.AXES_ENABLED = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    # A per-process cache: clearing it between tests must never flush the Redis that the broker shares.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    from consortium.celery import app as celery_app

    # The Celery config may already be loaded from Django settings: set it on the app too.
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


def _postgres_problem() -> str | None:
    from django.conf import settings
    from django.db import connection

    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return f"database is {settings.DATABASES['default']['ENGINE']}, not PostgreSQL (set DATABASE_URL)"
    params = connection.get_connection_params()
    params["dbname"] = "postgres"  # the maintenance DB: pytest-django creates the test database itself
    try:  # a raw connection: pytest-django blocks ORM access outside tests
        connection.get_new_connection(params).close()
    except Exception as exc:  # any failure means "not available"
        return f"PostgreSQL does not answer: {exc}".strip()
    return None


def _redis_problem() -> str | None:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:
        return f"Redis at {url} does not answer: {exc}"
    return None


def pytest_sessionstart(session: pytest.Session) -> None:
    if not IN_CI:
        return
    problems = [p for p in (_postgres_problem(), _redis_problem()) if p]
    if problems:
        pytest.exit(
            "CI=true but the CI services are not available — refusing to skip tests:\n  " + "\n  ".join(problems),
            returncode=3,
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    checks = {"postgres": _postgres_problem, "redis": _redis_problem}
    found: dict[str, str | None] = {}
    for item in items:
        for marker, check in checks.items():
            if item.get_closest_marker(marker) is None:
                continue
            if marker not in found:
                found[marker] = check()
            problem = found[marker]
            if problem is None:
                continue
            if IN_CI:
                pytest.exit(f"CI=true: {item.nodeid} needs {marker}, but {problem}", returncode=3)
            item.add_marker(pytest.mark.skip(reason=f"needs {marker}: {problem}"))


# --- isolation suite summary (here, not in tests/isolation/, so the xdist controller registers the hooks) ---

def _isolation_summary() -> dict[str, int]:
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
    s = _isolation_summary()
    if s["assertions"]:
        terminalreporter.write_line(
            f"isolation: checked {s['api']} API routes, {s['html']} HTML routes × {s['roles']} roles, "
            f"{s['assertions']} assertions"
        )


@pytest.fixture(scope="session", autouse=True)
def _temporary_media_root(tmp_path_factory):
    """Uploaded and generated files (evidence, reports, demo files) go to a per-run directory, not var/media."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and cached values never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield



@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends with a flush of every table, which also removes the beat entries that the apps'
    data migrations ship; later tests on the same worker check those entries. After such a test's teardown (the
    flush included) re-run exactly those migration operations (``daily_beat_entry``) — the code ``migrate`` runs."""
    yield
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    # live_server (browser tests) pulls in transactional_db at run time without a marker
    transactional |= bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))
    if not transactional:
        return
    from django.db import connection

    if not str(connection.settings_dict["NAME"]).startswith(("test_", "file:memorydb")):
        return  # after the last test of a worker the test database is already gone (xdist passes nextitem=None)
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations.special import RunPython
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        loader = MigrationLoader(None, ignore_no_migrations=True)
        for migration in loader.disk_migrations.values():
            for operation in migration.operations:
                if isinstance(operation, RunPython) and operation.code.__qualname__.startswith("daily_beat_entry."):
                    operation.code(apps, None)
