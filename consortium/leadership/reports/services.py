"""Writes of the report module (house style: keyword-only, actor first, ``@transaction.atomic`` where one transaction
is right, tasks enqueued on commit).

* ``report_request`` – the secretariat asks for a report (kind, period, scope); version = max + 1; the generation task
  is sent on commit.
* ``report_generate`` – the body of the ``generate_report`` task: queued → running → done / failed with progress;
  builds the content snapshot, the Excel and the PDF, and stores all of them in one final write (a failure stores
  its message and never a half-written "done"). Idempotent: a done report is never regenerated.
* ``report_schedule_save`` / ``report_schedules_ensure`` – the secretariat edits the schedules; each keeps its
  django-celery-beat PeriodicTask in sync (``schedules.py``).
* ``report_run_schedule`` / ``report_deliver`` – the bodies of ``run_scheduled_report`` and ``deliver_report``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consortium.tenancy.models import MemberUnit
from consortium.tenancy.scoping import is_platform_admin, require_secretariat

from ..choices import ReportKind, ReportStatus
from ..models import GroupMember, Report, ReportDelivery, ReportSchedule
from . import schedules as beat
from .periods import is_aligned, period_for, period_label

logger = logging.getLogger(__name__)

#: A report "running" without finishing for this long is taken over by a redelivered task (worker lost).
STALE_AFTER = timedelta(minutes=20)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _consortium_of(actor: Any, consortium_id: int | None) -> int:
    if consortium_id is None:
        consortium_id = getattr(actor, "consortium_id", None)
    if not consortium_id:
        if is_platform_admin(actor):
            raise ValidationError({"__all__": [_("平台管理员须指定产教联合体。")]})
        raise PermissionDenied(_("只有秘书处可以执行此操作。"))
    require_secretariat(actor, consortium_id)
    return consortium_id


def _set_progress(report_id: int, consortium_id: int, progress: int, message: str = "") -> None:
    """Progress is written with .update() so the page's polling sees it while the task runs."""
    Report.objects.for_consortium(consortium_id).filter(pk=report_id, status=ReportStatus.RUNNING).update(
        progress=progress, message=message
    )


# --- requesting and generating -----------------------------------------------------------------------------------


def validate_period(kind: str, period_start: Any, period_end: Any, *, today: date | None = None) -> tuple[date, date]:
    if kind not in ReportKind.values:
        raise ValidationError({"kind": [_("请选择有效的报告类型。")]})
    if not isinstance(period_start, date):
        raise ValidationError({"period_start": [_("请填写有效的周期开始日期。")]})
    if not isinstance(period_end, date):
        raise ValidationError({"period_end": [_("请填写有效的周期结束日期。")]})
    if period_end < period_start:
        raise ValidationError({"period_end": [_("周期结束不能早于周期开始。")]})
    if not is_aligned(kind, period_start, period_end):
        raise ValidationError({"period_start": [{
            ReportKind.WEEKLY_TASKS: _("周报的周期须为星期一至星期日的一整周。"),
            ReportKind.MONTHLY_KPI: _("月报的周期须为一个完整的自然月。"),
            ReportKind.ANNUAL: _("年度报告的周期须为一个完整的自然年。"),
        }[kind]]})
    if period_start > (today or timezone.localdate()):
        raise ValidationError({"period_start": [_("不能生成尚未开始的周期的报告。")]})
    return period_start, period_end


def next_version(*, consortium_id: int, kind: str, period_start: date, unit_id: int | None) -> int:
    current = (
        Report.objects.for_consortium(consortium_id)
        .filter(kind=kind, period_start=period_start, unit_id=unit_id)
        .aggregate(v=Max("version"))["v"]
    )
    return (current or 0) + 1


def _enqueue_generation(report_id: int, consortium_id: int) -> None:
    from .tasks import generate_report

    try:
        generate_report.apply_async(args=(report_id, consortium_id))
    except Exception as exc:  # the broker is down: say so on the report instead of leaving it queued
        logger.exception("could not enqueue report %s", report_id)
        Report.objects.for_consortium(consortium_id).filter(pk=report_id, status=ReportStatus.QUEUED).update(
            status=ReportStatus.FAILED, message=_("无法提交后台任务：%(e)s") % {"e": exc}, finished_at=timezone.now()
        )


@transaction.atomic
def report_request(
    *, actor: Any, kind: str, period_start: date | None = None, period_end: date | None = None,
    unit: MemberUnit | None = None, consortium_id: int | None = None, today: date | None = None,
) -> Report:
    """Queue a report (secretariat). No period: the last complete period of ``kind``. ``unit``: a unit-scoped report
    (else the whole consortium). The version is one more than the latest of that kind/period/scope."""
    consortium_id = _consortium_of(actor, consortium_id)
    if kind not in ReportKind.values:
        raise ValidationError({"kind": [_("请选择有效的报告类型。")]})
    if period_start is None and period_end is None:
        period_start, period_end = period_for(kind, today or timezone.localdate())
    validate_period(kind, period_start, period_end, today=today)
    if unit is not None and unit.consortium_id != consortium_id:
        raise ValidationError({"unit": [_("所选单位不属于本联合体。")]})
    unit_id = unit.pk if unit is not None else None
    for _attempt in range(3):  # two requests racing for the same version: the loser takes the next one
        version = next_version(consortium_id=consortium_id, kind=kind, period_start=period_start, unit_id=unit_id)
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    consortium_id=consortium_id, kind=kind, period_start=period_start, period_end=period_end,
                    unit_id=unit_id, version=version, status=ReportStatus.QUEUED, progress=0, message=_("排队中"),
                    requested_by=actor if getattr(actor, "pk", None) else None,
                    language=translation.get_language() or settings.LANGUAGE_CODE,
                )
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - three lost races in a row
        raise ValidationError({"__all__": [_("报告版本冲突，请重试。")]})
    transaction.on_commit(lambda: _enqueue_generation(report.pk, consortium_id))
    return report


def _claim(report_id: int, consortium_id: int) -> Report | None:
    """queued → running (or take over a stale running one); None when there is nothing to do."""
    now = timezone.now()
    with transaction.atomic():
        report = Report.objects.for_consortium(consortium_id).select_for_update().filter(pk=report_id).first()
        if report is None or report.status in (ReportStatus.DONE, ReportStatus.FAILED):
            return None
        if report.status == ReportStatus.RUNNING and report.started_at and now - report.started_at < STALE_AFTER:
            return None
        report.status, report.progress, report.started_at, report.finished_at = ReportStatus.RUNNING, 1, now, None
        report.message = _("开始生成")
        report.save(update_fields=["status", "progress", "started_at", "finished_at", "message"])
        return report


def _filename(report: Report, extension: str) -> str:
    scope = f"unit{report.unit_id}" if report.unit_id else "all"
    return f"{report.kind}_{report.period_start:%Y%m%d}_{scope}_v{report.version}.{extension}"


def report_generate(*, report_id: int, consortium_id: int, today: date | None = None) -> Report | None:
    """Generate a queued report (not atomic: progress must be visible). Returns the report, or None if it was not
    this call's to generate (done, failed, running elsewhere, or missing)."""
    from .content import build_content
    from .excel import build_workbook
    from .pdf import render_pdf

    report = _claim(report_id, consortium_id)
    if report is None:
        return Report.objects.for_consortium(consortium_id).filter(pk=report_id).first()
    started = time.monotonic()
    saved_files: list[Any] = []
    try:
        with translation.override(report.language or settings.LANGUAGE_CODE):
            _set_progress(report.pk, consortium_id, 10, _("刷新指标并汇总数据"))
            content = build_content(
                consortium_id=consortium_id, kind=report.kind, period_start=report.period_start,
                period_end=report.period_end, unit_id=report.unit_id, today=today,
            )
            _set_progress(report.pk, consortium_id, 50, _("生成 Excel"))
            xlsx = build_workbook(content)
            _set_progress(report.pk, consortium_id, 70, _("生成 PDF"))
            pdf = render_pdf(content, language=report.language)
            _set_progress(report.pk, consortium_id, 90, _("归档"))
        with transaction.atomic():
            row = Report.objects.for_consortium(consortium_id).select_for_update().get(pk=report.pk)
            if row.status != ReportStatus.RUNNING or row.started_at != report.started_at:
                return row  # taken over meanwhile: leave it to the other run
            row.xlsx.save(_filename(row, "xlsx"), ContentFile(xlsx), save=False)
            saved_files.append(row.xlsx)
            row.pdf.save(_filename(row, "pdf"), ContentFile(pdf), save=False)
            saved_files.append(row.pdf)
            content["generation_ms"] = int((time.monotonic() - started) * 1000)
            row.content = content
            row.status, row.progress, row.finished_at = ReportStatus.DONE, 100, timezone.now()
            row.message = _("已生成")
            row.save(update_fields=["xlsx", "pdf", "content", "status", "progress", "finished_at", "message"])
            return row
    except Exception as exc:
        logger.exception("report %s failed", report.pk)
        for stored in saved_files:  # never leave files of a report that is not done
            try:
                stored.storage.delete(stored.name)
            except Exception:  # pragma: no cover
                logger.warning("could not delete %s", stored.name)
        Report.objects.for_consortium(consortium_id).filter(pk=report.pk, status=ReportStatus.RUNNING).update(
            status=ReportStatus.FAILED, finished_at=timezone.now(),
            message=(_("生成失败：%(e)s") % {"e": exc})[:2000],
        )
        return Report.objects.for_consortium(consortium_id).get(pk=report.pk)


# --- schedules ----------------------------------------------------------------------------------------------------


def _clean_recipients(recipients: Iterable[GroupMember] | None, consortium_id: int) -> list[GroupMember]:
    members = list(recipients or [])
    errors = []
    for member in members:
        if member.consortium_id != consortium_id:
            raise ValidationError({"recipients": [_("所选收件人不属于本联合体。")]})
        if not member.email:
            errors.append(_("%(name)s 没有电子邮箱，无法接收报告。") % {"name": member.name})
    if errors:
        raise ValidationError({"recipients": errors})
    return members


@transaction.atomic
def report_schedule_save(
    *, actor: Any, schedule: ReportSchedule | None = None, kind: str | None = None, consortium_id: int | None = None,
    enabled: bool | None = None, minute: Any = None, hour: Any = None, day_of_week: Any = None,
    day_of_month: Any = None, month_of_year: Any = None, recipients: Iterable[GroupMember] | None = None,
) -> ReportSchedule:
    """Create (``kind``) or update (``schedule``) a report schedule (secretariat) and its beat entry. Arguments left
    None keep the schedule's value (on create: the kind's default crontab, enabled, no recipients). Bad crontab
    fields raise ValidationError with one message per field; nothing is changed then."""
    if schedule is not None:
        consortium_id = schedule.consortium_id
    consortium_id = _consortium_of(actor, consortium_id)
    given = {"minute": minute, "hour": hour, "day_of_week": day_of_week, "day_of_month": day_of_month,
             "month_of_year": month_of_year}
    base = (
        {field: getattr(schedule, field) for field in beat.CRON_FIELDS} if schedule is not None
        else beat.DEFAULT_CRONTABS.get(kind or "", beat.DEFAULT_CRONTABS[ReportKind.WEEKLY_TASKS])
    )
    cron = beat.clean_crontab({field: base[field] if value is None else value for field, value in given.items()})
    if recipients is None:
        recipients = list(schedule.recipients.all()) if schedule is not None else []
    if enabled is None:
        enabled = schedule.enabled if schedule is not None else True
    members = _clean_recipients(recipients, consortium_id)
    if schedule is None:
        if kind not in ReportKind.values:
            raise ValidationError({"kind": [_("请选择有效的报告类型。")]})
        if ReportSchedule.objects.for_consortium(consortium_id).filter(kind=kind).exists():
            raise ValidationError({"kind": [_("该类型报告的计划已存在。")]})
        schedule = ReportSchedule(consortium_id=consortium_id, kind=kind)
    else:
        schedule = ReportSchedule.objects.for_consortium(consortium_id).select_for_update().get(pk=schedule.pk)
    for field, value in cron.items():
        setattr(schedule, field, value)
    schedule.enabled = bool(enabled)
    schedule.save()
    schedule.recipients.set(members)
    beat.sync_periodic_task(schedule)
    return schedule


@transaction.atomic
def report_schedules_ensure(*, consortium_id: int, actor: Any = None) -> list[ReportSchedule]:
    """The three default schedules of a consortium (weekly Monday 08:00, monthly on the 1st 08:00, annual on 5 January
    08:00), created where missing with every group member who receives reports and has an e-mail address as
    recipient; existing schedules are left as they are (their beat entries re-synced). ``actor`` (when given) must be
    the secretariat; without an actor it is for the demo loader and commands."""
    if actor is not None:
        require_secretariat(actor, consortium_id)
    existing = {s.kind: s for s in ReportSchedule.objects.for_consortium(consortium_id)}
    members = list(
        GroupMember.objects.for_consortium(consortium_id).filter(receives_reports=True).exclude(email="")
    )
    result = []
    for kind in ReportKind.values:
        schedule = existing.get(kind)
        if schedule is None:
            schedule = ReportSchedule.objects.create(
                consortium_id=consortium_id, kind=kind, enabled=True, **beat.DEFAULT_CRONTABS[kind]
            )
            schedule.recipients.set(members)
        beat.sync_periodic_task(schedule)
        result.append(schedule)
    return result


# --- the scheduled run and the deliveries ----------------------------------------------------------------------------


def _recipients(schedule: ReportSchedule | None, report: Report) -> list[GroupMember]:
    if schedule is not None:
        qs = schedule.recipients.filter(consortium_id=report.consortium_id)
    else:
        qs = GroupMember.objects.for_consortium(report.consortium_id)
    return list(qs.filter(receives_reports=True, scope_unit_id=report.unit_id).exclude(email="").order_by("pk"))


def _report_for_scope(
    *, schedule: ReportSchedule, period: tuple[date, date], unit_id: int | None
) -> tuple[Report, bool]:
    """The report of the schedule's period for one scope: an existing done or in-progress one (any version), else a
    new version. Returns (report, created)."""
    rows = list(
        Report.objects.for_consortium(schedule.consortium_id)
        .filter(kind=schedule.kind, period_start=period[0], unit_id=unit_id).order_by("-version")
    )
    for status in (ReportStatus.DONE, ReportStatus.RUNNING, ReportStatus.QUEUED):
        match = next((r for r in rows if r.status == status), None)
        if match is not None:
            return match, False
    report = Report.objects.create(
        consortium_id=schedule.consortium_id, kind=schedule.kind, period_start=period[0], period_end=period[1],
        unit_id=unit_id, version=(rows[0].version + 1) if rows else 1, status=ReportStatus.QUEUED,
        message=_("排队中"), schedule=schedule, language=settings.LANGUAGE_CODE,
    )
    return report, True


def report_run_schedule(*, schedule_id: int, consortium_id: int, today: date | None = None) -> list[int]:
    """Body of ``run_scheduled_report``: the last complete period of the schedule's kind, one report for the whole
    consortium and one per distinct ``scope_unit`` of the recipients (reused when one exists: idempotent per
    period), generated here, then mailed to each recipient (the report of their scope). Returns the report ids."""
    today = today or timezone.localdate()
    with transaction.atomic():
        schedule = (
            ReportSchedule.objects.for_consortium(consortium_id).select_for_update().filter(pk=schedule_id).first()
        )
        if schedule is None or not schedule.enabled:
            return []
        period = period_for(schedule.kind, today)
        scope_ids = {None} | set(
            schedule.recipients.filter(consortium_id=consortium_id, receives_reports=True)
            .exclude(scope_unit=None).values_list("scope_unit_id", flat=True)
        )
        valid_units = set(
            MemberUnit.objects.for_consortium(consortium_id).filter(pk__in=[u for u in scope_ids if u])
            .values_list("pk", flat=True)
        )
        reports = [
            _report_for_scope(schedule=schedule, period=period, unit_id=unit_id)[0]
            for unit_id in sorted(scope_ids, key=lambda u: (u is not None, u or 0))
            if unit_id is None or unit_id in valid_units
        ]
    ids = []
    for report in reports:
        if report.status != ReportStatus.DONE:
            report = report_generate(report_id=report.pk, consortium_id=consortium_id, today=today) or report
        if report.status == ReportStatus.DONE:
            report_deliver(report_id=report.pk, consortium_id=consortium_id, schedule_id=schedule.pk)
        ids.append(report.pk)
    return ids


def _email(report: Report, member: GroupMember) -> EmailMessage:
    content = report.content or {}
    link = settings.PORTAL_BASE_URL.rstrip("/") + reverse("leadership:report-detail", args=[report.pk])
    subject = _("【%(consortium)s】%(kind)s（%(period)s）") % {
        "consortium": (content.get("consortium") or {}).get("name", ""), "kind": report.get_kind_display(),
        "period": period_label(report.kind, report.period_start, report.period_end),
    }
    body = render_to_string("leadership/reports/email.txt", {
        "report": report, "member": member, "content": content, "link": link,
        "summary": next((s.get("paragraphs") for s in content.get("sections") or [] if s.get("key") == "summary"), []),
    })
    message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[member.email])
    for field, mimetype in ((report.pdf, "application/pdf"), (report.xlsx, XLSX_TYPE)):
        if field:
            with field.open("rb") as handle:
                message.attach(field.name.rsplit("/", 1)[-1], handle.read(), mimetype)
    return message


def report_deliver(*, report_id: int, consortium_id: int, schedule_id: int | None = None) -> int:
    """E-mail a done report (PDF and Excel attached, link to the HTML view) to each recipient of its scope — the
    schedule's recipients, or the group members who receive reports. One ReportDelivery per report and address:
    an address already sent to is skipped. Returns the number of e-mails sent by this call."""
    report = Report.objects.for_consortium(consortium_id).filter(pk=report_id, status=ReportStatus.DONE).first()
    if report is None:
        return 0
    schedule = (
        ReportSchedule.objects.for_consortium(consortium_id).filter(pk=schedule_id or report.schedule_id).first()
        if (schedule_id or report.schedule_id) else None
    )
    sent = 0
    failures: list[Exception] = []
    with translation.override(report.language or settings.LANGUAGE_CODE):
        for member in _recipients(schedule, report):
            email = member.email.strip().lower()
            with transaction.atomic():
                delivery, _created = ReportDelivery.objects.get_or_create(
                    report=report, email=email, defaults={"consortium_id": consortium_id, "member": member}
                )
                delivery = ReportDelivery.objects.for_consortium(consortium_id).select_for_update().get(pk=delivery.pk)
                if delivery.sent_at:
                    continue
                try:
                    _email(report, member).send()
                except Exception as exc:  # recorded on the delivery; OSError makes the task retry the rest
                    delivery.error = str(exc)[:2000]
                    delivery.save(update_fields=["error"])
                    failures.append(exc)
                    continue
                delivery.sent_at, delivery.error = timezone.now(), ""
                delivery.save(update_fields=["sent_at", "error"])
                sent += 1
    if any(isinstance(exc, OSError) for exc in failures):
        raise failures[0]
    return sent
