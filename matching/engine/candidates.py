"""Sparse candidate generation: the pairs worth scoring and allocating, without the dense n_students × n_demands.

Each student keeps its best ``per_student`` eligible pairs with score ≥ min_score, each demand its best
``per_demand``; the candidates are the union.

The search is organised by programme fit, the dominant and the only sparse part of the score. The demands ×
programme / 专业类 / 专业大类 membership matrices (scipy.sparse, turned into inverted lists) split the open demands,
for each group of students sharing a programme, into disjoint tiers: same programme (fit 1.0), same class (0.75),
same major category (0.5), the rest (industry/keyword 0.3, or nothing). A tier is scored as dense blocks of exact
scores (``vectorized.score_block``, a few MB each), rows split by the students' (level, studying, graduation) key so
that demands they are not eligible for are never scored at all.

Small inputs (n_students × n_demands ≤ ``EXHAUSTIVE_CELLS``) are scored completely: the lists are the exact top-k.
Larger ones skip a tier for a student once its k-th best score beats the tier's upper bound (programme value of the
tier + the largest possible other components), which keeps every student's list exact while scoring a fraction of
the pairs. A demand's list is then exact over every pair that was scored (all of its same-programme students, for
one); a demand left with fewer than ``per_demand`` candidates is searched again from its own side (its tiers over
all students, pruned the same way), so small and unusual demands are never starved.

Selection inside a block only looks at cells that beat the running k-th best of their row or column (a partition
finds the first k of a row or column that has none yet), so most cells are scored and discarded in a few vector
operations. Ties are broken by a fixed pseudo-random number per (student id, demand id) (< 1e-8, far below the 1e-6
score resolution): equally good demands are spread over equally good students instead of every student picking the
same lowest ids, which would leave most seats without candidates.

Each candidate also says whether it is "strong" (same programme or 专业类): ``allocation.max_total`` uses that to
split very large allocations into clusters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from .prepare import Prepared
from .vectorized import Columns, columns, score_block

EXHAUSTIVE_CELLS = 30_000_000
CHUNK_CELLS = 2_000_000
TIE = 1e-8
FLOOR_SLACK = 1e-9  # block scores are unrounded sums of rounded components (error < 1e-15)
TIERS = (5, 4, 3, "weak")  # programme-fit code shared by the tier's pairs; "weak": industry/keyword or nothing


@dataclass
class Candidates:
    si: np.ndarray  # student index, ascending
    dj: np.ndarray  # demand index (ascending within a student)
    score: np.ndarray
    strong: np.ndarray | None = None  # same programme or 专业类 (None when not tracked)
    stats: dict[str, float] = field(default_factory=dict)


class _Top:
    """Running best-k lists: ``key`` (rows, k) with -inf in empty slots, ``idx`` = 2 × partner index + 1 if the pair
    is "strong" (same programme or 专业类, used to split large allocations), and each row's current k-th best in
    ``kth`` (-inf while the list is not full)."""

    def __init__(self, n: int, k: int) -> None:
        self.k = k
        self.key = np.full((n, k), -np.inf)
        self.idx = np.full((n, k), -1, dtype=np.int64)
        self.kth = np.full(n, -np.inf)
        self.merged = 0

    def threshold(self, rows: np.ndarray) -> np.ndarray:
        return self.kth[rows]

    def merge(self, owner: np.ndarray, partner: np.ndarray, key: np.ndarray) -> None:
        """Add entries (``owner`` grouped: equal owners adjacent), keeping each owner's best k."""
        if not len(owner):
            return
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        counts = np.diff(np.r_[starts, len(owner)])
        rows = owner[starts]
        slot = np.arange(len(owner)) - np.repeat(starts, counts)
        which = np.repeat(np.arange(len(rows)), counts)
        new_key = np.full((len(rows), int(counts.max())), -np.inf)
        new_idx = np.full(new_key.shape, -1, dtype=np.int64)
        new_key[which, slot] = key
        new_idx[which, slot] = partner
        all_key = np.concatenate([self.key[rows], new_key], axis=1)
        all_idx = np.concatenate([self.idx[rows], new_idx], axis=1)
        best = np.argpartition(-all_key, self.k - 1, axis=1)[:, : self.k]
        self.key[rows] = np.take_along_axis(all_key, best, axis=1)
        self.idx[rows] = np.take_along_axis(all_idx, best, axis=1)
        self.kth[rows] = self.key[rows].min(axis=1)
        self.merged += len(owner)

    def reset(self, rows: np.ndarray) -> None:
        self.key[rows] = -np.inf
        self.idx[rows] = -1
        self.kth[rows] = -np.inf

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(row, partner, key, strong) of every entry."""
        rows, slots = np.nonzero(self.key > -np.inf)
        idx = self.idx[rows, slots]
        return rows, idx >> 1, self.key[rows, slots], (idx & 1).astype(bool)


def _kth_largest(block: np.ndarray, k: int) -> np.ndarray:
    """k-th largest value of each row (k ≤ row length)."""
    n = block.shape[1]
    return np.partition(block, n - k, axis=1)[:, n - k]


class _Search:
    def __init__(self, prep: Prepared, per_student: int, per_demand: int, check: Callable[[], None] | None) -> None:
        self.prep = prep
        self.floor = float(prep.params.min_score) - FLOOR_SLACK
        self.check = check or (lambda: None)
        self.students = _Top(prep.n_s, per_student)
        self.demands = _Top(prep.n_d, per_demand)
        self.cells = 0
        self.open = np.flatnonzero(prep.d_cap > 0)
        self._bounds()

    def _bounds(self) -> None:
        """Upper bounds, per student and per demand, of everything in a score but the programme component."""
        p = self.prep
        total = p.t_skill.shape[0]
        valid = np.triu(np.ones((total, total), dtype=bool))  # [matched, total] with matched ≤ total
        skill_max = float(p.t_skill[valid].max())
        local, order = max(p.local_value, 0.0), max(p.order_value, 0.0)
        any_local = bool(p.d_local[self.open].any())
        s_lt = p.t_lt[:, np.unique(p.d_tkey[self.open])].max(axis=1)
        s_place = p.t_place[:, np.unique(p.d_place[self.open])].max(axis=1)
        self.s_rest = (
            s_lt[p.s_tkey] + s_place[p.s_place] + skill_max
            + np.where(p.s_local & any_local, local, 0.0) + np.where(p.s_has_order, order, 0.0)
        )
        d_lt = p.t_lt[np.unique(p.s_tkey)].max(axis=0)
        d_place = p.t_place[np.unique(p.s_place)].max(axis=0)
        d_skill = np.where(p.d_nskills > 0, p.t_skill[p.d_total, p.d_total], p.t_skill[0, 0])
        self.d_rest = (
            d_lt[p.d_tkey] + d_place[p.d_place] + d_skill
            + np.where(p.d_local & bool(p.s_local.any()), local, 0.0) + (order if p.s_has_order.any() else 0.0)
        )

    def tier_value(self, code: int | str) -> float:
        values = self.prep.prog_value
        return float(max(values[2], values[0])) if code == "weak" else float(values[code])

    def block(self, rows: np.ndarray, cols: np.ndarray, code: int | str, student_side: bool, progress=None) -> None:
        """Score ``rows`` × ``cols`` and merge into the lists (the students' only when ``student_side``).

        ``rows`` must be ordered by (tkey, local): each run of equal tkey is scored against its eligible demands.
        """
        p = self.prep
        tkeys = p.s_tkey[rows]
        starts = np.flatnonzero(np.r_[True, tkeys[1:] != tkeys[:-1]])
        ends = np.r_[starts[1:], len(rows)]
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            tkey = int(tkeys[start])
            eligible = cols[p.t_elig[tkey, p.d_tkey[cols]]]
            if not len(eligible):
                continue
            ctx = columns(p, eligible, tkey)
            step = max(1, CHUNK_CELLS // len(eligible))
            for first in range(start, end, step):
                self.check()
                if progress is not None:
                    progress(first / len(rows))
                part = rows[first : min(first + step, end)]
                score = score_block(p, part, ctx, code)
                self.cells += score.size
                self._select(part, ctx, score, student_side, strong=code in (5, 4))

    def _select(self, rows: np.ndarray, ctx: Columns, score: np.ndarray, student_side: bool, strong: bool) -> None:
        p = self.prep
        cols = ctx.cols
        tag = int(strong)
        tie = p.s_hash[rows][:, None] + ctx.hash[None, :]  # uint32, wraps around
        score += tie * (TIE / 2**32)
        mask = None
        if student_side:
            row_min = self._thresholds(self.students, rows, score, len(cols))
            mask = score >= row_min[:, None]
        col_min = self._thresholds(self.demands, cols, score.T, len(rows))
        col_mask = score >= col_min[None, :]
        mask = col_mask if mask is None else (mask | col_mask)
        r, c = np.nonzero(mask)
        if not len(r):
            return
        key = score[r, c]
        if student_side:
            hit = key >= row_min[r]  # row-major: grouped by row
            self.students.merge(rows[r[hit]], cols[c[hit]] * 2 + tag, key[hit])
        hit = np.flatnonzero(key >= col_min[c])
        hit = hit[np.argsort(c[hit], kind="stable")]  # grouped by column
        self.demands.merge(cols[c[hit]], rows[r[hit]] * 2 + tag, key[hit])

    def _thresholds(self, top: _Top, owners: np.ndarray, block: np.ndarray, width: int) -> np.ndarray:
        """Smallest key that can still enter each owner's list: its k-th best, or for a list that is not full yet
        the k-th best of this block (``block`` rows are the owners), never below min_score."""
        threshold = top.threshold(owners)
        empty = np.flatnonzero(threshold == -np.inf)
        if len(empty) and width > top.k:
            threshold[empty] = _kth_largest(block[empty], top.k)
        return np.maximum(threshold, self.floor)


def _inverted(matrix: sparse.csr_matrix, keep: np.ndarray) -> list[np.ndarray]:
    """column → sorted row indices (rows where ``keep``)."""
    csc = sparse.csc_matrix(matrix)
    csc.sort_indices()
    lists = []
    for col in range(csc.shape[1]):
        rows = csc.indices[csc.indptr[col] : csc.indptr[col + 1]]
        lists.append(rows[keep[rows]].astype(np.int64))
    return lists


def _union(*arrays: np.ndarray) -> np.ndarray:
    arrays = [a for a in arrays if len(a)]
    return np.unique(np.concatenate(arrays)) if arrays else np.zeros(0, dtype=np.int64)


def _tiers(first: np.ndarray, second: np.ndarray, third: np.ndarray, everything: np.ndarray) -> list[np.ndarray]:
    """Disjoint tiers: first, second \\ first, third \\ both, everything else."""
    second = np.setdiff1d(second, first, assume_unique=True)
    third = np.setdiff1d(third, _union(first, second), assume_unique=True)
    rest = np.setdiff1d(everything, _union(first, second, third), assume_unique=True)
    return [first, second, third, rest]


def _pick(lists: list[np.ndarray], index: int) -> np.ndarray:
    return lists[index] if index >= 0 else np.zeros(0, dtype=np.int64)


def _by_tkey_local(prep: Prepared, rows: np.ndarray) -> np.ndarray:
    return rows[np.lexsort((rows, prep.s_local[rows], prep.s_tkey[rows]))]


def generate(
    prep: Prepared,
    *,
    per_student: int,
    per_demand: int,
    exhaustive: bool | None = None,
    check: Callable[[], None] | None = None,
    progress: Callable[[float], None] | None = None,
) -> Candidates:
    """Candidate pairs of ``prep``; ``check()`` is called between blocks (it raises to cancel), ``progress(f)`` with
    f in [0, 1] as the students are worked through."""
    if prep.n_s == 0 or not (prep.d_cap > 0).any():
        empty = np.zeros(0, dtype=np.int64)
        return Candidates(si=empty, dj=empty, score=np.zeros(0), strong=np.zeros(0, dtype=bool), stats={})
    search = _Search(prep, max(per_student, 1), max(per_demand, 1), check)
    if exhaustive is None:
        exhaustive = prep.n_s * len(search.open) <= EXHAUSTIVE_CELLS
    if exhaustive:
        everyone = _by_tkey_local(prep, np.arange(prep.n_s, dtype=np.int64))
        search.block(everyone, search.open, "full", student_side=True, progress=progress)
        return _collect(prep, search, exhaustive, 0, 0)

    d_open = np.zeros(prep.n_d, dtype=bool)
    d_open[search.open] = True
    by_prog = _inverted(prep.d_prog, d_open)
    by_class = _inverted(prep.d_class, d_open)
    by_major = _inverted(prep.d_major, d_open)
    group_key = (prep.s_prog.astype(np.int64) + 1) * (2**42) + (prep.s_class.astype(np.int64) + 1) * (2**21) + (
        prep.s_major.astype(np.int64) + 1
    )
    order = np.lexsort((np.arange(prep.n_s), prep.s_local, prep.s_tkey, group_key))
    starts = np.flatnonzero(np.r_[True, np.diff(group_key[order]) != 0])
    bounds = np.r_[starts, prep.n_s]
    pruned = 0
    for g in range(len(starts)):
        members = order[bounds[g] : bounds[g + 1]]
        first = members[0]
        tiers = _tiers(
            _pick(by_prog, prep.s_prog[first]),
            _pick(by_class, prep.s_class[first]),
            _pick(by_major, prep.s_major[first]),
            search.open,
        )
        for code, cols in zip(TIERS, tiers, strict=True):
            if not len(cols):
                continue
            rows = members
            if code != 5:
                bound = search.tier_value(code) + search.s_rest[members] + TIE
                rows = members[search.students.threshold(members) < bound]
                pruned += len(members) - len(rows)
            if len(rows):
                search.block(rows, cols, code, student_side=True)
        if progress:
            progress(bounds[g + 1] / prep.n_s)

    filled = (search.demands.key > -np.inf).sum(axis=1)
    starved = search.open[filled[search.open] < search.demands.k]
    if len(starved):
        search.demands.reset(starved)
        _complete(prep, search, starved)
    return _collect(prep, search, exhaustive, pruned, len(starved))


def _collect(prep: Prepared, search: _Search, exhaustive: bool, pruned: int, completed: int) -> Candidates:
    """Union of the students' and the demands' lists, one row per pair, ordered by (student, demand) index."""
    rows_s, cols_s, keys_s, strong_s = search.students.pairs()
    cols_d, rows_d, keys_d, strong_d = search.demands.pairs()
    si = np.concatenate([rows_s, rows_d]).astype(np.int64)
    dj = np.concatenate([cols_s, cols_d]).astype(np.int64)
    keys = np.concatenate([keys_s, keys_d])
    strong = np.concatenate([strong_s, strong_d])
    _, first = np.unique(si * max(prep.n_d, 1) + dj, return_index=True)
    score = np.round(keys[first], 6)
    keep = score >= prep.params.min_score
    stats = {
        "cells_scored": float(search.cells),
        "exhaustive": float(exhaustive),
        "pruned_student_tiers": float(pruned),
        "demands_completed": float(completed),
        "entries_merged": float(search.students.merged + search.demands.merged),
    }
    return Candidates(
        si=si[first][keep], dj=dj[first][keep], score=score[keep], strong=strong[first][keep], stats=stats
    )


def _complete(prep: Prepared, search: _Search, demands: np.ndarray) -> None:
    """Exact per-demand lists for ``demands``: their tiers over all students, pruned by the demand's k-th best."""
    everyone = np.arange(prep.n_s, dtype=np.int64)
    by_prog = _student_lists(prep.s_prog, prep.d_prog.shape[1])
    by_class = _student_lists(prep.s_class, prep.d_class.shape[1])
    by_major = _student_lists(prep.s_major, prep.d_major.shape[1])
    groups: dict[tuple, list[int]] = {}
    for j in demands.tolist():
        key = tuple(
            tuple(m.indices[m.indptr[j] : m.indptr[j + 1]].tolist()) for m in (prep.d_prog, prep.d_class, prep.d_major)
        )
        groups.setdefault(key, []).append(j)
    for (progs, classes, majors), members in sorted(groups.items()):
        members = np.array(members, dtype=np.int64)
        tiers = _tiers(
            _union(*(by_prog[p] for p in progs)),
            _union(*(by_class[c] for c in classes)),
            _union(*(by_major[m] for m in majors)),
            everyone,
        )
        for code, rows in zip(TIERS, tiers, strict=True):
            if not len(rows):
                continue
            cols = members
            if code != 5:
                bound = search.tier_value(code) + search.d_rest[members] + TIE
                cols = members[search.demands.threshold(members) < bound]
            if len(cols):
                search.block(_by_tkey_local(prep, rows), cols, code, student_side=False)


def _student_lists(values: np.ndarray, n: int) -> list[np.ndarray]:
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    lists = []
    for value in range(n):
        lo, hi = np.searchsorted(sorted_values, [value, value + 1])
        lists.append(np.sort(order[lo:hi]).astype(np.int64))
    return lists
