"""``run_matching``: students × talent demands → recommendations and an allocation plan.

Phases (each timed in ``MatchResult.stats``, progress reported, cancellation checked between them and between
blocks): prepare (normalise text, build arrays) → candidates (sparse top-k, ``candidates``) → recommendations
(top_k per student and per demand, ranked both ways, with explanations' components) → allocation (max total score
or stable). Deterministic: rows are sorted by id first and every tie is broken by ids.
"""

from __future__ import annotations

import gc
import math
import os
import time
from collections.abc import Callable, Sequence

import numpy as np

from . import allocation, candidates, recommend
from .explain import gettext_noop, translate
from .prepare import prepare
from .scoring import round_value
from .types import Assignment, DemandRow, MatchParams, MatchResult, StudentRow

ProgressCallback = Callable[[int, str], None]
# Independent parts of a large allocation are solved in parallel processes (the task's machines have 2 cores).
ALLOCATION_WORKERS = min(2, os.cpu_count() or 1)


class Cancelled(Exception):
    """Raised inside ``run_matching`` when ``should_cancel()`` returns True."""


def per_demand_k(params: MatchParams, demands: Sequence[DemandRow]) -> int:
    """Candidates kept per demand: enough for its top_k, and for twice its headcount (capped)."""
    largest = max((d.capacity for d in demands), default=0)
    return max(params.top_k, params.candidate_k, min(2 * largest, 200))


def _check_unique(rows: Sequence, what: str) -> None:
    ids = [row.id for row in rows]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate {what} ids")


def run_matching(
    students: Sequence[StudentRow],
    demands: Sequence[DemandRow],
    params: MatchParams | None = None,
    *,
    progress: ProgressCallback | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> MatchResult:
    """Match students to talent demands: recommendations both ways and an allocation plan (see the module doc).

    ``progress(percent, message)`` is called as phases advance; ``should_cancel()`` is polled between phases and
    blocks and raises ``Cancelled`` when it returns True. Raises ValueError on duplicate student or demand ids.
    """
    # The run allocates millions of small acyclic objects; the cyclic collector would rescan them again and again.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(students, demands, params or MatchParams(), progress, should_cancel)
    finally:
        if enabled:
            gc.enable()


def _run(students, demands, params: MatchParams, progress, should_cancel) -> MatchResult:
    _check_unique(students, "student")
    _check_unique(demands, "demand")
    students = sorted(students, key=lambda s: s.id)
    demands = sorted(demands, key=lambda d: d.id)
    stats: dict[str, float] = {"students": float(len(students)), "demands": float(len(demands))}
    last = [-1]

    def report(percent: int, message: str) -> None:
        if progress is not None and percent != last[0]:
            last[0] = percent
            progress(percent, translate(message))

    def check() -> None:
        if should_cancel is not None and should_cancel():
            raise Cancelled()

    started = clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stats[f"seconds_{name}"] = round(now - clock, 4)
        clock = now

    report(0, gettext_noop("准备数据"))
    check()
    prep = prepare(students, demands, params)
    lap("prepare")

    report(10, gettext_noop("生成候选"))
    check()
    found = candidates.generate(
        prep,
        per_student=params.candidate_k,
        per_demand=per_demand_k(params, demands),
        check=check,
        progress=lambda fraction: report(10 + int(50 * fraction), gettext_noop("生成候选")),
    )
    stats.update(found.stats)
    stats["candidate_pairs"] = float(len(found.si))
    lap("candidates")

    report(60, gettext_noop("生成推荐"))
    check()
    keep = recommend.select(prep, found, params.top_k)
    recommendations = recommend.build(prep, found.si[keep], found.dj[keep])
    stats["recommendations"] = float(len(recommendations))
    lap("recommendations")

    report(80, gettext_noop("分配名额"))
    check()
    if params.stable:
        chosen = allocation.stable(found.si, found.dj, found.score, prep.d_cap, prep.s_ids, prep.d_ids)
    else:
        chosen = allocation.max_total(
            found.si, found.dj, found.score, prep.d_cap, clusters=found.strong, stats=stats, workers=ALLOCATION_WORKERS
        )
    order = np.lexsort((prep.d_ids[found.dj[chosen]], prep.s_ids[found.si[chosen]]))
    assignments = tuple(
        Assignment(student_id=s, demand_id=d, score=v)
        for s, d, v in zip(
            prep.s_ids[found.si[chosen]][order].tolist(),
            prep.d_ids[found.dj[chosen]][order].tolist(),
            found.score[chosen][order].tolist(),
            strict=True,
        )
    )
    total = round_value(math.fsum(a.score for a in assignments))
    stats["assignments"] = float(len(assignments))
    stats["open_headcount"] = float(prep.d_cap.sum())
    lap("allocation")
    stats["seconds_total"] = round(time.perf_counter() - started, 4)
    report(100, gettext_noop("完成"))
    return MatchResult(
        recommendations=tuple(recommendations), assignments=assignments, total_score=total, stats=stats
    )
