"""Demo data of the demand side (called by ``enterprises.demo.load`` for each demo consortium).

Deterministic and idempotent: demands are keyed by (enterprise, position, start date) and needs by (enterprise,
topic/title); rows that exist are left alone. Everything goes through ``enterprises.services.demands`` acting as the
secretariat. The main demo consortium gets ~60 published demands spread over its enterprises (and so over its local
chains) plus a few drafts, submitted and returned ones; a smaller consortium (Raohe) gets a handful.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from consortium.tenancy.choices import UnitKind, UnitStatus
from consortium.tenancy.models import Industry, MemberUnit

from ..choices.demands import DemandKind, EducationLevel, EnterpriseSize, NeedStatus, ZoneType
from ..models.demands import EnterpriseProfile, StaffTrainingNeed, TalentDemand, TechnologyProblem
from ..services import demands as services

# (position, kind, education, skills)
POSITIONS: tuple[tuple[str, str, str, str], ...] = (
    ("电气设备维修工", DemandKind.EMPLOYMENT, EducationLevel.ASSOCIATE, "电工操作:5, 识图:4, PLC编程:3"),
    ("机电一体化技术员", DemandKind.EMPLOYMENT, EducationLevel.ASSOCIATE, "PLC编程:5, 机械装配:4"),
    ("化工操作工", DemandKind.EMPLOYMENT, EducationLevel.SECONDARY, "化工工艺:5, 安全操作:5"),
    ("食品检验员", DemandKind.EMPLOYMENT, EducationLevel.ASSOCIATE, "理化检验:5, 微生物检验:4"),
    ("农机驾驶与维修", DemandKind.APPRENTICESHIP, EducationLevel.SECONDARY, "农机操作:5, 发动机维修:4"),
    ("电商运营专员", DemandKind.EMPLOYMENT, EducationLevel.ASSOCIATE, "网店运营:5, 直播带货:4, 数据分析:3"),
    ("冷链物流调度员", DemandKind.EMPLOYMENT, EducationLevel.ASSOCIATE, "仓储管理:4, 运输调度:4"),
    ("风电运维技术员", DemandKind.INTERNSHIP, EducationLevel.ASSOCIATE, "高空作业:5, 电气运维:4"),
    ("光伏电站运维员", DemandKind.INTERNSHIP, EducationLevel.SECONDARY, "光伏运维:5, 电工操作:4"),
    ("导游讲解员", DemandKind.INTERNSHIP, EducationLevel.SECONDARY, "讲解:5, 外语:3"),
    ("养老护理员", DemandKind.ORDER_CLASS_INTAKE, EducationLevel.SECONDARY, "老年照护:5, 急救:4"),
    ("育婴师", DemandKind.ORDER_CLASS_INTAKE, EducationLevel.SECONDARY, "婴幼儿照护:5, 营养配餐:3"),
    ("焊工", DemandKind.APPRENTICESHIP, EducationLevel.ANY, "焊接:5, 识图:3"),
    ("设备点检员", DemandKind.EMPLOYMENT, EducationLevel.ASSOCIATE, "设备点检:5, 润滑管理:3"),
    ("质量管理员", DemandKind.EMPLOYMENT, EducationLevel.BACHELOR, "质量体系:5, 统计分析:3"),
)
# position → names of the demo schools' programmes it recruits from (linked when the consortium offers them)
POSITION_PROGRAMMES: dict[str, tuple[str, ...]] = {
    "电气设备维修工": ("机电技术应用", "火电厂热力设备运行与检修"),
    "机电一体化技术员": ("机电技术应用",),
    "化工操作工": ("高分子材料加工工艺",),
    "食品检验员": ("食品加工工艺", "粮油储运与检验技术"),
    "农机驾驶与维修": ("农业机械使用与维护", "现代农艺技术"),
    "电商运营专员": ("电子商务", "直播电商服务"),
    "冷链物流调度员": ("粮油储运与检验技术",),
    "风电运维技术员": ("风电场运行与维护",),
    "光伏电站运维员": ("光伏工程技术与应用",),
    "导游讲解员": ("旅游服务与管理",),
    "养老护理员": ("智慧健康养老服务", "老年人服务与管理"),
    "焊工": ("机电技术应用",),
    "设备点检员": ("机电技术应用", "火电厂热力设备运行与检修"),
    "质量管理员": ("食品加工工艺",),
}
SIZES = (EnterpriseSize.SMALL, EnterpriseSize.MEDIUM, EnterpriseSize.LARGE, EnterpriseSize.MICRO)
ZONES = (
    (ZoneType.DEVELOPMENT_ZONE, "宝清经济开发区"),
    (ZoneType.COUNTY_TOWN, "宝清镇"),
    (ZoneType.TOWNSHIP, "七星泡镇"),
)
TRAINING = (
    ("安全生产与应急处置培训", 40, "安全规程、应急预案演练"),
    ("数字化车间操作技能提升", 25, "工业机器人示教与维护"),
    ("电商直播技能培训", 15, "直播话术、短视频制作"),
)
PROBLEMS = (
    ("锅炉燃烧效率优化", "燃煤锅炉热效率偏低，需优化燃烧控制与余热回收。"),
    ("大豆蛋白提取工艺改进", "提取率不足，需改进碱溶酸沉工艺参数。"),
    ("冷链温控数据监测系统", "需要低成本的冷链车辆温湿度实时监测方案。"),
)


def load(*, consortium, secretariat, stdout) -> None:
    """Idempotent: build this area's demo rows for ``consortium`` acting as ``secretariat``."""
    enterprises = list(
        MemberUnit.objects.for_consortium(consortium.pk)
        .filter(kind=UnitKind.ENTERPRISE, status=UnitStatus.ACTIVE)
        .order_by("name")
    )
    if not enterprises:
        return
    main = len(enterprises) >= 8
    _profiles(secretariat, enterprises)
    published_target = 60 if main else 6
    made = _demands(secretariat, enterprises, published_target, main)
    needs = _needs(secretariat, enterprises, main)
    if stdout is not None:
        stdout.write(f"  demands: {made} new demands, {needs} new training/technology needs\n")


def _profiles(actor: Any, enterprises: list[MemberUnit]) -> None:
    existing = set(
        EnterpriseProfile.objects.for_consortium(enterprises[0].consortium_id).values_list("unit_id", flat=True)
    )
    for index, unit in enumerate(enterprises):
        if unit.pk in existing:
            continue
        zone_type, zone_name = ZONES[index % len(ZONES)]
        integration = index % 4 == 0
        services.enterprise_profile_upsert(
            actor=actor, unit=unit, size=SIZES[index % len(SIZES)], zone_type=zone_type, zone_name=zone_name,
            employees=40 + (index * 37) % 600, is_integration_enterprise=integration,
            recognised_on=date(2024, 6, 1) if integration else None,
        )


def _demands(actor: Any, enterprises: list[MemberUnit], published_target: int, main: bool) -> int:
    existing = {
        (unit_id, position, start)
        for unit_id, position, start in TalentDemand.objects.for_consortium(enterprises[0].consortium_id)
        .values_list("unit_id", "position", "start_date")
    }
    # Published first, then a few in other states (main consortium only).
    plan: list[str] = ["published"] * published_target
    if main:
        plan += ["draft", "draft", "submitted", "submitted", "submitted", "returned"]
    from schools.models import Programme

    programmes: dict[str, list[Any]] = {}
    for programme in Programme.objects.for_consortium(enterprises[0].consortium_id).filter(is_active=True):
        programmes.setdefault(programme.name, []).append(programme)
    made = 0
    for index, state in enumerate(plan):
        unit = enterprises[index % len(enterprises)]
        position, kind, education, skills = POSITIONS[(index * 7 + len(unit.name)) % len(POSITIONS)]
        start = date(2027, 3 + index % 8, 1)
        if (unit.pk, position, start) in existing:
            continue
        existing.add((unit.pk, position, start))
        headcount = 2 + (index * 3) % 9
        demand = services.talent_demand_create(
            actor=actor, unit=unit, position=position, kind=kind, headcount=headcount, education_level=education,
            place="饶河县" if not main else "宝清县", salary_min=3500 + (index % 5) * 500,
            salary_max=5500 + (index % 5) * 700, start_date=start, valid_until=date(2027, 12, 31),
            description="", skills=skills,
            programmes=[p for name in POSITION_PROGRAMMES.get(position, ()) for p in programmes.get(name, [])],
            programme_keywords="、".join(POSITION_PROGRAMMES.get(position, ())),
        )
        made += 1
        if state == "draft":
            continue
        services.talent_demand_submit(actor=actor, demand=demand)
        if state == "submitted":
            continue
        if state == "returned":
            services.talent_demand_return(actor=actor, demand=demand, reason="请补充薪资待遇和岗位职责说明。")
            continue
        services.talent_demand_approve(actor=actor, demand=demand)
        if index % 5 == 1:
            services.talent_demand_record_fill(actor=actor, demand=demand, filled_count=headcount // 2 or 1)
        elif index % 11 == 3:
            services.talent_demand_record_fill(actor=actor, demand=demand, filled_count=headcount)
    return made


def _needs(actor: Any, enterprises: list[MemberUnit], main: bool) -> int:
    consortium_id = enterprises[0].consortium_id
    made = 0
    count = len(TRAINING) if main else 1
    states = (NeedStatus.PUBLISHED, NeedStatus.SUBMITTED, NeedStatus.DRAFT)
    have = set(StaffTrainingNeed.objects.for_consortium(consortium_id).values_list("unit_id", "topic"))
    for index, (topic, trainees, content) in enumerate(TRAINING[:count]):
        unit = enterprises[(index * 3) % len(enterprises)]
        if (unit.pk, topic) in have:
            continue
        need = services.training_need_create(
            actor=actor, unit=unit, topic=topic, trainees=trainees, period_start=date(2027, 4 + index, 1),
            period_end=date(2027, 4 + index, 15), content=content, budget=None,
        )
        _advance(actor, need, states[index % len(states)] if main else NeedStatus.PUBLISHED)
        made += 1
    industries = list(Industry.objects.order_by("position", "code")[:3])
    have = set(TechnologyProblem.objects.for_consortium(consortium_id).values_list("unit_id", "title"))
    for index, (title, description) in enumerate(PROBLEMS[:count]):
        unit = enterprises[(index * 5 + 1) % len(enterprises)]
        if (unit.pk, title) in have:
            continue
        problem = services.technology_problem_create(
            actor=actor, unit=unit, title=title, description=description,
            field=industries[index] if index < len(industries) else None, budget=20 + index * 15,
            deadline=date(2027, 10, 31),
        )
        _advance(actor, problem, states[index % len(states)] if main else NeedStatus.PUBLISHED)
        made += 1
    return made


def _advance(actor: Any, need: Any, target: str) -> None:
    if target == NeedStatus.DRAFT:
        return
    services.need_transition(actor=actor, need=need, action="submit")
    if target == NeedStatus.PUBLISHED:
        services.need_transition(actor=actor, need=need, action="approve")


