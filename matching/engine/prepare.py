"""Rows → arrays: the normalised, indexed form of the input that the vectorised scoring works on.

Every component of a pair score depends on a few small categorical keys on each side, so the scoring becomes table
look-ups: level, timing and eligibility on (level, studying, graduation) × (required level, kind, start date);
place on (student place set) × (demand place); programme fit on programme / class / major memberships and
industry bit masks; skills on sparse "student covers phrase" × "demand phrase importance" matrices. The tables are
filled with the scalar functions of ``scoring``, which is why both paths give identical scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from . import scoring
from .text import Normaliser, clean, normaliser
from .types import COMPONENTS, DemandRow, MatchParams, StudentRow

C = {name: index for index, name in enumerate(COMPONENTS)}


@dataclass(eq=False)
class Prepared:
    """The input as arrays: ``s_*`` per student, ``d_*`` per demand (row i = students[i], column j = demands[j]),
    ``t_*`` look-up tables of weighted, rounded component values."""

    students: Sequence[StudentRow]
    demands: Sequence[DemandRow]
    params: MatchParams
    weights: np.ndarray  # (7,) in COMPONENTS order
    s_ids: np.ndarray
    d_ids: np.ndarray
    # students
    s_prog: np.ndarray  # index into the programme vocabulary, -1 = none
    s_class: np.ndarray
    s_major: np.ndarray
    s_tkey: np.ndarray  # (level, studying, graduation) key
    s_place: np.ndarray  # place-preference set key
    s_local: np.ndarray  # bool
    s_ind: np.ndarray  # (n_s, words) uint64 industry bit mask
    s_phr: sparse.csr_matrix  # (n_s, phrases) 1 where the student covers the demand-skill phrase
    s_kw: sparse.csr_matrix  # (n_s, keywords) 1 where the student covers the keyword phrase
    s_order_keys: np.ndarray  # sorted student * n_units + unit of order-class ties
    s_has_order: np.ndarray  # bool
    s_hash: np.ndarray  # uint32 per student id: (s_hash + d_hash) mod 2³² breaks ties between equal scores
    # demands
    d_cap: np.ndarray
    d_tkey: np.ndarray
    d_place: np.ndarray
    d_local: np.ndarray
    d_unit: np.ndarray  # index into the unit vocabulary
    d_ind: np.ndarray
    d_prog: sparse.csr_matrix  # (n_d, programmes)
    d_class: sparse.csr_matrix
    d_major: sparse.csr_matrix
    m_prog: np.ndarray  # dense bool (programmes + 1, n_d): d_prog transposed, last row (student without one) empty
    m_class: np.ndarray
    m_major: np.ndarray
    d_imp: sparse.csr_matrix  # (n_d, phrases) importance (sum over entries with that phrase)
    d_cnt: sparse.csr_matrix  # (n_d, phrases) number of entries with that phrase
    d_total: np.ndarray  # total importance
    d_nskills: np.ndarray  # number of skill entries with terms
    d_kw: sparse.csr_matrix
    d_hash: np.ndarray
    d_entries: list[tuple[tuple[str, int], ...]]  # per demand: (phrase text, phrase index), most important first
    # weighted, rounded look-up tables
    t_elig: np.ndarray  # (student tkeys, demand tkeys) bool
    t_level: np.ndarray
    t_timing: np.ndarray
    t_place: np.ndarray  # (student place sets, demand places)
    t_skill: np.ndarray  # (max total + 1, max total + 1): [matched, total]
    t_lt: np.ndarray  # level + timing, -inf where not eligible (the dense blocks' first table)
    d_imp_scaled: sparse.csr_matrix  # d_imp × (max total + 1): a product with it is a flat index into t_skill
    prog_value: np.ndarray  # by programme-fit code 0..5
    local_value: float
    order_value: float
    n_units: int

    @property
    def n_s(self) -> int:
        return len(self.s_ids)

    @property
    def n_d(self) -> int:
        return len(self.d_ids)


def _hash32(ids: np.ndarray, salt: int) -> np.ndarray:
    """A fixed pseudo-random uint32 per id (splitmix64): deterministic, independent of input order."""
    x = ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(salt)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(32)).astype(np.uint32)


class _Vocab(dict):
    """value → dense index, in first-seen order."""

    def add(self, value) -> int:
        index = self.get(value)
        if index is None:
            index = self[value] = len(self)
        return index


def _membership(rows: list[list[int]], n_cols: int, data: list[list[float]] | None = None) -> sparse.csr_matrix:
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.fromiter((c for r in rows for c in r), dtype=np.int32, count=int(indptr[-1]))
    if data is None:
        values = np.ones(len(indices), dtype=np.float64)
    else:
        values = np.fromiter((v for r in data for v in r), dtype=np.float64, count=int(indptr[-1]))
    matrix = sparse.csr_matrix((values, indices, indptr), shape=(len(rows), n_cols))
    matrix.sum_duplicates()  # also sorts indices
    return matrix


def _dense_members(matrix: sparse.csr_matrix) -> np.ndarray:
    dense = np.zeros((matrix.shape[1] + 1, matrix.shape[0]), dtype=bool)
    dense[:-1] = matrix.T.toarray() != 0
    return dense


def _bitmask(sets: list[frozenset[int]], vocab: dict[int, int]) -> np.ndarray:
    words = max(1, (len(vocab) + 63) // 64)
    masks = np.zeros((len(sets), words), dtype=np.uint64)
    for row, values in enumerate(sets):
        for value in values:
            bit = vocab.get(value)
            if bit is not None:
                masks[row, bit // 64] |= np.uint64(1) << np.uint64(bit % 64)
    return masks


def _coverage(term_sets: list[frozenset[str]], phrases: list[frozenset[str]]) -> sparse.csr_matrix:
    """(rows, phrases) 1 where the phrase's terms are all among the row's terms (inverted index on terms)."""
    by_term: dict[str, list[int]] = {}
    for index, terms in enumerate(phrases):
        for term in terms:
            by_term.setdefault(term, []).append(index)
    cache: dict[frozenset[str], list[int]] = {}
    rows = []
    for terms in term_sets:
        covered = cache.get(terms)
        if covered is None:
            seen = {p for term in terms for p in by_term.get(term, ())}
            covered = cache[terms] = sorted(p for p in seen if phrases[p] <= terms)
        rows.append(covered)
    return _membership(rows, max(len(phrases), 1))


def prepare(students: Sequence[StudentRow], demands: Sequence[DemandRow], params: MatchParams) -> Prepared:
    norm: Normaliser = normaliser(params.synonyms)
    weights = np.array(scoring.weight_vector(params.weights), dtype=np.float64)
    programmes, classes, majors, industries, units = _Vocab(), _Vocab(), _Vocab(), _Vocab(), _Vocab()
    phrases, keywords = _Vocab(), _Vocab()

    # --- demands ---
    d_tkeys, d_places = _Vocab(), _Vocab()
    d_prog, d_class, d_major, d_imp_rows, d_imp_data, d_kw_rows, d_entries = [], [], [], [], [], [], []
    d_tkey = np.empty(len(demands), dtype=np.int32)
    d_place = np.empty(len(demands), dtype=np.int32)
    d_unit = np.empty(len(demands), dtype=np.int32)
    d_total = np.zeros(len(demands), dtype=np.int64)
    d_nskills = np.zeros(len(demands), dtype=np.int64)
    for j, d in enumerate(demands):
        d_tkey[j] = d_tkeys.add((scoring.demand_level_rank(d.education_level), d.kind, d.start_date))
        d_place[j] = d_places.add(clean(d.place))
        d_unit[j] = units.add(d.unit_id)
        d_prog.append(sorted(programmes.add(p) for p in d.programme_ids))
        d_class.append(sorted(classes.add(c) for c in d.programme_classes if c))
        d_major.append(sorted(majors.add(m) for m in d.major_category_ids))
        for i in d.industry_ids:
            industries.add(i)
        entries = scoring.demand_skill_entries(d, norm)
        ids = [phrases.add(terms) for _, _, terms in entries]
        d_imp_rows.append(ids)
        d_imp_data.append([importance for _, importance, _ in entries])
        d_entries.append(tuple((phrase, pid) for (phrase, _, _), pid in zip(entries, ids, strict=True)))
        d_total[j] = sum(importance for _, importance, _ in entries)
        d_nskills[j] = len(entries)
        d_kw_rows.append(sorted({keywords.add(t) for k in d.keywords if (t := norm.terms(k))}))

    # --- students ---
    s_tkeys, s_places = _Vocab(), _Vocab()
    n = len(students)
    s_prog = np.full(n, -1, dtype=np.int32)
    s_class = np.full(n, -1, dtype=np.int32)
    s_major = np.full(n, -1, dtype=np.int32)
    s_tkey = np.empty(n, dtype=np.int32)
    s_place = np.empty(n, dtype=np.int32)
    s_local = np.zeros(n, dtype=bool)
    term_sets, order_keys = [], []
    n_units = max(len(units), 1)
    for i, s in enumerate(students):
        if s.programme_id is not None:
            s_prog[i] = programmes.add(s.programme_id)
        if s.programme_class:
            s_class[i] = classes.add(s.programme_class)
        if s.major_category_id is not None:
            s_major[i] = majors.add(s.major_category_id)
        s_tkey[i] = s_tkeys.add((scoring.level_rank(s.level), bool(s.studying), s.graduation))
        s_place[i] = s_places.add(scoring.place_fragments(s.places))
        s_local[i] = bool(s.willing_local)
        term_sets.append(norm.terms_of((*s.skills, *s.certificates)))
        for unit in s.order_class_unit_ids:
            if unit in units:
                order_keys.append(i * n_units + units[unit])

    phrase_list, keyword_list = list(phrases), list(keywords)
    d_prog_m = _membership(d_prog, max(len(programmes), 1))
    d_class_m = _membership(d_class, max(len(classes), 1))
    d_major_m = _membership(d_major, max(len(majors), 1))
    s_ind = _bitmask([s.industry_ids for s in students], industries)
    d_ind = _bitmask([d.industry_ids for d in demands], industries)
    s_order_keys = np.unique(np.array(order_keys, dtype=np.int64))
    s_has_order = np.zeros(n, dtype=bool)
    s_has_order[s_order_keys // n_units] = True

    # --- tables ---
    w = dict(zip(COMPONENTS, weights.tolist(), strict=True))
    s_tk, d_tk = list(s_tkeys), list(d_tkeys)
    t_elig = np.zeros((len(s_tk), len(d_tk)), dtype=bool)
    t_level = np.zeros((len(s_tk), len(d_tk)), dtype=np.float64)
    t_timing = np.zeros((len(s_tk), len(d_tk)), dtype=np.float64)
    for a, (rank, studying, graduation) in enumerate(s_tk):
        for b, (drank, kind, start) in enumerate(d_tk):
            t_elig[a, b] = scoring.level_ok(rank, drank) and scoring.timing_ok(kind, studying, graduation, start)
            t_level[a, b] = scoring.weighted(w["level"], scoring.level_raw(rank, drank))
            t_timing[a, b] = scoring.weighted(w["timing"], scoring.timing_raw(kind, studying, graduation, start))
    place_values = {raw: scoring.weighted(w["place"], raw) for raw in (0.0, 0.5, 1.0)}
    t_place = np.array(
        [[place_values[scoring.place_raw(frags, text)] for text in d_places] for frags in s_places], dtype=np.float64
    ).reshape(len(s_places), len(d_places))
    max_total = int(d_total.max()) if len(d_total) else 0
    t_skill = np.array(
        [[scoring.skills_table_value(w["skills"], m, t) for t in range(max_total + 1)] for m in range(max_total + 1)],
        dtype=np.float64,
    )
    prog_value = np.array([scoring.weighted(w["programme"], scoring.PROGRAMME_TIERS.get(c, 0.0)) for c in range(6)])

    return Prepared(
        students=students,
        demands=demands,
        params=params,
        weights=weights,
        s_ids=np.array([s.id for s in students], dtype=np.int64),
        d_ids=np.array([d.id for d in demands], dtype=np.int64),
        s_prog=s_prog,
        s_class=s_class,
        s_major=s_major,
        s_tkey=s_tkey,
        s_place=s_place,
        s_local=s_local,
        s_ind=s_ind,
        s_phr=_coverage(term_sets, phrase_list),
        s_kw=_coverage(term_sets, keyword_list),
        s_order_keys=s_order_keys,
        s_has_order=s_has_order,
        s_hash=_hash32(np.array([s.id for s in students], dtype=np.int64), 1),
        d_cap=np.array([max(int(d.capacity), 0) for d in demands], dtype=np.int64),
        d_tkey=d_tkey,
        d_place=d_place,
        d_local=np.array([bool(d.is_local) for d in demands], dtype=bool),
        d_unit=d_unit,
        d_ind=d_ind,
        d_prog=d_prog_m,
        d_class=d_class_m,
        d_major=d_major_m,
        m_prog=_dense_members(d_prog_m),
        m_class=_dense_members(d_class_m),
        m_major=_dense_members(d_major_m),
        d_imp=_membership(d_imp_rows, max(len(phrases), 1), d_imp_data),
        d_cnt=_membership(d_imp_rows, max(len(phrases), 1)),
        d_total=d_total,
        d_nskills=d_nskills,
        d_kw=_membership(d_kw_rows, max(len(keywords), 1)),
        d_hash=_hash32(np.array([d.id for d in demands], dtype=np.int64), 2),
        d_entries=d_entries,
        t_elig=t_elig,
        t_level=t_level,
        t_timing=t_timing,
        t_place=t_place,
        t_skill=t_skill,
        t_lt=np.where(t_elig, t_level + t_timing, -np.inf),
        d_imp_scaled=_membership(d_imp_rows, max(len(phrases), 1), d_imp_data) * float(max_total + 1),
        prog_value=prog_value,
        local_value=scoring.weighted(w["local"], 1.0),
        order_value=scoring.weighted(w["order_class"], 1.0),
        n_units=n_units,
    )

