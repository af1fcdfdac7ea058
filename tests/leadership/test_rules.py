"""Pure rules of task supervision (no database): RAG colour at its thresholds, the deadline day, expected progress,
overdue, next return due per cadence, the grade boundaries, and the reminder kinds a sub-task calls for."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from consortium.leadership import rules
from consortium.leadership.choices import Cadence, EvaluationGrade, Rag, ReminderKind, TaskStatus
from consortium.leadership.tasks_reminders import reminder_kinds

START = date(2025, 1, 1)
DEADLINE = date(2025, 4, 11)  # 100 days after START: one day = one percentage point
MIDWAY = date(2025, 2, 20)  # 50 days in: expected 50 %, 50 days before the deadline (no due-soon effect)


def rag(today: date, progress: int, status: str = TaskStatus.IN_PROGRESS, deadline: date = DEADLINE) -> str:
    return rules.rag_status(today=today, starts_on=START, deadline=deadline, progress=progress, status=status)


def test_expected_progress_bounds():
    assert rules.expected_progress(today=START - timedelta(days=1), starts_on=START, deadline=DEADLINE) == 0
    assert rules.expected_progress(today=START, starts_on=START, deadline=DEADLINE) == 0
    assert rules.expected_progress(today=MIDWAY, starts_on=START, deadline=DEADLINE) == 50
    assert rules.expected_progress(today=DEADLINE, starts_on=START, deadline=DEADLINE) == 100
    assert rules.expected_progress(today=DEADLINE + timedelta(days=5), starts_on=START, deadline=DEADLINE) == 100
    # a one-day task (start == deadline) is fully expected on its day
    assert rules.expected_progress(today=START, starts_on=START, deadline=START) == 0


@pytest.mark.parametrize(
    ("progress", "expected"),
    [
        (40, Rag.GREEN),  # 10 points behind: exactly AMBER_LAG → still green
        (39, Rag.AMBER),  # 11 behind
        (20, Rag.AMBER),  # 30 behind: exactly RED_LAG → amber
        (19, Rag.RED),  # 31 behind
        (90, Rag.GREEN),  # ahead of time
        (100, Rag.DONE),
    ],
)
def test_rag_lag_thresholds(progress, expected):
    assert rag(MIDWAY, progress) == expected


def test_rag_deadline_day_and_after():
    assert rag(DEADLINE, 95) == Rag.GREEN  # 5 behind, due today but ≥ 80 %
    # on the deadline day the task is not overdue yet: the lag rule applies (expected 100 %)
    assert rag(DEADLINE, 85) == Rag.AMBER  # 15 behind
    assert rag(DEADLINE, 70) == Rag.AMBER  # 30 behind
    assert rag(DEADLINE, 69) == Rag.RED  # 31 behind
    assert rag(DEADLINE + timedelta(days=1), 99) == Rag.RED  # the day after the deadline: overdue → red
    assert rag(DEADLINE + timedelta(days=1), 99, status=TaskStatus.COMPLETED) == Rag.DONE


def test_rag_due_soon_window():
    deadline = date(2025, 1, 31)  # 30-day task
    # 14 days before the deadline, below 80 % but on time (expected 53 %, progress 60 %) → amber (due soon)
    assert rag(deadline - timedelta(days=14), 60, deadline=deadline) == Rag.AMBER
    # 15 days before: outside the window → green
    assert rag(deadline - timedelta(days=15), 60, deadline=deadline) == Rag.GREEN
    # in the window with 80 % → green
    assert rag(deadline - timedelta(days=14), 80, deadline=deadline) == Rag.GREEN


def test_rag_status_overrides():
    assert rag(MIDWAY, 0, status=TaskStatus.SUSPENDED) == Rag.SUSPENDED
    assert rag(MIDWAY, 10, status=TaskStatus.COMPLETED) == Rag.DONE
    assert rag(START - timedelta(days=1), 0, status=TaskStatus.NOT_STARTED) == Rag.NOT_STARTED
    assert rag(START - timedelta(days=1), 5) != Rag.NOT_STARTED  # progress before the start counts


def test_is_overdue_boundaries():
    assert not rules.is_overdue(today=DEADLINE, deadline=DEADLINE, progress=0, status=TaskStatus.IN_PROGRESS)
    assert rules.is_overdue(today=DEADLINE + timedelta(days=1), deadline=DEADLINE, progress=99, status="in_progress")
    assert not rules.is_overdue(today=DEADLINE + timedelta(days=1), deadline=DEADLINE, progress=100, status="x")
    assert not rules.is_overdue(
        today=DEADLINE + timedelta(days=1), deadline=DEADLINE, progress=10, status=TaskStatus.COMPLETED
    )


@pytest.mark.parametrize(
    ("cadence", "days"), [(Cadence.WEEKLY, 7), (Cadence.MONTHLY, 31), (Cadence.QUARTERLY, 92)]
)
def test_next_return_due(cadence, days):
    assert rules.next_return_due(starts_on=START, last_return_on=None, cadence=cadence) == START + timedelta(days=days)
    last = date(2025, 3, 3)
    assert rules.next_return_due(starts_on=START, last_return_on=last, cadence=cadence) == last + timedelta(days=days)


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (Decimal("100"), EvaluationGrade.EXCELLENT),
        (Decimal("90"), EvaluationGrade.EXCELLENT),
        (Decimal("89.9"), EvaluationGrade.GOOD),
        (Decimal("80"), EvaluationGrade.GOOD),
        (Decimal("79.9"), EvaluationGrade.PASS),
        (Decimal("60"), EvaluationGrade.PASS),
        (Decimal("59.9"), EvaluationGrade.FAIL),
        (Decimal("0"), EvaluationGrade.FAIL),
        (60, EvaluationGrade.PASS),
        (59.9, EvaluationGrade.FAIL),
    ],
)
def test_grade_boundaries(score, grade):
    assert rules.grade_for(score) == grade


def task(**kw):
    defaults = dict(
        status=TaskStatus.IN_PROGRESS, progress=50, starts_on=START, deadline=DEADLINE, last_return_on=None,
        cadence=Cadence.QUARTERLY,
    )
    return SimpleNamespace(**(defaults | kw))


def test_reminder_kinds_boundaries():
    # 8 days before the deadline: nothing; 7 days: due soon; the deadline day: due soon; the day after: overdue
    recent = DEADLINE - timedelta(days=10)
    assert reminder_kinds(task(last_return_on=recent), DEADLINE - timedelta(days=8)) == []
    assert reminder_kinds(task(last_return_on=recent), DEADLINE - timedelta(days=7)) == [ReminderKind.DUE_SOON]
    assert reminder_kinds(task(last_return_on=recent), DEADLINE) == [ReminderKind.DUE_SOON]
    assert reminder_kinds(task(last_return_on=recent), DEADLINE + timedelta(days=1)) == [ReminderKind.OVERDUE]
    # done or suspended tasks: never
    assert reminder_kinds(task(progress=100), DEADLINE + timedelta(days=1)) == []
    assert reminder_kinds(task(status=TaskStatus.SUSPENDED), DEADLINE + timedelta(days=1)) == []
    # return due: the next return date (start + 92 days for quarterly) reached
    due = START + timedelta(days=92)
    assert reminder_kinds(task(deadline=date(2026, 1, 1)), due - timedelta(days=1)) == []
    assert reminder_kinds(task(deadline=date(2026, 1, 1)), due) == [ReminderKind.RETURN_DUE]
