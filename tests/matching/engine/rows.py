"""Builders of engine rows for the engine tests: sensible defaults, override what the test is about."""

from __future__ import annotations

from datetime import date

from matching.engine.types import DemandRow, StudentRow

START = date(2026, 7, 1)


def student(id: int = 1, **fields) -> StudentRow:
    values = dict(
        unit_id=900,
        programme_id=1,
        programme_class="6603",
        major_category_id=66,
        level="secondary",
        graduation=date(2026, 7, 1),
        studying=True,
        skills=(),
        certificates=(),
        industry_ids=frozenset(),
        willing_local=False,
        places=(),
        order_class_unit_ids=frozenset(),
    )
    values.update(fields)
    return StudentRow(id=id, **values)


def demand(id: int = 1, **fields) -> DemandRow:
    values = dict(
        unit_id=500,
        kind="employment",
        capacity=1,
        start_date=START,
        programme_ids=frozenset({1}),
        programme_classes=frozenset({"6603"}),
        major_category_ids=frozenset({66}),
        keywords=(),
        industry_ids=frozenset(),
        education_level="any",
        place="",
        is_local=False,
        skills=(),
    )
    values.update(fields)
    return DemandRow(id=id, **values)
