"""The matching engine: pure computation, no ORM (DESIGN.md §4.4).

``types`` is the contract between the engine and the Django side: the Django layer (``matching.snapshot``) turns
database rows into ``StudentRow`` / ``DemandRow`` tuples; the engine returns a ``MatchResult`` that
``matching.services`` stores. Everything in this package is importable and testable without Django settings.

Entry points: ``match.run_matching`` (students ↔ talent demands), ``providers.rank_providers`` (needs ↔ providers),
``scoring.eligible`` / ``scoring.score_pair`` (one pair, for explanations), ``explain.explain`` (breakdown in words).
This module stays light (no numpy/OR-Tools import) so that importing ``types`` costs nothing.
"""

# Recorded with every run; bump when a change can alter scores, candidates or the allocation.
ALGORITHM_VERSION = "2026.1"
