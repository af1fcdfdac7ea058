from datetime import date

import pytest

from matching.engine.explain import explain
from matching.engine.scoring import eligible, score_pair
from matching.engine.types import COMPONENTS, MatchParams

from .rows import demand, student


def values(components):
    return {c.name: c.value for c in components}


def test_a_full_match_is_the_sum_of_its_hand_computed_components():
    s = student(
        skills=("焊工", "识图"),
        certificates=("低压电工作业证",),
        willing_local=True,
        places=("七星泡镇",),
    )
    d = demand(
        education_level="secondary",
        place="宝清县七星泡镇",
        is_local=True,
        skills=(("焊接", 3), ("电工操作", 2), ("PLC编程", 1)),
    )
    score, components, missing = score_pair(s, d, MatchParams())
    assert [c.name for c in components] == list(COMPONENTS)
    assert values(components) == {
        "programme": 0.40,  # same programme
        "skills": 0.25,  # importance 3 + 2 of 6 covered (焊工 = 焊接, the electrician certificate = 电工操作)
        "level": 0.05,
        "place": 0.05,  # "七星泡" (suffix dropped) is in "宝清县七星泡镇"
        "local": 0.10,
        "timing": 0.05,  # graduates in the month of the start
        "order_class": 0.0,
    }
    assert score == 0.9
    assert missing == ("PLC编程",)
    assert components[1].detail == "2/3"
    assert explain(components) == (
        "专业对口 +0.40 · 技能 2/3 +0.25 · 学历 +0.05 · 地点 +0.05 · 本地意愿 +0.10 · 到岗时间 +0.05"
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, 0.40),
        ({"programme_ids": frozenset({2})}, 0.30),  # same 专业类
        ({"programme_ids": frozenset({2}), "programme_classes": frozenset({"6604"})}, 0.20),  # same 专业大类
        ({"programme_ids": frozenset(), "programme_classes": frozenset(), "major_category_ids": frozenset(),
          "industry_ids": frozenset({7})}, 0.12),  # shared industry
        ({"programme_ids": frozenset(), "programme_classes": frozenset(), "major_category_ids": frozenset(),
          "keywords": ("焊接相关专业",)}, 0.12),  # keyword covered by the student's terms
        ({"programme_ids": frozenset(), "programme_classes": frozenset(), "major_category_ids": frozenset()}, 0.0),
    ],
)
def test_programme_fit_tiers(changes, expected):
    s = student(industry_ids=frozenset({7, 8}), skills=("焊工",))
    _, components, _ = score_pair(s, demand(**changes))
    assert values(components)["programme"] == expected


def test_skills_are_weighted_by_importance_and_missing_ones_listed_most_important_first():
    d = demand(skills=(("识图", 1), ("焊接", 2), ("PLC编程", 5), ("数控车床", 4)))
    _, components, missing = score_pair(student(skills=("熟练掌握数控车工", "看图")), d)
    assert values(components)["skills"] == round(0.3 * 5 / 12, 6)
    assert components[1].detail == "2/4"
    assert missing == ("PLC编程", "焊接")
    # A demand without skills is neutral (0.5), not a perfect fit.
    _, components, missing = score_pair(student(), demand(skills=()))
    assert values(components)["skills"] == 0.15 and components[1].detail == "" and missing == ()


def test_level_exact_overqualified_and_any():
    assert values(score_pair(student(level="associate"), demand(education_level="associate"))[1])["level"] == 0.05
    assert values(score_pair(student(level="bachelor"), demand(education_level="associate"))[1])["level"] == 0.025
    assert values(score_pair(student(level="secondary"), demand(education_level="any"))[1])["level"] == 0.05


def test_place_and_local():
    def place(places, text):
        return values(score_pair(student(places=places), demand(place=text))[1])["place"]

    assert place(("宝清县",), "宝清县七星泡镇") == 0.05
    assert place(("宝清",), "宝清镇") == 0.05
    assert place((), "宝清镇") == 0.025  # no preference
    assert place(("饶河",), "") == 0.025  # no place given
    assert place(("饶河",), "宝清镇") == 0.0
    local = values(score_pair(student(willing_local=True), demand(is_local=True))[1])["local"]
    not_local = values(score_pair(student(willing_local=True), demand(is_local=False))[1])["local"]
    assert (local, not_local) == (0.10, 0.0)


def test_timing_decays_with_the_wait_for_the_student():
    def timing(graduation, studying=True, kind="employment"):
        return values(score_pair(student(graduation=graduation, studying=studying), demand(kind=kind))[1])["timing"]

    assert timing(date(2026, 7, 1)) == 0.05
    assert timing(date(2025, 7, 1), studying=False) == 0.05  # already graduated: available now
    assert timing(date(2026, 10, 1)) == 0.025  # three months later: half
    assert timing(date(2027, 7, 1), kind="internship") == 0.05  # an intern in the last year
    assert timing(date(2028, 7, 1), kind="internship") == 0.003125  # 12 months beyond the last year: 1/16


def test_order_class_tie_and_missing_weights():
    s = student(order_class_unit_ids=frozenset({500}))
    assert values(score_pair(s, demand(unit_id=500))[1])["order_class"] == 0.05
    assert values(score_pair(s, demand(unit_id=501))[1])["order_class"] == 0.0
    score, components, _ = score_pair(s, demand(unit_id=500), MatchParams(weights={"programme": 1.0, "bogus": 9}))
    assert score == 1.0
    assert values(components) == {name: (1.0 if name == "programme" else 0.0) for name in COMPONENTS}


@pytest.mark.parametrize(
    ("kind", "graduation", "studying", "start", "expected"),
    [
        ("employment", date(2025, 7, 1), False, date(2026, 7, 1), True),  # graduate
        ("employment", date(2026, 10, 1), True, date(2026, 7, 1), True),  # graduates 3 months after the start
        ("employment", date(2026, 11, 1), True, date(2026, 7, 1), False),  # 4 months
        ("internship", date(2026, 7, 1), True, date(2026, 6, 15), True),  # still at school on the start date
        ("internship", date(2026, 7, 1), True, date(2026, 7, 1), False),  # graduates that day
        ("internship", date(2025, 7, 1), False, date(2026, 7, 1), False),
        ("apprenticeship", date(2025, 7, 1), False, date(2026, 7, 1), True),
        ("apprenticeship", date(2028, 7, 1), True, date(2026, 7, 1), True),
        ("order_class_intake", date(2027, 7, 1), True, date(2026, 7, 1), True),  # 12 months of school left
        ("order_class_intake", date(2027, 6, 1), True, date(2026, 7, 1), False),
        ("order_class_intake", date(2028, 7, 1), False, date(2026, 7, 1), False),
        ("bogus", date(2026, 7, 1), True, date(2026, 7, 1), False),
    ],
)
def test_eligibility_by_kind(kind, graduation, studying, start, expected):
    assert eligible(student(graduation=graduation, studying=studying), demand(kind=kind, start_date=start)) is expected


def test_eligibility_by_level_and_capacity():
    assert eligible(student(level="secondary"), demand(education_level="associate")) is False
    assert eligible(student(level="bachelor"), demand(education_level="associate")) is True
    assert eligible(student(level="secondary"), demand(education_level="any")) is True
    assert eligible(student(), demand(capacity=0)) is False
