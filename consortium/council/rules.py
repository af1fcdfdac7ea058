"""Pure governance arithmetic (no ORM): quorum and the outcome of a vote.

"过半数" (more than half) means strictly more than half; "三分之二" (two thirds) means at least two thirds.
Integer arithmetic only, so 2/3 of 9 is exactly 6 and never 5.999.
"""

from __future__ import annotations

from .choices import PassRule


def _check_non_negative(**values: int) -> None:
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"{name} must not be negative (got {value})")


def quorum(seat_count: int, present_count: int, numerator: int, denominator: int) -> tuple[int, bool]:
    """(required attendance, met) — required = ceil(seat_count × numerator / denominator).

    With no seats at all there is no council to decide anything: the quorum is never met.
    """
    _check_non_negative(seat_count=seat_count, present_count=present_count, numerator=numerator)
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    if numerator > denominator:
        raise ValueError("quorum fraction must not exceed 1")
    required = -(-seat_count * numerator // denominator)  # ceiling without floats
    met = seat_count > 0 and present_count >= required
    return required, met


def resolution_outcome(
    votes_for: int, against: int, abstain: int, present_count: int, seat_count: int, pass_rule: str
) -> bool:
    """Whether a resolution is adopted under ``pass_rule`` (abstentions count as not in favour)."""
    _check_non_negative(
        votes_for=votes_for, against=against, abstain=abstain, present_count=present_count, seat_count=seat_count
    )
    if votes_for + against + abstain > present_count:
        raise ValueError("more votes than seats present")
    if present_count > seat_count:
        raise ValueError("more seats present than seats")
    if pass_rule == PassRule.MAJORITY_PRESENT:
        return present_count > 0 and votes_for * 2 > present_count
    if pass_rule == PassRule.MAJORITY_ALL:
        return seat_count > 0 and votes_for * 2 > seat_count
    if pass_rule == PassRule.TWO_THIRDS_PRESENT:
        return present_count > 0 and votes_for * 3 >= present_count * 2
    if pass_rule == PassRule.TWO_THIRDS_ALL:
        return seat_count > 0 and votes_for * 3 >= seat_count * 2
    raise ValueError(f"unknown pass rule: {pass_rule}")


def votes_needed(present_count: int, seat_count: int, pass_rule: str) -> int:
    """The smallest number of votes in favour that adopts a resolution (for display)."""
    base = seat_count if pass_rule in (PassRule.MAJORITY_ALL, PassRule.TWO_THIRDS_ALL) else present_count
    if pass_rule in (PassRule.MAJORITY_PRESENT, PassRule.MAJORITY_ALL):
        return base // 2 + 1
    return -(-base * 2 // 3)
