"""Pure rules of order classes: the lifecycle table, cost sharing, quota, joint grading and retention (no DB)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from enterprises.choices.order_classes import (
    STAGE_PATH,
    TRANSITIONS,
    OrderClassStage,
    Party,
    cost_sharing_problem,
    final_score,
    next_actions,
    quota_allows,
    quota_headroom,
    quota_message,
    rate,
    retention_rates,
    transition_problem,
)

ALL_PARTIES = {Party.SCHOOL, Party.ENTERPRISE, Party.SECRETARIAT}


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_transition_is_allowed_from_its_sources_for_its_parties(action):
    transition = TRANSITIONS[action]
    for stage in transition.sources:
        for party in transition.parties:
            assert transition_problem(stage, action, {party}) is None, (stage, action, party)


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_transition_is_refused_from_other_stages_with_the_allowed_stages_named(action):
    transition = TRANSITIONS[action]
    for stage in OrderClassStage.values:
        if stage in transition.sources:
            continue
        problem = transition_problem(stage, action, ALL_PARTIES)
        assert problem is not None and str(OrderClassStage(transition.sources[0]).label) in problem


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_transition_is_refused_to_the_wrong_party(action):
    transition = TRANSITIONS[action]
    wrong = ALL_PARTIES - transition.parties
    for party in wrong:
        problem = transition_problem(transition.sources[0], action, {party})
        assert problem is not None and "只能由" in problem
    assert transition_problem(transition.sources[0], action, set()) is not None


def test_party_table_matches_the_design():
    assert TRANSITIONS["graduate"].parties == {Party.SCHOOL}
    assert TRANSITIONS["record_employment"].parties == {Party.ENTERPRISE, Party.SECRETARIAT}
    assert TRANSITIONS["start_assessment"].parties == {Party.SCHOOL, Party.ENTERPRISE}
    assert set(TRANSITIONS["cancel"].sources) == {
        OrderClassStage.PROPOSED,
        OrderClassStage.AGREED,
        OrderClassStage.ENROLLING,
    }
    # the main path is a chain: each non-final stage has exactly one forward transition
    forward = {t.sources[0]: t.target for n, t in TRANSITIONS.items() if n != "cancel"}
    for here, there in zip(STAGE_PATH, STAGE_PATH[1:], strict=False):
        assert forward[here] == there


def test_agree_needs_both_confirmations_and_valid_costs():
    assert "双方确认" in transition_problem(
        "proposed", "agree", {Party.SCHOOL}, school_confirmed=True, enterprise_confirmed=False
    )
    assert transition_problem("proposed", "agree", {Party.SCHOOL}, cost_problem="X") == "X"
    assert "在班学生" in transition_problem("enrolling", "start_training", {Party.SCHOOL}, enrolled=0)


def test_unknown_action():
    assert "未知" in transition_problem("proposed", "teleport", ALL_PARTIES)


def test_next_actions_per_party():
    assert [t.action for t in next_actions("proposed", {Party.ENTERPRISE})] == ["agree", "cancel"]
    assert [t.action for t in next_actions("assessing", {Party.ENTERPRISE})] == []
    assert [t.action for t in next_actions("assessing", {Party.SCHOOL})] == ["graduate"]
    assert next_actions("closed", ALL_PARTIES) == []


@pytest.mark.parametrize(
    ("values", "ok"),
    [
        ((40, 50, 10), True),
        ((0, 0, 0), True),
        ((100, 0, 0), True),
        ((40, 50, 20), False),
        ((-1, 101, 0), False),
        ((None, 100, None), True),
    ],
)
def test_cost_sharing(values, ok):
    assert (cost_sharing_problem(*values) is None) is ok


def test_cost_sharing_message_states_the_total():
    assert "110%" in cost_sharing_problem(40, 50, 20)


def test_quota():
    assert quota_allows(3, 2) and not quota_allows(3, 3) and not quota_allows(3, 2, adding=2)
    assert quota_headroom(3, 5) == 0
    text = quota_message(3, 2, adding=2)
    assert "名额3人" in text and "已在班2人" in text and "剩余1人" in text and "2人" in text


def test_final_score_weights_and_missing_parts():
    assert final_score(Decimal("80"), Decimal("90"), 60) == Decimal("84.0")
    assert final_score(80, 91, 50) == Decimal("85.5")
    assert final_score(None, 90) is None and final_score(80, None) is None
    assert final_score(70, 90, 100) == Decimal("70.0")


def test_retention_rates():
    rates = retention_rates([(6, True), (6, True), (6, False), (12, True)])
    assert rates == {6: 66.7, 12: 100.0}
    assert retention_rates([]) == {6: None, 12: None}
    assert rate(1, 0) is None and rate(1, 4) == 25.0
