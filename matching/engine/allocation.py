"""Allocation of candidate pairs under capacity: each student at most once, each demand at most its capacity.

* ``max_total`` — the plan with the largest total score, exactly, as a min-cost flow (OR-Tools SimpleMinCostFlow):
  source → student (capacity 1) → demand (capacity 1, cost −score × 10⁶) → sink (capacity = open headcount), plus a
  zero-cost source → sink arc so that leaving a student or a seat empty is always possible. Integer costs: scores
  have 6 decimals, so scaling by 10⁶ is exact.
* ``stable`` — capacitated deferred acceptance, students proposing: each student proposes down its list (score
  descending, then demand id), each demand holds its best ``capacity`` proposals (score descending, then student
  id). The result has no blocking pair among the candidate pairs: no student and demand that both prefer each other
  to what they got.

Both take parallel arrays (student index, demand index, score) and return a boolean mask of the chosen pairs.
"""

from __future__ import annotations

import heapq

import numpy as np
from ortools.graph.python import min_cost_flow

SCALE = 1_000_000


class AllocationError(RuntimeError):
    """The flow solver did not report an optimal solution (it always should on these graphs)."""


def max_total(si: np.ndarray, dj: np.ndarray, score: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Chosen pairs of a maximum-total-score allocation (``capacity`` is indexed by demand index)."""
    si, dj = np.asarray(si, dtype=np.int64), np.asarray(dj, dtype=np.int64)
    chosen = np.zeros(len(si), dtype=bool)
    if not len(si):
        return chosen
    students, s_node = np.unique(si, return_inverse=True)
    demands, d_node = np.unique(dj, return_inverse=True)
    ns, nd, npairs = len(students), len(demands), len(si)
    seats = np.maximum(np.asarray(capacity, dtype=np.int64)[demands], 0)
    flow = int(min(ns, seats.sum()))
    if flow == 0:
        return chosen
    source, sink = ns + nd, ns + nd + 1
    tails = np.concatenate([np.full(ns, source), s_node, ns + np.arange(nd), [source]]).astype(np.int32)
    heads = np.concatenate([np.arange(ns), ns + d_node, np.full(nd, sink), [sink]]).astype(np.int32)
    caps = np.concatenate([np.ones(ns), np.ones(npairs), seats, [flow]]).astype(np.int64)
    costs = np.concatenate([np.zeros(ns), -np.rint(np.asarray(score) * SCALE), np.zeros(nd), [0]]).astype(np.int64)
    solver = min_cost_flow.SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    solver.set_nodes_supplies(np.array([source, sink], dtype=np.int32), np.array([flow, -flow], dtype=np.int64))
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise AllocationError(f"min-cost flow status {status}")
    return solver.flows(arcs[ns : ns + npairs]) > 0


def stable(
    si: np.ndarray, dj: np.ndarray, score: np.ndarray, capacity: np.ndarray, s_ids: np.ndarray, d_ids: np.ndarray
) -> np.ndarray:
    """Chosen pairs of the student-proposing deferred-acceptance matching over the candidate pairs.

    ``s_ids`` / ``d_ids`` (indexed by student / demand index) break ties between equal scores: lower id first.
    """
    si, dj = np.asarray(si, dtype=np.int64), np.asarray(dj, dtype=np.int64)
    score = np.asarray(score, dtype=np.float64)
    chosen = np.zeros(len(si), dtype=bool)
    if not len(si):
        return chosen
    # Each student's proposals in preference order; pairs of one student are contiguous.
    order = np.lexsort((d_ids[dj], -score, si))
    owners = si[order]
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    ends = np.r_[starts[1:], len(order)]
    proposals = order.tolist()
    pair_student, pair_demand, pair_score = si.tolist(), dj.tolist(), score.tolist()
    student_id = s_ids.tolist()
    seats = np.asarray(capacity, dtype=np.int64).tolist()
    held: dict[int, list[tuple[float, int, int]]] = {}  # demand → min-heap of (score, -student id, pair): worst first
    pointer = dict(zip(owners[starts].tolist(), starts.tolist(), strict=True))
    end_of = dict(zip(owners[starts].tolist(), ends.tolist(), strict=True))
    free = sorted(pointer, key=lambda s: student_id[s])
    while free:
        student = free.pop()
        while pointer[student] < end_of[student]:
            pair = proposals[pointer[student]]
            pointer[student] += 1
            demand = pair_demand[pair]
            if seats[demand] <= 0:
                continue
            heap = held.setdefault(demand, [])
            entry = (pair_score[pair], -student_id[student], pair)
            if len(heap) < seats[demand]:
                heapq.heappush(heap, entry)
                break
            if entry > heap[0]:
                rejected = heapq.heapreplace(heap, entry)
                free.append(pair_student[rejected[2]])
                break
    for heap in held.values():
        for _, _, pair in heap:
            chosen[pair] = True
    return chosen
