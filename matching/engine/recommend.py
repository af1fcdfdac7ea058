"""Recommendations: the best ``top_k`` candidates of every student and of every demand, ranked both ways, each with
its component breakdown and the demand skills the student lacks."""

from __future__ import annotations

import numpy as np

from .candidates import Candidates
from .prepare import Prepared
from .types import COMPONENTS, Component, Recommendation
from .vectorized import _member, score_pairs


def rank_within(groups: np.ndarray, score: np.ndarray, tie_ids: np.ndarray) -> np.ndarray:
    """1-based rank of each row inside its group: score descending, then ``tie_ids`` ascending."""
    rank = np.zeros(len(groups), dtype=np.int64)
    if not len(groups):
        return rank
    order = np.lexsort((tie_ids, -score, groups))
    sorted_groups = groups[order]
    starts = np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))
    rank[order] = np.arange(len(order)) - first + 1
    return rank


def select(prep: Prepared, cand: Candidates, top_k: int) -> np.ndarray:
    """Mask of the candidates that are among the top_k of their student or of their demand."""
    s_ids, d_ids = prep.s_ids[cand.si], prep.d_ids[cand.dj]
    by_student = rank_within(cand.si, cand.score, d_ids)
    by_demand = rank_within(cand.dj, cand.score, s_ids)
    return (by_student <= top_k) | (by_demand <= top_k)


def build(prep: Prepared, si: np.ndarray, dj: np.ndarray) -> list[Recommendation]:
    """Recommendation rows for the pairs (si, dj), ordered by student id then rank."""
    if not len(si):
        return []
    scores = score_pairs(prep, si, dj)
    s_ids, d_ids = prep.s_ids[si], prep.d_ids[dj]
    rank_s = rank_within(si, scores.score, d_ids)
    rank_d = rank_within(dj, scores.score, s_ids)
    missing = _missing(prep, si, dj)
    components = _components(scores.values, scores.matched_skills, scores.skill_entries)
    order = np.lexsort((rank_s, s_ids))
    score_list, s_list, d_list = scores.score.tolist(), s_ids.tolist(), d_ids.tolist()
    rs, rd = rank_s.tolist(), rank_d.tolist()
    return [
        Recommendation(
            student_id=s_list[k],
            demand_id=d_list[k],
            score=score_list[k],
            components=components[k],
            missing_skills=missing[k],
            rank_for_student=rs[k],
            rank_for_demand=rd[k],
        )
        for k in order.tolist()
    ]


def _components(values: np.ndarray, matched: np.ndarray, entries: np.ndarray) -> list[tuple[Component, ...]]:
    """Component tuples, shared between equal rows (a province run has millions of rows but few distinct ones)."""
    skills = COMPONENTS.index("skills")
    interned: dict[tuple, Component] = {}
    tuples: dict[tuple, tuple[Component, ...]] = {}
    result = []
    for row, m, n in zip(values.tolist(), matched.tolist(), entries.tolist(), strict=True):
        key = (*row, m, n)
        found = tuples.get(key)
        if found is None:
            parts = []
            for index, (name, value) in enumerate(zip(COMPONENTS, row, strict=True)):
                detail = f"{m}/{n}" if index == skills and n else ""
                parts.append(interned.setdefault((name, value, detail), Component(name, value, detail)))
            found = tuples[key] = tuple(parts)
        result.append(found)
    return result


def _missing(prep: Prepared, si: np.ndarray, dj: np.ndarray) -> list[tuple[str, ...]]:
    """Per pair, the demand's skill phrases the student does not cover, most important first."""
    sizes = np.array([len(entries) for entries in prep.d_entries], dtype=np.int64)
    if not sizes.sum():
        return [()] * len(si)
    pointer = np.r_[0, np.cumsum(sizes)]
    flat_phrase = np.array([pid for entries in prep.d_entries for _, pid in entries], dtype=np.int64)
    counts = sizes[dj]
    pair = np.repeat(np.arange(len(si)), counts)
    position = np.arange(len(pair)) - np.repeat(np.cumsum(counts) - counts, counts)
    covered = _member(prep.s_phr, si[pair], flat_phrase[pointer[dj][pair] + position])
    # One bit per uncovered entry (demands listing more than 62 skills are spelled out below).
    small = position < 62
    mask = np.zeros(len(si), dtype=np.int64)
    np.bitwise_or.at(mask, pair[~covered & small], np.left_shift(np.int64(1), position[~covered & small]))
    big = set(np.flatnonzero(counts > 62).tolist())
    starts = (np.cumsum(counts) - counts).tolist()
    cache: dict[tuple[int, int], tuple[str, ...]] = {}
    result = []
    for k, (j, bits) in enumerate(zip(dj.tolist(), mask.tolist(), strict=True)):
        entries = prep.d_entries[j]
        if k in big:
            flags = covered[starts[k] : starts[k] + len(entries)].tolist()
            result.append(tuple(text for (text, _), hit in zip(entries, flags, strict=True) if not hit))
            continue
        found = cache.get((j, bits))
        if found is None:
            found = cache[(j, bits)] = tuple(text for pos, (text, _) in enumerate(entries) if bits >> pos & 1)
        result.append(found)
    return result
