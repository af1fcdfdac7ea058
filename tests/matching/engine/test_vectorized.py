"""The vectorised scores (pair lists, dense blocks) and the sparse candidates agree with the scalar reference."""

import numpy as np
import pytest
from hypothesis import given, settings

from matching.engine import candidates
from matching.engine.prepare import prepare
from matching.engine.scoring import eligible, score_pair
from matching.engine.types import MatchParams
from matching.engine.vectorized import score_block, score_pairs

from .strategies import random_rows, seeds, weights


def all_pairs(n_s, n_d):
    return np.repeat(np.arange(n_s), n_d), np.tile(np.arange(n_d), n_s)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, weights=weights)
def test_score_pairs_and_blocks_agree_with_score_pair(seed, weights):
    students, demands = random_rows(seed, 8, 6)
    params = MatchParams(weights=weights, synonyms={"设备运维": "运维"})
    prep = prepare(students, demands, params)
    si, dj = all_pairs(len(students), len(demands))
    pairs = score_pairs(prep, si, dj)
    block = score_block(prep, np.arange(len(students)), np.arange(len(demands)), "full").ravel()
    for k, (i, j) in enumerate(zip(si, dj, strict=True)):
        score, components, _ = score_pair(students[i], demands[j], params)
        assert abs(pairs.score[k] - score) <= 1e-9
        assert [c.value for c in components] == pytest.approx(pairs.values[k].tolist(), abs=1e-12)
        assert bool(pairs.eligible[k]) is eligible(students[i], demands[j])
        if eligible(students[i], demands[j]):
            assert abs(np.round(block[k], 6) - score) <= 1e-9
        else:
            assert block[k] == -np.inf or demands[j].capacity <= 0


@settings(max_examples=15, deadline=None)
@given(seed=seeds)
def test_exhaustive_candidates_are_the_exact_top_k_both_ways(seed):
    students, demands = random_rows(seed, 60, 15)
    params = MatchParams(min_score=0.1)
    prep = prepare(students, demands, params)
    found = candidates.generate(prep, per_student=3, per_demand=4, exhaustive=True)
    dense = _dense(prep, params)
    chosen = np.zeros(dense.shape, dtype=bool)
    chosen[found.si, found.dj] = True
    assert (dense[found.si, found.dj] == found.score).all()
    _assert_top(dense, chosen, 3)
    _assert_top(dense.T, chosen.T, 4)


@settings(max_examples=15, deadline=None)
@given(seed=seeds)
def test_pruned_search_keeps_each_students_list_and_completes_small_demands(seed):
    students, demands = random_rows(seed, 80, 12)
    params = MatchParams(min_score=0.05)
    prep = prepare(students, demands, params)
    dense = _dense(prep, params)
    exact = candidates.generate(prep, per_student=2, per_demand=3, exhaustive=True)
    pruned = candidates.generate(prep, per_student=2, per_demand=3, exhaustive=False)
    chosen = np.zeros(dense.shape, dtype=bool)
    chosen[pruned.si, pruned.dj] = True
    _assert_top(dense, chosen, 2)  # every student's list is exact
    assert set(zip(exact.si.tolist(), exact.dj.tolist(), strict=True)) >= {
        (i, j) for i, j in zip(pruned.si.tolist(), pruned.dj.tolist(), strict=True) if _is_top(dense[i], j, 2)
    }
    # A demand whose list came out short was searched again from its side: none is left with fewer than it can get.
    for j in range(len(demands)):
        assert chosen[:, j].sum() >= min(3, int(np.isfinite(dense[:, j]).sum()))


def _dense(prep, params):
    scores = np.round(score_block(prep, np.arange(prep.n_s), np.arange(prep.n_d), "full"), 6)
    scores[(scores < params.min_score) | (prep.d_cap[None, :] <= 0)] = -np.inf
    return scores


def _assert_top(dense, chosen, k):
    """Every row has all pairs that beat its k-th best eligible score (ties may go either way)."""
    for row, picked in zip(dense, chosen, strict=True):
        values = np.sort(row[np.isfinite(row)])[::-1]
        if not len(values):
            assert not picked.any()
            continue
        kth = values[min(k, len(values)) - 1]
        assert picked[row > kth].all()
        assert picked.sum() >= min(k, len(values))


def _is_top(row, j, k):
    values = np.sort(row[np.isfinite(row)])[::-1]
    return np.isfinite(row[j]) and row[j] >= values[min(k, len(values)) - 1]
