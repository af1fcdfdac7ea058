"""Dashboard data: read from the precomputed facts (equal to ``kpi_values``), fixed chart keys, JSON-safe, labels
translated at read time, and a constant number of queries as the data grows."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.utils import translation

from consortium.funding.choices import FundingSource
from consortium.leadership.dashboard import Dashboard, dashboard_data
from consortium.leadership.kpis.read import kpi_values
from consortium.leadership.kpis.refresh import kpi_refresh
from consortium.leadership.models import KpiFact
from tests.factories.tenancy import ConsortiumFactory
from tests.leadership.test_kpis import build_world

pytestmark = pytest.mark.django_db

CHART_KEYS = [
    "supply_demand",
    "alignment",
    "order_funnel",
    "teacher_structure",
    "practice_utilisation",
    "task_progress",
    "funding",
]


@pytest.fixture
def world():
    w = build_world()
    kpi_refresh(consortium_id=w.consortium.pk)
    return w


def test_cards_and_charts_equal_the_stored_facts(world):
    data = dashboard_data(consortium_id=world.consortium.pk, year=world.year)
    values = kpi_values(consortium_id=world.consortium.pk, year=world.year)
    assert [chart.key for chart in data.charts] == CHART_KEYS
    assert data.refreshed_at is not None and data.unit_id is None
    assert data.card("members.active").value == values["members.by_kind"][""] == 3
    assert data.card("teachers.dual_ratio").value == values["teachers.dual_ratio"][""] == Decimal("42.9")
    assert data.card("teachers.part_time_headroom").value == 9
    assert data.card("graduates.local_share").value == Decimal("66.7")
    assert data.card("funding.total").value == Decimal("150.5")
    assert data.card("tasks.overdue").value == 1
    assert data.card("tasks.completion_rate").value == Decimal("25")
    assert data.card("order_classes.retention_rate_6").value == Decimal("50")
    assert data.card("teachers.dual_ratio").note == "当前"
    assert data.card("funding.total").note == f"{world.year}年"
    # the utilisation of the current year: nothing booked, the centre is open → 0 %
    assert data.card("practice.utilisation").value == 0
    # no 6-month figure of the previous year's practice: flow metrics follow the year
    assert data.card("practice.training_person_times").value == 0
    last = dashboard_data(consortium_id=world.consortium.pk, year=world.year - 1)
    assert last.card("practice.training_person_times").value == 3

    supply = data.chart("supply_demand")
    assert supply.categories == [world.chain.name]
    assert [s.values for s in supply.series] == [[15], [7], [9]]
    assert supply.rows == [[world.chain.name, 15, 7, 9]]
    assert data.chart("alignment").series[0].values == [Decimal("63.6")]
    assert data.chart("order_funnel").series[0].values == [5, 2, 2, 1]

    teachers = data.chart("teacher_structure")
    assert teachers.categories == sorted([world.school_a.name, world.school_b.name])
    by_school = {row[0]: row[1:] for row in teachers.rows}
    assert by_school[world.school_a.name] == [2, 2, 3, Decimal("50"), 10, 7]
    assert by_school[world.school_b.name] == [1, 2, 0, Decimal("33.3"), 2, 2]
    assert [s.stack for s in teachers.series] == ["teachers"] * 3

    tasks = data.chart("task_progress")
    colours = {s.name: s.values for s in tasks.series}
    index_a = tasks.categories.index(world.school_a.name)
    assert colours["滞后"][index_a] == 1 and colours["已完成"][index_a] == 1 and colours["正常"][index_a] == 0

    funding = data.chart("funding")
    assert funding.categories == ["财政预算", "企业投入"]
    assert funding.series[0].values == [100, Decimal("50.5")]
    assert len(funding.drill_urls) == len(funding.categories)


def test_choice_labels_are_translated_at_read_time_not_stored(world):
    stored = KpiFact.objects.for_consortium(world.consortium.pk).filter(metric="funding.by_source")
    assert set(stored.values_list("label", flat=True)) == {""}
    with translation.override("zh-hans"):
        assert dashboard_data(consortium_id=world.consortium.pk, year=world.year).chart("funding").categories[0] == (
            "财政预算"
        )
    # data dimensions carry their stored label
    assert (
        KpiFact.objects.for_consortium(world.consortium.pk)
        .filter(metric="teachers.full_time", dimension=str(world.school_a.pk))
        .values_list("label", flat=True)
        .first()
        == world.school_a.name
    )
    assert FundingSource.FISCAL_BUDGET == "fiscal_budget"


def test_unit_dashboard_shows_only_that_unit(world):
    data = dashboard_data(consortium_id=world.consortium.pk, year=world.year, unit_id=world.school_b.pk)
    assert data.unit_id == world.school_b.pk
    assert data.chart("teacher_structure").categories == [world.school_b.name]
    assert data.chart("task_progress").categories == [world.school_b.name]
    assert data.card("funding.total").value == 0
    assert data.chart("alignment").categories == []


def test_as_dict_is_json_safe(world):
    data = dashboard_data(consortium_id=world.consortium.pk, year=world.year)
    content = data.as_dict()
    text = json.dumps(content, ensure_ascii=False)
    assert json.loads(text) == content
    assert content["year"] == world.year and isinstance(content["refreshed_at"], str)
    card = next(c for c in content["cards"] if c["key"] == "teachers.dual_ratio")
    assert card["value"] == "42.9" and card["measure"] == "%" and card["label"] == "双师型教师占专任教师比例"
    chart = next(c for c in content["charts"] if c["key"] == "funding")
    assert chart["series"][0]["values"] == ["100", "50.5"]
    assert set(chart) == {
        "key", "title", "kind", "categories", "series", "drill_urls", "headers", "rows", "total_categories", "note",
    }
    assert chart["total_categories"] == 2 and chart["note"] == ""


def test_charts_show_at_most_chart_limit_categories_and_keep_every_row(world, monkeypatch):
    """Unbounded dimensions (schools, programmes, lead units, chains, centres): the chart draws the CHART_LIMIT
    most relevant categories and says so; rows keep every category, the charted ones first, for tables and Excel."""
    from consortium.leadership import dashboard as dash

    full = dashboard_data(consortium_id=world.consortium.pk, year=world.year)
    monkeypatch.setattr(dash, "CHART_LIMIT", 1)
    data = dashboard_data(consortium_id=world.consortium.pk, year=world.year)
    teachers, full_teachers = data.chart("teacher_structure"), full.chart("teacher_structure")
    assert full_teachers.total_categories == 2 and not full_teachers.truncated and full_teachers.note == ""
    assert len(teachers.categories) == len(teachers.drill_urls) == 1 and teachers.total_categories == 2
    assert all(len(s.values) == 1 for s in teachers.series) and teachers.truncated
    assert "1所学校" in teachers.note and "共2所" in teachers.note
    # the school with most teachers is charted; every school is still in the rows, the charted one first
    sizes = {row[0]: row[1] + row[2] + row[3] for row in full_teachers.rows}
    assert teachers.categories == [max(sizes, key=sizes.get)] == [teachers.rows[0][0]]
    assert sorted(map(tuple, teachers.rows)) == sorted(map(tuple, full_teachers.rows))
    assert teachers.drill_urls[0] == full_teachers.drill_urls[full_teachers.categories.index(teachers.categories[0])]
    tasks = data.chart("task_progress")
    assert len(tasks.categories) == 1 and tasks.total_categories == len(tasks.rows) >= 2 and "牵头单位" in tasks.note
    # fixed categories (the funnel, funding sources) are never bounded
    assert data.chart("order_funnel").categories == full.chart("order_funnel").categories
    assert json.loads(json.dumps(data.as_dict(), ensure_ascii=False)) == data.as_dict()


def test_alignment_chart_shows_the_lowest_aligned_programmes(world, monkeypatch):
    from consortium.leadership import dashboard as dash

    def facts_with(values):
        rows = [
            {"metric": "programmes.alignment", "dimension": str(i), "label": f"P{i}", "value": Decimal(v)}
            for i, v in enumerate(values, start=1)
        ]
        return dash._Facts(rows, True)

    facts = facts_with(["90", "10", "50", "70"])
    chart = dash._alignment(facts, world.year, None)
    assert chart.categories == ["P1", "P4", "P3", "P2"] and chart.note == ""  # all fit: highest first
    monkeypatch.setattr(dash, "CHART_LIMIT", 2)
    chart = dash._alignment(facts, world.year, None)
    assert chart.categories == ["P2", "P3"] and chart.series[0].values == [Decimal(10), Decimal(50)]
    assert [row[0] for row in chart.rows] == ["P2", "P3", "P4", "P1"] and chart.total_categories == 4
    assert "对接指数最低的2个专业" in chart.note and "共4个" in chart.note
    assert [u.rsplit("dimension=", 1)[1] for u in chart.drill_urls] == ["2", "3"]


def test_drill_urls_equal_drill_url_per_dimension():
    from consortium.leadership.kpis.registry import drill_url, drill_urls

    dims = ["", "7", "a b", None]
    expected = [drill_url("teachers.full_time", 2025, 3, d) for d in dims]
    assert drill_urls("teachers.full_time", 2025, 3, dims) == expected
    assert drill_urls("teachers.full_time", None, None, ["1"]) == [drill_url("teachers.full_time", None, None, "1")]
    assert drill_urls("no.such.metric", 2025, None, ["1", "2"]) == [None, None]


def test_never_refreshed_consortium_has_empty_values():
    consortium = ConsortiumFactory()
    data = dashboard_data(consortium_id=consortium.pk, year=2025)
    assert isinstance(data, Dashboard) and data.refreshed_at is None
    assert all(card.value is None for card in data.cards)
    assert all(chart.categories == [] or chart.key == "order_funnel" for chart in data.charts)


def test_query_count_is_constant_as_data_grows(django_assert_num_queries):
    small = build_world()
    kpi_refresh(consortium_id=small.consortium.pk)
    large = build_world(scale=10)
    for _ in range(5):  # more schools, centres and programmes: more chart categories, same queries
        build_world(consortium=large.consortium)
    kpi_refresh(consortium_id=large.consortium.pk)
    with django_assert_num_queries(2):
        few = dashboard_data(consortium_id=small.consortium.pk, year=small.year)
    with django_assert_num_queries(2):
        many = dashboard_data(consortium_id=large.consortium.pk, year=large.year)
    assert len(many.chart("teacher_structure").categories) == 12 > len(few.chart("teacher_structure").categories)
    # scale 10: school A has 30 part-timers (over its cap of 10 → headroom 0), B keeps 2; five more worlds add 9 each
    assert few.card("teachers.part_time_headroom").value == 9
    assert many.card("teachers.part_time_headroom").value == 0 + 2 + 5 * 9
