"""Allocation of candidate pairs under capacity: each student at most once, each demand at most its capacity.

* ``max_total`` — the plan with the largest total score, exactly, as a min-cost flow (OR-Tools SimpleMinCostFlow):
  source → student (capacity 1) → demand (capacity 1, cost −score × 10⁶) → sink (capacity = open headcount), plus a
  zero-cost source → sink arc so that leaving a student or a seat empty is always possible. Integer costs: scores
  have 6 decimals, so scaling by 10⁶ is exact. The candidate graph is split into its connected components first
  (an exact decomposition; small components are solved together).

  Very large graphs (more than ``EXACT_ARCS`` pairs) are hard for the solver when thousands of students compete for
  the same demands (measured: 6.3 M pairs, 220 k nodes ≈ 50 s). With ``clusters`` (a mask of the "strong" pairs,
  e.g. same programme or class) they are solved in two exact stages: first every connected component of the
  strong pairs on its own, then one flow over all pairs between the students and the seats still free. The result
  is no longer the exact optimum of the whole graph, only of each cluster plus the fill-in (measured at province
  scale: 99.95 % of the single flow's total in about half the CPU time; the clusters also run in parallel).
* ``stable`` — capacitated deferred acceptance, students proposing: each student proposes down its list (score
  descending, then demand id), each demand holds its best ``capacity`` proposals (score descending, then student
  id). The result has no blocking pair among the candidate pairs: no student and demand that both prefer each other
  to what they got.

Both take parallel arrays (student index, demand index, score) and return a boolean mask of the chosen pairs.
"""

from __future__ import annotations

import heapq
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy import sparse
from scipy.sparse.csgraph import connected_components

SCALE = 1_000_000
EXACT_ARCS = 2_000_000  # up to this many pairs: one exact optimum, always
BATCH_ARCS = 200_000  # small components are solved together (disjoint, so still exact)
PARALLEL_ARCS = 400_000  # below this, solving in another process costs more than it saves


class AllocationError(RuntimeError):
    """The flow solver did not report an optimal solution (it always should on these graphs)."""


def max_total(
    si: np.ndarray,
    dj: np.ndarray,
    score: np.ndarray,
    capacity: np.ndarray,
    *,
    clusters: np.ndarray | None = None,
    stats: dict | None = None,
    workers: int = 1,
) -> np.ndarray:
    """Chosen pairs of a maximum-total-score allocation (``capacity`` is indexed by demand index).

    ``workers`` > 1 solves independent components in that many forked processes (same result; falls back to one
    process where forking is not possible)."""
    si, dj = np.asarray(si, dtype=np.int64), np.asarray(dj, dtype=np.int64)
    score, capacity = np.asarray(score, dtype=np.float64), np.asarray(capacity, dtype=np.int64)
    stats = stats if stats is not None else {}
    if clusters is None or len(si) <= EXACT_ARCS:
        stats["allocation_exact"] = 1.0
        return _by_components(si, dj, score, capacity, stats, workers)
    stats["allocation_exact"] = 0.0
    strong = np.flatnonzero(clusters)
    chosen = np.zeros(len(si), dtype=bool)
    chosen[strong[_by_components(si[strong], dj[strong], score[strong], capacity, stats, workers)]] = True
    left = capacity - np.bincount(dj[chosen], minlength=len(capacity))
    placed = np.zeros(int(si.max()) + 1, dtype=bool)
    placed[si[chosen]] = True
    rest = np.flatnonzero(~placed[si] & (left[dj] > 0))
    chosen[rest[_solve(si[rest], dj[rest], score[rest], left)]] = True
    stats["allocation_fill_pairs"] = float(len(rest))
    return chosen


def _by_components(
    si: np.ndarray, dj: np.ndarray, score: np.ndarray, capacity: np.ndarray, stats: dict, workers: int = 1
) -> np.ndarray:
    """Exact flow per connected component of the pairs (small components batched)."""
    chosen = np.zeros(len(si), dtype=bool)
    if not len(si):
        return chosen
    students, s_node = np.unique(si, return_inverse=True)
    demands, d_node = np.unique(dj, return_inverse=True)
    graph = sparse.coo_matrix(
        (np.ones(len(si)), (s_node, len(students) + d_node)), shape=(len(students) + len(demands),) * 2
    )
    count, label = connected_components(graph, directed=False)
    component = label[s_node]
    order = np.argsort(component, kind="stable")
    bounds = np.flatnonzero(np.r_[True, component[order][1:] != component[order][:-1], True])
    parts: list[np.ndarray] = []
    batch: list[np.ndarray] = []
    size = 0
    for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        batch.append(order[start:end])
        size += end - start
        if size >= BATCH_ARCS or end == len(order):
            parts.append(np.concatenate(batch))
            batch, size = [], 0
    parts.sort(key=len, reverse=True)  # largest first: the best order for a pool, harmless otherwise
    for arcs, picked in zip(parts, _solve_all(si, dj, score, capacity, parts, workers), strict=True):
        chosen[arcs[picked]] = True
    stats["allocation_components"] = float(stats.get("allocation_components", 0.0) + count)
    stats["allocation_largest_component"] = float(
        max(stats.get("allocation_largest_component", 0.0), np.diff(bounds).max())
    )
    return chosen


def _solve_all(si, dj, score, capacity, parts: list[np.ndarray], workers: int) -> list[np.ndarray]:
    jobs = [(si[a], dj[a], score[a], capacity) for a in parts]
    if workers > 1 and sum(len(a) >= PARALLEL_ARCS for a in parts) >= 2:
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                return list(pool.map(_solve_job, jobs))
        except (OSError, AssertionError, RuntimeError, BrokenProcessPool):  # e.g. a daemonic worker process
            pass
    return [_solve(*job) for job in jobs]


def _solve_job(job: tuple) -> np.ndarray:
    return _solve(*job)


def _solve(si: np.ndarray, dj: np.ndarray, score: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """One min-cost flow over the given pairs."""
    chosen = np.zeros(len(si), dtype=bool)
    if not len(si):
        return chosen
    students, s_node = np.unique(si, return_inverse=True)
    demands, d_node = np.unique(dj, return_inverse=True)
    ns, nd, npairs = len(students), len(demands), len(si)
    seats = np.maximum(capacity[demands], 0)
    flow = int(min(ns, seats.sum()))
    if flow == 0:
        return chosen
    source, sink = ns + nd, ns + nd + 1
    tails = np.concatenate([np.full(ns, source), s_node, ns + np.arange(nd), [source]]).astype(np.int32)
    heads = np.concatenate([np.arange(ns), ns + d_node, np.full(nd, sink), [sink]]).astype(np.int32)
    caps = np.concatenate([np.ones(ns), np.ones(npairs), seats, [flow]]).astype(np.int64)
    costs = np.concatenate([np.zeros(ns), -np.rint(score * SCALE), np.zeros(nd), [0]]).astype(np.int64)
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
