"""The matching engine: pure computation, no ORM (DESIGN.md §4.4).

``types`` is the contract between the engine and the Django side: the Django layer (``matching.snapshot``) turns
database rows into ``StudentRow`` / ``DemandRow`` tuples; the engine returns a ``MatchResult`` that
``matching.services`` stores. Everything in this package is importable and testable without Django settings.
"""
