"""Reminder tasks: due-soon (≤ 7 days), overdue and return-due sub-tasks e-mail the responsible user and the lead
unit's admins; a second run on the same day sends nothing (TaskReminder rows); the next day sends again; the fan-out
runs one task per active consortium; completed/suspended tasks and other consortia are left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from consortium.leadership.choices import ReminderKind, TaskStatus
from consortium.leadership.models import TaskReminder
from consortium.leadership.tasks_reminders import send_reminders, send_task_reminders, send_task_reminders_all
from consortium.tenancy.choices import ConsortiumStatus
from tests.factories.tenancy import UnitMembershipFactory

from .test_task_services import World, build_world, make_subtask

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    world = build_world()
    # the world's tasks are on time with a recent return: no reminder unless a test makes one due
    for task in (world.task, world.task2, world.b_task):
        task.last_return_on = world.today - timedelta(days=1)
        task.save()
    mail.outbox.clear()
    return world


def sent_to() -> list[tuple[str, str]]:
    return sorted((m.to[0], m.subject) for m in mail.outbox)


def test_due_soon_overdue_and_return_due(w):
    due_soon = make_subtask(w.key, w.lead, today=w.today, code="3.1", title="即将到期的任务",
                            deadline=w.today + timedelta(days=7), responsible_user=w.lead_staff,
                            last_return_on=w.today)
    overdue = make_subtask(w.key, w.other, today=w.today, code="3.2", title="逾期任务",
                           deadline=w.today - timedelta(days=1), starts_on=w.today - timedelta(days=40),
                           last_return_on=w.today)
    return_due = make_subtask(w.key, w.lead, today=w.today, code="3.3", title="待报送任务",
                              starts_on=w.today - timedelta(days=40), deadline=w.today + timedelta(days=90),
                              cadence="weekly", last_return_on=w.today - timedelta(days=7))
    make_subtask(w.key, w.lead, today=w.today, code="3.4", title="八天后到期",
                 deadline=w.today + timedelta(days=8), last_return_on=w.today)
    make_subtask(w.key, w.lead, today=w.today, code="3.5", title="已完成",
                 deadline=w.today - timedelta(days=3), status=TaskStatus.COMPLETED, last_return_on=w.today)
    make_subtask(w.key, w.lead, today=w.today, code="3.6", title="已暂停",
                 deadline=w.today - timedelta(days=3), status=TaskStatus.SUSPENDED)

    sent = send_task_reminders(w.a.pk)

    lead_admin, lead_staff, other_admin = (u.email.lower() for u in (w.lead_admin, w.lead_staff, w.other_admin))
    assert sent_to() == sorted([
        (lead_admin, "【提醒】任务即将到期：即将到期的任务"),
        (lead_staff, "【提醒】任务即将到期：即将到期的任务"),  # the responsible user
        (other_admin, "【督办】任务已逾期：逾期任务"),
        (lead_admin, "【提醒】请报送任务进度：待报送任务"),
    ])
    assert sent == 4
    # staff of the lead unit who are not responsible, and co-units, get nothing
    assert all(m.to[0] != w.co_staff.email.lower() for m in mail.outbox)
    body = next(m.body for m in mail.outbox if "逾期任务" in m.subject)
    assert f"/leadership/tasks/{overdue.pk}/" in body and "1 天" in body
    assert set(TaskReminder.objects.values_list("subtask_id", "kind", "sent_on", "recipients")) == {
        (due_soon.pk, ReminderKind.DUE_SOON, w.today, 2),
        (overdue.pk, ReminderKind.OVERDUE, w.today, 1),
        (return_due.pk, ReminderKind.RETURN_DUE, w.today, 1),
    }


def test_second_run_same_day_sends_nothing_next_day_again(w):
    make_subtask(w.key, w.lead, today=w.today, code="4.1", title="逾期", deadline=w.today - timedelta(days=2),
                 starts_on=w.today - timedelta(days=30), last_return_on=w.today)
    assert send_reminders(consortium_id=w.a.pk, today=w.today) == 1
    assert len(mail.outbox) == 1
    assert send_reminders(consortium_id=w.a.pk, today=w.today) == 0
    assert send_task_reminders(w.a.pk) == 0
    assert len(mail.outbox) == 1 and TaskReminder.objects.count() == 1
    assert send_reminders(consortium_id=w.a.pk, today=w.today + timedelta(days=1)) == 1
    assert len(mail.outbox) == 2 and TaskReminder.objects.count() == 2


def test_unit_admins_without_email_or_inactive_are_skipped(w):
    inactive = UnitMembershipFactory(unit=w.lead, admin=True, user__username="gone").user
    inactive.is_active = False
    inactive.save()
    no_mail = UnitMembershipFactory(unit=w.lead, admin=True, user__username="nomail", user__email="").user
    make_subtask(w.key, w.lead, today=w.today, code="5.1", title="逾期", deadline=w.today - timedelta(days=2),
                 starts_on=w.today - timedelta(days=30), last_return_on=w.today)
    send_reminders(consortium_id=w.a.pk, today=w.today)
    assert [m.to for m in mail.outbox] == [[w.lead_admin.email.lower()]]
    assert no_mail.email == ""


def test_fan_out_per_active_consortium(w):
    make_subtask(w.key, w.lead, today=w.today, code="6.1", title="甲县逾期", deadline=w.today - timedelta(days=2),
                 starts_on=w.today - timedelta(days=30), last_return_on=w.today)
    make_subtask(w.b_key, w.foreign, today=w.today, code="6.2", title="乙县逾期",
                 deadline=w.today - timedelta(days=2), starts_on=w.today - timedelta(days=30),
                 last_return_on=w.today)
    w.b.status = ConsortiumStatus.SUSPENDED
    w.b.save()
    assert send_task_reminders_all() >= 1  # eager in tests: runs each consortium's task inline
    subjects = [m.subject for m in mail.outbox]
    assert subjects == ["【督办】任务已逾期：甲县逾期"]
    assert not TaskReminder.objects.filter(consortium=w.b).exists()
    w.b.status = ConsortiumStatus.ACTIVE
    w.b.save()
    send_task_reminders_all()
    assert sorted(m.subject for m in mail.outbox) == ["【督办】任务已逾期：乙县逾期", "【督办】任务已逾期：甲县逾期"]
