"""Recommendations: the best ``top_k`` candidates of every student and of every demand, ranked both ways, each with
its component breakdown and the demand skills the student lacks."""

from __future__ import annotations

import gc
from dataclasses import fields

import numpy as np

from .candidates import Candidates
from .prepare import Prepared
from .types import COMPONENTS, Component, Recommendation
from .vectorized import member_of, score_pairs


def rank_within(groups: np.ndarray, score: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """1-based rank of each row inside its group: score descending, then ``tie`` ascending (non-negative ints)."""
    rank = np.zeros(len(groups), dtype=np.int64)
    if not len(groups):
        return rank
    order = _order(np.asarray(groups, dtype=np.int64), np.asarray(score), np.asarray(tie, dtype=np.int64))
    sorted_groups = groups[order]
    starts = np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))
    rank[order] = np.arange(len(order)) - first + 1
    return rank


def _order(groups: np.ndarray, score: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """Indices sorted by (group, -score, tie): one integer sort when the three fit in 63 bits, else lexsort."""
    micro = np.rint(score * 1e6).astype(np.int64)
    descending = micro.max() - micro
    bits = [int(x.max()).bit_length() for x in (groups, descending, tie)]
    if sum(bits) <= 63 and groups.min() >= 0 and tie.min() >= 0:
        key = (groups << (bits[1] + bits[2])) | (descending << bits[2]) | tie
        return np.argsort(key, kind="stable")
    return np.lexsort((tie, -score, groups))


def select(prep: Prepared, cand: Candidates, top_k: int) -> np.ndarray:
    """Mask of the candidates that are among the top_k of their student or of their demand."""
    # Rows are sorted by id in ``run_matching``, so index order is id order.
    by_student = rank_within(cand.si, cand.score, _id_rank(prep.d_ids)[cand.dj])
    by_demand = rank_within(cand.dj, cand.score, _id_rank(prep.s_ids)[cand.si])
    return (by_student <= top_k) | (by_demand <= top_k)


def build(prep: Prepared, si: np.ndarray, dj: np.ndarray) -> list[Recommendation]:
    """Recommendation rows for the pairs (si, dj), ordered by student id then rank."""
    if not len(si):
        return []
    si, dj = np.asarray(si, dtype=np.int64), np.asarray(dj, dtype=np.int64)
    scores = score_pairs(prep, si, dj)
    s_ids, d_ids = prep.s_ids[si], prep.d_ids[dj]
    rank_s = rank_within(si, scores.score, _id_rank(prep.d_ids)[dj])
    rank_d = rank_within(dj, scores.score, _id_rank(prep.s_ids)[si])
    order = np.lexsort((rank_s, s_ids))
    components = _components(scores.values[order], scores.matched_skills[order], scores.skill_entries[order])
    missing = _missing(prep, si[order], dj[order])
    return _rows(
        Recommendation,
        s_ids[order].tolist(),
        d_ids[order].tolist(),
        scores.score[order].tolist(),
        components,
        missing,
        rank_s[order].tolist(),
        rank_d[order].tolist(),
    )


def _id_rank(ids: np.ndarray) -> np.ndarray:
    """Position of each id in ascending id order (a small non-negative tie-breaker with the ids' order)."""
    rank = np.empty(len(ids), dtype=np.int64)
    rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
    return rank


def _rows(cls, *columns: list) -> list:
    """Instances of the frozen, slotted dataclass ``cls`` from its field values in declaration order.

    Equivalent to ``[cls(*values) for values in zip(*columns)]``; the generated ``__init__`` of a frozen dataclass
    goes through ``object.__setattr__`` per field, which dominates when a province run builds millions of rows, so
    the slots are filled directly (same objects, same equality and hashing).
    """
    names = [f.name for f in fields(cls)]
    make = _maker(cls, tuple(names)) if len(names) == len(columns) and hasattr(cls, "__slots__") else cls
    # Millions of new objects would trigger the cyclic collector over and over (it scans every live object);
    # these rows hold no cycles, so it is paused while they are made.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return list(map(make, *columns))
    finally:
        if enabled:
            gc.enable()


_makers: dict = {}


def _maker(cls, names: tuple[str, ...]):
    """A function (v1, …, vn) → instance with the slots set directly, written out like dataclasses write __init__."""
    maker = _makers.get((cls, names))
    if maker is None:
        args = ", ".join(f"v{i}" for i in range(len(names)))
        body = "".join(f"    s{i}(row, v{i})\n" for i in range(len(names)))
        source = f"def make({args}):\n    row = new(cls)\n{body}    return row\n"
        scope = {"new": object.__new__, "cls": cls, **{f"s{i}": getattr(cls, n).__set__ for i, n in enumerate(names)}}
        exec(source, scope)  # noqa: S102 - fixed template over dataclass field positions
        maker = _makers[(cls, names)] = scope["make"]
    return maker


def _codes(columns: list[np.ndarray]) -> np.ndarray:
    """One int64 code per row such that equal rows (over ``columns``) get equal codes."""
    code = np.zeros(len(columns[0]), dtype=np.int64)
    radix = 1
    for column in columns:
        values, inverse = np.unique(column, return_inverse=True)
        if radix * len(values) >= 2**62:  # too many combinations for one integer: fold what we have
            _, code = np.unique(code, return_inverse=True)
            radix = int(code.max()) + 1
        code = code + inverse.astype(np.int64) * radix
        radix *= len(values)
    return code


def _components(values: np.ndarray, matched: np.ndarray, entries: np.ndarray) -> list[tuple[Component, ...]]:
    """Component tuples, built once per distinct row (a province run has millions of rows, a few thousand kinds)."""
    skills = COMPONENTS.index("skills")
    code = _codes([*values.T, matched, entries])
    kinds, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    interned: dict[tuple, Component] = {}
    tuples = []
    for row, m, n in zip(values[first].tolist(), matched[first].tolist(), entries[first].tolist(), strict=True):
        parts = []
        for index, (name, value) in enumerate(zip(COMPONENTS, row, strict=True)):
            detail = f"{m}/{n}" if index == skills and n else ""
            parts.append(interned.setdefault((name, value, detail), Component(name, value, detail)))
        tuples.append(tuple(parts))
    return [tuples[k] for k in inverse.tolist()]


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
    uncovered = ~member_of(prep.s_phr, si[pair], flat_phrase[pointer[dj][pair] + position])
    # A bit per uncovered entry (positions beyond 61 share the last bit and are spelled out below).
    mask = np.zeros(len(si), dtype=np.int64)
    np.bitwise_or.at(mask, pair[uncovered], np.left_shift(np.int64(1), np.minimum(position[uncovered], 61)))
    kinds, first, inverse = np.unique(_codes([dj, mask]), return_index=True, return_inverse=True)
    starts = np.cumsum(counts) - counts
    tuples = []
    for k, j, bits in zip(first.tolist(), dj[first].tolist(), mask[first].tolist(), strict=True):
        entries = prep.d_entries[j]
        if len(entries) > 61:
            flags = uncovered[starts[k] : starts[k] + len(entries)].tolist()
            tuples.append(tuple(text for (text, _), miss in zip(entries, flags, strict=True) if miss))
        else:
            tuples.append(tuple(text for pos, (text, _) in enumerate(entries) if bits >> pos & 1))
    result = [tuples[k] for k in inverse.tolist()]
    if sizes.max() > 61:  # rows of long skill lists share a code only by their first 61 bits: spell them out
        for k in np.flatnonzero(counts > 61).tolist():
            entries = prep.d_entries[int(dj[k])]
            flags = uncovered[starts[k] : starts[k] + len(entries)].tolist()
            result[k] = tuple(text for (text, _), miss in zip(entries, flags, strict=True) if miss)
    return result
