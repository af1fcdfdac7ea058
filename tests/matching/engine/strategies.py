"""Random engine rows over a small vocabulary (so that programmes, skills, places and dates collide often)."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import strategies as st

from matching.engine.types import DemandRow, StudentRow

PHRASES = ("焊接", "焊工", "熟练掌握数控车床", "数控车", "PLC编程", "电工操作", "低压电工作业证", "识图", "直播带货",
           "老年照护", "养老护理", "AutoCAD", "熟练掌握", "", "设备运维", "急救")
PLACES = ("宝清县", "七星泡镇", "饶河", "宝清镇", "")
DEMAND_PLACES = ("宝清县七星泡镇", "宝清镇", "饶河县", "", "双鸭山市")
GRADUATIONS = (date(2025, 7, 1), date(2026, 7, 1), date(2026, 10, 1), date(2027, 7, 1), date(2028, 7, 1))
STARTS = (date(2026, 3, 1), date(2026, 7, 1), date(2026, 7, 15), date(2026, 9, 1), date(2027, 3, 1))
KINDS = ("employment", "internship", "apprenticeship", "order_class_intake", "bogus")
LEVELS = ("secondary", "associate", "bachelor", "unknown")
DEMAND_LEVELS = ("any", "secondary", "associate", "bachelor", "weird")
CLASSES = ("6601", "6602", "4601")


def _subset(rng: random.Random, values, most: int) -> frozenset:
    return frozenset(rng.sample(values, rng.randint(0, most)))


def random_student(rng: random.Random, id: int) -> StudentRow:
    return StudentRow(
        id=id,
        unit_id=rng.choice((900, 901)),
        programme_id=rng.choice((1, 2, 3, None)),
        programme_class=rng.choice((*CLASSES, None)),
        major_category_id=rng.choice((66, 67, None)),
        level=rng.choice(LEVELS),
        graduation=rng.choice(GRADUATIONS),
        studying=rng.random() < 0.7,
        skills=tuple(rng.sample(PHRASES, rng.randint(0, 4))),
        certificates=tuple(rng.sample(PHRASES, rng.randint(0, 1))),
        industry_ids=_subset(rng, (1, 2, 3, 70), 2),
        willing_local=rng.random() < 0.5,
        places=tuple(rng.sample(PLACES, rng.randint(0, 2))),
        order_class_unit_ids=_subset(rng, (500, 501), 1) if rng.random() < 0.3 else frozenset(),
    )


def random_demand(rng: random.Random, id: int) -> DemandRow:
    return DemandRow(
        id=id,
        unit_id=rng.choice((500, 501, 502)),
        kind=rng.choice(KINDS),
        capacity=rng.randint(0, 3),
        start_date=rng.choice(STARTS),
        programme_ids=_subset(rng, (1, 2, 3), 2),
        programme_classes=_subset(rng, CLASSES, 1),
        major_category_ids=_subset(rng, (66, 67), 1),
        keywords=tuple(rng.sample(("焊接相关专业", "机电", "相关专业"), rng.randint(0, 1))),
        industry_ids=_subset(rng, (1, 2, 3), 2),
        education_level=rng.choice(DEMAND_LEVELS),
        place=rng.choice(DEMAND_PLACES),
        is_local=rng.random() < 0.6,
        skills=tuple((p, rng.randint(0, 5)) for p in rng.sample(PHRASES, rng.randint(0, 4))),
    )


def random_rows(seed: int, n_students: int, n_demands: int) -> tuple[list[StudentRow], list[DemandRow]]:
    rng = random.Random(seed)
    students = [random_student(rng, 10 + 3 * i) for i in range(n_students)]
    demands = [random_demand(rng, 7 + 2 * j) for j in range(n_demands)]
    return students, demands


seeds = st.integers(min_value=0, max_value=2**32 - 1)
weights = st.fixed_dictionaries(
    {},
    optional={
        name: st.sampled_from((0.0, 0.05, 0.1, 0.3, 0.4, 1.0, 0.123457))
        for name in ("programme", "skills", "level", "place", "local", "timing", "order_class")
    },
)
