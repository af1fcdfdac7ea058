"""Needs ↔ providers: staff-training needs → practice centres, courses, trainers; technology problems → teachers,
industry professors, R&D platforms.

Score = round(0.7 × terms + 0.3 × industry, 6):

* terms — cosine similarity of the need's and the provider's term sets (jieba + synonyms, as for skills), each
  term weighted by its inverse document frequency over the provider texts (TF-IDF with binary term frequency), so
  a rare shared term such as "锅炉" counts for more than a common one such as "管理";
* industry — share of the need's industries that the provider also serves.

Only providers sharing at least one term or industry are listed; the best ``k`` per need, ties by (kind, id).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse

from .scoring import round_value
from .text import normaliser
from .types import Component, NeedRow, ProviderMatch, ProviderRow

WEIGHTS = {"terms": 0.7, "industry": 0.3}
MATCHED_TERMS_SHOWN = 8


def _rows(term_sets: Sequence[frozenset[str]], vocab: dict[str, int], idf: np.ndarray) -> sparse.csr_matrix:
    """Rows of L2-normalised idf weights."""
    indptr, indices, data = [0], [], []
    for terms in term_sets:
        cols = sorted(vocab[t] for t in terms)
        weights = idf[cols]
        norm = math.sqrt(float((weights**2).sum())) or 1.0
        indices += cols
        data += (weights / norm).tolist()
        indptr.append(len(indices))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(term_sets), len(vocab)), dtype=np.float64)


def _industries(sets: Sequence[frozenset[int]], vocab: dict[int, int]) -> sparse.csr_matrix:
    indptr, indices = [0], []
    for values in sets:
        indices += sorted(vocab.setdefault(v, len(vocab)) for v in values)
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.ones(len(indices)), indices, indptr), shape=(len(sets), max(len(vocab), 1)), dtype=np.float64
    )


def rank_providers(
    needs: Sequence[NeedRow],
    providers: Sequence[ProviderRow],
    *,
    k: int = 5,
    synonyms: Mapping[str, str] | None = None,
) -> list[ProviderMatch]:
    """The best ``k`` providers of each need, ordered by need id then rank."""
    if not needs or not providers or k <= 0:
        return []
    norm = normaliser(synonyms)
    needs = sorted(needs, key=lambda n: n.id)
    providers = sorted(providers, key=lambda p: (p.kind, p.id))
    provider_terms = [norm.terms(p.text) for p in providers]
    need_terms = [norm.terms(n.text) for n in needs]

    vocab: dict[str, int] = {}
    for terms in (*provider_terms, *need_terms):
        for term in sorted(terms):
            vocab.setdefault(term, len(vocab))
    df = np.zeros(len(vocab))
    for terms in provider_terms:
        df[[vocab[t] for t in terms]] += 1
    idf = np.log((1 + len(providers)) / (1 + df)) + 1.0
    cosine = (_rows(need_terms, vocab, idf) @ _rows(provider_terms, vocab, idf).T).toarray()

    industry_vocab: dict[int, int] = {}
    need_ind = _industries([n.industry_ids for n in needs], industry_vocab)
    provider_ind = _industries([p.industry_ids for p in providers], industry_vocab)
    need_ind.resize((need_ind.shape[0], max(len(industry_vocab), 1)))
    provider_ind.resize((provider_ind.shape[0], max(len(industry_vocab), 1)))
    shared = (need_ind @ provider_ind.T).toarray()
    share = shared / np.maximum(np.array([len(n.industry_ids) for n in needs], dtype=np.float64), 1.0)[:, None]

    results: list[ProviderMatch] = []
    for i, need in enumerate(needs):
        candidates = np.flatnonzero((cosine[i] > 1e-12) | (shared[i] > 0))
        rows = []
        for p in candidates.tolist():
            terms_value = round_value(WEIGHTS["terms"] * min(float(cosine[i, p]), 1.0))
            industry_value = round_value(WEIGHTS["industry"] * float(share[i, p]))
            score = round_value(terms_value + industry_value)
            if score > 0:
                rows.append((-score, providers[p].kind, providers[p].id, p, terms_value, industry_value, score))
        rows.sort()
        for rank, (_, _, _, p, terms_value, industry_value, score) in enumerate(rows[:k], start=1):
            provider = providers[p]
            matched = sorted(need_terms[i] & provider_terms[p], key=lambda t: (-idf[vocab[t]], t))
            results.append(
                ProviderMatch(
                    need_id=need.id,
                    provider_kind=provider.kind,
                    provider_id=provider.id,
                    score=score,
                    matched_terms=tuple(matched[:MATCHED_TERMS_SHOWN]),
                    components=(Component("terms", terms_value), Component("industry", industry_value)),
                    rank=rank,
                )
            )
    return results
