"""Offline checks of the deployment files (no Docker engine runs here): compose schema, services, env, Makefile."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")
APP_SERVICES = ("web", "worker", "beat")
REQUIRED_ENV = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS")


def _validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True, text=True, timeout=60,
    )


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_file_matches_the_compose_spec():
    result = _validate(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_compose_file(tmp_path):
    # Guards the guard: the validator really validates (an unknown service key is an error in the spec).
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  web:\n    image: x\n    helthcheck: {}\n", encoding="utf-8")
    assert _validate(broken).returncode != 0


def test_five_services_share_one_image_built_once(compose):
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    app_images = {services[name]["image"] for name in (*APP_SERVICES, "migrate")}
    assert len(app_images) == 1, app_images
    builders = [name for name, service in services.items() if "build" in service]
    assert builders == ["migrate"], "exactly one service builds the application image"
    assert all(services[name].get("pull_policy") == "never" for name in APP_SERVICES)
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")


def test_commands_and_start_order(compose):
    services = compose["services"]
    assert services["migrate"]["command"][-2:] == ["migrate", "--noinput"]
    assert "consortium.wsgi:application" in services["web"]["command"]
    assert services["web"]["command"][0] == "gunicorn"
    assert services["worker"]["command"][:4] == ["celery", "-A", "consortium", "worker"]
    beat = services["beat"]["command"]
    assert beat[:4] == ["celery", "-A", "consortium", "beat"]
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_healthchecks(compose):
    services = compose["services"]
    for name in ("postgres", "redis", "web", "worker"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]


def test_postgres_is_initialised_utf8(compose):
    env = compose["services"]["postgres"]["environment"]
    assert "--encoding=UTF8" in env["POSTGRES_INITDB_ARGS"]
    assert "--locale=C.UTF-8" in env["POSTGRES_INITDB_ARGS"]


def test_app_services_are_configured_by_environment(compose):
    services = compose["services"]
    for name in (*APP_SERVICES, "migrate"):
        env = services[name]["environment"]
        missing = [key for key in REQUIRED_ENV if key not in env]
        assert not missing, f"{name} lacks {missing}"
        assert env["DEBUG"] == "false"
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379/")
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?"), "no default secret key in production"


def test_every_setting_the_compose_file_passes_is_read_by_settings(compose):
    settings_source = (ROOT / "consortium" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z_]+)\"", settings_source))
    passed = set(compose["services"]["web"]["environment"]) - {"WEB_CONCURRENCY"}  # gunicorn reads that one
    assert passed <= read, f"passed but never read by settings.py: {sorted(passed - read)}"


def test_dockerfile_builds_translations_and_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert "fonts-noto-cjk" in dockerfile
    assert "pip install ." in dockerfile
    assert "compilemessages_py" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert re.search(r"^USER (?!root)", dockerfile, re.MULTILINE), "the image must not run as root"


def test_makefile_has_run_and_test_targets():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run:", makefile, re.MULTILINE)
    assert re.search(r"^test:", makefile, re.MULTILINE)
    test_recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "compilemessages_py --check" in test_recipe
    assert "-n 2" in test_recipe
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "compilemessages_py" in run_recipe


def test_readme_starts_with_make_run_and_make_test():
    head = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:12])
    assert "make run" in head
    assert "make test" in head


def test_readme_documents_every_setting_read_from_the_environment():
    settings_source = (ROOT / "consortium" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z_]+)\"", settings_source))
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"} <= read
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    undocumented = sorted(name for name in read if f"`{name}`" not in readme)
    assert not undocumented, f"README 'Configuration' lacks: {undocumented}"


def test_ci_script_is_executable_and_strict():
    script = ROOT / ".ci" / "run"
    assert script.stat().st_mode & 0o111, ".ci/run must be executable"
    text = script.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in text
    assert "make test" in text
