"""Vectorised pair scores: for listed pairs (``score_pairs``) and for dense blocks of students × demands
(``score_block``). Both read the tables of ``prepare`` and agree with ``scoring.score_pair`` to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .prepare import C, Prepared
from .scoring import DECIMALS


def member_of(matrix: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """matrix[rows[k], cols[k]] != 0 for each k (cols < 0 → False); the csr indices must be sorted."""
    n_cols = matrix.shape[1]
    keys = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr)) * n_cols + matrix.indices
    query = rows.astype(np.int64) * n_cols + np.maximum(cols, 0)
    pos = np.searchsorted(keys, query)
    found = np.zeros(len(query), dtype=bool)
    inside = pos < len(keys)
    found[inside] = keys[pos[inside]] == query[inside]
    return found & (cols >= 0)


def _row_dot(left: sparse.csr_matrix, right: sparse.csr_matrix, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
    """Σ_k left[li, k] · right[ri, k] for each pair (row-aligned sparse product)."""
    if len(li) == 0:
        return np.zeros(0)
    return np.asarray(left[li].multiply(right[ri]).sum(axis=1)).ravel()


def _any_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.bitwise_and(a, b).any(axis=-1)


@dataclass
class PairScores:
    values: np.ndarray  # (n, 7) weighted component values, COMPONENTS order
    score: np.ndarray  # (n,)
    eligible: np.ndarray  # (n,) bool
    matched_skills: np.ndarray  # (n,) number of demand skill entries covered
    skill_entries: np.ndarray  # (n,) number of demand skill entries


def programme_codes(prep: Prepared, si: np.ndarray, dj: np.ndarray) -> np.ndarray:
    prog = member_of(prep.d_prog, dj, prep.s_prog[si])
    klass = member_of(prep.d_class, dj, prep.s_class[si])
    major = member_of(prep.d_major, dj, prep.s_major[si])
    weak = _any_bits(prep.s_ind[si], prep.d_ind[dj]) | (_row_dot(prep.s_kw, prep.d_kw, si, dj) > 0)
    return np.select([prog, klass, major, weak], [5, 4, 3, 2], 0)


def score_pairs(prep: Prepared, si: np.ndarray, dj: np.ndarray) -> PairScores:
    """Exact scores and components of the pairs (students[si[k]], demands[dj[k]])."""
    si = np.asarray(si, dtype=np.int64)
    dj = np.asarray(dj, dtype=np.int64)
    n = len(si)
    values = np.zeros((n, len(C)), dtype=np.float64)
    a, b = prep.s_tkey[si], prep.d_tkey[dj]
    values[:, C["programme"]] = prep.prog_value[programme_codes(prep, si, dj)]
    matched = np.rint(_row_dot(prep.s_phr, prep.d_imp, si, dj)).astype(np.int64)
    values[:, C["skills"]] = prep.t_skill[matched, prep.d_total[dj]]
    values[:, C["level"]] = prep.t_level[a, b]
    values[:, C["place"]] = prep.t_place[prep.s_place[si], prep.d_place[dj]]
    values[:, C["local"]] = np.where(prep.s_local[si] & prep.d_local[dj], prep.local_value, 0.0)
    values[:, C["timing"]] = prep.t_timing[a, b]
    order_keys = si * prep.n_units + prep.d_unit[dj]
    has_order = np.isin(order_keys, prep.s_order_keys)
    values[:, C["order_class"]] = np.where(has_order, prep.order_value, 0.0)
    score = np.round(values.sum(axis=1), DECIMALS) if n else np.zeros(0)
    eligible = prep.t_elig[a, b] & (prep.d_cap[dj] > 0)
    count = np.rint(_row_dot(prep.s_phr, prep.d_cnt, si, dj)).astype(np.int64)
    return PairScores(values, score, eligible, count, prep.d_nskills[dj])


@dataclass
class Columns:
    """What a dense block needs of its demands, computed once and reused for every chunk of rows."""

    cols: np.ndarray
    tkey: int | None
    lt: np.ndarray | None  # level + timing of the shared tkey
    place: np.ndarray
    local: np.ndarray
    skills: np.ndarray | sparse.csc_matrix  # (phrases, cols): importance × stride, dense when small
    total: np.ndarray
    hash: np.ndarray
    units: np.ndarray  # d_unit[cols] sorted, and the column positions in that order
    unit_order: np.ndarray


DENSE_SKILL_CELLS = 4_000_000


def columns(prep: Prepared, cols: np.ndarray, tkey: int | None = None) -> Columns:
    imp = prep.d_imp_scaled[cols].T
    skills = imp.toarray() if imp.shape[0] * imp.shape[1] <= DENSE_SKILL_CELLS else imp.tocsc()
    unit_order = np.argsort(prep.d_unit[cols], kind="stable")
    return Columns(
        cols=cols,
        tkey=tkey,
        lt=prep.t_lt[tkey, prep.d_tkey[cols]] if tkey is not None else None,
        place=prep.d_place[cols],
        local=np.where(prep.d_local[cols], prep.local_value, 0.0),
        skills=skills,
        total=prep.d_total[cols],
        hash=prep.d_hash[cols],
        units=prep.d_unit[cols][unit_order],
        unit_order=unit_order,
    )


def score_block(prep: Prepared, rows: np.ndarray, cols: np.ndarray | Columns, code: int | str = "full") -> np.ndarray:
    """Scores of every student in ``rows`` × demand in ``cols`` as a dense (len(rows), len(cols)) array, -inf where
    the pair is not eligible. Not rounded: ``np.round(block, 6)`` equals ``score_pairs`` (every component is already
    rounded, so the sum is within 1e-15 of the rounded total); callers round what they keep.

    ``code``: the programme-fit code shared by the whole block (the candidate tiers are built that way), "weak" when
    only industry/keyword overlap is possible, "full" to work it out per pair. ``cols`` may be a ``Columns``; when
    its ``tkey`` is set, every row has that (level, studying, graduation) key.
    """
    ctx = cols if isinstance(cols, Columns) else columns(prep, np.asarray(cols))
    if ctx.lt is not None:
        score = np.empty((len(rows), len(ctx.cols)))
        score[:] = ctx.lt
    else:
        score = prep.t_lt[prep.s_tkey[rows][:, None], prep.d_tkey[ctx.cols][None, :]]
    score += np.take(prep.t_place[prep.s_place[rows]], ctx.place, axis=1)
    if prep.local_value:
        local_rows = prep.s_local[rows]
        if local_rows.all():
            score += ctx.local
        elif local_rows.any():
            score[local_rows] += ctx.local
    if code == "full":
        score += prep.prog_value[block_codes(prep, rows, ctx.cols)]
    elif code == "weak":
        score += np.where(weak_overlap(prep, rows, ctx.cols), prep.prog_value[2], prep.prog_value[0])
    else:
        score += prep.prog_value[code]
    if prep.t_skill.shape[1] > 1:
        index = prep.s_phr[rows] @ ctx.skills
        if sparse.issparse(index):
            index = index.toarray()
        index += ctx.total
        score += np.take(prep.t_skill.ravel(), index.astype(np.intp))
    else:
        score += prep.t_skill[0, 0]
    if prep.order_value and len(prep.s_order_keys):
        _add_order(prep, rows, ctx, score)
    return score


def weak_overlap(prep: Prepared, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Shared industry or covered keyword, for every pair of a dense block."""
    weak = np.zeros((len(rows), len(cols)), dtype=bool)
    for word in range(prep.s_ind.shape[1]):
        weak |= np.bitwise_and(prep.s_ind[rows, word][:, None], prep.d_ind[cols, word][None, :]) != 0
    if prep.s_kw.nnz and prep.d_kw.nnz:
        weak |= (prep.s_kw[rows] @ prep.d_kw[cols].T).toarray() > 0
    return weak


def block_codes(prep: Prepared, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Programme-fit code (5 programme, 4 class, 3 major, 2 industry/keyword, 0) of every pair of a dense block."""
    code = weak_overlap(prep, rows, cols).view(np.int8) * np.int8(2)
    for value, member, student in ((3, prep.m_major, prep.s_major), (4, prep.m_class, prep.s_class),
                                   (5, prep.m_prog, prep.s_prog)):
        hit = member[student[rows]][:, cols]  # the extra last row (index -1) is all False
        code[hit] = value
    return code


def _add_order(prep: Prepared, rows: np.ndarray, ctx: Columns, score: np.ndarray) -> None:
    """The few students in an order class: add the tie where the demand is that enterprise's."""
    for position in np.flatnonzero(prep.s_has_order[rows]).tolist():
        student = int(rows[position])
        lo, hi = np.searchsorted(prep.s_order_keys, [student * prep.n_units, (student + 1) * prep.n_units])
        for unit in (prep.s_order_keys[lo:hi] - student * prep.n_units).tolist():
            a, b = np.searchsorted(ctx.units, [unit, unit + 1])
            score[position, ctx.unit_order[a:b]] += prep.order_value
