"""Pure tests of the gap and alignment computation (matching/gap.py) on hand-computed cases. No database."""

from __future__ import annotations

import pytest

from matching import gap
from matching.gap import (
    CHAIN,
    INDUSTRY,
    PROGRAMME,
    Action,
    ChainIn,
    DemandIn,
    GapInputs,
    IndustryIn,
    LinkIn,
    Maps,
    OfferingIn,
    ProgrammeIn,
    SupplyIn,
    analyse,
    balance,
    restrict,
    spread,
    year_trend,
)

Y = 2026
A, B, G, H = 1, 2, 3, 4  # industries
C, D = 10, 11  # chains: C covers A and B, D covers nothing


def ind(target: int) -> LinkIn:
    return LinkIn(target, None, 100)


def chain(target: int, weight: int = 100) -> LinkIn:
    return LinkIn(None, target, weight)


def demand(pk: int, headcount: int, filled: int = 0, *, industries=(), chains=(), programmes=(), year=Y) -> DemandIn:
    return DemandIn(pk, 500 + pk, year, headcount, filled, frozenset(industries), frozenset(chains),
                    frozenset(programmes))


INDUSTRIES = (IndustryIn(A, "甲产业", "组一"), IndustryIn(B, "乙产业", "组一"), IndustryIn(G, "丙产业", "组二"),
              IndustryIn(H, "丁产业", "组二"))
CHAINS = (ChainIn(C, "煤电化链", frozenset({A, B})), ChainIn(D, "空链"))


def fixture() -> GapInputs:
    """P1 → A (10 graduates), P2 → A 60 / B 40 (10), P3 → chain C (4), P4 unmapped (6), P5 → chain D (0).
    Demand: 30 in A (10 filled), 8 in A+B, 6 in chain C only, 5 unclassified, 12 in G (2 filled), 9 in H."""
    programmes = (
        ProgrammeIn(1, "460101", "数控技术", 100, "一校", True, (ind(A),)),
        ProgrammeIn(2, "460102", "机电一体化", 100, "一校", True, (LinkIn(A, None, 60), LinkIn(B, None, 40))),
        ProgrammeIn(3, "460103", "化工技术", 200, "二校", True, (chain(C),)),
        ProgrammeIn(4, "460104", "未对应专业", 200, "二校", True, ()),
        ProgrammeIn(5, "460105", "空链专业", 200, "二校", True, (chain(D),)),
    )
    supply = (
        SupplyIn(1, Y, 10, employed=8, local=6),
        SupplyIn(2, Y, 10, employed=4, local=1),
        SupplyIn(3, Y, 4),
        SupplyIn(4, Y, 6, employed=2, local=0),
        SupplyIn(1, Y + 1, 99),  # another year: ignored
    )
    demands = (
        demand(1, 30, 10, industries={A}, programmes={1}),
        demand(2, 8, industries={A, B}, programmes={1, 2}),
        demand(3, 6, chains={C}),
        demand(4, 5),
        demand(5, 12, 2, industries={G}),
        demand(6, 9, industries={H}),
        demand(7, 50, industries={A}, year=Y + 1),  # another year: ignored
    )
    return GapInputs(INDUSTRIES, CHAINS, programmes, supply, demands, (OfferingIn(1, Y, 45, "develop_first"),))


# --- shares ---------------------------------------------------------------------------------------------------------


def test_spread_normalises_weights_and_splits_other_dimension_items_equally():
    maps = Maps.build(INDUSTRIES, CHAINS)
    assert spread([(INDUSTRY, A, 60), (INDUSTRY, B, 40)], INDUSTRY, maps) == pytest.approx({A: 0.6, B: 0.4})
    assert spread([(CHAIN, C, 50), (INDUSTRY, G, 50)], INDUSTRY, maps) == pytest.approx({A: 0.25, B: 0.25, G: 0.5})
    # a chain without industries is unallocated in the industry dimension (shares sum below 1)
    assert spread([(CHAIN, D, 50), (INDUSTRY, A, 50)], INDUSTRY, maps) == pytest.approx({A: 0.5})
    # industry items reach the chains that contain them; G belongs to none
    assert spread([(INDUSTRY, A, 1), (INDUSTRY, G, 1)], CHAIN, maps) == pytest.approx({C: 0.5})
    assert spread([], INDUSTRY, maps) == {}
    assert spread([(INDUSTRY, A, 0)], INDUSTRY, maps) == {}
    assert spread([(INDUSTRY, 999, 1)], INDUSTRY, maps) == {}  # unknown target: nothing
    assert spread([(CHAIN, 999, 1)], CHAIN, maps) == {}


def test_demand_falls_back_to_the_other_dimension():
    maps = Maps.build(INDUSTRIES, CHAINS)
    only_chain = demand(1, 6, chains={C})
    assert gap.demand_shares(only_chain, INDUSTRY, maps) == pytest.approx({A: 0.5, B: 0.5})
    assert gap.demand_shares(only_chain, CHAIN, maps) == {C: 1.0}
    only_industry = demand(2, 6, industries={A, G})
    assert gap.demand_shares(only_industry, CHAIN, maps) == pytest.approx({C: 0.5})
    both = demand(3, 6, industries={A}, chains={C})
    assert gap.demand_shares(both, INDUSTRY, maps) == {A: 1.0}  # own industries win over the chain's
    # chains that map to nothing fall back to the industries
    assert gap.demand_shares(demand(4, 1, industries={G}, chains={D}), INDUSTRY, maps) == {G: 1.0}
    assert gap.demand_shares(demand(5, 1), INDUSTRY, maps) == {}


def test_balance_and_zero_denominators():
    assert balance(10, 10) == 100.0
    assert balance(10, 20) == pytest.approx(66.7)
    assert balance(0, 5) == 0.0
    assert balance(0, 0) is None


# --- targets, programmes, summary ---------------------------------------------------------------------------------


def test_industry_rows_are_hand_computed():
    report = analyse(fixture(), Y)
    rows = {r.id: r for r in report.industries}
    # S_A = 10·1 + 10·0.6 + 4·0.5 = 18; D_A = 30 + 8/2 + 6/2 = 37, filled 10
    a = rows[A]
    assert (a.expected_graduates, a.demand, a.filled, a.open, a.gap) == (18.0, 37.0, 10.0, 27.0, 19.0)
    assert (a.programmes, a.supply_ratio, a.balance) == (3, 0.49, pytest.approx(65.5))
    # S_B = 10·0.4 + 4·0.5 = 6; D_B = 4 + 3 = 7
    b = rows[B]
    assert (b.expected_graduates, b.demand, b.gap, b.programmes, b.balance) == (6.0, 7.0, 1.0, 2, 92.3)
    # employed/local through the shares: A = 8·1 + 4·0.6 = 10.4 employed, 6 + 0.6 = 6.6 local
    assert (a.employed, a.local, a.local_share) == (10.4, 6.6, 63.5)
    g = rows[G]
    assert (g.expected_graduates, g.demand, g.filled, g.programmes, g.supply_ratio, g.balance) == (
        0.0, 12.0, 2.0, 0, 0.0, 0.0)
    assert g.local_share is None  # nobody employed: zero denominator
    assert rows[H].demand == 9.0


def test_chain_rows_are_hand_computed():
    report = analyse(fixture(), Y)
    rows = {r.id: r for r in report.chains}
    c = rows[C]
    # supply: P1, P2 (industries of C) and P3 (C directly) = 24; demand: 30 + 8 (industries, fallback) + 6 = 44
    assert (c.expected_graduates, c.demand, c.filled, c.programmes, c.balance) == (24.0, 44.0, 10.0, 3, 70.6)
    assert c.industry_ids == frozenset({A, B})
    d = rows[D]
    assert (d.expected_graduates, d.demand, d.programmes, d.balance, d.supply_ratio) == (0.0, 0.0, 1, None, None)
    assert report.chains_without_industries == ("空链",)


def test_programme_alignment_index_is_hand_computed():
    rows = {p.id: p for p in analyse(fixture(), Y).programmes}
    p1 = rows[1]
    # M = 10·min(1, 37/18) = 10; A = 10·37/18 = 20.56; index = 200·10/30.56 = 65.5
    assert (p1.absorbable, p1.attributed_demand, p1.absorption, p1.coverage, p1.index) == (
        10.0, 20.6, 100.0, 48.6, 65.5)
    assert (p1.mapped_share, p1.industries, p1.planned_intake, p1.priority_class) == (
        100.0, ("甲产业",), 45, "develop_first")
    assert (p1.named_demand, p1.employed, p1.local, p1.local_share) == (38, 8, 6, 75.0)
    assert (p1.industry_demand, p1.industry_supply, p1.demand_ratio, p1.action) == (37.0, 18.0, 2.06, Action.EXPAND)
    p2 = rows[2]
    # A = 10·(0.6·37/18 + 0.4·7/6) = 17; index = 200·10/27 = 74.1; R = (22.2 + 2.8)/(10.8 + 2.4) = 1.89
    assert (p2.absorbable, p2.attributed_demand, p2.index, p2.demand_ratio, p2.action) == (
        10.0, 17.0, 74.1, 1.89, Action.EXPAND)
    assert p2.industries == ("甲产业", "乙产业") and p2.named_demand == 8
    p3 = rows[3]
    # chain C → A 0.5, B 0.5: A = 4·(0.5·37/18 + 0.5·7/6) = 6.44; index = 200·4/10.44 = 76.6
    assert (p3.absorbable, p3.attributed_demand, p3.index, p3.demand_ratio) == (4.0, 6.4, 76.6, 1.83)
    assert p3.chain_ids == frozenset({C})
    p4 = rows[4]  # graduates but no mapping: absorbs nothing, index 0, coverage undefined
    assert (p4.mapped_share, p4.absorbable, p4.absorption, p4.coverage, p4.index, p4.action) == (
        0.0, 0.0, 0.0, None, 0.0, Action.REVIEW)
    p5 = rows[5]  # no graduates this year: nothing to align
    assert (p5.expected_graduates, p5.index, p5.absorption, p5.coverage, p5.action) == (
        0, None, None, None, Action.REVIEW)
    assert p5.planned_intake is None and p5.local_share is None


def test_summary_is_hand_computed():
    s = analyse(fixture(), Y).summary
    # S = 30, D = 30 + 8 + 6 + 5 + 12 + 9 = 70, matched = min(18, 37) + min(6, 7) = 24
    assert (s.expected_graduates, s.demand, s.filled, s.open, s.matched) == (30, 70, 12, 58, 24.0)
    assert (s.absorption, s.coverage, s.index) == (80.0, 34.3, 48.0)  # index = 200·24/100
    assert s.demand_with_programme == 62.9  # (37 + 7)/70: A and B have programmes, G and H do not
    assert (s.unclassified_demand, s.unallocated_supply) == (5.0, 6.0)
    assert (s.employed, s.local, s.local_share) == (14, 7, 50.0)


def test_consortium_matched_volume_equals_the_programmes_absorbable_graduates():
    report = analyse(fixture(), Y)
    assert sum(p.absorbable for p in report.programmes) == pytest.approx(report.summary.matched, abs=0.2)


def test_recommendations_with_reasons():
    recs = analyse(fixture(), Y).recommendations
    by_subject = {(r.subject, r.subject_id): r for r in recs}
    open_g = by_subject[(INDUSTRY, G)]
    assert (open_g.action, open_g.demand, open_g.filled) == (Action.OPEN, 12.0, 2.0)
    assert "12" in open_g.reason and "没有对应的在办专业" in open_g.reason and "未满足10" in open_g.reason
    assert (INDUSTRY, H) not in by_subject  # 9 < OPEN_MIN_HEADCOUNT
    assert (INDUSTRY, A) not in by_subject and (CHAIN, C) not in by_subject  # they have programmes
    assert (CHAIN, D) not in by_subject  # no demand
    assert by_subject[(PROGRAMME, 1)].action == Action.EXPAND
    assert "2.06" in by_subject[(PROGRAMME, 1)].reason and "37" in by_subject[(PROGRAMME, 1)].reason
    assert by_subject[(PROGRAMME, 4)].reason == "专业尚未建立与产业或本地产业链的对应，无法评估供需。"
    assert "尚未设置所属产业" in by_subject[(PROGRAMME, 5)].reason
    # most pressing first: open, then expand (by demand), ..., review
    assert [r.action for r in recs] == ["open", "expand", "expand", "expand", "review", "review"]
    assert recs[0].action_label == "开设专业" and recs[0].subject_label == "产业"


def test_open_a_programme_for_a_chain_without_programmes():
    inputs = GapInputs(INDUSTRIES, CHAINS, (), (), (demand(1, 15, chains={D}),))
    recs = analyse(inputs, Y).recommendations
    assert [(r.subject, r.subject_id, r.action) for r in recs] == [(CHAIN, D, Action.OPEN)]


def test_shrink_keep_and_priority_warning():
    industries = (IndustryIn(A, "甲"), IndustryIn(B, "乙"))
    programmes = (ProgrammeIn(1, "1", "过剩专业", 9, "校", True, (ind(A),)),
                  ProgrammeIn(2, "2", "平衡专业", 9, "校", True, (ind(B),)))
    inputs = GapInputs(
        industries, (), programmes, (SupplyIn(1, Y, 10), SupplyIn(2, Y, 10)),
        (demand(1, 4, industries={A}), demand(2, 11, industries={B})),
        (OfferingIn(1, Y, 40, "shortage"),),
    )
    report = analyse(inputs, Y)
    rows = {p.id: p for p in report.programmes}
    assert (rows[1].demand_ratio, rows[1].action, rows[1].index, rows[1].coverage) == (0.4, Action.SHRINK, 57.1, 100.0)
    assert (rows[2].demand_ratio, rows[2].action, rows[2].index, rows[2].absorption) == (1.1, Action.KEEP, 95.2, 100.0)
    recs = {r.subject_id: r for r in report.recommendations}
    assert "0.40" in recs[1].reason and "规划重点类别" in recs[1].reason
    assert recs[2].reason.endswith("供需大体平衡。")


def test_thresholds_are_inclusive():
    industries = (IndustryIn(A, "甲"), IndustryIn(B, "乙"))
    programmes = (ProgrammeIn(1, "1", "x", 9, "校", True, (ind(A),)),
                  ProgrammeIn(2, "2", "y", 9, "校", True, (ind(B),)))
    inputs = GapInputs(industries, (), programmes, (SupplyIn(1, Y, 10), SupplyIn(2, Y, 10)),
                       (demand(1, 12, industries={A}), demand(2, 5, industries={B})))
    rows = {p.id: p for p in analyse(inputs, Y).programmes}
    assert (rows[1].demand_ratio, rows[1].action) == (gap.EXPAND_RATIO, Action.EXPAND)
    assert (rows[2].demand_ratio, rows[2].action) == (gap.SHRINK_RATIO, Action.SHRINK)


def test_programme_without_graduates_in_an_industry_nobody_supplies_should_expand():
    programmes = (ProgrammeIn(1, "1", "新专业", 9, "校", True, (ind(A),)),
                  ProgrammeIn(2, "2", "闲置", 9, "校", True, (ind(B),)))
    inputs = GapInputs(INDUSTRIES, (), programmes, (), (demand(1, 7, industries={A}),))
    report = analyse(inputs, Y)
    rows = {p.id: p for p in report.programmes}
    assert (rows[1].index, rows[1].demand_ratio, rows[1].action) == (None, None, Action.EXPAND)
    recs = {r.subject_id: r for r in report.recommendations}
    assert recs[1].reason == "对应产业本年度需求7人，但没有任何预计毕业生。"
    assert (rows[2].action, recs[2].reason) == (Action.KEEP, "对应产业本年度既无需求也无预计毕业生，暂无调整依据。")
    assert report.summary.index == 0.0 and report.summary.absorption is None and report.summary.coverage == 0.0


def test_zero_graduates_but_other_programmes_supply_the_industry():
    programmes = (ProgrammeIn(1, "1", "a", 9, "校", True, (ind(A),)),
                  ProgrammeIn(2, "2", "b", 9, "校", True, (ind(A),)))
    inputs = GapInputs(INDUSTRIES, (), programmes, (SupplyIn(1, Y, 20),), (demand(1, 5, industries={A}),))
    rows = {p.id: p for p in analyse(inputs, Y).programmes}
    assert (rows[2].index, rows[2].demand_ratio, rows[2].action) == (None, 0.25, Action.SHRINK)


def test_unserved_industry_among_mapped_ones_means_expand():
    programmes = (ProgrammeIn(1, "1", "a", 9, "校", True, (ind(A),)),
                  ProgrammeIn(2, "2", "b", 9, "校", True, (ind(A), ind(B))))
    inputs = GapInputs(INDUSTRIES, (), programmes, (SupplyIn(1, Y, 20),),
                       (demand(1, 2, industries={A}), demand(2, 3, industries={B})))
    rows = {p.id: p for p in analyse(inputs, Y).programmes}
    assert rows[2].action == Action.EXPAND
    rec = next(r for r in analyse(inputs, Y).recommendations if r.subject_id == 2)
    assert "没有任何预计毕业生" in rec.reason


def test_everything_empty_has_no_figures_and_no_crash():
    report = analyse(GapInputs(), Y)
    s = report.summary
    assert (s.expected_graduates, s.demand, s.index, s.absorption, s.coverage, s.demand_with_programme,
            s.local_share) == (0, 0, None, None, None, None, None)
    assert report.industries == () and report.programmes == () and report.recommendations == ()
    assert year_trend(GapInputs(), [Y - 1, Y])[0].index is None


def test_inactive_programmes_count_as_supply_but_get_no_advice_and_open_stays_possible():
    programmes = (ProgrammeIn(1, "1", "停办专业", 9, "校", False, (ind(A),)),
                  ProgrammeIn(2, "2", "停办无毕业生", 9, "校", False, (ind(A),)))
    inputs = GapInputs(INDUSTRIES, (), programmes, (SupplyIn(1, Y, 3),), (demand(1, 20, industries={A}),))
    report = analyse(inputs, Y)
    assert [p.id for p in report.programmes] == [1]  # the closed one without graduates is not listed
    assert report.programmes[0].action is None
    row_a = next(r for r in report.industries if r.id == A)
    assert (row_a.expected_graduates, row_a.programmes) == (3.0, 0)
    assert [(r.subject, r.subject_id, r.action) for r in report.recommendations] == [(INDUSTRY, A, Action.OPEN)]


# --- restrict and trend ---------------------------------------------------------------------------------------------


def test_restrict_by_chain_selects_rows_without_recomputing():
    full = analyse(fixture(), Y)
    only_c = restrict(full, chain_id=C)
    assert [c.id for c in only_c.chains] == [C]
    assert [i.id for i in only_c.industries] == [A, B]
    assert [p.id for p in only_c.programmes] == [1, 2, 3]
    assert only_c.summary == full.summary
    assert {(r.subject, r.subject_id) for r in only_c.recommendations} == {(PROGRAMME, 1), (PROGRAMME, 2),
                                                                           (PROGRAMME, 3)}
    assert next(p for p in only_c.programmes if p.id == 1) == next(p for p in full.programmes if p.id == 1)
    only_d = restrict(full, chain_id=D)
    assert only_d.industries == () and [p.id for p in only_d.programmes] == [5]


def test_restrict_to_a_school_and_hide_local_figures():
    full = analyse(fixture(), Y)
    school = restrict(full, programme_unit_ids=frozenset({100}), hide_local=True)
    assert [p.id for p in school.programmes] == [1, 2]
    assert school.programmes[0].local_share == 75.0  # own programmes keep their local share
    assert {(r.subject, r.subject_id) for r in school.recommendations} == {
        (PROGRAMME, 1), (PROGRAMME, 2), (INDUSTRY, G)}
    assert all(r.local_share is None and r.employed is None for r in school.industries + school.chains)
    assert (school.summary.local_share, school.summary.employed) == (None, None)
    assert school.summary.index == full.summary.index and school.local_hidden
    assert restrict(full, programme_unit_ids=frozenset()).programmes == ()


def test_year_trend_totals_and_chain():
    inputs = fixture()
    rows = {r.year: r for r in year_trend(inputs, [Y, Y + 1])}
    assert (rows[Y].expected_graduates, rows[Y].demand, rows[Y].index, rows[Y].local_share) == (30, 70, 48.0, 50.0)
    # Y+1: P1 has 99 graduates in A; 50 demand in A: matched 50, index = 200·50/149 = 67.1
    assert (rows[Y + 1].expected_graduates, rows[Y + 1].demand, rows[Y + 1].matched, rows[Y + 1].index) == (
        99, 50, 50.0, 67.1)
    chain_rows = year_trend(inputs, [Y], chain_id=C, hide_local=True)
    assert [(r.expected_graduates, r.demand, r.matched, r.index, r.local_share) for r in chain_rows] == [
        (24.0, 44.0, 24.0, 70.6, None)]
    assert year_trend(inputs, [Y], chain_id=999) == []
    assert gap.trend_years(Y) == [Y - 2, Y - 1, Y, Y + 1, Y + 2]
