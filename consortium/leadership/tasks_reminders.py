"""Overdue reminders of sub-tasks (督办提醒), run daily by beat.

``send_task_reminders_all`` fans out one ``send_task_reminders(consortium_id)`` per active consortium. For every
sub-task that is neither completed nor suspended it finds the reminders due today:

* ``due_soon``: the deadline is within ``DUE_SOON_DAYS`` days (today included) and the task is not done;
* ``overdue``: the deadline has passed and the task is not done (``rules.is_overdue``);
* ``return_due``: the next progress return (``rules.next_return_due``) is due today or earlier;

and e-mails the responsible user and the admins of the lead unit (one message per address). A ``TaskReminder`` row
(unique per sub-task, kind and day) is written in the same transaction as the sending, so a second run on the same
day — a retry, a duplicate beat — sends nothing, and a failed send leaves no row (the retry sends it).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consortium.tenancy.choices import ConsortiumStatus, UnitRole
from consortium.tenancy.models import Consortium, UnitMembership

from . import rules
from .choices import ReminderKind, TaskStatus
from .models import SubTask, TaskReminder

DUE_SOON_DAYS = 7


def reminder_kinds(task: SubTask, today: date) -> list[str]:
    """The reminders a sub-task calls for on ``today`` (pure: no ORM)."""
    if task.status in (TaskStatus.COMPLETED, TaskStatus.SUSPENDED) or task.progress >= 100:
        return []
    kinds: list[str] = []
    if rules.is_overdue(today=today, deadline=task.deadline, progress=task.progress, status=task.status):
        kinds.append(ReminderKind.OVERDUE)
    elif 0 <= (task.deadline - today).days <= DUE_SOON_DAYS:
        kinds.append(ReminderKind.DUE_SOON)
    if today >= task.starts_on and rules.next_return_due(
        starts_on=task.starts_on, last_return_on=task.last_return_on, cadence=task.cadence
    ) <= today:
        kinds.append(ReminderKind.RETURN_DUE)
    return kinds


def _message(task: SubTask, kind: str, today: date) -> tuple[str, str]:
    link = settings.PORTAL_BASE_URL.rstrip("/") + reverse("leadership:subtask-detail", kwargs={"pk": task.pk})
    values = {
        "title": task.title,
        "code": task.code or "-",
        "unit": task.lead_unit.name,
        "deadline": task.deadline.isoformat(),
        "progress": task.progress,
        "days": abs((task.deadline - today).days),
        "last": task.last_return_on.isoformat() if task.last_return_on else _("尚未报送"),
        "link": link,
    }
    if kind == ReminderKind.OVERDUE:
        subject = _("【督办】任务已逾期：%(title)s") % values
        lead = _(
            "任务“%(title)s”（编号 %(code)s，牵头单位：%(unit)s）已超过完成时限 %(days)d 天，当前进度 %(progress)d%%。"
        ) % values
    elif kind == ReminderKind.DUE_SOON:
        subject = _("【提醒】任务即将到期：%(title)s") % values
        lead = _(
            "任务“%(title)s”（编号 %(code)s，牵头单位：%(unit)s）将于 %(deadline)s 到期，当前进度 %(progress)d%%。"
        ) % values
    else:
        subject = _("【提醒】请报送任务进度：%(title)s") % values
        lead = _(
            "任务“%(title)s”（编号 %(code)s，牵头单位：%(unit)s）已到进度报送时间，最近一次报送：%(last)s。"
        ) % values
    body = "\n\n".join([lead, _("完成时限：%(deadline)s") % values, _("请登录平台查看并报送：%(link)s") % values])
    return subject, body


def send_reminders(*, consortium_id: int, today: date | None = None) -> int:
    """Send today's reminders of one consortium; returns the number of e-mails sent."""
    today = today or timezone.localdate()
    tasks = list(
        SubTask.objects.for_consortium(consortium_id)
        .exclude(status__in=[TaskStatus.COMPLETED, TaskStatus.SUSPENDED])
        .select_related("lead_unit", "responsible_user")
        .order_by("deadline", "id")
    )
    due = [(task, kind) for task in tasks for kind in reminder_kinds(task, today)]
    if not due:
        return 0
    already = set(
        TaskReminder.objects.for_consortium(consortium_id).filter(sent_on=today).values_list("subtask_id", "kind")
    )
    due = [(task, kind) for task, kind in due if (task.pk, kind) not in already]
    admins: dict[int, set[str]] = defaultdict(set)
    for unit_id, email in (
        UnitMembership.objects.for_consortium(consortium_id)
        .filter(
            unit_id__in={task.lead_unit_id for task, _kind in due}, role=UnitRole.UNIT_ADMIN, is_active=True,
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("unit_id", "user__email")
    ):
        admins[unit_id].add(email.lower())
    sent = 0
    connection = get_connection()
    with translation.override(settings.LANGUAGE_CODE):
        for task, kind in due:
            recipients = set(admins.get(task.lead_unit_id, ()))
            user = task.responsible_user
            if user is not None and user.is_active and user.email:
                recipients.add(user.email.lower())
            try:
                with transaction.atomic():
                    TaskReminder.objects.create(
                        consortium_id=consortium_id, subtask=task, kind=kind, sent_on=today,
                        recipients=len(recipients),
                    )
                    subject, body = _message(task, kind, today)
                    for address in sorted(recipients):
                        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], connection=connection)
            except IntegrityError:
                continue  # another run recorded (and sent) this reminder today
            sent += len(recipients)
    return sent


@shared_task(name="consortium.leadership.tasks.send_task_reminders", acks_late=True, reject_on_worker_lost=True)
def send_task_reminders(consortium_id: int) -> int:
    """Today's due-soon / overdue / return-due reminders of one consortium. Returns the number of e-mails."""
    return send_reminders(consortium_id=consortium_id)


@shared_task(name="consortium.leadership.tasks.send_task_reminders_all", acks_late=True, reject_on_worker_lost=True)
def send_task_reminders_all() -> int:
    """Beat entry: one ``send_task_reminders`` per active consortium. Returns the number of consortia."""
    ids = list(Consortium.objects.filter(status=ConsortiumStatus.ACTIVE).values_list("pk", flat=True))
    for consortium_id in ids:
        send_task_reminders.delay(consortium_id)
    return len(ids)
