"""The KPI refresh service and its Celery tasks: facts replaced in one transaction, idempotent, a failure keeps the
previous facts, a bounded number of queries, consortia never mixed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consortium.funding.choices import FundingSource
from consortium.funding.models import FundingRecord
from consortium.leadership.choices import RefreshStatus
from consortium.leadership.kpis import refresh as refresh_module
from consortium.leadership.kpis.read import kpi_values, latest_refresh, province_values
from consortium.leadership.kpis.refresh import kpi_refresh
from consortium.leadership.kpis.tasks import refresh_kpis, refresh_kpis_all
from consortium.leadership.models import KpiFact, KpiRefresh
from consortium.tenancy.choices import ConsortiumStatus
from tests.factories.enterprises_rnd import FundingRecordFactory
from tests.factories.tenancy import ConsortiumFactory
from tests.leadership.test_kpis import build_world

pytestmark = pytest.mark.django_db


def snapshot(consortium_id: int) -> set[tuple]:
    return set(
        KpiFact.objects.for_consortium(consortium_id).values_list(
            "year", "unit_id", "metric", "dimension", "label", "value"
        )
    )


def test_refresh_records_a_done_refresh_and_is_idempotent():
    w = build_world()
    first = kpi_refresh(consortium_id=w.consortium.pk, trigger="manual")
    assert first.status == RefreshStatus.DONE and first.trigger == "manual"
    assert first.facts == KpiFact.objects.for_consortium(w.consortium.pk).count() > 100
    assert first.finished_at >= first.started_at and first.duration_ms >= 0
    before = snapshot(w.consortium.pk)
    second = kpi_refresh(consortium_id=w.consortium.pk)
    assert second.facts == first.facts
    assert snapshot(w.consortium.pk) == before
    assert latest_refresh(w.consortium.pk) == second


def test_refresh_replaces_the_facts_with_the_live_data():
    w = build_world()
    kpi_refresh(consortium_id=w.consortium.pk)
    assert kpi_values(consortium_id=w.consortium.pk, year=w.year)["funding.by_source"][FundingSource.ENTERPRISE] == (
        Decimal("50.5")
    )
    FundingRecord.objects.for_consortium(w.consortium.pk).filter(source=FundingSource.ENTERPRISE).delete()
    kpi_refresh(consortium_id=w.consortium.pk)
    values = kpi_values(consortium_id=w.consortium.pk, year=w.year)["funding.by_source"]
    assert FundingSource.ENTERPRISE not in values and values[""] == 100
    assert (
        not KpiFact.objects.for_consortium(w.consortium.pk)
        .filter(metric="funding.by_source", dimension=FundingSource.ENTERPRISE)
        .exists()
    )


def test_a_failed_refresh_keeps_the_previous_facts(monkeypatch):
    w = build_world()
    kpi_refresh(consortium_id=w.consortium.pk)
    before = snapshot(w.consortium.pk)

    def broken(consortium_id, *, today):
        # half-written state that must be rolled back
        KpiFact.objects.for_consortium(consortium_id).delete()
        raise RuntimeError("数据源不可用")

    monkeypatch.setattr(refresh_module, "compute_facts", broken)
    failed = kpi_refresh(consortium_id=w.consortium.pk, trigger="beat")
    assert failed.status == RefreshStatus.FAILED and "数据源不可用" in failed.message
    assert failed.finished_at is not None
    assert snapshot(w.consortium.pk) == before
    assert latest_refresh(w.consortium.pk).status == RefreshStatus.DONE
    assert latest_refresh(w.consortium.pk, status=None) == failed
    assert refresh_kpis(w.consortium.pk) == -1  # the task reports the failure too


def test_query_count_is_bounded_whatever_the_data_size():
    small = build_world()
    with CaptureQueriesContext(connection) as few:
        kpi_refresh(consortium_id=small.consortium.pk)
    large = build_world(scale=4)
    with CaptureQueriesContext(connection) as many:
        kpi_refresh(consortium_id=large.consortium.pk)
    assert len(many.captured_queries) == len(few.captured_queries) < 120


def test_province_values_never_mix_consortia():
    one = build_world()
    other = ConsortiumFactory()
    FundingRecordFactory(consortium=other, source=FundingSource.SPECIAL_BONDS, amount=Decimal("7.00"), year=one.year)
    kpi_refresh(consortium_id=one.consortium.pk)
    kpi_refresh(consortium_id=other.pk)
    values = province_values(year=one.year)
    assert values[other.pk]["funding.by_source"] == {FundingSource.SPECIAL_BONDS: 7, "": 7}
    assert values[one.consortium.pk]["funding.by_source"][""] == Decimal("150.5")
    assert FundingSource.SPECIAL_BONDS not in values[one.consortium.pk]["funding.by_source"]
    assert "teachers.full_time" not in values[other.pk]
    # only consortium-wide facts: no unit dimension leaks into the province view
    assert values[one.consortium.pk]["teachers.full_time"][""] == 7
    # a refresh of one consortium never touches another's facts
    before = snapshot(other.pk)
    kpi_refresh(consortium_id=one.consortium.pk)
    assert snapshot(other.pk) == before


def test_refresh_kpis_all_fans_out_to_active_consortia_only():
    active = build_world().consortium
    other_active = ConsortiumFactory()
    suspended = ConsortiumFactory(status=ConsortiumStatus.SUSPENDED)
    enqueued = refresh_kpis_all()  # tasks run eagerly in tests
    assert enqueued >= 2
    assert KpiRefresh.objects.for_consortium(active.pk).filter(status=RefreshStatus.DONE, trigger="beat").count() == 1
    assert KpiRefresh.objects.for_consortium(other_active.pk).count() == 1
    assert not KpiRefresh.objects.for_consortium(suspended.pk).exists()
    assert KpiFact.objects.for_consortium(active.pk).exists()


def test_task_options():
    assert refresh_kpis.name == "consortium.leadership.tasks.refresh_kpis"
    assert refresh_kpis_all.name == "consortium.leadership.tasks.refresh_kpis_all"
    for task in (refresh_kpis, refresh_kpis_all):
        assert task.acks_late is True and task.reject_on_worker_lost is True


def test_a_stale_running_refresh_is_marked_failed_by_the_next_one():
    from datetime import timedelta

    from django.utils import timezone

    consortium = ConsortiumFactory()
    stale = KpiRefresh.objects.create(
        consortium=consortium, status=RefreshStatus.RUNNING, started_at=timezone.now() - timedelta(hours=2)
    )
    recent = KpiRefresh.objects.create(consortium=consortium, status=RefreshStatus.RUNNING, started_at=timezone.now())
    kpi_refresh(consortium_id=consortium.pk)
    stale.refresh_from_db()
    recent.refresh_from_db()
    assert stale.status == RefreshStatus.FAILED and stale.message
    assert recent.status == RefreshStatus.RUNNING
