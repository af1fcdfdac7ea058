"""A scheduled report end to end through Redis and a real Celery worker (not eager): the beat entry's task generates
the report (HTML content, Excel, PDF) and mails it once, even when the task is delivered twice."""

from __future__ import annotations

import pytest
from django.core import mail

from consortium.leadership.choices import ReportKind, ReportStatus
from consortium.leadership.models import Report, ReportDelivery
from consortium.leadership.reports.services import report_schedule_save
from consortium.leadership.tasks import run_scheduled_report
from tests.factories.leadership import GroupMemberFactory, LeadershipGroupFactory
from tests.factories.tenancy import ConsortiumFactory, UserFactory
from tests.infra.test_celery_worker import _wait_for, redis_worker  # noqa: F401  (the worker fixture)

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_worker_generates_and_mails_the_scheduled_report_once(redis_worker, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = str(tmp_path)
    consortium = ConsortiumFactory()
    secretariat = UserFactory(consortium=consortium, secretariat=True)
    group = LeadershipGroupFactory(consortium=consortium)
    head = GroupMemberFactory(consortium=consortium, group=group, email="head@example.com", receives_reports=True)
    schedule = report_schedule_save(
        actor=secretariat, kind=ReportKind.WEEKLY_TASKS, consortium_id=consortium.pk, recipients=[head]
    )
    mail.outbox.clear()

    run_scheduled_report.delay(schedule.pk, consortium.pk)
    run_scheduled_report.delay(schedule.pk, consortium.pk)  # a redelivery / second firing for the same period

    report = _wait_for(
        lambda: Report.objects.filter(consortium=consortium, status=ReportStatus.DONE).first(), timeout=60
    )
    _wait_for(lambda: ReportDelivery.objects.filter(report=report, sent_at__isnull=False).exists(), timeout=60)
    _wait_for(lambda: len(mail.outbox) >= 1, timeout=30)
    assert report.pdf.name.endswith(".pdf") and report.xlsx.name.endswith(".xlsx")
    assert report.content["consortium"] == {"id": consortium.pk, "name": consortium.name}
    assert Report.objects.filter(consortium=consortium).count() == 1
    assert ReportDelivery.objects.filter(report=report).count() == 1
    assert [m.to for m in mail.outbox] == [["head@example.com"]]
    assert {a[0].rsplit(".", 1)[-1] for a in mail.outbox[0].attachments} == {"pdf", "xlsx"}
