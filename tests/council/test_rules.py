"""Pure governance arithmetic: no database."""

import pytest

from consortium.council.choices import PassRule
from consortium.council.rules import quorum, resolution_outcome, votes_needed


@pytest.mark.parametrize(
    ("seats", "present", "num", "den", "required", "met"),
    [
        (9, 6, 2, 3, 6, True),  # exactly two thirds
        (9, 5, 2, 3, 6, False),
        (10, 7, 2, 3, 7, True),  # ceil(20/3) = 7
        (10, 6, 2, 3, 7, False),
        (7, 4, 1, 2, 4, True),  # ceil(3.5) = 4
        (7, 3, 1, 2, 4, False),
        (15, 15, 1, 1, 15, True),
        (0, 0, 2, 3, 0, False),  # no council, no quorum
    ],
)
def test_quorum_uses_ceiling(seats, present, num, den, required, met):
    assert quorum(seats, present, num, den) == (required, met)


@pytest.mark.parametrize(
    ("args", "message"), [((5, 1, 1, 0), "denominator"), ((5, 1, 4, 3), "exceed"), ((-1, 0, 2, 3), "negative")]
)
def test_quorum_rejects_nonsense(args, message):
    with pytest.raises(ValueError, match=message):
        quorum(*args)


def test_majority_present_is_strictly_more_than_half():
    assert resolution_outcome(5, 5, 0, 10, 15, PassRule.MAJORITY_PRESENT) is False  # exactly half is not enough
    assert resolution_outcome(6, 4, 0, 10, 15, PassRule.MAJORITY_PRESENT) is True
    assert resolution_outcome(5, 0, 5, 10, 15, PassRule.MAJORITY_PRESENT) is False  # abstentions are not "for"


def test_majority_all_counts_every_seat():
    assert resolution_outcome(6, 0, 0, 10, 12, PassRule.MAJORITY_ALL) is False
    assert resolution_outcome(7, 0, 0, 10, 12, PassRule.MAJORITY_ALL) is True


def test_two_thirds_is_at_least_two_thirds():
    assert resolution_outcome(6, 3, 0, 9, 12, PassRule.TWO_THIRDS_PRESENT) is True  # exactly 2/3
    assert resolution_outcome(5, 4, 0, 9, 12, PassRule.TWO_THIRDS_PRESENT) is False
    assert resolution_outcome(8, 1, 0, 9, 12, PassRule.TWO_THIRDS_ALL) is True
    assert resolution_outcome(7, 2, 0, 9, 12, PassRule.TWO_THIRDS_ALL) is False


def test_outcome_rejects_impossible_counts():
    with pytest.raises(ValueError, match="more votes"):
        resolution_outcome(5, 5, 1, 10, 12, PassRule.MAJORITY_PRESENT)
    with pytest.raises(ValueError, match="unknown"):
        resolution_outcome(1, 0, 0, 1, 1, "unanimous")
    assert resolution_outcome(0, 0, 0, 0, 0, PassRule.MAJORITY_PRESENT) is False


def test_votes_needed_matches_outcome():
    for rule in PassRule.values:
        needed = votes_needed(9, 12, rule)
        assert resolution_outcome(needed, 0, 0, 9, 12, rule) if needed <= 9 else True
        assert not resolution_outcome(needed - 1, 0, 0, 9, 12, rule)
