"""The report snapshot: JSON-safe, task tables computed with rules.rag_status from the consortium's own rows (another
consortium's rows never appear), unit scope, and KPI figures equal to the dashboard's (``dashboard_data().as_dict()``).

``build_world`` and ``fake_dashboard`` are shared by the other report test modules."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from consortium.leadership.choices import Cadence, GroupRole, Rag, ReportKind, TaskStatus
from consortium.leadership.models import (
    GroupMember,
    KeyTask,
    LeadershipGroup,
    PlanPhase,
    ProgressReturn,
    SubTask,
    SupervisionEvaluation,
)
from consortium.leadership.reports import content as content_module
from consortium.leadership.reports.content import build_content, format_number, num
from consortium.tenancy.choices import UnitKind, UnitRole
from tests.factories.tenancy import ConsortiumFactory, MemberUnitFactory, UnitMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 18)  # a Wednesday: last complete week 9–15 March, last month February


@dataclass
class World:
    consortium: Any
    school: Any
    enterprise: Any
    secretariat: Any
    official: Any
    school_user: Any
    enterprise_user: Any
    group: Any
    chair: Any
    school_rep: Any
    tasks: dict[str, SubTask]
    other: Any  # a second consortium with its own task


def build_world(*, name: str = "宝清县产教联合体") -> World:
    consortium = ConsortiumFactory(name=name)
    school = MemberUnitFactory(consortium=consortium, kind=UnitKind.SCHOOL, name="宝清县职业技术学校")
    enterprise = MemberUnitFactory(consortium=consortium, kind=UnitKind.ENTERPRISE, name="宝清农业科技有限公司")
    secretariat = UserFactory(consortium=consortium, secretariat=True, email="sec@example.com")
    official = UserFactory(consortium=consortium, official=True)
    school_user = UnitMembershipFactory(unit=school, admin=True, role=UnitRole.UNIT_ADMIN).user
    enterprise_user = UnitMembershipFactory(unit=enterprise, admin=True, role=UnitRole.UNIT_ADMIN).user
    group = LeadershipGroup.objects.create(consortium=consortium, name="产教联合体建设领导小组")
    chair = GroupMember.objects.create(
        consortium=consortium, group=group, role=GroupRole.HEAD, name="王县长", email="head@example.com"
    )
    school_rep = GroupMember.objects.create(
        consortium=consortium, group=group, role=GroupRole.MEMBER, name="李校长", email="school@example.com",
        unit=school, scope_unit=school,
    )
    GroupMember.objects.create(  # does not receive reports
        consortium=consortium, group=group, name="赵主任", email="quiet@example.com", receives_reports=False
    )
    phase = PlanPhase.objects.create(
        consortium=consortium, number=1, name="打基础、建机制", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)
    )
    key = KeyTask.objects.create(consortium=consortium, number=1, title="建设产教融合实践中心")
    key2 = KeyTask.objects.create(consortium=consortium, number=2, title="推进订单班培养")

    def subtask(code: str, title: str, lead: Any, key_task: Any, **kw: Any) -> SubTask:
        defaults = {"starts_on": date(2026, 1, 1), "deadline": date(2026, 12, 31), "progress": 0,
                    "status": TaskStatus.IN_PROGRESS, "cadence": Cadence.MONTHLY}
        defaults.update(kw)
        return SubTask.objects.create(
            consortium=consortium, key_task=key_task, phase=phase, code=code, title=title, lead_unit=lead,
            responsible_person="张老师", **defaults,
        )

    tasks = {
        # overdue: deadline before TODAY, 40 %
        "late": subtask("1.1", "完成实训基地改造", school, key, deadline=date(2026, 3, 1), progress=40),
        # done
        "done": subtask("1.2", "制定实践中心管理办法", school, key, progress=100, status=TaskStatus.COMPLETED,
                        completed_on=date(2026, 2, 10)),
        # green: on track (expected ≈ 21 % on 18 March)
        "green": subtask("2.1", "组建订单班", enterprise, key2, progress=25),
    }
    tasks["green"].co_units.add(school)
    ProgressReturn.objects.create(
        consortium=consortium, subtask=tasks["late"], unit=school, reported_on=date(2026, 3, 10), progress=40,
        text="完成设备招标", problems="资金未到位",
    )
    ProgressReturn.objects.create(
        consortium=consortium, subtask=tasks["green"], unit=enterprise, reported_on=date(2026, 2, 20), progress=25,
        text="确定合作专业",
    )
    SubTask.objects.filter(pk=tasks["late"].pk).update(last_return_on=date(2026, 3, 10))
    SubTask.objects.filter(pk=tasks["green"].pk).update(last_return_on=date(2026, 2, 20))
    for task in tasks.values():
        task.refresh_from_db()
    SupervisionEvaluation.objects.create(
        consortium=consortium, unit=school, subtask=tasks["late"], period_label="2026年2月",
        evaluated_on=date(2026, 2, 25), score=Decimal("72.5"), comments="进度滞后",
    )
    other = ConsortiumFactory(name="其他县产教联合体")
    other_unit = MemberUnitFactory(consortium=other, kind=UnitKind.SCHOOL, name="外县学校")
    other_key = KeyTask.objects.create(consortium=other, number=1, title="外县任务")
    SubTask.objects.create(
        consortium=other, key_task=other_key, code="9.9", title="外县子任务", lead_unit=other_unit,
        responsible_person="外人", starts_on=date(2026, 1, 1), deadline=date(2026, 2, 1),
    )
    return World(consortium, school, enterprise, secretariat, official, school_user, enterprise_user, group, chair,
                 school_rep, tasks, other)


def fake_dashboard(*, consortium_id: int, year: int, unit_id: int | None, refresh: bool) -> dict[str, Any]:
    """A dashboard as_dict() of the contracted shape, for tests that do not check the KPI figures themselves."""
    return {
        "consortium_id": consortium_id, "year": year, "unit_id": unit_id, "refreshed_at": "2026-03-18T07:00:00+08:00",
        "cards": [
            {"key": "members.total", "label": "成员单位", "value": "12", "measure": "个", "note": "当前",
             "drill_url": None},
            {"key": "teachers.dual_ratio", "label": "双师型教师占比", "value": "61.5385", "measure": "%", "note": "",
             "drill_url": None},
        ],
        "charts": [
            {"key": "supply_demand", "title": "产业链供需对比", "kind": "bar", "categories": ["现代农业", "食品加工"],
             "series": [{"name": "需求人数", "values": ["120", "80"], "stack": None},
                        {"name": "预计毕业生", "values": ["95", None], "stack": None}],
             "drill_urls": [None, None], "headers": ["产业链", "需求人数", "预计毕业生"],
             "rows": [["现代农业", "120", "95"], ["食品加工", "80", None]]},
            {"key": "task_progress", "title": "各单位任务进展", "kind": "stacked_bar",
             "categories": ["宝清县职业技术学校"],
             "series": [{"name": "正常", "values": ["1"], "stack": "rag"},
                        {"name": "滞后", "values": ["1"], "stack": "rag"}],
             "drill_urls": [None], "headers": ["单位", "正常", "滞后"], "rows": [["宝清县职业技术学校", "1", "1"]]},
        ],
    }


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def fake_kpis(monkeypatch):
    monkeypatch.setattr(content_module, "dashboard_snapshot", fake_dashboard)


def _section(content: dict, key: str) -> dict:
    return next(s for s in content["sections"] if s["key"] == key)


def test_numbers_are_canonical_strings():
    assert num(Decimal("12.3400")) == "12.34"
    assert num(100) == "100" and num("0.000") == "0" and num(None) is None and num("") is None
    assert num(Decimal("-0")) == "0"
    assert format_number("1234567.891") == "1,234,567.89" and format_number("42") == "42"


def test_weekly_content_is_json_safe_and_lists_every_subtask_with_its_rag(world, fake_kpis):
    content = build_content(
        consortium_id=world.consortium.pk, kind=ReportKind.WEEKLY_TASKS, period_start=date(2026, 3, 9),
        period_end=date(2026, 3, 15), today=TODAY,
    )
    assert json.loads(json.dumps(content)) == content
    assert content["title"] == "宝清县产教联合体 任务进展周报（2026年第11周（3月9日—3月15日））"
    assert content["period"] == {"start": "2026-03-09", "end": "2026-03-15", "label": "2026年第11周（3月9日—3月15日）"}
    rows = _section(content, "subtasks")["rows"]
    by_code = {r[0]: r for r in rows}
    assert set(by_code) == {"1.1", "1.2", "2.1"}  # the other consortium's 9.9 is absent
    assert by_code["1.1"][7] == str(Rag.RED.label) and by_code["1.1"][9] == "是"
    assert by_code["1.2"][7] == str(Rag.DONE.label) and by_code["1.2"][9] == ""
    assert by_code["2.1"][7] == str(Rag.GREEN.label)
    assert rows[0][0] == "1.1"  # overdue first
    assert by_code["1.1"][6] == "40" and by_code["1.1"][8] == "2026-03-10"
    returns = _section(content, "returns")["rows"]
    assert [r[0] for r in returns] == ["2026-03-10"]  # only the return inside the week
    rag = dict(_section(content, "task_rag")["rows"])
    assert rag[str(Rag.RED.label)] == "1" and rag[str(Rag.DONE.label)] == "1" and rag[str(Rag.GREEN.label)] == "1"
    summary = " ".join(_section(content, "summary")["paragraphs"])
    assert "共有子任务3项" in summary and "逾期未完成1项" in summary and "进度报送1份" in summary
    # weekly reports carry the dashboard's task chart only
    assert [s["key"] for s in content["sections"] if s["key"].startswith("chart_")] == ["chart_task_progress"]


def test_monthly_content_summarises_by_unit_and_key_task_and_lists_evaluations(world, fake_kpis):
    content = build_content(
        consortium_id=world.consortium.pk, kind=ReportKind.MONTHLY_KPI, period_start=date(2026, 2, 1),
        period_end=date(2026, 2, 28), today=TODAY,
    )
    by_unit = {r[0]: r for r in _section(content, "by_unit")["rows"]}
    # columns: unit, total, red, amber, green, not started, suspended, done, overdue, average progress
    assert by_unit["宝清县职业技术学校"][1:] == ["2", "1", "0", "0", "0", "0", "1", "1", "70"]
    assert by_unit["宝清农业科技有限公司"][1:] == ["1", "0", "0", "1", "0", "0", "0", "0", "25"]
    assert _section(content, "by_unit")["chart"]["kind"] == "stacked_bar"
    evaluations = _section(content, "evaluations")["rows"]
    assert len(evaluations) == 1 and evaluations[0][4] == "72.5" and evaluations[0][5] == "合格"
    cards = _section(content, "kpi_cards")
    assert cards["rows"][1] == ["双师型教师占比", "61.5385", "%", ""] and cards["numeric"][1] is True
    chart = _section(content, "chart_supply_demand")
    assert chart["rows"] == [["现代农业", "120", "95"], ["食品加工", "80", None]]
    assert chart["chart"]["series"][1]["values"] == ["95", None]
    assert "本期完成子任务1项" in " ".join(_section(content, "summary")["paragraphs"])


def test_unit_scope_keeps_the_units_tasks_only(world, fake_kpis):
    content = build_content(
        consortium_id=world.consortium.pk, kind=ReportKind.WEEKLY_TASKS, period_start=date(2026, 3, 9),
        period_end=date(2026, 3, 15), unit_id=world.enterprise.pk, today=TODAY,
    )
    assert content["unit"] == {"id": world.enterprise.pk, "name": "宝清农业科技有限公司"}
    assert [r[0] for r in _section(content, "subtasks")["rows"]] == ["2.1"]
    assert _section(content, "returns")["rows"] == []  # the school's return is not the enterprise's
    school = build_content(
        consortium_id=world.consortium.pk, kind=ReportKind.WEEKLY_TASKS, period_start=date(2026, 3, 9),
        period_end=date(2026, 3, 15), unit_id=world.school.pk, today=TODAY,
    )
    assert sorted(r[0] for r in _section(school, "subtasks")["rows"]) == ["1.1", "1.2", "2.1"]  # lead or co-unit


def test_annual_content_lists_phases_and_completed_tasks(world, fake_kpis):
    content = build_content(
        consortium_id=world.consortium.pk, kind=ReportKind.ANNUAL, period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31), today=TODAY,
    )
    assert _section(content, "phases")["rows"] == [["1. 打基础、建机制", "2026-01-01", "2026-12-31", "3", "1"]]
    assert _section(content, "completed")["rows"] == [
        ["1.2", "制定实践中心管理办法", "宝清县职业技术学校", "2026-02-10"]]


def test_unit_of_another_consortium_is_refused(world, fake_kpis):
    from consortium.tenancy.models import MemberUnit

    foreign = MemberUnit.objects.filter(consortium=world.other).first()
    with pytest.raises(MemberUnit.DoesNotExist):
        build_content(consortium_id=world.consortium.pk, kind=ReportKind.ANNUAL, period_start=date(2026, 1, 1),
                      period_end=date(2026, 12, 31), unit_id=foreign.pk, today=TODAY)


def _kpi_modules_exist() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in (
        "consortium.leadership.dashboard", "consortium.leadership.kpis.refresh"))


@pytest.mark.skipif(not _kpi_modules_exist(), reason="H-kpi's dashboard module is not there yet")
def test_kpi_figures_equal_the_dashboard(world):
    from consortium.leadership.dashboard import dashboard_data

    for unit_id in (None, world.school.pk):
        content = build_content(
            consortium_id=world.consortium.pk, kind=ReportKind.MONTHLY_KPI, period_start=date(2026, 2, 1),
            period_end=date(2026, 2, 28), unit_id=unit_id, today=TODAY,
        )
        expected = dashboard_data(consortium_id=world.consortium.pk, year=2026, unit_id=unit_id).as_dict()
        assert content["dashboard"] == json.loads(json.dumps(expected, default=str))
        cards = _section(content, "kpi_cards")["rows"]
        assert [r[0] for r in cards] == [str(c["label"]) for c in expected["cards"]]
        assert [r[1] for r in cards] == [num(c["value"]) for c in expected["cards"]]
        for chart in expected["charts"]:
            sec = _section(content, f"chart_{chart['key']}")
            for series, stored in zip(chart["series"], sec["chart"]["series"], strict=True):
                assert stored["values"] == [num(v) for v in series["values"]]
