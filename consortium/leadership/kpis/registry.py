"""The KPI registry: every metric the leadership layer computes, with its label, unit of measure, whether it is a
stock (current state, stored under year 0) or a flow (per calendar year), how its dimension is labelled and the rows
behind the number (``Drill``).

KPIs are computed from live data, never typed in (``compute.py``), precomputed into ``KpiFact`` by Celery
(``refresh.py``) and read by the dashboards and the reports (``read.py``, ``dashboard.py``), so both show the same
numbers.

Counted metrics are described by a ``Source`` (model, condition, owning-unit field, year field, dimension field,
aggregate). The SAME source drives the grouped query of the refresh and the drill-down filter, so the drill-down
rows are exactly the rows counted. Metrics computed by another app's pure functions (alignment, utilisation, the
supply–demand gap) get a hand-written drill (or a ``link`` to the page that shows them), documented per metric.

Dimensions: ``dimension_kind`` "choice" — the dimension is a choice value labelled by ``choices`` at read time;
"data" — the dimension is an id (a school, programme, chain, centre or lead unit) and ``KpiFact.label`` carries its
name; "" — scalar. For additive dimensioned metrics the dimension "" holds the total over all dimensions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import Model, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from consortium.funding.choices import FundingSource
from consortium.funding.models import FundingRecord
from consortium.tenancy.choices import UnitKind, UnitStatus
from consortium.tenancy.models import MemberUnit
from enterprises.choices.demands import DEMAND_PUBLISHED
from enterprises.choices.order_classes import EnrolmentStatus, OrderClassStage, RetentionMonths
from enterprises.choices.rnd import PUBLIC_PROJECT_STATUSES, AchievementKind, ProjectStatus
from enterprises.models.demands import TalentDemand
from enterprises.models.order_classes import Employment as OrderClassEmployment
from enterprises.models.order_classes import OrderClass, OrderClassEnrolment, RetentionCheck
from enterprises.models.rnd import Achievement, AchievementTransfer, RnDProject, TechnicalService
from practice_center.models import Trainee
from schools.choices import Employment, PriorityClass, StudentStatus
from schools.models import (
    DualQualification,
    EnterprisePractice,
    Programme,
    ProgrammeOffering,
    SchoolProfile,
    Student,
    Teacher,
)

from ..choices import Rag
from ..models import SubTask
from ..rules import is_overdue, rag_status

GROUPS = ("members", "programmes", "order_classes", "teachers", "practice", "demands", "rnd", "funding", "tasks")
GROUP_LABELS: dict[str, Promise] = {
    "members": _("成员单位"),
    "programmes": _("专业建设"),
    "order_classes": _("订单培养"),
    "teachers": _("师资队伍"),
    "practice": _("实践中心"),
    "demands": _("人才供需"),
    "rnd": _("研发与技术服务"),
    "funding": _("经费投入"),
    "tasks": _("任务推进"),
}

PERSONS, ITEMS, TEN_THOUSAND_YUAN, PERCENT, HOURS, PERSON_TIMES = (
    _("人"),
    _("个"),
    _("万元"),
    "%",
    _("小时"),
    _("人次"),
)
INDEX = _("分")

#: Flow metrics are computed for this many calendar years up to the current one.
YEARS_BACK = 6

FilterFn = Callable[[QuerySet, int, "int | None", str], QuerySet]


# --- sources and drills -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """The rows a counted metric aggregates: ``model`` rows of the consortium matching ``where(today)``, owned by the
    unit at ``unit_field``, dated by ``year_field`` (a date field, or an integer year field when ``year_is_int``;
    None for stock metrics), broken down by ``dim_field`` ("unit_id"-like fields give data dimensions labelled by
    the unit's name), aggregated by ``value`` ("count" or "sum:<field>")."""

    model: type[Model]
    where: Callable[[date], Q] = field(default=lambda today: Q())
    unit_field: str = "unit_id"
    year_field: str | None = None
    year_is_int: bool = False
    dim_field: str | None = None
    value: str = "count"

    @property
    def dim_is_unit(self) -> bool:
        return self.dim_field is not None and self.dim_field == self.unit_field

    def year_lookup(self) -> str | None:
        if self.year_field is None:
            return None
        return self.year_field if self.year_is_int else f"{self.year_field}__year"

    def narrow(self, qs: QuerySet, year: int, unit_id: int | None, dimension: str, *, today: date | None = None):
        """``qs`` narrowed to the rows counted for (year, unit, dimension); the refresh groups the same rows."""
        qs = qs.filter(self.where(today or timezone.localdate()))
        lookup = self.year_lookup()
        if lookup and year:
            qs = qs.filter(**{lookup: year})
        if unit_id:
            qs = qs.filter(**{self.unit_field: unit_id})
        if dimension and self.dim_field:
            if self.dim_is_unit and not str(dimension).isdigit():
                return qs.none()
            qs = qs.filter(**{self.dim_field: dimension})
        return qs


@dataclass(frozen=True)
class Drill:
    """The rows behind a number. ``filter(qs, year, unit_id, dimension)`` narrows a queryset the CALLER provides
    (views: ``model.objects.visible_to(user)``; the refresh: ``for_consortium``). ``columns`` are (header, accessor)
    pairs; an accessor is a dotted attribute path (``"unit.name"``) or a ``get_x_display`` method name."""

    model: type[Model]
    filter: FilterFn
    columns: list[tuple[Any, str]]
    source: Source | None = None

    @classmethod
    def of(cls, source: Source, columns: list[tuple[Any, str]]) -> Drill:
        return cls(source.model, source.narrow, columns, source)


@dataclass(frozen=True)
class Metric:
    key: str
    label: Promise
    group: str
    measure: Any
    stock: bool
    dimension_kind: str = ""
    choices: type | None = None
    drill: Drill | None = None
    # "url_name?param={year}&other={dimension}": the page showing a figure that has no row list (drill is None)
    link: str | None = None


# --- helpers for conditions and drills ----------------------------------------------------------------------------


def _valid_dual(today: date) -> Q:
    """Active full-time teachers holding a dual-qualified certification valid today."""
    valid = DualQualification.objects.filter(certified_on__lte=today).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    )
    return Q(is_active=True, employment=Employment.FULL_TIME, pk__in=valid.values("teacher_id"))


def _dim_int(dimension: str) -> int | None:
    return int(dimension) if str(dimension).isdigit() else None


def _by_pk(unit_field: str, dim_field: str, year_lookup: str | None = None) -> FilterFn:
    """Filter for data-dimension metrics whose dimension is the id at ``dim_field``."""

    def narrow(qs: QuerySet, year: int, unit_id: int | None, dimension: str) -> QuerySet:
        if year_lookup and year:
            qs = qs.filter(**{year_lookup: year})
        if unit_id:
            qs = qs.filter(**{unit_field: unit_id})
        if dimension:
            value = _dim_int(dimension)
            qs = qs.filter(**{dim_field: value}) if value is not None else qs.none()
        return qs

    return narrow


def _chain_demands(qs: QuerySet, year: int, unit_id: int | None, dimension: str) -> QuerySet:
    """Published demands starting in ``year`` of enterprises in the chain (directly or through its industries)."""
    qs = qs.filter(status__in=list(DEMAND_PUBLISHED))
    if year:
        qs = qs.filter(start_date__year=year)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    chain = _dim_int(dimension) if dimension else None
    if dimension and chain is None:
        return qs.none()
    if chain is not None:
        units = MemberUnit.objects.filter(Q(local_chains=chain) | Q(industries__local_chains=chain)).values("pk")
        qs = qs.filter(unit_id__in=units)
    return qs


def _chain_graduates(qs: QuerySet, year: int, unit_id: int | None, dimension: str) -> QuerySet:
    """Students expected to graduate in ``year`` (not going on to further study) of programmes linked to the chain
    (directly or through one of its industries)."""
    qs = qs.filter(expected_graduation__year=year) if year else qs
    qs = qs.exclude(status=StudentStatus.FURTHER_STUDY)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    chain = _dim_int(dimension) if dimension else None
    if dimension and chain is None:
        return qs.none()
    if chain is not None:
        programmes = Programme.objects.filter(
            Q(industry_links__local_chain=chain) | Q(industry_links__industry__local_chains=chain)
        ).values("pk")
        qs = qs.filter(offering__programme_id__in=programmes)
    return qs


def _graduates(qs: QuerySet, year: int, unit_id: int | None, dimension: str) -> QuerySet:
    return _chain_graduates(qs, year, unit_id, "")


def _task_filter(predicate: Callable[[dict[str, Any], date], bool], dimension_kind: str) -> FilterFn:
    """Sub-tasks whose computed state satisfies ``predicate`` (the RAG colour is computed, never stored, so the rows
    are selected in Python and the caller's queryset is narrowed to their ids)."""

    def narrow(qs: QuerySet, year: int, unit_id: int | None, dimension: str) -> QuerySet:
        today = timezone.localdate()
        if unit_id:
            qs = qs.filter(lead_unit_id=unit_id)
        rag = ""
        if dimension:
            if dimension_kind == "rag":
                rag = dimension
            elif dimension_kind == "unit":
                if _dim_int(dimension) is None:
                    return qs.none()
                qs = qs.filter(lead_unit_id=int(dimension))
            elif dimension_kind == "unit_rag":
                unit_part, _sep, rag = dimension.partition(":")
                if _dim_int(unit_part) is None:
                    return qs.none()
                qs = qs.filter(lead_unit_id=int(unit_part))
        ids = [
            row["pk"]
            for row in qs.values("pk", "starts_on", "deadline", "progress", "status")
            if predicate(row, today) and (not rag or task_rag(row, today) == rag)
        ]
        return qs.filter(pk__in=ids)

    return narrow


def task_rag(row: dict[str, Any], today: date) -> str:
    return rag_status(
        today=today,
        starts_on=row["starts_on"],
        deadline=row["deadline"],
        progress=row["progress"],
        status=row["status"],
    )


def task_overdue(row: dict[str, Any], today: date) -> bool:
    return is_overdue(today=today, deadline=row["deadline"], progress=row["progress"], status=row["status"])


def _always(row: dict[str, Any], today: date) -> bool:
    return True


def _done(row: dict[str, Any], today: date) -> bool:
    return task_rag(row, today) == Rag.DONE


# --- the sources --------------------------------------------------------------------------------------------------

UNIT_COLUMNS = [(_("单位名称"), "name"), (_("单位类型"), "get_kind_display"), (_("成员状态"), "get_status_display")]
TEACHER_COLUMNS = [
    (_("学校"), "unit.name"),
    (_("姓名"), "name"),
    (_("聘用方式"), "get_employment_display"),
    (_("职称"), "title"),
]
ENROLMENT_COLUMNS = [
    (_("学校"), "unit.name"),
    (_("订单班"), "order_class.name"),
    (_("学生"), "student.name"),
    (_("状态"), "get_status_display"),
]
DEMAND_COLUMNS = [
    (_("企业"), "unit.name"),
    (_("岗位"), "position"),
    (_("需求人数"), "headcount"),
    (_("已满足人数"), "filled_count"),
    (_("发布时间"), "published_at"),
    (_("到岗日期"), "start_date"),
    (_("状态"), "get_status_display"),
]
STUDENT_COLUMNS = [
    (_("学校"), "unit.name"),
    (_("专业"), "offering.programme.name"),
    (_("年级"), "cohort"),
    (_("预计毕业时间"), "expected_graduation"),
    (_("状态"), "get_status_display"),
]
TASK_COLUMNS = [
    (_("编号"), "code"),
    (_("子任务"), "title"),
    (_("牵头单位"), "lead_unit.name"),
    (_("完成时限"), "deadline"),
    (_("完成进度（%）"), "progress"),
    (_("状态"), "get_status_display"),
]

S_UNITS_ACTIVE = Source(MemberUnit, lambda t: Q(status=UnitStatus.ACTIVE), unit_field="pk", dim_field="kind")
S_UNITS_STATUS = Source(MemberUnit, unit_field="pk", dim_field="status")
S_PROGRAMMES = Source(Programme, lambda t: Q(is_active=True))
S_OFFERINGS = Source(ProgrammeOffering, year_field="year", year_is_int=True, dim_field="priority_class")
S_ORDER_CLASSES = Source(OrderClass, dim_field="stage")
S_OC_ENROLLED = Source(OrderClassEnrolment, lambda t: ~Q(status=EnrolmentStatus.WITHDRAWN))
S_OC_COMPLETED = Source(OrderClassEnrolment, lambda t: Q(status=EnrolmentStatus.GRADUATED))
S_OC_EMPLOYED = Source(OrderClassEmployment)
S_OC_CHECKS = Source(RetentionCheck, dim_field="months")
S_OC_RETAINED = Source(RetentionCheck, lambda t: Q(still_employed=True), dim_field="months")
S_STUDENTS = Source(Student, lambda t: Q(status__in=[StudentStatus.STUDYING, StudentStatus.INTERNSHIP]))
S_FULL_TIME = Source(Teacher, lambda t: Q(is_active=True, employment=Employment.FULL_TIME), dim_field="unit_id")
S_PART_TIME = Source(Teacher, lambda t: Q(is_active=True, employment=Employment.PART_TIME), dim_field="unit_id")
S_DUAL = Source(Teacher, _valid_dual, dim_field="unit_id")
S_PRACTICE = Source(EnterprisePractice, year_field="start_date", dim_field="unit_id", value="sum:hours")
S_DEMANDS = Source(TalentDemand, lambda t: Q(status__in=list(DEMAND_PUBLISHED)), year_field="published_at")
S_DEMAND_HEADCOUNT = Source(
    TalentDemand, lambda t: Q(status__in=list(DEMAND_PUBLISHED)), year_field="published_at", value="sum:headcount"
)
S_DEMAND_FILLED = Source(
    TalentDemand, lambda t: Q(status__in=list(DEMAND_PUBLISHED)), year_field="published_at", value="sum:filled_count"
)
S_PROJECTS = Source(RnDProject, lambda t: Q(status__in=list(PUBLIC_PROJECT_STATUSES)), year_field="start_on")
S_PROJECTS_STATUS = Source(RnDProject, dim_field="status")
S_SERVICES = Source(TechnicalService, year_field="delivered_on")
S_SERVICE_VALUE = Source(TechnicalService, year_field="delivered_on", value="sum:value")
S_ACHIEVEMENTS = Source(Achievement, year_field="obtained_on", dim_field="kind")
S_TRANSFERS = Source(AchievementTransfer, year_field="transferred_on")
S_TRANSFER_AMOUNT = Source(AchievementTransfer, year_field="transferred_on", value="sum:amount")
S_FUNDING = Source(
    FundingRecord,
    unit_field="recipient_id",
    year_field="year",
    year_is_int=True,
    dim_field="source",
    value="sum:amount",
)

M = Metric
METRIC_LIST: list[Metric] = [
    # members
    M(
        "members.by_kind",
        _("正式成员单位数"),
        "members",
        ITEMS,
        True,
        "choice",
        UnitKind,
        Drill.of(S_UNITS_ACTIVE, UNIT_COLUMNS),
    ),
    M(
        "members.by_status",
        _("成员单位数（按状态）"),
        "members",
        ITEMS,
        True,
        "choice",
        UnitStatus,
        Drill.of(S_UNITS_STATUS, UNIT_COLUMNS),
    ),
    # programmes
    M(
        "programmes.active",
        _("在办专业数"),
        "programmes",
        ITEMS,
        True,
        "",
        None,
        Drill.of(S_PROGRAMMES, [(_("学校"), "unit.name"), (_("专业代码"), "code"), (_("专业名称"), "name")]),
    ),
    M(
        "programmes.by_priority",
        _("年度开设专业数（按重点类别）"),
        "programmes",
        ITEMS,
        False,
        "choice",
        PriorityClass,
        Drill.of(
            S_OFFERINGS,
            [
                (_("学校"), "unit.name"),
                (_("专业"), "programme.name"),
                (_("年度"), "year"),
                (_("重点类别"), "get_priority_class_display"),
                (_("专业状态"), "get_status_display"),
            ],
        ),
    ),
    M(
        "programmes.alignment",
        _("专业产业对接指数"),
        "programmes",
        INDEX,
        False,
        "data",
        None,
        Drill(
            Programme,
            _by_pk("unit_id", "pk"),
            [(_("学校"), "unit.name"), (_("专业代码"), "code"), (_("专业名称"), "name")],
        ),
    ),
    M(
        "programmes.alignment_index",
        _("联合体专业产业对接指数"),
        "programmes",
        INDEX,
        False,
        "",
        None,
        None,
        "matching:gap?year={year}",
    ),
    # order classes, students, employment and retention
    M(
        "order_classes.by_stage",
        _("订单班数（按阶段）"),
        "order_classes",
        ITEMS,
        True,
        "choice",
        OrderClassStage,
        Drill.of(
            S_ORDER_CLASSES,
            [
                (_("学校"), "unit.name"),
                (_("班级名称"), "name"),
                (_("合作企业"), "partner_unit.name"),
                (_("类型"), "get_kind_display"),
                (_("年级"), "cohort"),
                (_("阶段"), "get_stage_display"),
            ],
        ),
    ),
    M(
        "order_classes.enrolled",
        _("订单班在册学生"),
        "order_classes",
        PERSONS,
        True,
        "",
        None,
        Drill.of(S_OC_ENROLLED, ENROLMENT_COLUMNS),
    ),
    M(
        "order_classes.completed",
        _("订单班结业学生"),
        "order_classes",
        PERSONS,
        True,
        "",
        None,
        Drill.of(S_OC_COMPLETED, ENROLMENT_COLUMNS),
    ),
    M(
        "order_classes.employed",
        _("订单班企业就业人数"),
        "order_classes",
        PERSONS,
        True,
        "",
        None,
        Drill.of(
            S_OC_EMPLOYED,
            [
                (_("学校"), "unit.name"),
                (_("订单班"), "order_class.name"),
                (_("学生"), "enrolment.student.name"),
                (_("岗位"), "position"),
                (_("入职日期"), "employed_on"),
            ],
        ),
    ),
    M(
        "order_classes.retention_checks",
        _("留任跟踪人数"),
        "order_classes",
        PERSONS,
        True,
        "choice",
        RetentionMonths,
        Drill.of(
            S_OC_CHECKS,
            [
                (_("订单班"), "order_class.name"),
                (_("学生"), "enrolment.student.name"),
                (_("跟踪节点"), "get_months_display"),
                (_("核查日期"), "checked_on"),
            ],
        ),
    ),
    M(
        "order_classes.retained",
        _("跟踪时仍在岗人数"),
        "order_classes",
        PERSONS,
        True,
        "choice",
        RetentionMonths,
        Drill.of(
            S_OC_RETAINED,
            [
                (_("订单班"), "order_class.name"),
                (_("学生"), "enrolment.student.name"),
                (_("跟踪节点"), "get_months_display"),
                (_("核查日期"), "checked_on"),
            ],
        ),
    ),
    M(
        "order_classes.retention_rate",
        _("订单班毕业生留任率"),
        "order_classes",
        PERCENT,
        True,
        "choice",
        RetentionMonths,
        Drill.of(
            S_OC_CHECKS,
            [
                (_("订单班"), "order_class.name"),
                (_("学生"), "enrolment.student.name"),
                (_("跟踪节点"), "get_months_display"),
                (_("仍在岗"), "still_employed"),
            ],
        ),
    ),
    M(
        "students.enrolled",
        _("在校学生数"),
        "order_classes",
        PERSONS,
        True,
        "",
        None,
        Drill.of(S_STUDENTS, STUDENT_COLUMNS),
    ),
    # teachers
    M(
        "teachers.full_time",
        _("专任教师数"),
        "teachers",
        PERSONS,
        True,
        "data",
        None,
        Drill.of(S_FULL_TIME, TEACHER_COLUMNS),
    ),
    M(
        "teachers.dual_qualified",
        _("双师型教师数"),
        "teachers",
        PERSONS,
        True,
        "data",
        None,
        Drill.of(S_DUAL, TEACHER_COLUMNS),
    ),
    M(
        "teachers.dual_ratio",
        _("双师型教师占专任教师比例"),
        "teachers",
        PERCENT,
        True,
        "data",
        None,
        Drill.of(S_DUAL, TEACHER_COLUMNS),
    ),
    M(
        "teachers.part_time",
        _("兼职教师数"),
        "teachers",
        PERSONS,
        True,
        "data",
        None,
        Drill.of(S_PART_TIME, TEACHER_COLUMNS),
    ),
    M(
        "teachers.part_time_cap",
        _("兼职教师上限（编制员额20%）"),
        "teachers",
        PERSONS,
        True,
        "data",
        None,
        Drill(
            SchoolProfile, _by_pk("unit_id", "unit_id"), [(_("学校"), "unit.name"), (_("编制员额"), "staffing_quota")]
        ),
    ),
    M(
        "teachers.part_time_headroom",
        _("兼职教师剩余可聘人数"),
        "teachers",
        PERSONS,
        True,
        "data",
        None,
        Drill(
            SchoolProfile, _by_pk("unit_id", "unit_id"), [(_("学校"), "unit.name"), (_("编制员额"), "staffing_quota")]
        ),
    ),
    M(
        "teachers.practice_hours",
        _("教师企业实践时长"),
        "teachers",
        HOURS,
        False,
        "data",
        None,
        Drill.of(
            S_PRACTICE,
            [
                (_("学校"), "unit.name"),
                (_("教师"), "teacher.name"),
                (_("实践单位"), "host_display"),
                (_("开始日期"), "start_date"),
                (_("实践时长（小时）"), "hours"),
            ],
        ),
    ),
    # practice centres
    M(
        "practice.open_hours",
        _("实践中心开放时数"),
        "practice",
        HOURS,
        False,
        "data",
        None,
        None,
        "practice_center:stats?year={year}&centre={dimension}",
    ),
    M(
        "practice.booked_hours",
        _("实践中心预约时数"),
        "practice",
        HOURS,
        False,
        "data",
        None,
        None,
        "practice_center:stats?year={year}&centre={dimension}",
    ),
    M(
        "practice.utilisation",
        _("实践中心利用率"),
        "practice",
        PERCENT,
        False,
        "data",
        None,
        None,
        "practice_center:stats?year={year}&centre={dimension}",
    ),
    M(
        "practice.training_person_times",
        _("社会培训人次"),
        "practice",
        PERSON_TIMES,
        False,
        "data",
        None,
        Drill(
            Trainee,
            _by_pk("session__centre__unit_id", "session__centre_id", "session__start_date__year"),
            [
                (_("实践中心"), "session.centre.name"),
                (_("培训课程"), "session.course"),
                (_("开班日期"), "session.start_date"),
                (_("工作单位"), "employer_display"),
                (_("已结业"), "completed"),
            ],
        ),
    ),
    # demands and graduates
    M("demands.published", _("发布人才需求数"), "demands", ITEMS, False, "", None, Drill.of(S_DEMANDS, DEMAND_COLUMNS)),
    M(
        "demands.published_headcount",
        _("发布需求人数"),
        "demands",
        PERSONS,
        False,
        "",
        None,
        Drill.of(S_DEMAND_HEADCOUNT, DEMAND_COLUMNS),
    ),
    M(
        "demands.filled_headcount",
        _("已满足需求人数"),
        "demands",
        PERSONS,
        False,
        "",
        None,
        Drill.of(S_DEMAND_FILLED, DEMAND_COLUMNS),
    ),
    M("demands.fill_rate", _("需求满足率"), "demands", PERCENT, False, "", None, Drill.of(S_DEMANDS, DEMAND_COLUMNS)),
    M(
        "graduates.expected",
        _("预计毕业生数"),
        "demands",
        PERSONS,
        False,
        "",
        None,
        Drill(Student, _graduates, STUDENT_COLUMNS),
    ),
    M("graduates.employed", _("毕业生就业人数"), "demands", PERSONS, False, "", None, None, "matching:gap?year={year}"),
    M(
        "graduates.local",
        _("毕业生本地就业人数"),
        "demands",
        PERSONS,
        False,
        "",
        None,
        None,
        "matching:gap?year={year}",
    ),
    M(
        "graduates.local_share",
        _("毕业生本地就业占比"),
        "demands",
        PERCENT,
        False,
        "",
        None,
        None,
        "matching:gap?year={year}",
    ),
    M(
        "supply.demand_headcount",
        _("产业链需求人数"),
        "demands",
        PERSONS,
        False,
        "data",
        None,
        Drill(TalentDemand, _chain_demands, DEMAND_COLUMNS),
    ),
    M(
        "supply.expected_graduates",
        _("产业链预计毕业生"),
        "demands",
        PERSONS,
        False,
        "data",
        None,
        Drill(Student, _chain_graduates, STUDENT_COLUMNS),
    ),
    M(
        "supply.filled",
        _("产业链已满足人数"),
        "demands",
        PERSONS,
        False,
        "data",
        None,
        Drill(TalentDemand, _chain_demands, DEMAND_COLUMNS),
    ),
    # R&D
    M(
        "rnd.projects",
        _("新立项研发项目数"),
        "rnd",
        ITEMS,
        False,
        "",
        None,
        Drill.of(
            S_PROJECTS,
            [
                (_("申报单位"), "unit.name"),
                (_("项目名称"), "title"),
                (_("开始日期"), "start_on"),
                (_("状态"), "get_status_display"),
            ],
        ),
    ),
    M(
        "rnd.projects_by_status",
        _("研发项目数（按状态）"),
        "rnd",
        ITEMS,
        True,
        "choice",
        ProjectStatus,
        Drill.of(
            S_PROJECTS_STATUS,
            [
                (_("申报单位"), "unit.name"),
                (_("项目名称"), "title"),
                (_("开始日期"), "start_on"),
                (_("状态"), "get_status_display"),
            ],
        ),
    ),
    M(
        "rnd.services",
        _("技术服务项数"),
        "rnd",
        ITEMS,
        False,
        "",
        None,
        Drill.of(
            S_SERVICES,
            [
                (_("服务提供单位"), "unit.name"),
                (_("服务名称"), "title"),
                (_("服务对象单位"), "client_unit.name"),
                (_("完成日期"), "delivered_on"),
                (_("合同金额（万元）"), "value"),
            ],
        ),
    ),
    M(
        "rnd.service_value",
        _("技术服务合同金额"),
        "rnd",
        TEN_THOUSAND_YUAN,
        False,
        "",
        None,
        Drill.of(
            S_SERVICE_VALUE,
            [
                (_("服务提供单位"), "unit.name"),
                (_("服务名称"), "title"),
                (_("服务对象单位"), "client_unit.name"),
                (_("完成日期"), "delivered_on"),
                (_("合同金额（万元）"), "value"),
            ],
        ),
    ),
    M(
        "rnd.achievements",
        _("科技成果数"),
        "rnd",
        ITEMS,
        False,
        "choice",
        AchievementKind,
        Drill.of(
            S_ACHIEVEMENTS,
            [
                (_("权属单位"), "unit.name"),
                (_("成果名称"), "title"),
                (_("成果类型"), "get_kind_display"),
                (_("取得日期"), "obtained_on"),
            ],
        ),
    ),
    M(
        "rnd.transfers",
        _("成果转化项数"),
        "rnd",
        ITEMS,
        False,
        "",
        None,
        Drill.of(
            S_TRANSFERS,
            [
                (_("权属单位"), "unit.name"),
                (_("成果"), "achievement.title"),
                (_("受让方"), "licensee_display"),
                (_("转化日期"), "transferred_on"),
                (_("金额（万元）"), "amount"),
            ],
        ),
    ),
    M(
        "rnd.transfer_amount",
        _("成果转化金额"),
        "rnd",
        TEN_THOUSAND_YUAN,
        False,
        "",
        None,
        Drill.of(
            S_TRANSFER_AMOUNT,
            [
                (_("权属单位"), "unit.name"),
                (_("成果"), "achievement.title"),
                (_("受让方"), "licensee_display"),
                (_("转化日期"), "transferred_on"),
                (_("金额（万元）"), "amount"),
            ],
        ),
    ),
    # funding
    M(
        "funding.by_source",
        _("经费投入（按来源）"),
        "funding",
        TEN_THOUSAND_YUAN,
        False,
        "choice",
        FundingSource,
        Drill.of(
            S_FUNDING,
            [
                (_("年度"), "year"),
                (_("经费来源"), "get_source_display"),
                (_("受资助单位"), "recipient.name"),
                (_("金额（万元）"), "amount"),
                (_("用途"), "purpose"),
            ],
        ),
    ),
    # tasks
    M(
        "tasks.by_rag",
        _("子任务数（按状态）"),
        "tasks",
        ITEMS,
        True,
        "choice",
        Rag,
        Drill(SubTask, _task_filter(_always, "rag"), TASK_COLUMNS),
    ),
    M(
        "tasks.total",
        _("子任务数"),
        "tasks",
        ITEMS,
        True,
        "data",
        None,
        Drill(SubTask, _task_filter(_always, "unit"), TASK_COLUMNS),
    ),
    M(
        "tasks.completed",
        _("已完成子任务数"),
        "tasks",
        ITEMS,
        True,
        "data",
        None,
        Drill(SubTask, _task_filter(_done, "unit"), TASK_COLUMNS),
    ),
    M(
        "tasks.overdue",
        _("逾期子任务数"),
        "tasks",
        ITEMS,
        True,
        "data",
        None,
        Drill(SubTask, _task_filter(task_overdue, "unit"), TASK_COLUMNS),
    ),
    M(
        "tasks.completion_rate",
        _("子任务完成率"),
        "tasks",
        PERCENT,
        True,
        "data",
        None,
        Drill(SubTask, _task_filter(_always, "unit"), TASK_COLUMNS),
    ),
    M(
        "tasks.rag_by_unit",
        _("各牵头单位子任务状态"),
        "tasks",
        ITEMS,
        True,
        "data",
        None,
        Drill(SubTask, _task_filter(_always, "unit_rag"), TASK_COLUMNS),
    ),
]
METRICS: dict[str, Metric] = {m.key: m for m in METRIC_LIST}
STOCK_KEYS: frozenset[str] = frozenset(m.key for m in METRIC_LIST if m.stock)
FLOW_KEYS: frozenset[str] = frozenset(m.key for m in METRIC_LIST if not m.stock)

#: Ratio metrics: key → (numerator key, denominator key); value = 100 · numerator / denominator per year, unit and
#: dimension (None when the denominator is 0). Computed from the stored facts, stored as facts too.
RATIOS: dict[str, tuple[str, str]] = {
    "order_classes.retention_rate": ("order_classes.retained", "order_classes.retention_checks"),
    "teachers.dual_ratio": ("teachers.dual_qualified", "teachers.full_time"),
    "practice.utilisation": ("practice.booked_hours", "practice.open_hours"),
    "demands.fill_rate": ("demands.filled_headcount", "demands.published_headcount"),
    "graduates.local_share": ("graduates.local", "graduates.employed"),
    "tasks.completion_rate": ("tasks.completed", "tasks.total"),
}

#: Counted metrics: key → source (one grouped query each in the refresh).
SOURCES: dict[str, Source] = {
    key: metric.drill.source
    for key, metric in METRICS.items()
    if metric.drill is not None and metric.drill.source is not None and key not in RATIOS
}

assert set(RATIOS) <= set(METRICS) and all(n in METRICS and d in METRICS for n, d in RATIOS.values())
assert all(m.group in GROUPS for m in METRIC_LIST)


# --- labels and URLs ------------------------------------------------------------------------------------------------


def dimension_label(key: str, dimension: str, stored_label: str = "") -> str:
    """The label of a dimension at read time: choice dimensions through the metric's choices (translated now), data
    dimensions through the stored label."""
    metric = METRICS.get(key)
    if not dimension:
        return str(_("合计"))
    if metric is not None and metric.dimension_kind == "choice" and metric.choices is not None:
        for value, label in metric.choices.choices:
            if str(value) == str(dimension):
                return str(label)
    return stored_label or str(dimension)


def _query(year: int | None, unit_id: int | None, dimension: str | None) -> str:
    params = {k: v for k, v in (("year", year), ("unit", unit_id), ("dimension", dimension)) if v not in (None, "")}
    return urlencode(params)


def drill_url(key: str, year: int | None, unit_id: int | None = None, dimension: str | None = "") -> str | None:
    """URL of the drill-down page of a metric (``leadership:kpi-drill``), or None when the metric has no row list
    and no linked page, or the route does not exist yet."""
    metric = METRICS.get(key)
    if metric is None or (metric.drill is None and not metric.link):
        return None
    try:
        base = reverse("leadership:kpi-drill", kwargs={"metric": key})
    except NoReverseMatch:
        return None
    query = _query(year, unit_id, dimension)
    return f"{base}?{query}" if query else base


def drill_urls(
    key: str, year: int | None, unit_id: int | None, dimensions: Iterable[str | None]
) -> list[str | None]:
    """``drill_url`` of each dimension, with a single ``reverse()`` (charts have one URL per category)."""
    dimensions = list(dimensions)
    base = drill_url(key, None)
    if base is None:
        return [None] * len(dimensions)
    urls: list[str | None] = []
    for dimension in dimensions:
        query = _query(year, unit_id, dimension)
        urls.append(f"{base}?{query}" if query else base)
    return urls


def link_url(key: str, year: int | None, dimension: str | None = "") -> str | None:
    """URL of the page a metric links to (``Metric.link`` with {year} and {dimension} filled in; empty parameters
    dropped), or None."""
    metric = METRICS.get(key)
    if metric is None or not metric.link:
        return None
    name, _sep, template = metric.link.partition("?")
    try:
        base = reverse(name)
    except NoReverseMatch:
        return None
    values = {"year": "" if not year else str(year), "dimension": dimension or ""}
    params = []
    for part in template.split("&") if template else []:
        param, _eq, value = part.partition("=")
        value = value.format(**values)
        if value:
            params.append((param, value))
    return f"{base}?{urlencode(params)}" if params else base
