"""Practice-centre part of the demo data; ``manage.py load_demo`` finds it (protocol:
``consortium.tenancy.demo.domains``).

For the Baoqing demo consortium (plan §三(三)) it builds, acting as the demo secretariat through
``practice_center.services``:

* the open regional centre 宝清县公共实训基地 (owned by the county HR & social-security bureau, run by the vocational
  school; practice teaching, social training, real production, technical services) and four school and enterprise
  centres — an enterprise centre as 厂中校, a 校中厂 run by a food company inside the school, an industry-college base
  and an unpublished e-commerce base — with rooms, workstations and equipment (exclusive and shared), opening hours
  and a closure;
* a term of bookings (16 weeks around the current week) across purposes and booking units: future ones through
  ``booking_request`` and the approval / refusal / cancellation / waiting-list services (so the rules hold and the
  history is real); past ones — which no service accepts any more — are recorded directly with their history rows,
  after the same pure checks (opening hours, closures, free slot) from ``practice_center.rules``;
* social training sessions with trainees, attendance, completion and certificates; production and technical-service
  records.

Everything is FICTIONAL and deterministic (people from ``random.Random`` seeded with fixed strings). Idempotent:
centres, resources, sessions and records are found by natural keys; opening hours, closures, bookings and trainees
are only built when their centre / session has none, so a rerun creates and changes nothing. Dates are relative to
the day of the FIRST load (the calendar then shows the current week); reruns never move existing rows.

The Raohe demo consortium gets one school centre with resources and opening hours (no bookings).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from consortium.tenancy.choices import UnitStatus
from consortium.tenancy.demo.data import BAOQING, BAOQING_UNITS, RAOHE, RAOHE_UNITS
from consortium.tenancy.models import Consortium, MemberUnit, User
from schools.choices import Gender
from schools.demo import FEMALE_GIVEN, MALE_GIVEN, SURNAMES, demo_id_number
from schools.models import PoolExpert, Teacher

from . import rules, services
from .choices import (
    BookingPurpose,
    BookingStatus,
    CentreForm,
    CentreKind,
    ProductionKind,
    ResourceKind,
    TrainingStatus,
)
from .models import (
    Booking,
    BookingStatusChange,
    CentreClosure,
    OpeningHours,
    PracticeCentre,
    ProductionRecord,
    Resource,
    Trainee,
    TrainingSession,
)

T = dt.time
PT, ST, PR, TS = (
    BookingPurpose.PRACTICE_TEACHING,
    BookingPurpose.SOCIAL_TRAINING,
    BookingPurpose.PRODUCTION,
    BookingPurpose.TECHNICAL_SERVICE,
)
ROOM, WORKSTATION, EQUIPMENT = ResourceKind.ROOM, ResourceKind.WORKSTATION, ResourceKind.EQUIPMENT
WEEKS = range(-8, 8)  # the term: 8 weeks before the current week, the current week and 7 after it

# --- specifications ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceSpec:
    name: str
    kind: str
    code: str
    capacity: int = 0  # 0: exclusive (one booking at a time)
    fee: str | None = None  # 元 per hour
    description: str = ""


@dataclass(frozen=True)
class CentreSpec:
    key: str
    name: str
    kind: str
    form: str
    owner: str  # UnitSpec.key
    operator: str
    offers: tuple[str, ...]
    hours: tuple[tuple[tuple[int, ...], dt.time, dt.time], ...]  # (weekdays, opens, closes)
    resources: tuple[ResourceSpec, ...]
    address: str
    description: str
    contact: tuple[str, str]
    published: bool = True


WEEKDAYS = (0, 1, 2, 3, 4)

CENTRES: dict[str, tuple[CentreSpec, ...]] = {
    BAOQING.key: (
        CentreSpec(
            "public",
            "宝清县公共实训基地（区域产教融合实践中心）",
            CentreKind.PUBLIC_REGIONAL,
            "",
            "hrss",
            "school",
            (PT, ST, PR, TS),
            ((WEEKDAYS, T(8, 0), T(12, 0)), (WEEKDAYS, T(13, 30), T(17, 30)), ((5,), T(8, 30), T(11, 30))),
            (
                ResourceSpec("智能制造实训室", ROOM, "GX-101", fee="120", description="工业机器人、PLC 实训台 12 套。"),
                ResourceSpec("电工实训室", ROOM, "GX-102", fee="80", description="低压电工作业考核实训装置。"),
                ResourceSpec(
                    "新能源装备实训区", WORKSTATION, "GX-201", capacity=20, fee="15", description="风光储运维工位。"
                ),
                ResourceSpec("农产品检测实验室", ROOM, "GX-301", fee="150", description="大豆、稻米理化检测。"),
                ResourceSpec("电商直播间（一）", ROOM, "GX-401", fee="60"),
                ResourceSpec("电商直播间（二）", ROOM, "GX-402", fee="60"),
                ResourceSpec("焊接实训工位", WORKSTATION, "GX-202", capacity=12, fee="20"),
                ResourceSpec("数控车床", EQUIPMENT, "GX-E01", fee="200"),
                ResourceSpec("植保无人机模拟器", EQUIPMENT, "GX-E02", fee="100"),
                ResourceSpec("多媒体培训教室", ROOM, "GX-501", capacity=60, description="可容纳60人的培训教室。"),
            ),
            "宝清县经济开发区职教路66号",
            "依托县职业技能公共实训基地改扩建，集实践教学、社会培训、真实生产和技术服务于一体，向联合体全体成员开放。",
            ("王建华", "0469-5512001"),
        ),
        CentreSpec(
            "power",
            "北辰煤电企业实践中心（厂中校）",
            CentreKind.ENTERPRISE,
            CentreForm.SCHOOL_IN_FACTORY,
            "coal_power",
            "coal_power",
            (PT, ST, TS),
            ((WEEKDAYS, T(8, 30), T(16, 30)),),
            (
                ResourceSpec("电力运行仿真实训室", ROOM, "BC-01", description="600MW 机组全范围仿真机。"),
                ResourceSpec("锅炉运行仿真机", EQUIPMENT, "BC-E1", fee="300"),
                ResourceSpec("检修实训工位", WORKSTATION, "BC-02", capacity=8),
            ),
            "宝清县经济开发区电厂路1号",
            "企业建设的综合型企业实践中心和职工培训中心，学校在厂内设教学点（厂中校）。",
            ("张海涛", "0469-5530001"),
        ),
        CentreSpec(
            "soy",
            "挠力河职校大豆食品校中厂",
            CentreKind.SCHOOL,
            CentreForm.FACTORY_IN_SCHOOL,
            "school",
            "soy",
            (PT, PR),
            ((WEEKDAYS, T(8, 0), T(11, 30)), (WEEKDAYS, T(13, 30), T(17, 0))),
            (
                ResourceSpec("豆制品生产线", EQUIPMENT, "XZ-E1", description="日产豆干、腐竹 1 吨的小型生产线。"),
                ResourceSpec("食品检测室", ROOM, "XZ-01"),
                ResourceSpec("包装工位", WORKSTATION, "XZ-02", capacity=10),
            ),
            "宝清县宝清镇职教路66号（校内）",
            "学校提供场地、企业投入设备并组织生产的“校中厂”，学生在真实生产中完成农产品加工专业实训。",
            ("范春雨", "0469-5521002"),
        ),
        CentreSpec(
            "college",
            "现代能源与装备产业学院实训基地",
            CentreKind.SCHOOL,
            CentreForm.INDUSTRY_COLLEGE_BASE,
            "school",
            "wind",
            (PT, ST, TS),
            ((WEEKDAYS, T(8, 0), T(11, 30)), (WEEKDAYS, T(13, 30), T(17, 0))),
            (
                ResourceSpec("风电运维实训塔", EQUIPMENT, "CY-E1", fee="150", description="30米攀爬与机舱实训塔。"),
                ResourceSpec("光伏运维实训场", WORKSTATION, "CY-01", capacity=16),
            ),
            "宝清县尖山子乡风电场实训区",
            "产业学院校企共建的实训基地，服务新能源装备技术专业和企业职工技能提升。",
            ("何建伟", "0469-5540003"),
        ),
        CentreSpec(
            "ecom",
            "云集农产品直播实践基地",
            CentreKind.ENTERPRISE,
            CentreForm.SCHOOL_IN_FACTORY,
            "ecom",
            "ecom",
            (PT, PR),
            ((WEEKDAYS, T(9, 0), T(17, 0)),),
            (ResourceSpec("直播间A", ROOM, "YJ-01"), ResourceSpec("选品仓", ROOM, "YJ-02")),
            "宝清县宝清镇电商产业园A座",
            "企业自用的直播基地，暂未对联合体公开预约（仅本单位和合作学校使用）。",
            ("许晨", "0469-5550004"),
            published=False,
        ),
    ),
    RAOHE.key: (
        CentreSpec(
            "rh_school",
            "乌苏里职业技术学校实训中心",
            CentreKind.SCHOOL,
            CentreForm.SCHOOL_RUN,
            "rh_school",
            "rh_school",
            (PT, ST),
            ((WEEKDAYS, T(8, 0), T(16, 0)),),
            (
                ResourceSpec("蜂产品加工实训室", ROOM, "RH-01"),
                ResourceSpec("导游模拟实训室", ROOM, "RH-02", capacity=30),
            ),
            "饶河县饶河镇育英路3号",
            "学校自建的实训中心。",
            ("潘文杰", "0469-5660001"),
        ),
    ),
}


@dataclass(frozen=True)
class BookingSpec:
    """A weekly booking of the term: centre key, resource name, weekday, time, booking unit key, purpose, headcount."""

    centre: str
    resource: str
    weekday: int
    start: dt.time
    end: dt.time
    unit: str
    purpose: str
    headcount: int
    title: str
    session: str = ""  # TrainingSpec.key whose booking this is (when the date falls in the session)
    government: bool = False  # government purchase of services


BOOKINGS: tuple[BookingSpec, ...] = (
    BookingSpec("public", "智能制造实训室", 0, T(8, 0), T(12, 0), "school", PT, 36, "机电技术应用专业实训"),
    BookingSpec(
        "public", "电工实训室", 1, T(13, 30), T(17, 30), "training", ST, 20, "低压电工作业培训", "electric", True
    ),
    BookingSpec("public", "新能源装备实训区", 2, T(8, 0), T(12, 0), "school", PT, 15, "新能源装备技术实训"),
    BookingSpec("public", "新能源装备实训区", 2, T(8, 0), T(12, 0), "wind", TS, 5, "风机变流器检修技术服务"),
    BookingSpec("public", "农产品检测实验室", 3, T(8, 0), T(12, 0), "soy", TS, 4, "大豆蛋白含量检测"),
    BookingSpec("public", "电商直播间（一）", 4, T(13, 30), T(17, 30), "ecom", PR, 3, "农产品直播带货"),
    BookingSpec("public", "电商直播间（二）", 3, T(13, 30), T(17, 30), "school", PT, 12, "电子商务专业直播实训"),
    BookingSpec("public", "焊接实训工位", 1, T(8, 0), T(12, 0), "coal_mine", ST, 10, "矿山机电焊工技能提升"),
    BookingSpec(
        "public", "多媒体培训教室", 5, T(8, 30), T(11, 30), "farmer_school", ST, 40, "新型职业农民培训", "farmers", True
    ),
    BookingSpec("public", "多媒体培训教室", 2, T(13, 30), T(17, 30), "assoc_ecom", ST, 25, "农村电商直播培训", "ecom"),
    BookingSpec("public", "数控车床", 4, T(8, 0), T(12, 0), "agri_coop", PR, 2, "农机配件加工"),
    BookingSpec("power", "电力运行仿真实训室", 1, T(8, 30), T(12, 0), "school", PT, 24, "电厂集控运行仿真实训"),
    BookingSpec("power", "检修实训工位", 3, T(13, 0), T(16, 30), "coal_power", ST, 8, "电力运行值班员培训", "power"),
    BookingSpec("power", "锅炉运行仿真机", 4, T(8, 30), T(11, 30), "coal_mine", TS, 2, "锅炉燃烧调整试验"),
    BookingSpec("soy", "豆制品生产线", 0, T(13, 30), T(17, 0), "soy", PR, 6, "豆干生产"),
    BookingSpec("soy", "食品检测室", 1, T(8, 0), T(11, 30), "school", PT, 20, "农产品加工与质量检测实训"),
    BookingSpec("soy", "包装工位", 3, T(8, 0), T(11, 30), "school", PT, 10, "食品包装实训"),
    BookingSpec("college", "风电运维实训塔", 4, T(8, 0), T(11, 30), "school", PT, 12, "风电机组运维实训"),
    BookingSpec("college", "光伏运维实训场", 3, T(13, 30), T(17, 0), "wind", ST, 12, "风电运维技能提升培训", "wind"),
    BookingSpec("ecom", "直播间A", 1, T(9, 0), T(12, 0), "ecom", PR, 4, "店铺日常直播"),
)


@dataclass(frozen=True)
class TrainingSpec:
    key: str
    centre: str
    organiser: str
    course: str
    start_day: int  # days from the Monday of the current week (at the first load)
    days: int
    hours: int
    trainees: int
    trainer: str  # "teacher", "expert" or a free-text name
    employers: tuple[str, ...]  # unit keys; "" = a non-member employer from OTHER_EMPLOYERS
    description: str


TRAININGS: tuple[TrainingSpec, ...] = (
    TrainingSpec(
        "electric_1",
        "public",
        "training",
        "低压电工作业培训（第一期）",
        -56,
        26,
        40,
        18,
        "刘建国（高级技师）",
        ("coal_mine", "coal_power", "", "agri_coop"),
        "特种作业操作证（低压电工）取证培训，考核合格颁发培训证书。",
    ),
    TrainingSpec(
        "electric",
        "public",
        "training",
        "低压电工作业培训（第二期）",
        -14,
        27,
        40,
        16,
        "刘建国（高级技师）",
        ("coal_mine", "wind", "", "solar"),
        "特种作业操作证（低压电工）取证培训。",
    ),
    TrainingSpec(
        "farmers",
        "public",
        "farmer_school",
        "新型职业农民大豆高产栽培培训班",
        -40,
        5,
        24,
        30,
        "teacher",
        ("agri_coop", "smart_agri", "", ""),
        "面向家庭农场主和合作社成员的大豆高产栽培与黑土地保护技术培训。",
    ),
    TrainingSpec(
        "power",
        "power",
        "coal_power",
        "电力运行值班员岗前培训",
        -24,
        19,
        48,
        10,
        "赵立新（值长）",
        ("coal_power",),
        "新入职员工电力运行值班员岗前培训，含仿真机操作考核。",
    ),
    TrainingSpec(
        "ecom",
        "public",
        "assoc_ecom",
        "农村电商直播带货培训",
        -7,
        12,
        20,
        25,
        "expert",
        ("ecom", "rice", "", ""),
        "政府购买服务项目：农村电商带头人直播带货技能培训。",
    ),
    TrainingSpec(
        "wind",
        "college",
        "wind",
        "风电运维技能提升培训",
        7,
        12,
        32,
        12,
        "expert",
        ("wind", "solar"),
        "风电机组定检、故障诊断与高处作业安全培训。",
    ),
)
OTHER_EMPLOYERS = ("宝清县七星泡镇丰收家庭农场", "宝清县龙头镇顺发种植合作社", "待业", "个体经营")

PRODUCTION: dict[str, tuple[tuple[str, str, str, str, str], ...]] = {
    # centre key → (kind, item, client unit key or "name:<client>", quantity, value 万元) per month
    "soy": (
        (ProductionKind.PRODUCTION, "豆干、腐竹", "ecom", "1.2吨", "3.60"),
        (ProductionKind.PRODUCTION, "学生食堂豆制品", "name:宝清县第一中学食堂", "0.8吨", "1.75"),
    ),
    "public": (
        (ProductionKind.TECHNICAL_SERVICE, "大米理化指标检测", "rice", "40批次", "0.80"),
        (ProductionKind.PRODUCTION, "农机配件数控加工", "agri_coop", "300件", "1.20"),
    ),
    "power": ((ProductionKind.TECHNICAL_SERVICE, "锅炉燃烧调整技术服务", "coal_mine", "2台锅炉", "4.50"),),
    "college": ((ProductionKind.TECHNICAL_SERVICE, "风机齿轮箱油液检测", "solar", "12台", "1.10"),),
}


# --- helpers -------------------------------------------------------------------------------------------------------


def _rng(*parts: Any) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))


def _person(rng: random.Random, used: set[str]) -> dict[str, str]:
    gender = Gender.MALE if rng.random() < 0.6 else Gender.FEMALE
    pool = MALE_GIVEN if gender == Gender.MALE else FEMALE_GIVEN
    name = rng.choice(SURNAMES) + rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.6 else "")
    while True:
        born = dt.date(1968, 1, 1) + dt.timedelta(days=rng.randrange(365 * 36))
        id_number = demo_id_number(rng, region="230523", born=born, gender=gender)
        if id_number not in used:
            used.add(id_number)
            break
    phone = rng.choice(("135", "139", "150", "158", "186")) + f"{rng.randrange(0, 10**8):08d}"
    return {"name": name, "id_number": id_number, "phone": phone}


def _units(consortium: Consortium, specs: Any) -> dict[str, MemberUnit]:
    by_name = {u.name: u for u in MemberUnit.objects.for_consortium(consortium.pk).filter(status=UnitStatus.ACTIVE)}
    return {spec.key: by_name[spec.name] for spec in specs if spec.name in by_name}


def _anchor(centres: Mapping[str, PracticeCentre]) -> dt.date:
    """Monday of the current week — or of the week of the first load when the demo already exists (stable reruns)."""
    first = (
        TrainingSession.objects.for_consortium(next(iter(centres.values())).consortium_id)
        .filter(centre__in=list(centres.values()), course=TRAININGS[0].course)
        .values_list("start_date", flat=True)
        .first()
    )
    if first is not None:
        return first - dt.timedelta(days=TRAININGS[0].start_day)
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday())


# --- loader --------------------------------------------------------------------------------------------------------


def load(*, consortium: Consortium, secretariat: User, stdout: Any = None) -> dict[str, int] | None:
    """Build the practice-centre demo of ``consortium`` (see the module docstring); returns the counts to print."""
    key = next((k for k, spec in ((BAOQING.key, BAOQING), (RAOHE.key, RAOHE)) if spec.name == consortium.name), None)
    if key is None:
        return None
    units = _units(consortium, BAOQING_UNITS if key == BAOQING.key else RAOHE_UNITS)
    centres: dict[str, PracticeCentre] = {}
    for spec in CENTRES[key]:
        if spec.owner in units and spec.operator in units:
            centres[spec.key] = _centre(secretariat, spec, units)
    if not centres:
        return None
    if key == BAOQING.key:
        monday = _anchor(centres)
        sessions = _trainings(secretariat, consortium, centres, units, monday)
        _closures(secretariat, centres, monday)
        _bookings(secretariat, centres, units, sessions, monday)
        _production(secretariat, centres, units, monday)
    cid = consortium.pk
    counts = {
        "实践中心": PracticeCentre.objects.for_consortium(cid).count(),
        "实践资源": Resource.objects.for_consortium(cid).count(),
        "资源预约": Booking.objects.for_consortium(cid).count(),
        "社会培训班": TrainingSession.objects.for_consortium(cid).count(),
        "培训学员": Trainee.objects.for_consortium(cid).count(),
        "生产与技术服务记录": ProductionRecord.objects.for_consortium(cid).count(),
    }
    if stdout is not None:
        stdout.write("  practice_center: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + "\n")
    return counts


def _centre(actor: User, spec: CentreSpec, units: Mapping[str, MemberUnit]) -> PracticeCentre:
    owner = units[spec.owner]
    centre = PracticeCentre.objects.for_consortium(owner.consortium_id).filter(name=spec.name).first()
    if centre is None:
        centre = services.centre_create(
            actor=actor,
            owner_unit=owner,
            operator_unit=units[spec.operator],
            name=spec.name,
            kind=spec.kind,
            form=spec.form,
            address=spec.address,
            description=spec.description,
            offers_practice_teaching=PT in spec.offers,
            offers_social_training=ST in spec.offers,
            offers_production=PR in spec.offers,
            offers_technical_service=TS in spec.offers,
            is_published=spec.published,
            contact_person=spec.contact[0],
            contact_phone=spec.contact[1],
        )
    existing = set(
        Resource.objects.for_consortium(centre.consortium_id).filter(centre=centre).values_list("name", flat=True)
    )
    for resource in spec.resources:
        if resource.name in existing:
            continue
        services.resource_create(
            actor=actor,
            centre=centre,
            kind=resource.kind,
            name=resource.name,
            code=resource.code,
            exclusive=resource.capacity == 0,
            capacity=resource.capacity or 1,
            hourly_fee=Decimal(resource.fee) if resource.fee else None,
            description=resource.description,
        )
    if not OpeningHours.objects.for_consortium(centre.consortium_id).filter(centre=centre).exists():
        rows = [(weekday, opens, closes) for weekdays, opens, closes in spec.hours for weekday in weekdays]
        services.opening_hours_set(actor=actor, centre=centre, rows=rows)
    return centre


def _closures(actor: User, centres: Mapping[str, PracticeCentre], monday: dt.date) -> None:
    """A maintenance day of the public centre (Wednesday of next week) and a past holiday closure of the 校中厂."""
    tz = timezone.get_default_timezone()
    plan = (
        ("public", monday + dt.timedelta(days=9), 1, "设备年度检修，暂停开放"),
        ("soy", monday - dt.timedelta(days=21), 3, "生产线清洁消毒"),
    )
    for key, first_day, days, reason in plan:
        centre = centres.get(key)
        if centre is None or CentreClosure.objects.for_consortium(centre.consortium_id).filter(centre=centre).exists():
            continue
        start = dt.datetime.combine(first_day, T(0, 0), tzinfo=tz)
        services.closure_create(
            actor=actor, centre=centre, start=start, end=start + dt.timedelta(days=days), reason=reason
        )


# --- training sessions -----------------------------------------------------------------------------------------------


def _trainer(spec: TrainingSpec, organiser: MemberUnit, consortium: Consortium) -> dict[str, Any]:
    if spec.trainer == "teacher":
        teacher = (
            Teacher.objects.for_consortium(consortium.pk).filter(is_active=True).order_by("unit__name", "name").first()
        )
        return {"trainer_teacher": teacher} if teacher else {"trainer_name": "王老师"}
    if spec.trainer == "expert":
        experts = PoolExpert.objects.for_consortium(consortium.pk).filter(is_listed=True).order_by("name", "pk")
        expert = experts.filter(unit=organiser).first() or experts.first()
        return {"trainer_expert": expert} if expert else {"trainer_name": "企业专家"}
    return {"trainer_name": spec.trainer}


def _trainings(
    actor: User,
    consortium: Consortium,
    centres: Mapping[str, PracticeCentre],
    units: Mapping[str, MemberUnit],
    monday: dt.date,
) -> dict[str, TrainingSession]:
    today = timezone.localdate()
    result: dict[str, TrainingSession] = {}
    used = set(Trainee.objects.for_consortium(consortium.pk).values_list("id_number", flat=True))
    for spec in TRAININGS:
        centre, organiser = centres.get(spec.centre), units.get(spec.organiser)
        if centre is None or organiser is None:
            continue
        session = (
            TrainingSession.objects.for_consortium(consortium.pk).filter(centre=centre, course=spec.course).first()
        )
        if session is None:
            start = monday + dt.timedelta(days=spec.start_day)
            end = start + dt.timedelta(days=spec.days)
            status = (
                TrainingStatus.FINISHED
                if end < today
                else (TrainingStatus.RUNNING if start <= today else TrainingStatus.PLANNED)
            )
            session = services.training_session_create(
                actor=actor,
                unit=organiser,
                centre=centre,
                course=spec.course,
                start_date=start,
                end_date=end,
                hours=Decimal(spec.hours),
                description=spec.description,
                status=status,
                **_trainer(spec, organiser, consortium),
            )
        result[spec.key] = session
        if not Trainee.objects.for_consortium(consortium.pk).filter(session=session).exists():
            _trainees(actor, spec, session, units, used, today)
    return result


def _trainees(
    actor: User,
    spec: TrainingSpec,
    session: TrainingSession,
    units: Mapping[str, MemberUnit],
    used: set[str],
    today: dt.date,
) -> None:
    rng = _rng("practice-trainees", spec.key)
    trainees = []
    for index in range(spec.trainees):
        employer_key = spec.employers[index % len(spec.employers)]
        employer = units.get(employer_key) if employer_key else None
        person = _person(rng, used)
        trainees.append(
            services.trainee_create(
                actor=actor,
                session=session,
                employer_unit=employer,
                employer_name="" if employer else OTHER_EMPLOYERS[index % len(OTHER_EMPLOYERS)],
                **person,
            )
        )
    if session.status == TrainingStatus.PLANNED:
        return
    hours = Decimal(spec.hours)
    if session.status == TrainingStatus.RUNNING:  # attendance so far: the elapsed share of the hours
        elapsed = (today - session.start_date).days + 1
        share = Decimal(elapsed) / Decimal((session.end_date - session.start_date).days + 1)
        attendance = {
            t.pk: (hours * share * Decimal(rng.choice((8, 9, 10))) / 10).quantize(Decimal("1")) for t in trainees
        }
        services.session_record_attendance(actor=actor, session=session, attendance=attendance)
        return
    attendance, completed = {}, []
    for trainee in trainees:
        roll = rng.random()
        attended = hours if roll < 0.7 else (hours - Decimal(rng.choice((2, 4, 6))) if roll < 0.92 else hours / 2)
        attendance[trainee.pk] = attended
        if attended >= hours * Decimal("0.8"):
            completed.append(trainee.pk)
    services.session_record_attendance(actor=actor, session=session, attendance=attendance, completed_ids=completed)
    issued_on = session.end_date + dt.timedelta(days=7)
    if issued_on > today:
        return
    prefix = f"BQPX{session.start_date:%Y}{session.pk:04d}-"
    done = Trainee.objects.for_consortium(session.consortium_id).filter(pk__in=completed).order_by("name", "pk")
    for number, trainee in enumerate(done, start=1):
        services.trainee_issue_certificate(
            actor=actor, trainee=trainee, certificate_no=f"{prefix}{number:03d}", issued_on=issued_on
        )


# --- bookings ------------------------------------------------------------------------------------------------------

REFUSAL = "该时段中心已安排设备维护，请改约其他时段。"
CANCELLATION = "教学计划调整，取消本次预约。"


def _bookings(
    actor: User,
    centres: Mapping[str, PracticeCentre],
    units: Mapping[str, MemberUnit],
    sessions: Mapping[str, TrainingSession],
    monday: dt.date,
) -> None:
    """The term of bookings (only when the demo centres have none yet)."""
    demo_centres = list(centres.values())
    consortium_id = demo_centres[0].consortium_id
    if Booking.objects.for_consortium(consortium_id).filter(centre__in=demo_centres).exists():
        return
    tz = timezone.get_default_timezone()
    now = timezone.now()
    resources = {
        (r.centre_id, r.name): r
        for r in Resource.objects.for_consortium(consortium_id).filter(centre__in=demo_centres).select_related("centre")
    }
    windows = {
        c.pk: list(
            OpeningHours.objects.for_consortium(consortium_id)
            .filter(centre=c)
            .values_list("weekday", "opens", "closes")
        )
        for c in demo_centres
    }
    closures = {
        c.pk: list(CentreClosure.objects.for_consortium(consortium_id).filter(centre=c).values_list("start", "end"))
        for c in demo_centres
    }
    for week in WEEKS:
        for index, spec in enumerate(BOOKINGS):
            centre, unit = centres.get(spec.centre), units.get(spec.unit)
            if centre is None or unit is None:
                continue
            resource = resources[(centre.pk, spec.resource)]
            day = monday + dt.timedelta(days=7 * week + spec.weekday)
            start = dt.datetime.combine(day, spec.start, tzinfo=tz)
            end = dt.datetime.combine(day, spec.end, tzinfo=tz)
            if rules.overlaps_closure(closures[centre.pk], start, end):
                continue
            if not rules.fits_opening_hours(start, end, windows[centre.pk], tz):
                continue
            session = sessions.get(spec.session) if spec.session else None
            if session is not None and not (session.start_date <= day <= session.end_date):
                session = None
            pattern = (week * 7 + index * 3) % 13
            if start > now:
                _future_booking(actor, resource, unit, spec, start, end, session, week, pattern)
            else:
                _past_booking(actor, resource, unit, spec, start, end, session, now, pattern)
    _waiting_list(actor, centres, units, resources, monday, tz)


def _government(spec: BookingSpec, resource: Resource, start: dt.datetime, end: dt.datetime) -> Decimal | None:
    if not spec.government:
        return None
    return rules.booking_fee(start, end, resource.hourly_fee) or Decimal("300.00")


def _future_booking(
    actor: User,
    resource: Resource,
    unit: MemberUnit,
    spec: BookingSpec,
    start: dt.datetime,
    end: dt.datetime,
    session: TrainingSession | None,
    week: int,
    pattern: int,
) -> Booking | None:
    try:
        booking = services.booking_request(
            actor=actor,
            resource=resource,
            unit=unit,
            purpose=spec.purpose,
            start=start,
            end=end,
            headcount=spec.headcount,
            training_session=session,
            title=spec.title,
            government_purchase=spec.government,
            government_amount=_government(spec, resource, start, end),
        )
    except ValidationError:
        return None
    if booking.status == BookingStatus.PENDING:
        if pattern == 4:
            booking = services.booking_refuse(actor=actor, booking=booking, reason=REFUSAL)
        elif week <= 3:
            booking = services.booking_approve(actor=actor, booking=booking, reason="同意。")
        # later weeks stay pending: the centre's approval queue
    if pattern == 9 and booking.status in (BookingStatus.APPROVED, BookingStatus.PENDING):
        booking = services.booking_cancel(actor=actor, booking=booking, reason=CANCELLATION)
    return booking


def _past_booking(
    actor: User,
    resource: Resource,
    unit: MemberUnit,
    spec: BookingSpec,
    start: dt.datetime,
    end: dt.datetime,
    session: TrainingSession | None,
    now: dt.datetime,
    pattern: int,
) -> Booking | None:
    """A booking whose time has come: recorded directly (no service accepts past slots), with its history."""
    centre = resource.centre
    own = unit.pk in centre.unit_ids and centre.auto_approve_own
    taken = list(
        Booking.objects.for_consortium(resource.consortium_id)
        .filter(resource=resource, status__in=(BookingStatus.APPROVED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW))
        .filter(start__lt=end, end__gt=start)
        .values_list("start", "end", "headcount")
    )
    if resource.exclusive and not rules.fits_exclusive([(s, e) for s, e, _h in taken], start, end):
        return None
    if not resource.exclusive and not rules.fits_capacity(taken, start, end, spec.headcount, resource.capacity):
        return None
    if end > now:
        final = BookingStatus.APPROVED  # under way
    elif pattern == 4 and not own:
        final = BookingStatus.REFUSED
    elif pattern == 9:
        final = BookingStatus.CANCELLED
    elif pattern == 6:
        final = BookingStatus.NO_SHOW
    else:
        final = BookingStatus.COMPLETED
    decided_at = start - dt.timedelta(days=9)
    booking = Booking.objects.create(
        consortium_id=resource.consortium_id,
        unit=unit,
        centre=centre,
        resource=resource,
        resource_exclusive=resource.exclusive,
        purpose=spec.purpose,
        start=start,
        end=end,
        headcount=spec.headcount,
        training_session=session,
        title=spec.title,
        status=final,
        decision_reason=REFUSAL if final == BookingStatus.REFUSED else ("本单位预约，自动批准。" if own else "同意。"),
        requested_by=actor,
        decided_by=actor,
        decided_at=decided_at,
        cancelled_at=start - dt.timedelta(days=2) if final == BookingStatus.CANCELLED else None,
        fee=rules.booking_fee(start, end, resource.hourly_fee),
        government_purchase=spec.government,
        government_amount=_government(spec, resource, start, end),
    )
    history = [("", BookingStatus.APPROVED if own else BookingStatus.PENDING, "本单位预约，自动批准。" if own else "")]
    if not own:
        history.append(
            (
                BookingStatus.PENDING,
                BookingStatus.REFUSED if final == BookingStatus.REFUSED else BookingStatus.APPROVED,
                booking.decision_reason,
            )
        )
    if final == BookingStatus.CANCELLED:
        history.append((BookingStatus.APPROVED, BookingStatus.CANCELLED, CANCELLATION))
        booking.decision_reason = CANCELLATION
        booking.save(update_fields=["decision_reason"])
    elif final in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW):
        history.append((BookingStatus.APPROVED, final, "" if final == BookingStatus.COMPLETED else "预约单位未到场。"))
    BookingStatusChange.objects.bulk_create(
        BookingStatusChange(
            consortium_id=booking.consortium_id,
            unit_id=booking.unit_id,
            booking=booking,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            actor=actor,
        )
        for from_status, to_status, reason in history
    )
    return booking


def _waiting_list(
    actor: User,
    centres: Mapping[str, PracticeCentre],
    units: Mapping[str, MemberUnit],
    resources: Mapping[tuple[int, str], Resource],
    monday: dt.date,
    tz: Any,
) -> None:
    """Two more units want the public centre's live-streaming room (一) on Fridays of the next weeks: the slot is
    taken, so they join the waiting list; in week 2 the holder cancels and the first in line is promoted."""
    centre, rice, seeds_or_tour = centres.get("public"), units.get("rice"), units.get("tourism")
    if centre is None or rice is None:
        return
    resource = resources[(centre.pk, "电商直播间（一）")]
    for week in (1, 2, 3):
        day = monday + dt.timedelta(days=7 * week + 4)
        start = dt.datetime.combine(day, T(13, 30), tzinfo=tz)
        end = dt.datetime.combine(day, T(17, 30), tzinfo=tz)
        for unit in (u for u in (rice, seeds_or_tour) if u is not None):
            try:
                services.booking_request(
                    actor=actor,
                    resource=resource,
                    unit=unit,
                    purpose=PR,
                    start=start,
                    end=end,
                    headcount=3,
                    title="大米直播推介" if unit is rice else "湿地旅游线路直播",
                    waitlist=True,
                )
            except ValidationError:
                continue
        if week == 2:
            holder = (
                Booking.objects.for_consortium(centre.consortium_id)
                .filter(resource=resource, start=start, status__in=(BookingStatus.APPROVED, BookingStatus.PENDING))
                .first()
            )
            if holder is not None:
                services.booking_cancel(actor=actor, booking=holder, reason="直播计划调整，让出时段。")


# --- production ----------------------------------------------------------------------------------------------------


def _production(
    actor: User, centres: Mapping[str, PracticeCentre], units: Mapping[str, MemberUnit], monday: dt.date
) -> None:
    """One record per plan line and month over the six full months before the anchor week's month (the 15th of
    each month): always in the past, and the same rows on every rerun."""
    for key, lines in PRODUCTION.items():
        centre = centres.get(key)
        if centre is None:
            continue
        existing = set(
            ProductionRecord.objects.for_consortium(centre.consortium_id)
            .filter(centre=centre)
            .values_list("item", "date")
        )
        for back in range(6, 0, -1):
            month_index = monday.year * 12 + monday.month - 1 - back
            day = dt.date(month_index // 12, month_index % 12 + 1, 15)
            for line_no, (kind, item, client, quantity, value) in enumerate(lines):
                if (item, day) in existing:
                    continue
                client_unit = units.get(client) if not client.startswith("name:") else None
                factor = Decimal(90 + (back * 7 + line_no * 5) % 25) / 100  # a deterministic monthly variation
                services.production_record_create(
                    actor=actor,
                    centre=centre,
                    kind=kind,
                    client_unit=client_unit,
                    client_name=client.removeprefix("name:") if client_unit is None else "",
                    item=item,
                    quantity=quantity,
                    value=(Decimal(value) * factor).quantize(Decimal("0.01")),
                    date=day,
                )
