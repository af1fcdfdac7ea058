"""report_request / report_generate / report_run_schedule / report_deliver: who may request, versions, the task on
commit, status and progress, failure without a half-written "done", idempotent generation, per-recipient scope and
one delivery per report and address."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from consortium.leadership.choices import ReportKind, ReportStatus
from consortium.leadership.models import Report, ReportDelivery
from consortium.leadership.reports import content as content_module
from consortium.leadership.reports import services

from .test_report_content import TODAY, build_world, fake_dashboard

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path)
    monkeypatch.setattr(content_module, "dashboard_snapshot", fake_dashboard)
    return build_world()


def _request(world, callbacks, **kwargs) -> Report:
    kwargs.setdefault("kind", ReportKind.WEEKLY_TASKS)
    with callbacks(execute=True):
        report = services.report_request(actor=world.secretariat, today=TODAY, **kwargs)
    report.refresh_from_db()
    return report


def test_request_defaults_to_the_last_complete_period_and_generates_on_commit(
    world, django_capture_on_commit_callbacks
):
    report = _request(world, django_capture_on_commit_callbacks)
    assert (report.period_start, report.period_end) == (date(2026, 3, 9), date(2026, 3, 15))
    assert report.status == ReportStatus.DONE, report.message
    assert report.progress == 100 and report.version == 1 and report.requested_by == world.secretariat
    assert report.content["title"].startswith("宝清县产教联合体 任务进展周报")
    assert report.xlsx.name.endswith("weekly_tasks_20260309_all_v1.xlsx")
    assert report.pdf.read(4) == b"%PDF"
    assert report.started_at and report.finished_at and report.content["generation_ms"] >= 0


def test_versions_count_up_per_kind_period_and_scope(world, django_capture_on_commit_callbacks):
    first = _request(world, django_capture_on_commit_callbacks)
    second = _request(world, django_capture_on_commit_callbacks)
    scoped = _request(world, django_capture_on_commit_callbacks, unit=world.school)
    monthly = _request(world, django_capture_on_commit_callbacks, kind=ReportKind.MONTHLY_KPI)
    assert (first.version, second.version, scoped.version, monthly.version) == (1, 2, 1, 1)
    assert (monthly.period_start, monthly.period_end) == (date(2026, 2, 1), date(2026, 2, 28))


@pytest.mark.parametrize("role", ["official", "school_user"])
def test_only_the_secretariat_requests(world, role):
    with pytest.raises(PermissionDenied):
        services.report_request(actor=getattr(world, role), kind=ReportKind.ANNUAL, today=TODAY)
    assert not Report.objects.exists()


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"kind": "quarterly"}, "kind"),
    ({"kind": ReportKind.WEEKLY_TASKS, "period_start": date(2026, 3, 10), "period_end": date(2026, 3, 16)},
     "period_start"),
    ({"kind": ReportKind.MONTHLY_KPI, "period_start": date(2026, 4, 1), "period_end": date(2026, 4, 30)},
     "period_start"),
    ({"kind": ReportKind.ANNUAL, "period_start": date(2026, 1, 1), "period_end": date(2025, 12, 31)}, "period_end"),
])
def test_bad_input_is_a_field_error_and_creates_nothing(world, kwargs, field):
    with pytest.raises(ValidationError) as info:
        services.report_request(actor=world.secretariat, today=TODAY, **kwargs)
    assert field in info.value.message_dict
    assert not Report.objects.exists()


def test_unit_of_another_consortium_is_refused(world):
    from consortium.tenancy.models import MemberUnit

    foreign = MemberUnit.objects.get(consortium=world.other)
    with pytest.raises(ValidationError) as info:
        services.report_request(actor=world.secretariat, kind=ReportKind.ANNUAL, unit=foreign, today=TODAY)
    assert "unit" in info.value.message_dict and not Report.objects.exists()


def test_a_failure_stores_its_message_and_no_files(world, django_capture_on_commit_callbacks, monkeypatch):
    from consortium.leadership.reports import pdf

    def broken(*args, **kwargs):
        raise RuntimeError("字体缺失")

    monkeypatch.setattr(pdf, "render_pdf", broken)
    report = _request(world, django_capture_on_commit_callbacks)
    assert report.status == ReportStatus.FAILED
    assert "字体缺失" in report.message
    assert report.content == {} and not report.xlsx and not report.pdf


def test_generation_is_idempotent(world, django_capture_on_commit_callbacks, monkeypatch):
    report = _request(world, django_capture_on_commit_callbacks)
    finished, content = report.finished_at, report.content

    def must_not_run(**kwargs):
        raise AssertionError("a done report was regenerated")

    monkeypatch.setattr(content_module, "build_content", must_not_run)
    again = services.report_generate(report_id=report.pk, consortium_id=report.consortium_id)
    assert again.pk == report.pk and again.status == ReportStatus.DONE
    report.refresh_from_db()
    assert report.finished_at == finished and report.content == content
    # another consortium's id finds nothing
    assert services.report_generate(report_id=report.pk, consortium_id=world.other.pk) is None


def test_progress_is_visible_while_running(world, monkeypatch):
    seen = []
    real = content_module.build_content

    def spy(**kwargs):
        seen.append(Report.objects.values_list("status", "progress").get())
        return real(**kwargs)

    monkeypatch.setattr(content_module, "build_content", spy)
    report = services.report_request(actor=world.secretariat, kind=ReportKind.WEEKLY_TASKS, today=TODAY)
    services.report_generate(report_id=report.pk, consortium_id=report.consortium_id, today=TODAY)
    assert seen == [(ReportStatus.RUNNING, 10)]


def _schedule(world, **kwargs):
    kwargs.setdefault("recipients", [world.chair, world.school_rep])
    return services.report_schedule_save(
        actor=world.secretariat, kind=ReportKind.WEEKLY_TASKS, minute="0", hour="8", day_of_week="1", **kwargs
    )


def test_scheduled_run_makes_one_report_per_scope_and_mails_each_recipient_their_scope(world):
    schedule = _schedule(world)
    ids = services.report_run_schedule(schedule_id=schedule.pk, consortium_id=world.consortium.pk, today=TODAY)
    reports = {r.unit_id: r for r in Report.objects.filter(pk__in=ids)}
    assert set(reports) == {None, world.school.pk}
    assert all(r.status == ReportStatus.DONE and r.schedule == schedule for r in reports.values())
    assert {(r.period_start, r.period_end) for r in reports.values()} == {(date(2026, 3, 9), date(2026, 3, 15))}
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"head@example.com", "school@example.com"}
    assert "宝清县职业技术学校" in by_address["school@example.com"].body  # the school's own report
    assert "宝清县职业技术学校 任务进展周报" not in by_address["head@example.com"].body
    for message in mail.outbox:
        names = [a[0] for a in message.attachments]
        assert any(n.endswith(".pdf") for n in names) and any(n.endswith(".xlsx") for n in names)
        assert "/leadership/reports/" in message.body
    deliveries = ReportDelivery.objects.order_by("email")
    assert [(d.email, d.report.unit_id) for d in deliveries] == [
        ("head@example.com", None), ("school@example.com", world.school.pk)]
    assert all(d.sent_at for d in deliveries)


def test_scheduled_run_is_idempotent_per_period(world):
    schedule = _schedule(world)
    first = services.report_run_schedule(schedule_id=schedule.pk, consortium_id=world.consortium.pk, today=TODAY)
    second = services.report_run_schedule(schedule_id=schedule.pk, consortium_id=world.consortium.pk, today=TODAY)
    assert sorted(first) == sorted(second)
    assert Report.objects.count() == 2 and ReportDelivery.objects.count() == 2 and len(mail.outbox) == 2
    # next week: new period, new reports
    services.report_run_schedule(schedule_id=schedule.pk, consortium_id=world.consortium.pk, today=date(2026, 3, 25))
    assert Report.objects.count() == 4 and len(mail.outbox) == 4


def test_scheduled_run_reuses_an_existing_done_report(world, django_capture_on_commit_callbacks):
    manual = _request(world, django_capture_on_commit_callbacks)
    schedule = _schedule(world, recipients=[world.chair])
    ids = services.report_run_schedule(schedule_id=schedule.pk, consortium_id=world.consortium.pk, today=TODAY)
    assert ids == [manual.pk] and Report.objects.count() == 1
    assert [m.to for m in mail.outbox] == [["head@example.com"]]


def test_disabled_or_foreign_schedule_does_nothing(world):
    schedule = _schedule(world, enabled=False)
    assert services.report_run_schedule(schedule_id=schedule.pk, consortium_id=world.consortium.pk, today=TODAY) == []
    assert services.report_run_schedule(schedule_id=schedule.pk, consortium_id=world.other.pk, today=TODAY) == []
    assert not Report.objects.exists() and not mail.outbox


def test_a_failed_send_is_recorded_and_retried_later(world, monkeypatch):
    schedule = _schedule(world, recipients=[world.chair])
    from django.core.mail import EmailMessage

    real_send = EmailMessage.send
    monkeypatch.setattr(EmailMessage, "send", lambda self, *a, **k: (_ for _ in ()).throw(OSError("SMTP down")))
    with pytest.raises(OSError):
        services.report_run_schedule(schedule_id=schedule.pk, consortium_id=world.consortium.pk, today=TODAY)
    delivery = ReportDelivery.objects.get()
    assert delivery.sent_at is None and "SMTP down" in delivery.error
    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert services.report_deliver(
        report_id=delivery.report_id, consortium_id=world.consortium.pk, schedule_id=schedule.pk) == 1
    delivery.refresh_from_db()
    assert delivery.sent_at and delivery.error == "" and len(mail.outbox) == 1


def _kpi_modules_exist() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in (
        "consortium.leadership.dashboard", "consortium.leadership.kpis.refresh"))


@pytest.mark.skipif(not _kpi_modules_exist(), reason="H-kpi's dashboard module is not there yet")
def test_generated_report_shows_the_dashboards_figures_after_a_fresh_refresh(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    import json

    from consortium.leadership.dashboard import dashboard_data
    from consortium.leadership.models import KpiRefresh

    settings.MEDIA_ROOT = str(tmp_path)
    world = build_world()  # the real KPI computation, no fake
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(actor=world.secretariat, kind=ReportKind.MONTHLY_KPI, today=TODAY)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.message
    assert KpiRefresh.objects.filter(consortium=world.consortium, trigger="report").exists()
    expected = dashboard_data(consortium_id=world.consortium.pk, year=2026, unit_id=None).as_dict()
    assert report.content["dashboard"] == json.loads(json.dumps(expected, default=str))
