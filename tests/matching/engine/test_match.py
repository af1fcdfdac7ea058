"""run_matching end to end on small inputs: the plan, recommendations, ranks, progress, cancellation, determinism."""

import random
from dataclasses import replace

import pytest

from matching.engine.explain import explain
from matching.engine.match import Cancelled, run_matching
from matching.engine.scoring import eligible, score_pair
from matching.engine.types import MatchParams

from .rows import demand, student
from .strategies import random_rows


def test_a_small_run_allocates_the_optimum_and_explains_it():
    welder = dict(programme_id=1, skills=("焊工",), willing_local=True)
    students = [student(1, **welder), student(2, **welder), student(3, programme_id=2, programme_class="6699")]
    demands = [
        demand(10, capacity=1, is_local=True, skills=(("焊接", 5),)),
        demand(11, capacity=2, programme_ids=frozenset({2}), programme_classes=frozenset({"6699"}),
               skills=(("PLC编程", 5),)),
    ]
    result = run_matching(students, demands, MatchParams())
    plan = {(a.student_id, a.demand_id): a.score for a in result.assignments}
    # Demand 10 (one seat) takes one welder; the other welder and student 3 go to demand 11.
    assert sorted(plan) == [(1, 10), (2, 11), (3, 11)]
    assert result.total_score == round(sum(plan.values()), 6)
    for a in result.assignments:
        s = next(x for x in students if x.id == a.student_id)
        d = next(x for x in demands if x.id == a.demand_id)
        assert eligible(s, d) and a.score == score_pair(s, d)[0]
    first = next(r for r in result.recommendations if (r.student_id, r.demand_id) == (1, 10))
    assert explain(first.components) == (
        "专业对口 +0.40 · 技能 1/1 +0.30 · 学历 +0.05 · 地点 +0.03 · 本地意愿 +0.10 · 到岗时间 +0.05"
    )
    third = next(r for r in result.recommendations if (r.student_id, r.demand_id) == (3, 11))
    assert third.missing_skills == ("PLC编程",)
    assert result.stats["candidate_pairs"] == 6 and result.stats["assignments"] == 3


def test_recommendations_are_the_top_k_both_ways_with_ranks():
    students, demands = random_rows(11, 40, 12)
    result = run_matching(students, demands, MatchParams(top_k=2, min_score=0.1))
    recs = result.recommendations
    assert recs and all(r.score >= 0.1 for r in recs)
    by_student, by_demand = {}, {}
    for r in recs:
        by_student.setdefault(r.student_id, []).append(r)
        by_demand.setdefault(r.demand_id, []).append(r)
    for rows, rank in ((by_student, "rank_for_student"), (by_demand, "rank_for_demand")):
        for group in rows.values():
            ordered = sorted(group, key=lambda r: getattr(r, rank))
            assert [getattr(r, rank) for r in ordered] == list(range(1, len(group) + 1))
            assert [r.score for r in ordered] == sorted((r.score for r in group), reverse=True)
    # Every student's two best eligible demands are recommended (up to ties at the second place).
    s_by_id, d_by_id = {s.id: s for s in students}, {d.id: d for d in demands}
    for s in students:
        scores = sorted((score_pair(s, d)[0] for d in demands if eligible(s, d) and score_pair(s, d)[0] >= 0.1),
                        reverse=True)
        got = sorted((r.score for r in by_student.get(s.id, ())), reverse=True)
        assert got[: min(2, len(scores))] == scores[:2]
    assert all(eligible(s_by_id[r.student_id], d_by_id[r.demand_id]) for r in recs)


def test_the_same_input_in_any_order_gives_the_same_result():
    students, demands = random_rows(5, 50, 10)
    first = run_matching(students, demands, MatchParams(min_score=0.1))
    shuffled_students, shuffled_demands = students[:], demands[:]
    random.Random(1).shuffle(shuffled_students)
    random.Random(2).shuffle(shuffled_demands)
    again = run_matching(shuffled_students, shuffled_demands, MatchParams(min_score=0.1))
    assert again.assignments == first.assignments
    assert again.recommendations == first.recommendations
    assert again.total_score == first.total_score


def test_min_score_capacity_and_eligibility_are_respected():
    students = [student(1), student(2, level="secondary"), student(3, studying=False)]
    demands = [
        demand(10, capacity=0),
        demand(11, education_level="associate"),  # nobody qualifies
        demand(12, kind="internship"),  # student 3 has graduated; 1 and 2 graduate on the start date
        demand(13, programme_ids=frozenset(), programme_classes=frozenset(), major_category_ids=frozenset()),
    ]
    result = run_matching(students, demands, MatchParams(min_score=0.3))
    assert result.recommendations == () and result.assignments == () and result.total_score == 0.0
    loose = run_matching(students, demands, MatchParams(min_score=0.0))
    assert {r.demand_id for r in loose.recommendations} == {13}
    assert len(loose.assignments) == 1


def test_stable_option():
    students, demands = random_rows(9, 30, 8)
    params = MatchParams(min_score=0.1)
    best = run_matching(students, demands, params)
    steady = run_matching(students, demands, replace(params, stable=True))
    assert steady.total_score <= best.total_score
    seats = {d.id: d.capacity for d in demands}
    taken = {}
    for a in steady.assignments:
        taken[a.demand_id] = taken.get(a.demand_id, 0) + 1
    assert all(taken[d] <= seats[d] for d in taken)


def test_progress_is_reported_through_every_phase():
    students, demands = random_rows(3, 20, 5)
    calls = []
    run_matching(students, demands, MatchParams(), progress=lambda percent, text: calls.append((percent, text)))
    percents = [p for p, _ in calls]
    assert percents[0] == 0 and percents[-1] == 100 and percents == sorted(percents)
    phases = [text for percent, text in calls if percent in (0, 10, 60, 80, 100)]
    assert phases == ["准备数据", "生成候选", "生成推荐", "分配名额", "完成"]


@pytest.mark.parametrize("after", [0, 1, 2, 3])
def test_cancellation_is_checked_between_phases(after):
    students, demands = random_rows(3, 20, 5)
    polls = []

    def should_cancel():
        polls.append(1)
        return len(polls) > after

    with pytest.raises(Cancelled):
        run_matching(students, demands, MatchParams(), should_cancel=should_cancel)


def test_empty_inputs_and_duplicate_ids():
    empty = run_matching([], [], MatchParams())
    assert (empty.recommendations, empty.assignments, empty.total_score) == ((), (), 0.0)
    assert run_matching([student(1)], [], MatchParams()).assignments == ()
    with pytest.raises(ValueError):
        run_matching([student(1), student(1)], [demand(1)], MatchParams())
