"""Counters of the isolation suite, printed at the end of the session by conftest.py."""

from collections import Counter

STATS: Counter = Counter()
API_ROUTES: set[str] = set()
HTML_ROUTES: set[str] = set()
ROLES_SEEN: set[str] = set()


def check(condition: bool) -> bool:
    """Count one assertion (the caller asserts or collects the failure)."""
    STATS["assertions"] += 1
    return condition
