"""The marker policy of tests/conftest.py: skip postgres/redis tests locally, abort the run under CI=true."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = "tests/infra/test_celery_worker.py::test_database_is_postgresql_with_utf8"


def _pytest(**env_overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    # Explicit values, so a developer's .env (read without overwriting) cannot bring the services back.
    env.update(DATABASE_URL="sqlite:///:memory:", REDIS_URL="", **env_overrides)
    env.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", TARGET, "-p", "no:xdist", "-p", "no:cacheprovider", "-q", "-rs"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_without_ci_a_missing_postgres_skips_with_a_reason():
    result = _pytest()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert "needs postgres" in result.stdout and "not PostgreSQL" in result.stdout


def test_under_ci_missing_services_fail_the_run_loudly():
    result = _pytest(CI="true")
    output = result.stdout + result.stderr
    assert result.returncode == 3, output
    assert "refusing to skip tests" in output
    assert "not PostgreSQL" in output and "REDIS_URL is not set" in output
    assert "skipped" not in result.stdout
