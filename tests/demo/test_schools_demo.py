"""The schools part of ``manage.py load_demo`` (``schools/demo.py``, found through the domain-demo protocol)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as global_apps
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from consortium.celery import app
from consortium.tenancy.demo import domains
from consortium.tenancy.models import MemberUnit
from schools import demo as schools_demo
from schools.rules import id_number_problem

BEAT_MIGRATION = importlib.import_module("schools.migrations.0002_beat_warn_expiring_certifications")


@pytest.mark.django_db
def test_discovery_finds_the_schools_demo_but_not_the_kernel():
    found = {demo.app_label: demo for demo in domains.discover()}
    assert "schools" in found and found["schools"].load is schools_demo.load
    assert "tenancy" not in found  # the kernel's own demo package is run by the command itself
    assert set(found) == {"schools", "enterprises", "practice_center", "matching", "leadership"}


def test_generated_people_are_deterministic_and_valid():
    units = {name: MemberUnit(name=name) for spec in (schools_demo.MAIN,) for name in
             {p.source for p in spec.part_time}}
    first = schools_demo.teacher_rows(schools_demo.MAIN, units)
    assert first == schools_demo.teacher_rows(schools_demo.MAIN, units)
    assert len({row["id_number"] for row in first}) == len(first)
    assert all(id_number_problem(row["id_number"]) is None for row in first)


@pytest.mark.django_db
def test_beat_entry_exists_after_migrate():
    entry = PeriodicTask.objects.get(task="schools.tasks.warn_expiring_certifications_all")
    assert entry.enabled and entry.crontab is not None
    assert (entry.crontab.minute, entry.crontab.hour, str(entry.crontab.timezone)) == ("30", "7", "Asia/Shanghai")
    app.loader.import_default_modules()
    assert entry.task in app.tasks  # the registered name of the task


@pytest.mark.django_db
def test_beat_migration_is_idempotent_and_reversible():
    migration = BEAT_MIGRATION
    operation = migration.Migration.operations[0]
    create_entry, remove_entry = operation.code, operation.reverse_code
    create_entry(global_apps, None)
    assert PeriodicTask.objects.filter(task=migration.TASK_NAME).count() == 1
    assert CrontabSchedule.objects.filter(minute="30", hour="7").count() == 1
    remove_entry(global_apps, None)
    assert not PeriodicTask.objects.filter(task=migration.TASK_NAME).exists()
    assert not CrontabSchedule.objects.filter(minute="30", hour="7").exists()
    create_entry(global_apps, None)
    create_entry(global_apps, None)  # idempotent
    assert PeriodicTask.objects.filter(task=migration.TASK_NAME).count() == 1


@pytest.mark.django_db
def test_demand_expiry_beat_entry_exists_after_migrate():
    entry = PeriodicTask.objects.get(task="enterprises.tasks.expire_demands_all")
    assert entry.enabled and (entry.crontab.minute, entry.crontab.hour) == ("15", "0")
    app.loader.import_default_modules()
    assert entry.task in app.tasks
