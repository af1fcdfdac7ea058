"""KPI values against small fixture data computed by hand, drill-downs that list exactly the counted rows, and the
registry's URL helpers."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch
from django.utils import timezone

from consortium.funding.choices import FundingSource
from consortium.leadership.choices import TaskStatus
from consortium.leadership.kpis import registry
from consortium.leadership.kpis.compute import compute_facts, dec
from consortium.leadership.kpis.read import kpi_values
from consortium.leadership.kpis.refresh import kpi_refresh
from consortium.leadership.models import KeyTask, SubTask
from consortium.tenancy.choices import UnitKind
from enterprises.choices.demands import DemandStatus
from enterprises.choices.order_classes import EnrolmentStatus, OrderClassStage
from enterprises.choices.rnd import ProjectStatus
from practice_center.choices import BookingStatus
from schools.choices import Employment, PriorityClass, StudentStatus
from tests.factories.enterprises_demands import EnterpriseUnitFactory, TalentDemandFactory
from tests.factories.enterprises_order_classes import EnrolmentFactory, OrderClassFactory, RetentionCheckFactory
from tests.factories.enterprises_rnd import (
    AchievementFactory,
    AchievementTransferFactory,
    FundingRecordFactory,
    RnDProjectFactory,
    TechnicalServiceFactory,
)
from tests.factories.practice_center import (
    BookingFactory,
    OpeningHoursFactory,
    PracticeCentreFactory,
    ResourceFactory,
    TraineeFactory,
    TrainingSessionFactory,
    local_dt,
)
from tests.factories.schools import (
    DualQualificationFactory,
    EnterprisePracticeFactory,
    ProgrammeFactory,
    ProgrammeIndustryLinkFactory,
    ProgrammeOfferingFactory,
    SchoolProfileFactory,
    SchoolUnitFactory,
    StudentFactory,
    TeacherFactory,
)
from tests.factories.tenancy import ConsortiumFactory, IndustryFactory, LocalChainFactory, MemberUnitFactory

pytestmark = pytest.mark.django_db

D = Decimal


@dataclass
class World:
    consortium: object
    school_a: object
    school_b: object
    enterprise: object
    applied: object
    programme: object
    chain: object
    centre: object
    today: date

    @property
    def year(self) -> int:
        return self.today.year


def first_monday(year: int) -> date:
    day = date(year, 1, 1)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def mondays(year: int) -> int:
    return sum(1 for month in range(1, 13) for week in calendar.monthcalendar(year, month) if week[0])


def add_teachers(school, *, full_time: int, dual: int, part_time: int, expired_dual: int = 0) -> None:
    teachers = [TeacherFactory(unit=school) for _ in range(full_time)]
    for teacher in teachers[:dual]:
        DualQualificationFactory(teacher=teacher, certified_on=date(2020, 1, 1), expires_on=None)
    for teacher in teachers[dual : dual + expired_dual]:
        DualQualificationFactory(teacher=teacher, certified_on=date(2018, 1, 1), expires_on=date(2020, 1, 1))
    for _ in range(part_time):
        TeacherFactory(unit=school, employment=Employment.PART_TIME)


def add_task(consortium, lead_unit, *, starts_on, deadline, progress=0, status=TaskStatus.IN_PROGRESS) -> SubTask:
    key_task = KeyTask.objects.filter(consortium=consortium).first() or KeyTask.objects.create(
        consortium=consortium, number=1, title="建设产教联合体"
    )
    return SubTask.objects.create(
        consortium=consortium,
        key_task=key_task,
        title="子任务",
        lead_unit=lead_unit,
        responsible_person="张三",
        starts_on=starts_on,
        deadline=deadline,
        progress=progress,
        status=status,
    )


def build_world(scale: int = 1, consortium=None) -> World:
    """A consortium with two schools, an enterprise and an applied unit, and data for every KPI group.

    ``scale`` multiplies the rows (for query-count tests); the hand-computed values below hold for scale 1."""
    today = timezone.localdate()
    y = today.year
    c = consortium or ConsortiumFactory()
    a = SchoolUnitFactory(consortium=c)
    b = SchoolUnitFactory(consortium=c)
    e = EnterpriseUnitFactory(consortium=c)
    applied = MemberUnitFactory(consortium=c, applied=True)
    SchoolProfileFactory(unit=a, staffing_quota=50)  # cap 10
    SchoolProfileFactory(unit=b, staffing_quota=12)  # cap 2

    for _ in range(scale):
        # teachers: A 4 full-time (2 dual-qualified, 1 expired), 3 part-time, 1 inactive dual; B 3 full-time (1 dual)
        add_teachers(a, full_time=4, dual=2, part_time=3, expired_dual=1)
        inactive = TeacherFactory(unit=a, is_active=False)
        DualQualificationFactory(teacher=inactive, certified_on=date(2020, 1, 1), expires_on=None)
        add_teachers(b, full_time=3, dual=1, part_time=0)
        # enterprise practice: A 100 h this year + 60 h last year, B 40 h this year
        EnterprisePracticeFactory(
            teacher=TeacherFactory(unit=a, is_active=False),
            start_date=date(y, 1, 5),
            end_date=date(y, 1, 20),
            hours=100,
        )
        EnterprisePracticeFactory(
            teacher=TeacherFactory(unit=a, is_active=False),
            start_date=date(y - 1, 7, 1),
            end_date=date(y - 1, 7, 10),
            hours=60,
        )
        EnterprisePracticeFactory(
            teacher=TeacherFactory(unit=b, is_active=False), start_date=date(y, 2, 1), end_date=date(y, 2, 5), hours=40
        )
        # funding
        FundingRecordFactory(consortium=c, source=FundingSource.FISCAL_BUDGET, amount=D("100.00"), year=y, recipient=a)
        FundingRecordFactory(consortium=c, source=FundingSource.ENTERPRISE, amount=D("50.50"), year=y)
        FundingRecordFactory(consortium=c, source=FundingSource.FISCAL_BUDGET, amount=D("30.00"), year=y - 1)
        # demands of the enterprise
        # demands count in the year they were published (published_at); the chain figures use the start year
        published = lambda year: timezone.make_aware(datetime(year, 2, 1, 10))  # noqa: E731
        TalentDemandFactory(unit=e, headcount=10, filled_count=4, start_date=date(y, 3, 1), published_at=published(y))
        TalentDemandFactory(
            unit=e, headcount=5, filled_count=5, start_date=date(y, 4, 1), status=DemandStatus.FILLED,
            published_at=published(y),
        )
        TalentDemandFactory(
            unit=e, headcount=20, start_date=date(y, 4, 1), status=DemandStatus.DRAFT, published_at=published(y)
        )
        TalentDemandFactory(unit=e, headcount=3, start_date=date(y - 1, 4, 1), published_at=published(y - 1))
        # R&D
        RnDProjectFactory(unit=e, start_on=date(y, 3, 1), end_on=date(y + 1, 3, 1), status=ProjectStatus.IN_PROGRESS)
        RnDProjectFactory(unit=e, start_on=date(y, 5, 1), end_on=date(y + 1, 3, 1), status=ProjectStatus.PROPOSED)
        TechnicalServiceFactory(unit=a, client_unit=e, delivered_on=date(y, 5, 1), value=D("8.00"))
        TechnicalServiceFactory(unit=a, client_unit=e, delivered_on=date(y, 6, 1), value=D("12.00"))
        AchievementTransferFactory(
            achievement=AchievementFactory(unit=a), transferred_on=date(y, 2, 1), amount=D("12.50")
        )

    # supply and demand: chain K (mapped to industry I); the enterprise is in K; programme P of A → K (100 %)
    industry = IndustryFactory()
    chain = LocalChainFactory(consortium=c)
    chain.industries.add(industry)
    e.local_chains.add(chain)
    programme = ProgrammeFactory(unit=a)
    ProgrammeIndustryLinkFactory(programme=programme, local_chain=chain, weight=100)
    offering = ProgrammeOfferingFactory(programme=programme, year=y - 3, priority_class=PriorityClass.DEVELOP_FIRST)
    # order class of P's cohort y-3 (its students are expected to graduate in June of year y)
    oc = OrderClassFactory(unit=a, partner_unit=e, programme=programme, cohort=y - 3, stage=OrderClassStage.TRAINING)
    for _ in range(3 * scale):
        EnrolmentFactory(order_class=oc)
    EnrolmentFactory(order_class=oc, status=EnrolmentStatus.WITHDRAWN)
    RetentionCheckFactory(order_class=oc, months=6, still_employed=True)
    RetentionCheckFactory(order_class=oc, months=6, still_employed=False)
    StudentFactory(offering=offering, status=StudentStatus.EMPLOYED)

    # practice centre of A: open Mondays 08–12, one exclusive room; one 2-hour booking last year; 3 trainees
    centre = PracticeCentreFactory(owner_unit=a)
    OpeningHoursFactory(centre=centre, weekday=0, opens=time(8), closes=time(12))
    resource = ResourceFactory(centre=centre)
    monday = first_monday(y - 1)
    BookingFactory(
        resource=resource, unit=a, start=local_dt(monday, 9), end=local_dt(monday, 11), status=BookingStatus.APPROVED
    )
    session = TrainingSessionFactory(centre=centre, start_date=date(y - 1, 3, 3), end_date=date(y - 1, 3, 14))
    for _ in range(3 * scale):
        TraineeFactory(session=session)

    # tasks: A done + red/overdue; B green + not started
    for _ in range(scale):
        add_task(
            c,
            a,
            starts_on=today - timedelta(days=30),
            deadline=today - timedelta(days=1),
            progress=100,
            status=TaskStatus.COMPLETED,
        )
        add_task(c, a, starts_on=today - timedelta(days=60), deadline=today - timedelta(days=1), progress=50)
        add_task(c, b, starts_on=today - timedelta(days=10), deadline=today + timedelta(days=100), progress=10)
        add_task(
            c,
            b,
            starts_on=today + timedelta(days=5),
            deadline=today + timedelta(days=50),
            progress=0,
            status=TaskStatus.NOT_STARTED,
        )
    return World(c, a, b, e, applied, programme, chain, centre, today)


@pytest.fixture
def world() -> World:
    w = build_world()
    refresh = kpi_refresh(consortium_id=w.consortium.pk, trigger="test")
    assert refresh.status == "done", refresh.message
    return w


def test_members_programmes_order_classes_by_hand(world):
    v = kpi_values(consortium_id=world.consortium.pk, year=world.year)
    assert v["members.by_kind"] == {UnitKind.SCHOOL: 2, UnitKind.ENTERPRISE: 1, "": 3}
    assert v["members.by_status"] == {"active": 3, "applied": 1, "": 4}
    assert v["programmes.active"] == {"": 1}
    assert v["order_classes.by_stage"] == {OrderClassStage.TRAINING: 1, "": 1}
    # 3 enrolled + 2 graduated (employed) in the class, the withdrawn one is not counted
    assert v["order_classes.enrolled"][""] == 5
    assert v["order_classes.completed"][""] == 2
    assert v["order_classes.employed"][""] == 2
    assert v["order_classes.retention_checks"] == {"6": 2, "": 2}
    assert v["order_classes.retained"] == {"6": 1, "": 1}
    assert v["order_classes.retention_rate"]["6"] == D("50.0")
    # studying students: 3 + 1 withdrawn + 2 graduated-from-class (still "studying" as students); the employed one not
    assert v["students.enrolled"][""] == 6
    # the offering of cohort y-3 counts in year y-3
    older = kpi_values(consortium_id=world.consortium.pk, year=world.year - 3)
    assert older["programmes.by_priority"] == {PriorityClass.DEVELOP_FIRST: 1, "": 1}


def test_teacher_ratio_and_part_time_headroom_by_hand(world):
    a, b = str(world.school_a.pk), str(world.school_b.pk)
    v = kpi_values(consortium_id=world.consortium.pk, year=world.year)
    assert v["teachers.full_time"] == {a: 4, b: 3, "": 7}
    assert v["teachers.dual_qualified"] == {a: 2, b: 1, "": 3}  # expired and inactive certifications do not count
    assert v["teachers.dual_ratio"] == {a: D("50.0"), b: D("33.3"), "": D("42.9")}  # 3 / 7
    assert v["teachers.part_time"] == {a: 3, b: 0, "": 3}
    assert v["teachers.part_time_cap"] == {a: 10, b: 2, "": 12}  # floor(20 % of 50), floor(20 % of 12)
    assert v["teachers.part_time_headroom"] == {a: 7, b: 2, "": 9}
    assert v["teachers.practice_hours"] == {a: 100, b: 40, "": 140}
    assert kpi_values(consortium_id=world.consortium.pk, year=world.year - 1)["teachers.practice_hours"] == {
        a: 60,
        "": 60,
    }


def test_practice_utilisation_and_person_times_by_hand(world):
    c = str(world.centre.pk)
    last = kpi_values(consortium_id=world.consortium.pk, year=world.year - 1)
    open_hours = D(4 * mondays(world.year - 1))
    assert last["practice.open_hours"] == {c: open_hours, "": open_hours}
    assert last["practice.booked_hours"] == {c: 2, "": 2}
    expected = (D(200) / open_hours).quantize(D("0.1"))
    assert last["practice.utilisation"] == {c: expected, "": expected}
    assert last["practice.training_person_times"] == {c: 3, "": 3}


def test_demands_local_share_and_supply_per_chain_by_hand(world):
    y = world.year
    v = kpi_values(consortium_id=world.consortium.pk, year=y)
    assert v["demands.published"][""] == 2  # the draft is not published
    assert v["demands.published_headcount"][""] == 15
    assert v["demands.filled_headcount"][""] == 9
    assert v["demands.fill_rate"][""] == D("60.0")
    # 7 graduates of P expected in June y: 2 employed through the order class (local), 1 employed elsewhere
    assert v["graduates.expected"][""] == 7
    assert v["graduates.employed"][""] == 3
    assert v["graduates.local"][""] == 2
    assert v["graduates.local_share"][""] == D("66.7")
    chain = str(world.chain.pk)
    assert v["supply.demand_headcount"] == {chain: 15}
    assert v["supply.expected_graduates"] == {chain: 7}
    assert v["supply.filled"] == {chain: 9}
    # alignment of P: S=7, D=15 in its only industry → M = 7, A = 15, index = 100·2·7/(7+15) = 63.6
    assert v["programmes.alignment"] == {str(world.programme.pk): D("63.6")}
    assert v["programmes.alignment_index"][""] == D("63.6")
    assert kpi_values(consortium_id=world.consortium.pk, year=y - 1)["demands.published_headcount"][""] == 3


def test_rnd_funding_and_tasks_by_hand(world):
    v = kpi_values(consortium_id=world.consortium.pk, year=world.year)
    assert v["rnd.projects"][""] == 1  # the proposal is not counted
    assert v["rnd.projects_by_status"] == {ProjectStatus.IN_PROGRESS: 1, ProjectStatus.PROPOSED: 1, "": 2}
    assert v["rnd.services"][""] == 2
    assert v["rnd.service_value"][""] == D("20")
    assert v["rnd.transfers"][""] == 1
    assert v["rnd.transfer_amount"][""] == D("12.5")
    assert v["funding.by_source"] == {
        FundingSource.FISCAL_BUDGET: 100,
        FundingSource.ENTERPRISE: D("50.5"),
        "": D("150.5"),
    }
    assert kpi_values(consortium_id=world.consortium.pk, year=world.year - 1)["funding.by_source"] == {
        FundingSource.FISCAL_BUDGET: 30,
        "": 30,
    }
    a, b = str(world.school_a.pk), str(world.school_b.pk)
    assert v["tasks.by_rag"] == {"done": 1, "red": 1, "green": 1, "not_started": 1, "": 4}
    assert v["tasks.total"] == {a: 2, b: 2, "": 4}
    assert v["tasks.completed"] == {a: 1, b: 0, "": 1}
    assert v["tasks.overdue"] == {a: 1, b: 0, "": 1}
    assert v["tasks.completion_rate"] == {a: D("50.0"), b: D("0.0"), "": D("25.0")}
    assert v["tasks.rag_by_unit"] == {f"{a}:done": 1, f"{a}:red": 1, f"{b}:green": 1, f"{b}:not_started": 1}


def test_per_unit_facts_contain_only_that_units_rows(world):
    a = str(world.school_a.pk)
    v = kpi_values(consortium_id=world.consortium.pk, year=world.year, unit_id=world.school_a.pk)
    assert v["teachers.full_time"] == {a: 4, "": 4}
    assert v["teachers.dual_ratio"] == {a: D("50.0"), "": D("50.0")}
    assert v["funding.by_source"] == {
        FundingSource.FISCAL_BUDGET: 100,
        "": 100,
    }  # the enterprise money has no recipient
    assert v["tasks.by_rag"] == {"done": 1, "red": 1, "": 2}
    assert v["programmes.alignment"] == {str(world.programme.pk): D("63.6")}
    assert v["graduates.expected"][""] == 7
    # the school supplies the chain; the enterprise's demand is its own
    assert v["supply.expected_graduates"] == {str(world.chain.pk): 7}
    assert "supply.demand_headcount" not in v or v["supply.demand_headcount"] == {str(world.chain.pk): 0}
    assert "demands.published_headcount" not in v
    e = kpi_values(consortium_id=world.consortium.pk, year=world.year, unit_id=world.enterprise.pk)
    assert e["demands.published_headcount"][""] == 15
    assert e["supply.demand_headcount"] == {str(world.chain.pk): 15}
    assert "teachers.full_time" not in e


def _drill_total(key: str, year: int, unit_id: int | None, dimension: str, consortium_id: int) -> Decimal:
    metric = registry.METRICS[key]
    source = metric.drill.source
    qs = metric.drill.filter(metric.drill.model.objects.for_consortium(consortium_id), year, unit_id, dimension)
    if source.value == "count":
        return D(qs.count())
    field = source.value.removeprefix("sum:")
    return D(sum(getattr(row, field) for row in qs))


def test_drill_rows_are_exactly_the_counted_rows(world):
    """For every counted metric, every stored fact (consortium-wide and per unit, every dimension) equals the rows
    its drill-down lists."""
    facts = compute_facts(world.consortium.pk, today=world.today)
    checked = 0
    for year, unit_id, key, dimension, _label, value in facts.rows():
        if key not in registry.SOURCES:
            continue
        assert _drill_total(key, year, unit_id, dimension, world.consortium.pk) == value, (
            key,
            year,
            unit_id,
            dimension,
        )
        checked += 1
    assert checked > 60


def test_hand_written_drills_list_the_rows_behind_the_number(world):
    from enterprises.models.demands import TalentDemand
    from schools.models import Student

    y, chain = world.year, str(world.chain.pk)
    demand = registry.METRICS["supply.demand_headcount"].drill
    rows = demand.filter(TalentDemand.objects.for_consortium(world.consortium.pk), y, None, chain)
    assert sum(r.headcount for r in rows) == 15
    graduates = registry.METRICS["supply.expected_graduates"].drill
    assert graduates.filter(Student.objects.for_consortium(world.consortium.pk), y, None, chain).count() == 7
    assert (
        registry.METRICS["graduates.expected"]
        .drill.filter(Student.objects.for_consortium(world.consortium.pk), y, None, "")
        .count()
        == 7
    )
    tasks = registry.METRICS["tasks.overdue"].drill
    overdue = tasks.filter(SubTask.objects.for_consortium(world.consortium.pk), 0, None, str(world.school_a.pk))
    assert [t.progress for t in overdue] == [50]
    by_rag = registry.METRICS["tasks.rag_by_unit"].drill
    assert (
        by_rag.filter(
            SubTask.objects.for_consortium(world.consortium.pk), 0, None, f"{world.school_b.pk}:green"
        ).count()
        == 1
    )
    assert tasks.filter(SubTask.objects.for_consortium(world.consortium.pk), 0, None, "x").count() == 0


def test_drill_url_and_link_url(monkeypatch):
    monkeypatch.setattr(registry, "reverse", lambda name, kwargs=None: f"/leadership/kpi/{kwargs['metric']}/")
    assert registry.drill_url("members.by_kind", 2025, 3, "school") == (
        "/leadership/kpi/members.by_kind/?year=2025&unit=3&dimension=school"
    )
    assert registry.drill_url("members.by_kind", 2025) == "/leadership/kpi/members.by_kind/?year=2025"
    assert registry.drill_url("no.such.metric", 2025) is None

    def missing(name, kwargs=None):
        raise NoReverseMatch(name)

    monkeypatch.setattr(registry, "reverse", missing)
    assert registry.drill_url("members.by_kind", 2025, None, "") is None


def test_link_url_fills_the_linked_page_parameters():
    url = registry.link_url("practice.utilisation", 2024, "17")
    assert url.endswith("?year=2024&centre=17") and url.startswith("/practice/stats/")
    assert registry.link_url("programmes.alignment_index", 2024, "").endswith("/matching/gap/?year=2024")
    assert registry.link_url("members.by_kind", 2024, "") is None


def test_registry_is_consistent():
    assert set(registry.GROUPS) == {m.group for m in registry.METRIC_LIST}
    for metric in registry.METRIC_LIST:
        assert metric.dimension_kind in ("", "choice", "data")
        assert (metric.dimension_kind == "choice") == (metric.choices is not None), metric.key
        assert (metric.drill is None) == bool(metric.link), metric.key  # a row list, or the page showing it
    assert registry.dimension_label("members.by_kind", "school") == "职业学校"
    assert registry.dimension_label("teachers.full_time", "12", "测试职业学校") == "测试职业学校"
    assert registry.dimension_label("teachers.full_time", "") == "合计"


# --- per-unit chain figures: one pass per year == gap.analyse of each unit's narrowed inputs -------------------------


def _old_unit_chain_facts(inputs, years):
    """The former computation (kept here as the reference): ``gap.analyse`` of the inputs narrowed to each unit's own
    rows (its programmes and their graduates and offerings, its demands), per year, chain rows with any figure."""
    from collections import defaultdict

    from matching import gap

    programmes, supply, offerings, demands = (defaultdict(list) for _ in range(4))
    owner = {}
    for p in inputs.programmes:
        programmes[p.unit_id].append(p)
        owner[p.id] = p.unit_id
    for s in inputs.supply:
        if s.programme_id in owner:
            supply[owner[s.programme_id]].append(s)
    for o in inputs.offerings:
        if o.programme_id in owner:
            offerings[owner[o.programme_id]].append(o)
    for d in inputs.demands:
        demands[d.unit_id].append(d)
    found = {}
    for year in years:
        for unit_id in sorted(set(programmes) | set(demands)):
            narrowed = gap.GapInputs(
                inputs.industries, inputs.chains, tuple(programmes[unit_id]), tuple(supply[unit_id]),
                tuple(demands[unit_id]), tuple(offerings[unit_id]),
            )
            if not (any(s.year == year for s in narrowed.supply) or any(d.year == year for d in narrowed.demands)):
                continue
            for row in gap.analyse(narrowed, year).chains:
                if row.demand or row.expected_graduates or row.filled:
                    for metric, value in (
                        ("supply.demand_headcount", row.demand),
                        ("supply.expected_graduates", row.expected_graduates),
                        ("supply.filled", row.filled),
                    ):
                        found[(metric, year, unit_id, str(row.id))] = (dec(value), row.name)
    return found


def _new_unit_chain_facts(inputs, years):
    from consortium.leadership.kpis.compute import Facts, _unit_chain_facts

    facts = Facts()
    _unit_chain_facts(facts, inputs, years)
    return {
        (metric, year, unit_id, dimension): (value, label)
        for year, unit_id, metric, dimension, label, value in facts.rows()
    }


def _random_inputs(seed: int):
    """Fractional shares everywhere: multi-link programmes (industry and chain links), chains over several
    industries, industries in several chains, demands falling back from chains to industries, unclassified ones."""
    import random

    from matching import gap

    rnd = random.Random(seed)
    industries = tuple(gap.IndustryIn(i, f"I{i}") for i in range(1, 9))
    chains = tuple(
        gap.ChainIn(c, f"C{c}", frozenset(rnd.sample(range(1, 10), rnd.randint(0, 3)))) for c in range(1, 6)
    )
    programmes, supply, demands = [], [], []
    for pid in range(1, 41):
        links = tuple(
            gap.LinkIn(rnd.randint(1, 9), None, rnd.randint(1, 100)) if rnd.random() < 0.5
            else gap.LinkIn(None, rnd.randint(1, 6), rnd.randint(1, 100))
            for _ in range(rnd.randint(0, 3))
        )
        programmes.append(gap.ProgrammeIn(pid, f"P{pid}", "专业", rnd.randint(1, 6), "", rnd.random() < 0.9, links))
        for year in (2024, 2025):
            if rnd.random() < 0.7:
                expected = rnd.randint(0, 97)
                supply.append(gap.SupplyIn(pid, year, expected, expected // 2, expected // 3))
    supply.append(gap.SupplyIn(999, 2025, 13))  # graduates of no known programme
    for did in range(1, 61):
        headcount = rnd.randint(1, 37)
        demands.append(
            gap.DemandIn(
                did, rnd.randint(3, 9), rnd.choice((2024, 2025)), headcount, rnd.randint(0, headcount),
                frozenset(rnd.sample(range(1, 10), rnd.randint(0, 3))),
                frozenset(rnd.sample(range(1, 7), rnd.randint(0, 2))),
            )
        )
    return gap.GapInputs(industries, chains, tuple(programmes), tuple(supply), tuple(demands))


@pytest.mark.parametrize("seed", range(8))
def test_per_unit_chain_figures_equal_the_narrowed_analyses(seed):
    inputs = _random_inputs(seed)
    years = [2023, 2024, 2025]
    old = _old_unit_chain_facts(inputs, years)
    assert old, "the random world has per-unit chain figures"
    assert _new_unit_chain_facts(inputs, years) == old


@pytest.mark.django_db
def test_per_unit_chain_figures_of_a_world_equal_the_narrowed_analyses():
    from consortium.leadership.kpis.compute import compute_facts, gap_inputs, years_for

    w = build_world(scale=3)
    today = timezone.localdate()
    years = years_for(today)
    old = _old_unit_chain_facts(gap_inputs(w.consortium.pk, years), years)
    facts = compute_facts(w.consortium.pk, today=today)
    new = {
        (metric, year, unit_id, dimension): (value, label)
        for year, unit_id, metric, dimension, label, value in facts.rows()
        if metric.startswith("supply.") and unit_id is not None
    }
    assert old and new == old
