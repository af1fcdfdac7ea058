"""Pure rules of task supervision (no ORM): the RAG colour of a sub-task, the grade of an evaluation score and the
due date of the next progress return. Unit-tested without a database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from .choices import Cadence, EvaluationGrade, Rag, TaskStatus

# A task is "behind" by the percentage points its reported progress trails the time elapsed between start and
# deadline. Up to AMBER_LAG points behind is on track (green); up to RED_LAG is at risk (amber); more is red.
AMBER_LAG = 10
RED_LAG = 30
# In the last DUE_SOON_DAYS before the deadline a task below DUE_SOON_PROGRESS % is at least amber.
DUE_SOON_DAYS = 14
DUE_SOON_PROGRESS = 80

CADENCE_DAYS = {Cadence.WEEKLY: 7, Cadence.MONTHLY: 31, Cadence.QUARTERLY: 92}


def expected_progress(*, today: date, starts_on: date, deadline: date) -> int:
    """Percentage of the task's time window elapsed on ``today`` (0 before the start, 100 from the deadline)."""
    if today <= starts_on:
        return 0
    if today >= deadline:
        return 100
    span = (deadline - starts_on).days
    return round(100 * (today - starts_on).days / span) if span else 100


def rag_status(*, today: date, starts_on: date, deadline: date, progress: int, status: str) -> str:
    """The red/amber/green colour of a sub-task.

    done: completed (status completed or 100 %); suspended: suspended; red: past the deadline and not done, or more
    than RED_LAG points behind the elapsed time; amber: more than AMBER_LAG points behind, or due within
    DUE_SOON_DAYS below DUE_SOON_PROGRESS %; not started: before the start date with no progress; else green.
    """
    if status == TaskStatus.COMPLETED or progress >= 100:
        return Rag.DONE
    if status == TaskStatus.SUSPENDED:
        return Rag.SUSPENDED
    if today > deadline:
        return Rag.RED
    if today < starts_on and progress == 0:
        return Rag.NOT_STARTED
    lag = expected_progress(today=today, starts_on=starts_on, deadline=deadline) - progress
    if lag > RED_LAG:
        return Rag.RED
    if lag > AMBER_LAG or ((deadline - today).days <= DUE_SOON_DAYS and progress < DUE_SOON_PROGRESS):
        return Rag.AMBER
    return Rag.GREEN


def is_overdue(*, today: date, deadline: date, progress: int, status: str) -> bool:
    return today > deadline and status != TaskStatus.COMPLETED and progress < 100


def next_return_due(*, starts_on: date, last_return_on: date | None, cadence: str) -> date:
    """When the next progress return is due: one cadence after the last return (or after the start)."""
    return (last_return_on or starts_on) + timedelta(days=CADENCE_DAYS[Cadence(cadence)])


def grade_for(score: Decimal | float | int) -> str:
    """优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, else 不合格."""
    value = Decimal(str(score))
    if value >= 90:
        return EvaluationGrade.EXCELLENT
    if value >= 80:
        return EvaluationGrade.GOOD
    if value >= 60:
        return EvaluationGrade.PASS
    return EvaluationGrade.FAIL
