"""Allocation on small cases with known optima, against brute force, and stability of deferred acceptance."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from matching.engine import allocation


def solve(pairs, capacity, **kwargs):
    """pairs: [(student, demand, score)] → sorted chosen (student, demand)."""
    si, dj, score = (np.array(column) for column in zip(*pairs, strict=True)) if pairs else ([], [], [])
    chosen = allocation.max_total(np.asarray(si), np.asarray(dj), np.asarray(score, dtype=float),
                                  np.asarray(capacity), **kwargs)
    return sorted((int(si[k]), int(dj[k])) for k in np.flatnonzero(chosen))


def stable(pairs, capacity, s_ids=None, d_ids=None):
    si, dj, score = (np.array(column) for column in zip(*pairs, strict=True))
    n_s, n_d = si.max() + 1, len(capacity)
    chosen = allocation.stable(si, dj, score.astype(float), np.asarray(capacity),
                               np.arange(n_s) if s_ids is None else s_ids, np.arange(n_d) if d_ids is None else d_ids)
    return sorted((int(si[k]), int(dj[k])) for k in np.flatnonzero(chosen))


def total(pairs, chosen):
    scores = {(s, d): v for s, d, v in pairs}
    return round(sum(scores[pair] for pair in chosen), 6)


# Students A=0, B=1; demands X=0, Y=1 (one seat each). Greedy takes A–X (0.9) and leaves B–Y (0.1): 1.0.
GREEDY_TRAP = [(0, 0, 0.9), (0, 1, 0.8), (1, 0, 0.7), (1, 1, 0.1)]


def test_optimum_beats_greedy():
    chosen = solve(GREEDY_TRAP, [1, 1])
    assert chosen == [(0, 1), (1, 0)]  # A–Y + B–X
    assert total(GREEDY_TRAP, chosen) == 1.5


def test_capacity_above_one():
    # X has two seats, Y one. Best: X = {A, B}, Y = {C}: 0.9 + 0.8 + 0.6 = 2.3 (X = {A, C} would leave B out: 1.6).
    pairs = [(0, 0, 0.9), (1, 0, 0.8), (2, 0, 0.7), (2, 1, 0.6), (0, 1, 0.5)]
    chosen = solve(pairs, [2, 1])
    assert chosen == [(0, 0), (1, 0), (2, 1)]
    assert total(pairs, chosen) == 2.3


def test_ties_give_an_optimum_and_the_same_one_every_time():
    pairs = [(0, 0, 0.5), (0, 1, 0.5), (1, 0, 0.5), (2, 1, 0.5), (2, 0, 0.5)]
    first = solve(pairs, [1, 1])
    assert total(pairs, first) == 1.0
    assert all(solve(pairs, [1, 1]) == first for _ in range(5))


def test_students_and_seats_may_stay_empty():
    pairs = [(0, 0, 0.9), (1, 0, 0.8), (2, 1, 0.3)]
    assert solve(pairs, [1, 3, 2]) == [(0, 0), (2, 1)]  # B is left out; Y keeps two empty seats, Z is never used
    assert solve(pairs, [0, 0, 0]) == []


def test_empty_input():
    assert solve([], [1, 2]) == []
    assert allocation.stable(np.zeros(0, int), np.zeros(0, int), np.zeros(0), np.ones(1, int),
                             np.zeros(0, int), np.zeros(1, int)).size == 0


def brute_force(pairs, capacity):
    """Exact optimum: linear_sum_assignment on students × seats (the expanded dense matrix)."""
    n_s = max(s for s, _, _ in pairs) + 1
    seats = [d for d, c in enumerate(capacity) for _ in range(c)]
    if not seats:
        return 0.0
    matrix = np.zeros((n_s, len(seats)))
    for s, d, v in pairs:
        for col, seat in enumerate(seats):
            if seat == d:
                matrix[s, col] = v
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    return round(float(matrix[rows, cols].sum()), 6)


instances = st.integers(2, 7).flatmap(
    lambda n_d: st.tuples(
        st.lists(st.integers(0, 3), min_size=n_d, max_size=n_d),
        st.lists(
            st.tuples(st.integers(0, 11), st.integers(0, n_d - 1), st.sampled_from([0.2, 0.25, 0.5, 0.55, 0.8, 0.95])),
            min_size=1, max_size=40, unique_by=lambda p: (p[0], p[1]),
        ),
    )
)


@settings(max_examples=80, deadline=None)
@given(instances)
def test_max_total_equals_the_brute_force_optimum(instance):
    capacity, pairs = instance
    chosen = solve(pairs, capacity)
    assert total(pairs, chosen) == pytest.approx(brute_force(pairs, capacity), abs=1e-9)
    _assert_feasible(chosen, capacity)


@settings(max_examples=30, deadline=None)
@given(instance=instances)
def test_clustered_mode_is_feasible_and_exact_when_clusters_cover_everything(instance):
    capacity, pairs = instance
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(allocation, "EXACT_ARCS", 0)  # every graph counts as "large"
        stats = {}
        chosen = solve(pairs, capacity, clusters=np.ones(len(pairs), dtype=bool), stats=stats)
        assert stats["allocation_exact"] == 0.0
        assert total(pairs, chosen) == pytest.approx(brute_force(pairs, capacity), abs=1e-9)
        chosen = solve(pairs, capacity, clusters=np.array([p[2] >= 0.5 for p in pairs]))
    _assert_feasible(chosen, capacity)
    assert total(pairs, chosen) <= brute_force(pairs, capacity) + 1e-9


def test_components_solved_in_worker_processes_give_the_same_plan(monkeypatch):
    rng = np.random.default_rng(4)
    # Three separate blocks of students × demands (three components).
    si, dj = [], []
    for block in range(3):
        for s in range(30):
            for d in rng.choice(8, 4, replace=False):
                si.append(block * 100 + s)
                dj.append(block * 10 + d)
    si, dj = np.array(si), np.array(dj)
    score = np.round(rng.random(len(si)), 6)
    capacity = rng.integers(1, 4, 30)
    alone = allocation.max_total(si, dj, score, capacity)
    monkeypatch.setattr(allocation, "PARALLEL_ARCS", 1)
    monkeypatch.setattr(allocation, "BATCH_ARCS", 1)
    stats = {}
    together = allocation.max_total(si, dj, score, capacity, workers=2, stats=stats)
    assert (alone == together).all()
    assert stats["allocation_components"] == 3


def _assert_feasible(chosen, capacity):
    students = [s for s, _ in chosen]
    assert len(students) == len(set(students))
    for d, seats in enumerate(capacity):
        assert sum(1 for _, x in chosen if x == d) <= seats


# --- stable matching ------------------------------------------------------------------------------------------------


def test_stable_matching_differs_from_the_optimum_and_has_no_blocking_pair():
    chosen = stable(GREEDY_TRAP, [1, 1])
    assert chosen == [(0, 0), (1, 1)]  # A gets its first choice X; B only Y: total 1.0 < 1.5
    _assert_stable(GREEDY_TRAP, [1, 1], chosen)


def test_stable_matching_with_capacity_and_id_tie_breaks():
    pairs = [(0, 0, 0.5), (1, 0, 0.5), (2, 0, 0.5), (2, 1, 0.4)]
    # X (2 seats) prefers lower student ids among equal scores: students 0 and 1; student 2 goes to Y.
    assert stable(pairs, [2, 1]) == [(0, 0), (1, 0), (2, 1)]
    # With ids reversed, X keeps students 2 and 1.
    assert stable(pairs, [2, 1], s_ids=np.array([30, 20, 10])) == [(1, 0), (2, 0)]


@settings(max_examples=80, deadline=None)
@given(instances)
def test_deferred_acceptance_has_no_blocking_pair(instance):
    capacity, pairs = instance
    chosen = stable(pairs, capacity)
    _assert_feasible(chosen, capacity)
    _assert_stable(pairs, capacity, chosen)


def _assert_stable(pairs, capacity, chosen):
    """No (student, demand) pair that both prefer to what they have (score, then the lower id)."""
    scores = {(s, d): v for s, d, v in pairs}
    match = dict(chosen)
    holders = {d: [s for s, x in chosen if x == d] for d in range(len(capacity))}
    for (s, d), v in scores.items():
        if match.get(s) == d or capacity[d] <= 0:
            continue
        current = match.get(s)
        student_prefers = current is None or (v, -d) > (scores[(s, current)], -current)
        held = holders[d]
        demand_prefers = len(held) < capacity[d] or any((v, -s) > (scores[(h, d)], -h) for h in held)
        assert not (student_prefers and demand_prefers), f"blocking pair {(s, d)}"


def test_brute_force_helper_on_the_greedy_trap():
    assert brute_force(GREEDY_TRAP, [1, 1]) == 1.5
