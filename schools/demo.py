"""Schools part of the demo data; ``manage.py load_demo`` finds it (protocol: ``consortium.tenancy.demo.domains``).

For each demo school of a demo consortium (member units of kind ``school``, matched by name to ``SCHOOLS``) it builds,
through ``schools.services`` acting as the demo secretariat: a profile with campuses, programmes on the 2021 catalogue
mapped to local chains and 4567 industries (covering the plan's priority classes), programme groups, offerings
2024–2026, about 40 teachers (part-timers from demo enterprises; the main school exactly at its part-time cap),
dual-qualification certifications, enterprise practice, industry professors, studios, training bases, the shared
pool with one pending and one approved engagement, and a few hundred students with certificates.

Everything is FICTIONAL and deterministic: people come from ``random.Random`` seeded with fixed strings (string seeds
are hashed with SHA-512, independent of ``PYTHONHASHSEED``), so a rerun generates the same rows. Idempotent: rows are
found by natural keys and only missing or differing ones are written, so a rerun creates and changes nothing. The only
dates that depend on the day of the FIRST load are a few certification expiries (so the expiry warnings have
something to show); reruns never touch existing certifications.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from consortium.tenancy.choices import UnitKind
from consortium.tenancy.demo.data import AGRI, BAOQING, CARE, COAL, ECOM, ENERGY, FOOD, RAOHE, TOUR
from consortium.tenancy.models import Consortium, Industry, LocalChain, MemberUnit, User

from . import services
from .choices import (
    CatalogueLevel,
    CertificateKind,
    DualLevel,
    Employment,
    EngagementStatus,
    Gender,
    OfferingStatus,
    PriorityClass,
    ProfessorKind,
    SchoolLevel,
    StudentStatus,
    StudioKind,
    TrainingBaseKind,
)
from .models import (
    Campus,
    DualQualification,
    EngagementRequest,
    EnterprisePractice,
    IndustryProfessor,
    PoolExpert,
    Programme,
    ProgrammeGroup,
    ProgrammeIndustryLink,
    ProgrammeOffering,
    SchoolProfile,
    Student,
    StudentCertificate,
    StudentUserObjectPermission,
    Studio,
    Teacher,
    TrainingBase,
)
from .rules import id_check_char, part_time_cap

YEARS = (2024, 2025, 2026)
D = dt.date

# --- specifications ------------------------------------------------------------------------------------------------

NEW, EXPANDING, STABLE, SHRINKING, UPGRADED, CLOSING = (
    OfferingStatus.NEW,
    OfferingStatus.EXPANDING,
    OfferingStatus.STABLE,
    OfferingStatus.SHRINKING,
    OfferingStatus.UPGRADED,
    OfferingStatus.CLOSING,
)
FIRST, EMERGING, SHORTAGE, UPGRADE, NONE = (
    PriorityClass.DEVELOP_FIRST,
    PriorityClass.NEW_EMERGING,
    PriorityClass.SHORTAGE,
    PriorityClass.TRADITIONAL_UPGRADE,
    PriorityClass.NONE,
)
SKILL, ONE_X = CertificateKind.SKILL_LEVEL, CertificateKind.ONE_PLUS_X


@dataclass(frozen=True)
class ProgrammeSpec:
    """A programme (secondary-level code of the 2021 catalogue: the first two digits are its major category's
    secondary code), its mapping (local chain name / 4567 industry code → weight), and its offerings per year:
    ``years`` maps year → (status, planned intake); a year missing means not offered that year."""

    code: str
    name: str
    priority: str
    chains: tuple[tuple[str, int], ...]
    industries: tuple[tuple[str, int], ...]
    years: Mapping[int, tuple[str, int]]
    skills: tuple[str, ...]
    certificates: tuple[tuple[str, str, str], ...] = ()  # (kind, name, level)
    description: str = ""


@dataclass(frozen=True)
class PartTimeSpec:
    source: str  # member unit name (an enterprise of the same consortium)
    code: str  # programme taught
    title: str
    expertise: str


@dataclass(frozen=True)
class SchoolSpec:
    unit_name: str
    prefix: str  # student-number prefix
    level: str
    staffing_quota: int
    enrolment: int
    founded_year: int
    notes: str
    campuses: tuple[tuple[str, str, str, str], ...]  # (name, address, area in mu, building area in m²)
    programmes: tuple[ProgrammeSpec, ...]
    groups: tuple[tuple[str, str, tuple[str, ...], str], ...]  # (name, lead code, member codes, description)
    full_time: int
    part_time: tuple[PartTimeSpec, ...]
    duration_years: int  # programme length: expected graduation = cohort + duration, in July
    students_per_offering: tuple[int, int]
    practice_hosts: tuple[str, ...]
    region: str  # first 6 digits of locally issued ID numbers
    main: bool = False  # the school demonstrated AT its part-time cap (one more part-timer comes by engagement)


def _years(*entries: tuple[int, str, int]) -> dict[int, tuple[str, int]]:
    return {year: (status, intake) for year, status, intake in entries}


SKILL_ISSUER = "宝清县职业技能等级认定评价机构"
ONE_X_ISSUER = "1+X证书培训评价组织"

SOY = "宝清县黑土地大豆食品有限公司"
RICE = "宝清县挠力河米业有限公司"
SMART_AGRI = "宝清县沃野智慧农业科技有限公司"
AGRI_COOP = "宝清县丰垦农机专业合作社"
WIND = "宝清县北风新能源有限公司"
SOLAR = "宝清县光耀光伏发电有限公司"
COAL_POWER = "宝清县北辰煤电有限公司"
COAL_MINE = "宝清县金垦煤业有限责任公司"
ECOM_CO = "宝清县云集电子商务有限公司"
LOGISTICS = "宝清县通达冷链物流有限公司"
TOURISM = "宝清县雁鸣湿地文化旅游有限公司"
ELDER_CARE = "宝清县颐和养老服务中心"
INSTITUTE = "宝清县寒地农业科学研究所"
MAIN_SCHOOL = "宝清县挠力河职业技术学校"
TRAINING_SCHOOL = "宝清县龙源职业技能培训学校"
FARMER_SCHOOL = "宝清县新型职业农民培育学校"
RH_SCHOOL = "饶河县乌苏里职业技术学校"

MAIN = SchoolSpec(
    unit_name=MAIN_SCHOOL,
    prefix="NLH",
    level=SchoolLevel.SECONDARY_VOCATIONAL,
    staffing_quota=45,  # part-time cap 9: 8 hired directly + 1 engaged from the shared pool
    enrolment=1860,
    founded_year=1984,
    notes="县属公办国家级重点中等职业学校，省级“双高”建设单位。围绕县域绿色食品、智慧农业、新能源、电商物流、"
    "湿地旅游和养老托育产业链设置专业，建有县域公共实训基地和七星泡智慧农业实训校区。",
    campuses=(
        ("本部校区", "宝清县宝清镇职教路66号", "186.00", "52400.00"),
        ("七星泡实训校区", "宝清县七星泡镇育才街18号", "320.00", "8600.00"),
    ),
    programmes=(
        ProgrammeSpec(
            "610117",
            "智慧农业技术",
            EMERGING,
            ((AGRI, 100),),
            (("5-5", 60), ("4-1", 40), ("4-2", 30)),
            _years((2024, NEW, 40), (2025, EXPANDING, 50), (2026, EXPANDING, 60)),
            ("植保无人机操控", "农田物联网监测", "水肥一体化设备运维"),
            ((SKILL, "农业技术员职业技能等级证书", "四级/中级工"), (ONE_X, "农业无人机植保职业技能等级证书", "初级")),
            "面向寒地大豆、水稻生产的数字化种植与农机作业，依托沃野智慧农业共建实训基地。",
        ),
        ProgrammeSpec(
            "690101",
            "食品加工工艺",
            UPGRADE,
            ((FOOD, 100), (AGRI, 30)),
            (("6-3", 100), ("4-2", 40)),
            _years((2024, STABLE, 45), (2025, UPGRADED, 45), (2026, UPGRADED, 50)),
            ("大豆制品加工", "稻米精深加工", "食品安全快速检测"),
            ((SKILL, "农产品食品检验员职业技能等级证书", "四级/中级工"),),
            "传统专业升级改造：对接大豆、水稻、白瓜子精深加工，增设食品智能生产线课程。",
        ),
        ProgrammeSpec(
            "630502",
            "风电场运行与维护",
            EMERGING,
            ((ENERGY, 100), (COAL, 20)),
            (("6-1", 80), ("5-4", 40)),
            _years((2024, NEW, 30), (2025, EXPANDING, 40), (2026, STABLE, 40)),
            ("风机巡检", "高处作业", "电气设备维护"),
            ((SKILL, "风电机组检修工职业技能等级证书", "四级/中级工"), (ONE_X, "风电机组运维职业技能等级证书", "初级")),
            "与北风新能源共建风电运维实训基地，订单培养风电场运维人员。",
        ),
        ProgrammeSpec(
            "630501",
            "光伏工程技术与应用",
            EMERGING,
            ((ENERGY, 90),),
            (("6-1", 70), ("5-4", 30)),
            _years((2025, NEW, 30), (2026, EXPANDING, 40)),
            ("光伏组件安装", "逆变器调试", "电站运维巡检"),
            ((ONE_X, "光伏电站运维职业技能等级证书", "初级"),),
        ),
        ProgrammeSpec(
            "730701",
            "电子商务",
            SHORTAGE,
            ((ECOM, 100), (FOOD, 40)),
            (("4-1", 60), ("7-3", 40)),
            _years((2024, EXPANDING, 50), (2025, EXPANDING, 60), (2026, EXPANDING, 70)),
            ("直播带货", "网店运营", "短视频拍摄剪辑", "农产品品牌推广"),
            (
                (ONE_X, "电子商务数据分析职业技能等级证书", "初级"),
                (SKILL, "互联网营销师职业技能等级证书", "五级/初级工"),
            ),
            "县域紧缺专业：服务农产品上行和县乡村三级物流体系。",
        ),
        ProgrammeSpec(
            "710207",
            "大数据技术应用",
            FIRST,
            ((ECOM, 50), (AGRI, 30)),
            (("4-1", 100), ("5-2", 50), ("7-1", 40)),
            _years((2025, NEW, 30), (2026, EXPANDING, 40)),
            ("数据采集与清洗", "数据可视化", "Python编程"),
            ((ONE_X, "大数据应用开发（Python）职业技能等级证书", "初级"),),
        ),
        ProgrammeSpec(
            "740101",
            "旅游服务与管理",
            SHORTAGE,
            ((TOUR, 100),),
            (("7-5", 100), ("4-3", 30)),
            _years((2024, STABLE, 35), (2025, EXPANDING, 40), (2026, EXPANDING, 45)),
            ("湿地研学导览", "冰雪旅游接待", "导游讲解"),
            ((SKILL, "导游资格证", "初级"), (ONE_X, "研学旅行策划与管理职业技能等级证书", "初级")),
        ),
        ProgrammeSpec(
            "770404",
            "冰雪运动与管理",
            FIRST,
            ((TOUR, 60),),
            (("4-3", 100), ("7-5", 40)),
            _years((2025, NEW, 25), (2026, EXPANDING, 30)),
            ("滑雪指导", "冰雪场地运营", "赛事组织"),
            ((SKILL, "滑雪指导员职业技能等级证书", "五级/初级工"),),
            "省“冰雪经济”重点：对接雁鸣湿地冰雪旅游线路和县冰雪运动基地。",
        ),
        ProgrammeSpec(
            "750106",
            "服装设计与工艺",
            FIRST,
            ((TOUR, 20),),
            (("4-4", 100), ("6-6", 60)),
            _years((2024, SHRINKING, 20), (2025, UPGRADED, 25), (2026, UPGRADED, 30)),
            ("服装制版", "非遗刺绣文创设计", "数字化服装设计"),
            ((ONE_X, "服装陈列设计职业技能等级证书", "初级"),),
            "由传统服装专业升级为时尚设计方向，开发湿地文创和民族服饰产品。",
        ),
        ProgrammeSpec(
            "790201",
            "智慧健康养老服务",
            SHORTAGE,
            ((CARE, 100), (TOUR, 30)),
            (("7-6", 100), ("7-5", 30)),
            _years((2024, STABLE, 30), (2025, EXPANDING, 40), (2026, EXPANDING, 45)),
            ("老年照护", "康复保健", "智慧养老平台操作"),
            ((ONE_X, "老年照护职业技能等级证书", "初级"), (SKILL, "养老护理员职业技能等级证书", "四级/中级工")),
        ),
    ),
    groups=(
        ("智慧农业与绿色食品专业群", "610117", ("610117", "690101"), "对接现代农业与智慧农业、绿色食品加工产业链。"),
        ("新能源装备专业群", "630502", ("630502", "630501"), "对接风电、光伏新能源产业链。"),
        (
            "现代服务专业群",
            "730701",
            ("730701", "710207", "740101", "790201"),
            "对接电子商务与现代物流、湿地旅游与康养、养老托育产业链。",
        ),
    ),
    full_time=31,
    part_time=(
        PartTimeSpec(WIND, "630502", "高级工程师", "风电机组检修与故障诊断"),
        PartTimeSpec(SOLAR, "630501", "工程师", "光伏电站运维"),
        PartTimeSpec(SMART_AGRI, "610117", "农艺师", "植保无人机作业与农田物联网"),
        PartTimeSpec(SOY, "690101", "高级技师", "大豆蛋白制品加工工艺"),
        PartTimeSpec(RICE, "690101", "技师", "稻米加工与品控"),
        PartTimeSpec(ECOM_CO, "730701", "电子商务师", "直播电商运营"),
        PartTimeSpec(TOURISM, "740101", "高级导游", "湿地生态研学线路设计"),
        PartTimeSpec(ELDER_CARE, "790201", "高级养老护理员", "失能老人照护"),
    ),
    duration_years=3,
    students_per_offering=(7, 11),
    practice_hosts=(SOY, RICE, SMART_AGRI, WIND, SOLAR, ECOM_CO, LOGISTICS, TOURISM, ELDER_CARE),
    region="230523",
    main=True,
)

TRAINING = SchoolSpec(
    unit_name=TRAINING_SCHOOL,
    prefix="LY",
    level=SchoolLevel.TRAINING_INSTITUTION,
    staffing_quota=36,  # cap 7
    enrolment=420,
    founded_year=2006,
    notes="民办职业技能培训机构，煤矿安全、电力运行、焊工、养老护理员等工种的社会培训和技能等级认定机构；"
    "与金垦煤业、北辰煤电合作开展煤矿智能化转岗培训。",
    campuses=(("东风路校区", "宝清县宝清镇东风路112号", "24.50", "9800.00"),),
    programmes=(
        ProgrammeSpec(
            "620401",
            "煤矿智能开采技术",
            UPGRADE,
            ((COAL, 100),),
            (("6-1", 100),),
            _years((2024, UPGRADED, 30), (2025, UPGRADED, 30), (2026, STABLE, 25)),
            ("综采设备操作", "井下安全规程", "智能化工作面监控"),
            ((SKILL, "煤矿综采维修电工职业技能等级证书", "四级/中级工"),),
            "传统煤炭专业升级：面向智能化矿井改造后的转岗培训。",
        ),
        ProgrammeSpec(
            "620402",
            "矿井通风与安全",
            UPGRADE,
            ((COAL, 90),),
            (("6-1", 80), ("6-2", 20)),
            _years((2024, STABLE, 25), (2025, SHRINKING, 20), (2026, SHRINKING, 15)),
            ("通风系统检测", "瓦斯检查", "应急救援"),
            ((SKILL, "矿井通风工职业技能等级证书", "四级/中级工"),),
        ),
        ProgrammeSpec(
            "630301",
            "火电厂热力设备运行与检修",
            UPGRADE,
            ((COAL, 70), (ENERGY, 40)),
            (("6-1", 90),),
            _years((2024, STABLE, 20), (2025, STABLE, 20), (2026, STABLE, 20)),
            ("锅炉运行", "汽轮机检修", "热工仪表"),
            ((SKILL, "锅炉运行值班员职业技能等级证书", "四级/中级工"),),
        ),
        ProgrammeSpec(
            "660302",
            "机电技术应用",
            EMERGING,
            ((COAL, 40), (ENERGY, 30)),
            (("5-4", 100), ("6-1", 30)),
            _years((2024, STABLE, 25), (2025, EXPANDING, 30), (2026, EXPANDING, 30)),
            ("PLC编程", "电气控制", "机器人操作"),
            ((SKILL, "电工职业技能等级证书", "四级/中级工"), (ONE_X, "工业机器人操作与运维职业技能等级证书", "初级")),
            "先进制造方向：服务矿山、电厂设备智能化改造。",
        ),
        ProgrammeSpec(
            "630801",
            "高分子材料加工工艺",
            EMERGING,
            ((COAL, 40),),
            (("5-3", 100), ("6-2", 40)),
            _years((2025, NEW, 20), (2026, EXPANDING, 25)),
            ("煤基材料检测", "注塑成型", "质量控制"),
            ((SKILL, "化学检验员职业技能等级证书", "五级/初级工"),),
            "新材料方向：依托煤化工延链发展煤基新材料。",
        ),
        ProgrammeSpec(
            "710210",
            "人工智能技术应用",
            FIRST,
            ((COAL, 40), (ENERGY, 30)),
            (("4-1", 100), ("5-2", 60)),
            _years((2025, NEW, 20), (2026, EXPANDING, 25)),
            ("机器视觉巡检", "数据标注", "智能传感器应用"),
            ((ONE_X, "人工智能训练师职业技能等级证书", "初级"),),
            "面向智能化矿井和电厂的人工智能巡检、数据标注岗位。",
        ),
        ProgrammeSpec(
            "790202",
            "老年人服务与管理",
            SHORTAGE,
            ((CARE, 100),),
            (("7-6", 100),),
            _years((2024, EXPANDING, 30), (2025, EXPANDING, 35), (2026, EXPANDING, 40)),
            ("生活照料", "基础护理", "失智照护"),
            ((SKILL, "养老护理员职业技能等级证书", "五级/初级工"),),
        ),
    ),
    groups=(
        (
            "煤炭智能开采与安全专业群",
            "620401",
            ("620401", "620402", "630301", "660302", "710210"),
            "对接煤炭与煤电化产业链，推进传统专业智能化升级。",
        ),
    ),
    full_time=33,
    part_time=(
        PartTimeSpec(COAL_MINE, "620401", "高级技师", "综采工作面智能化"),
        PartTimeSpec(COAL_MINE, "620402", "工程师", "矿井通风与瓦斯治理"),
        PartTimeSpec(COAL_POWER, "630301", "高级工程师", "火电机组运行"),
        PartTimeSpec(COAL_POWER, "660302", "技师", "电厂电气设备检修"),
        PartTimeSpec(ELDER_CARE, "790202", "养老护理员（二级/技师）", "养老机构照护管理"),
    ),
    duration_years=1,
    students_per_offering=(3, 6),
    practice_hosts=(COAL_MINE, COAL_POWER, WIND, ELDER_CARE),
    region="230523",
)

FARMER = SchoolSpec(
    unit_name=FARMER_SCHOOL,
    prefix="XN",
    level=SchoolLevel.TRAINING_INSTITUTION,
    staffing_quota=40,  # cap 8
    enrolment=360,
    founded_year=2013,
    notes="面向家庭农场主、合作社带头人和返乡创业青年开展新型职业农民培育，与寒地农业科学研究所共建农业技术推广中心。",
    campuses=(("七星泡校区", "宝清县七星泡镇育才街5号", "60.00", "6200.00"),),
    programmes=(
        ProgrammeSpec(
            "610103",
            "现代农艺技术",
            UPGRADE,
            ((AGRI, 100), (FOOD, 20)),
            (("4-2", 50), ("5-5", 30)),
            _years((2024, STABLE, 40), (2025, UPGRADED, 40), (2026, UPGRADED, 40)),
            ("寒地水稻栽培", "大豆高产栽培", "黑土地保护性耕作"),
            ((SKILL, "农业技术员职业技能等级证书", "五级/初级工"),),
        ),
        ProgrammeSpec(
            "610117",
            "智慧农业技术",
            EMERGING,
            ((AGRI, 100),),
            (("5-5", 60), ("4-1", 50)),
            _years((2025, NEW, 30), (2026, EXPANDING, 40)),
            ("农业无人机作业", "智能农机驾驶", "农田数据采集"),
            ((ONE_X, "农业无人机植保职业技能等级证书", "初级"),),
        ),
        ProgrammeSpec(
            "660601",
            "农业机械使用与维护",
            EMERGING,
            ((AGRI, 90),),
            (("5-5", 100),),
            _years((2024, STABLE, 30), (2025, EXPANDING, 35), (2026, EXPANDING, 35)),
            ("大型农机驾驶", "农机维修", "北斗导航自动驾驶"),
            ((SKILL, "农机修理工职业技能等级证书", "四级/中级工"),),
            "先进制造（农机装备）方向：对接丰垦农机专业合作社全程机械化托管服务。",
        ),
        ProgrammeSpec(
            "690104",
            "粮油储运与检验技术",
            UPGRADE,
            ((FOOD, 100),),
            (("6-3", 80), ("7-3", 20)),
            _years((2024, STABLE, 25), (2025, STABLE, 25), (2026, STABLE, 25)),
            ("粮食仓储", "粮油品质检验", "低温储粮"),
            ((SKILL, "粮油保管员职业技能等级证书", "五级/初级工"),),
        ),
        ProgrammeSpec(
            "730702",
            "直播电商服务",
            SHORTAGE,
            ((ECOM, 80), (FOOD, 40)),
            (("4-1", 60), ("7-3", 30)),
            _years((2024, NEW, 20), (2025, EXPANDING, 30), (2026, EXPANDING, 35)),
            ("农产品直播", "短视频运营", "社群营销"),
            ((ONE_X, "直播电商职业技能等级证书", "初级"),),
        ),
        ProgrammeSpec(
            "610301",
            "畜禽生产技术",
            NONE,
            ((AGRI, 60),),
            (("4-2", 40),),
            _years((2024, SHRINKING, 15), (2025, SHRINKING, 10), (2026, CLOSING, 0)),
            ("畜禽饲养", "疫病防控"),
            ((SKILL, "家畜饲养员职业技能等级证书", "五级/初级工"),),
            "生源和就业需求下降，2026年停止招生。",
        ),
    ),
    groups=(("现代农业专业群", "610117", ("610117", "610103", "660601"), "对接现代农业与智慧农业产业链。"),),
    full_time=32,
    part_time=(
        PartTimeSpec(AGRI_COOP, "660601", "农机高级技师", "大型农机维修"),
        PartTimeSpec(SMART_AGRI, "610117", "工程师", "农业物联网"),
        PartTimeSpec(INSTITUTE, "610103", "研究员", "寒地大豆品种与栽培"),
        PartTimeSpec(ECOM_CO, "730702", "主播培训师", "农产品直播带货"),
    ),
    duration_years=1,
    students_per_offering=(3, 6),
    practice_hosts=(SMART_AGRI, AGRI_COOP, INSTITUTE, RICE, SOY),
    region="230523",
)

RH_BEE_CHAIN, RH_TOUR_CHAIN, RH_HERB_CHAIN = "黑蜂蜂产品加工", "界江生态旅游", "绿色种植与北药"
RAOHE_SCHOOL = SchoolSpec(
    unit_name=RH_SCHOOL,
    prefix="WSL",
    level=SchoolLevel.SECONDARY_VOCATIONAL,
    staffing_quota=24,  # cap 4
    enrolment=520,
    founded_year=1987,
    notes="县属公办中等职业学校，开设食品加工、旅游服务与管理和中草药种植专业。",
    campuses=(("本部校区", "饶河县饶河镇育英路3号", "85.00", "21000.00"),),
    programmes=(
        ProgrammeSpec(
            "690101",
            "食品加工工艺",
            UPGRADE,
            ((RH_BEE_CHAIN, 100),),
            (("6-3", 80), ("4-2", 40)),
            _years((2024, STABLE, 30), (2025, UPGRADED, 30), (2026, STABLE, 30)),
            ("蜂产品加工", "食品检验"),
            ((SKILL, "农产品食品检验员职业技能等级证书", "五级/初级工"),),
        ),
        ProgrammeSpec(
            "740101",
            "旅游服务与管理",
            SHORTAGE,
            ((RH_TOUR_CHAIN, 100),),
            (("7-5", 100),),
            _years((2025, EXPANDING, 30), (2026, EXPANDING, 35)),
            ("界江游船服务", "民俗文化讲解"),
        ),
        ProgrammeSpec(
            "610108",
            "中草药种植",
            EMERGING,
            ((RH_HERB_CHAIN, 100),),
            (("6-4", 60), ("4-2", 40)),
            _years(
                (2026, NEW, 25),
            ),
            ("北药材种植", "药材初加工"),
        ),
    ),
    groups=(),
    full_time=8,
    part_time=(
        PartTimeSpec("饶河县黑蜂源蜂业有限公司", "690101", "高级技师", "黑蜂蜂蜜加工"),
        PartTimeSpec("饶河县界江风情旅游开发有限公司", "740101", "高级导游", "界江民俗文化"),
    ),
    duration_years=3,
    students_per_offering=(5, 8),
    practice_hosts=("饶河县黑蜂源蜂业有限公司", "饶河县界江风情旅游开发有限公司"),
    region="230524",
)

SCHOOLS: dict[str, tuple[SchoolSpec, ...]] = {
    BAOQING.name: (MAIN, TRAINING, FARMER),
    RAOHE.name: (RAOHE_SCHOOL,),
}


@dataclass(frozen=True)
class ExpertSpec:
    unit: str
    name: str
    expertise: str
    keywords: str
    hours: int
    industries: tuple[str, ...]
    bio: str
    listed: bool = True


POOL_EXPERTS = (
    ExpertSpec(
        WIND,
        "韩志鹏",
        "风电机组检修、变桨系统故障诊断",
        "风电场运行与维护、机电技术应用",
        96,
        ("6-1", "5-4"),
        "北风新能源检修班长，从事风电运维12年。",
    ),
    ExpertSpec(
        COAL_MINE,
        "梁宏",
        "综采工作面智能化改造、矿山安全",
        "煤矿智能开采技术、矿井通风与安全",
        64,
        ("6-1",),
        "金垦煤业机电副总工程师。",
    ),
    ExpertSpec(
        COAL_POWER,
        "孙宏伟",
        "火电机组集控运行、电力仿真培训",
        "火电厂热力设备运行与检修",
        80,
        ("6-1",),
        "北辰煤电集控运行值长，名师工作室领衔人。",
    ),
    ExpertSpec(
        SMART_AGRI,
        "崔海龙",
        "植保无人机作业、农田物联网",
        "智慧农业技术、现代农艺技术",
        72,
        ("5-5", "4-1"),
        "沃野智慧农业飞防作业队队长。",
    ),
    ExpertSpec(
        ECOM_CO,
        "许诺",
        "农产品直播电商运营、短视频策划",
        "电子商务、直播电商服务",
        60,
        ("4-1", "7-3"),
        "云集电子商务直播基地运营主管。",
    ),
    ExpertSpec(
        ELDER_CARE,
        "唐秀云",
        "失能老人照护、养老机构管理",
        "智慧健康养老服务、老年人服务与管理",
        48,
        ("7-6",),
        "颐和养老服务中心护理部主任。",
    ),
    ExpertSpec(
        TOURISM,
        "蒋楠",
        "湿地研学线路设计、冰雪旅游产品",
        "旅游服务与管理、冰雪运动与管理",
        40,
        ("7-5", "4-3"),
        "雁鸣湿地研学部经理（暂不对外，档期已满）。",
        listed=False,
    ),
)

#: (requesting school, expert unit, expert name, start, end, hours, note, approve)
ENGAGEMENTS = (
    (MAIN_SCHOOL, WIND, "韩志鹏", D(2025, 9, 1), D(2026, 7, 15), 96, "承担《风电机组检修》实训课程。", True),
    (TRAINING_SCHOOL, COAL_MINE, "梁宏", D(2027, 3, 1), D(2027, 7, 10), 64, "承担智能化综采转岗培训班授课。", False),
)

#: (school, person, from unit, kind, term start, term end, hours a year, outputs)
PROFESSORS = (
    (
        MAIN_SCHOOL,
        "邢国强",
        WIND,
        ProfessorKind.INDUSTRY_PROFESSOR,
        D(2024, 9, 1),
        D(2027, 8, 31),
        64,
        "指导风电运维实训室建设；合作开发《风电机组检修》活页式教材；带教学生技能竞赛获省级二等奖。",
    ),
    (
        MAIN_SCHOOL,
        "范立新",
        SOY,
        ProfessorKind.INDUSTRY_PROFESSOR,
        D(2025, 3, 1),
        D(2028, 2, 29),
        48,
        "共建大豆精深加工生产性实训车间；开发“大豆蛋白制品加工”课程模块。",
    ),
    (
        FARMER_SCHOOL,
        "崔永明",
        INSTITUTE,
        ProfessorKind.TECH_EXTENSION_PROFESSOR,
        D(2024, 3, 1),
        D(2027, 2, 28),
        80,
        "推广寒地大豆高产栽培和黑土地保护性耕作技术，培训学员和农户460人次。",
    ),
)

#: (host unit, kind, name, lead, partner unit, established, description)
STUDIOS = (
    (
        MAIN_SCHOOL,
        StudioKind.MASTER_STUDIO,
        "郭振山农产品加工技能大师工作室",
        "郭振山",
        SOY,
        D(2024, 5, 20),
        "由黑土地大豆食品高级技师领衔，在学校设立，开展大豆制品工艺攻关和学徒制培养。",
    ),
    (
        COAL_POWER,
        StudioKind.FAMOUS_TEACHER_STUDIO,
        "孙宏伟电力运行名师工作室",
        "孙宏伟",
        TRAINING_SCHOOL,
        D(2024, 10, 15),
        "设在北辰煤电的名师工作室，承担培训学校电力运行教师的跟岗实践和课程开发。",
    ),
)

#: (host unit, name, kind, capacity, address, description)
TRAINING_BASES = (
    (
        COAL_POWER,
        "北辰煤电教师企业实践基地",
        TrainingBaseKind.ENTERPRISE_PRACTICE,
        60,
        "宝清县经济开发区电厂路1号",
        "提供集控运行、电气检修、热工仪表等岗位的教师企业实践，每期4周。",
    ),
    (
        MAIN_SCHOOL,
        "宝清县双师型教师培训基地",
        TrainingBaseKind.TEACHER_TRAINING,
        120,
        "宝清县宝清镇职教路66号",
        "县域职业学校双师型教师培训基地，承担专业课教师技能提升和认定前培训。",
    ),
)

# --- deterministic people ------------------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏"
    "钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎常武乔贺龚"
)
MALE_GIVEN = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林峰志国建文博亮东海"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞燕玲婷雪琳莹颖慧红梅兰琴晶蕾倩洁佳欣悦萍月瑶雯婧璐楠"
PLACES = ("宝清县", "双鸭山市", "哈尔滨市", "佳木斯市", "大庆市", "北京市", "大连市")
TEACHER_TITLES = ("正高级讲师", "高级讲师", "高级讲师", "讲师", "讲师", "讲师", "助理讲师")


def _rng(*parts: Any) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))


def _name(rng: random.Random, gender: str) -> str:
    pool = MALE_GIVEN if gender == Gender.MALE else FEMALE_GIVEN
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given


def demo_id_number(rng: random.Random, *, region: str, born: dt.date, gender: str) -> str:
    """A fictional resident ID number with a valid GB 11643 check character (the 17th digit is odd for men)."""
    sequence = rng.randrange(0, 100) * 10 + rng.randrange(0, 5) * 2 + (1 if gender == Gender.MALE else 0)
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


def _phone(rng: random.Random) -> str:
    return rng.choice(("135", "139", "150", "158", "177", "186", "188")) + f"{rng.randrange(0, 10**8):08d}"


def _born(rng: random.Random, first_year: int, last_year: int) -> dt.date:
    start = dt.date(first_year, 1, 1)
    return start + dt.timedelta(days=rng.randrange((dt.date(last_year, 12, 31) - start).days + 1))


def _person(rng: random.Random, *, region: str, first_year: int, last_year: int, used: set[str]) -> dict[str, str]:
    gender = Gender.MALE if rng.random() < 0.5 else Gender.FEMALE
    while True:
        id_number = demo_id_number(rng, region=region, born=_born(rng, first_year, last_year), gender=gender)
        if id_number not in used:
            used.add(id_number)
            break
    return {"name": _name(rng, gender), "gender": gender, "id_number": id_number, "phone": _phone(rng)}


# --- loader --------------------------------------------------------------------------------------------------------


@dataclass
class _School:
    spec: SchoolSpec
    unit: MemberUnit
    programmes: dict[str, Programme] = field(default_factory=dict)
    offerings: dict[tuple[str, int], ProgrammeOffering] = field(default_factory=dict)


def load(*, consortium: Consortium, secretariat: User, stdout: Any = None) -> dict[str, Any] | None:
    """Build the schools demo of ``consortium`` (see the module docstring); returns the counts to print."""
    specs = SCHOOLS.get(consortium.name)
    if not specs:
        return None
    services.catalogue_load()
    units = {u.name: u for u in MemberUnit.objects.for_consortium(consortium.pk)}
    chains = {c.name: c for c in LocalChain.objects.for_consortium(consortium.pk)}
    industries = {i.code: i for i in Industry.objects.order_by("code")}
    by_name = {spec.unit_name: spec for spec in specs}
    schools: list[_School] = []
    # The demo schools are the consortium's member units of kind "school" that this module has a plan for.
    for unit in MemberUnit.objects.for_consortium(consortium.pk).filter(kind=UnitKind.SCHOOL).order_by("name"):
        spec = by_name.get(unit.name)
        if spec is None:
            continue
        school = _School(spec, unit)
        _profile(secretariat, school)
        _programmes(secretariat, school, chains, industries)
        _teachers(secretariat, school, units)
        _students(secretariat, school)
        schools.append(school)
    by_unit = {s.unit.name: s for s in schools}
    _pool_and_engagements(secretariat, consortium, units, industries, by_unit)
    _professors_studios_bases(secretariat, consortium, units, by_unit)
    _shares(secretariat, by_unit, units)
    return counts(consortium, [s.unit for s in schools if s.spec.main])


def _differs(obj: Any, values: Mapping[str, Any]) -> bool:
    return any(getattr(obj, key) != value for key, value in values.items())


def _profile(actor: User, school: _School) -> None:
    spec, unit = school.spec, school.unit
    values = {
        "level": spec.level,
        "staffing_quota": spec.staffing_quota,
        "enrolment": spec.enrolment,
        "founded_year": spec.founded_year,
        "notes": spec.notes,
    }
    profile = SchoolProfile.objects.for_consortium(unit.consortium_id).filter(unit=unit).first()
    if profile is None or _differs(profile, values):
        services.school_profile_upsert(actor=actor, unit=unit, **values)
    existing = set(Campus.objects.for_consortium(unit.consortium_id).filter(unit=unit).values_list("name", flat=True))
    for name, address, area, building in spec.campuses:
        if name not in existing:
            services.campus_create(
                actor=actor, unit=unit, name=name, address=address, area_mu=area, building_area_m2=building
            )


def _programmes(actor: User, school: _School, chains: dict[str, LocalChain], industries: dict[str, Industry]) -> None:
    spec, unit = school.spec, school.unit
    existing = {p.code: p for p in Programme.objects.for_consortium(unit.consortium_id).filter(unit=unit)}
    links = {}
    for link in ProgrammeIndustryLink.objects.for_consortium(unit.consortium_id).filter(unit=unit):
        links.setdefault(link.programme_id, set()).add((link.industry_id, link.local_chain_id, link.weight))
    offerings = {
        (o.programme_id, o.year): o
        for o in ProgrammeOffering.objects.for_consortium(unit.consortium_id).filter(unit=unit)
    }
    for p in spec.programmes:
        values = {"name": p.name, "description": p.description, "is_active": True}
        programme = existing.get(p.code)
        if programme is None:
            programme = services.programme_create(
                actor=actor, unit=unit, level=CatalogueLevel.SECONDARY, code=p.code, **values
            )
        elif _differs(programme, values):
            programme = services.programme_update(actor=actor, programme=programme, **values)
        school.programmes[p.code] = programme
        wanted = [{"local_chain": chains[name], "weight": w} for name, w in p.chains]
        wanted += [{"industry": industries[code], "weight": w} for code, w in p.industries]
        as_set = {
            (getattr(x.get("industry"), "pk", None), getattr(x.get("local_chain"), "pk", None), x["weight"])
            for x in wanted
        }
        if links.get(programme.pk, set()) != as_set:
            services.programme_link_set(actor=actor, programme=programme, links=wanted)
        for year, (status, intake) in p.years.items():
            values = {
                "planned_intake": intake,
                "status": status,
                "priority_class": p.priority,
                "reported_enrolled": None if year == YEARS[-1] else intake - intake // 10,
            }
            offering = offerings.get((programme.pk, year))
            if offering is None or _differs(offering, values):
                offering, _created = services.offering_upsert(actor=actor, programme=programme, year=year, **values)
            school.offerings[(p.code, year)] = offering
    groups = {g.name: g for g in ProgrammeGroup.objects.for_consortium(unit.consortium_id).filter(unit=unit)}
    for name, lead, codes, description in spec.groups:
        members = [school.programmes[c] for c in codes]
        group = groups.get(name)
        if group is None:
            services.programme_group_create(
                actor=actor,
                unit=unit,
                programmes=members,
                name=name,
                lead_programme=school.programmes[lead],
                description=description,
            )
        elif {p.pk for p in group.programmes.all()} != {p.pk for p in members} or group.description != description:
            services.programme_group_update(
                actor=actor,
                group=group,
                programmes=members,
                description=description,
                lead_programme=school.programmes[lead],
            )


def teacher_rows(spec: SchoolSpec, units: Mapping[str, MemberUnit]) -> list[dict[str, Any]]:
    """The school's teachers as ``teachers_upsert_bulk`` rows (deterministic). Part-timers come from ``units``."""
    rng = _rng("teachers", spec.unit_name)
    used: set[str] = set()
    codes = [p.code for p in spec.programmes]
    rows = []
    for index in range(spec.full_time):
        person = _person(rng, region=spec.region, first_year=1966, last_year=1998, used=used)
        taught = [codes[index % len(codes)]]
        if index % 3 == 0:
            taught.append(codes[(index + 1) % len(codes)])
        programme_names = "、".join(p.name for p in spec.programmes if p.code in taught)
        rows.append(
            {
                **person,
                "employment": Employment.FULL_TIME,
                "title": TEACHER_TITLES[index % len(TEACHER_TITLES)],
                "qualifications": "中等职业学校教师资格证" + ("；高级工" if index % 4 == 0 else ""),
                "expertise": f"{programme_names}专业教学",
                "is_active": not (spec.main and index == spec.full_time - 1),  # one teacher has left the main school
                "in_shared_pool": spec.main and index == 5,  # a teacher who opted in to the shared pool
                "source_unit": None,
                "programme_codes": taught,
            }
        )
    for part in spec.part_time:
        person = _person(rng, region=spec.region, first_year=1970, last_year=1995, used=used)
        rows.append(
            {
                **person,
                "employment": Employment.PART_TIME,
                "title": part.title,
                "qualifications": f"{part.source}{part.title}",
                "expertise": part.expertise,
                "is_active": True,
                "in_shared_pool": False,
                "source_unit": units[part.source],
                "programme_codes": [part.code],
            }
        )
    return rows


TEACHER_COMPARED = (
    "name",
    "gender",
    "employment",
    "title",
    "qualifications",
    "phone",
    "is_active",
    "expertise",
    "in_shared_pool",
)


def _teachers(actor: User, school: _School, units: Mapping[str, MemberUnit]) -> None:
    spec, unit = school.spec, school.unit
    rows = teacher_rows(spec, units)
    existing = {
        t.id_number: t
        for t in Teacher.objects.for_consortium(unit.consortium_id).filter(unit=unit).prefetch_related("programmes")
    }
    # Only new or changed rows go to the bulk upsert (it would otherwise touch every row's updated_at).
    changed = []
    for row in rows:
        teacher = existing.get(row["id_number"])
        if (
            teacher is None
            or any(getattr(teacher, key) != row[key] for key in TEACHER_COMPARED)
            or teacher.source_unit_id != getattr(row["source_unit"], "pk", None)
            or {p.code for p in teacher.programmes.all()} != set(row["programme_codes"])
        ):
            changed.append(row)
    if changed:
        services.teachers_upsert_bulk(actor=actor, unit=unit, rows=changed)
    teachers = list(
        Teacher.objects.for_consortium(unit.consortium_id)
        .filter(unit=unit, employment=Employment.FULL_TIME, id_number__in=[r["id_number"] for r in rows])
        .order_by("id_number")
    )
    _dual_qualifications(actor, spec, teachers)
    _practices(actor, spec, teachers, units)


def _dual_qualifications(actor: User, spec: SchoolSpec, teachers: list[Teacher]) -> None:
    if not teachers:
        return
    certified = set(
        DualQualification.objects.for_consortium(teachers[0].consortium_id)
        .filter(teacher__in=teachers)
        .values_list("teacher_id", flat=True)
    )
    today = timezone.localdate()
    # Relative to the first load, so the expiry warnings have something to show: three expiring, one expired.
    special = {0: 21, 1: 47, 2: 80, 3: -35} if spec.main else {0: 60}
    for index, teacher in enumerate(teachers):
        if teacher.pk in certified or (index not in special and index % 5 in (2, 4)):
            continue
        rng = _rng("dual", teacher.id_number)
        level = rng.choice((DualLevel.JUNIOR, DualLevel.INTERMEDIATE, DualLevel.INTERMEDIATE, DualLevel.SENIOR))
        if index in special:
            expires = today + dt.timedelta(days=special[index])
            certified_on = expires.replace(year=expires.year - 5, day=1)
        else:
            certified_on = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(0, 900))
            expires = certified_on.replace(year=certified_on.year + 5, day=1)
        services.dual_qualification_create(
            actor=actor,
            teacher=teacher,
            level=level,
            certified_on=certified_on,
            expires_on=expires,
            evidence=f"{certified_on.year}年县教育局双师型教师认定（{teacher.expertise}）；企业实践和技能证书齐全。",
        )


def _practices(actor: User, spec: SchoolSpec, teachers: list[Teacher], units: Mapping[str, MemberUnit]) -> None:
    if not teachers:
        return
    existing = set(
        EnterprisePractice.objects.for_consortium(teachers[0].consortium_id)
        .filter(teacher__in=teachers)
        .values_list("teacher_id", "start_date")
    )
    for index, teacher in enumerate(teachers):
        if index % 3 != 0:
            continue
        rng = _rng("practice", teacher.id_number)
        for round_ in range(2 if index % 6 == 0 else 1):
            start = dt.date(2024 + round_, 7, 1) + dt.timedelta(days=rng.randrange(0, 20))
            days = rng.choice((14, 21, 28, 30))
            if (teacher.pk, start) in existing:
                continue
            host = units[spec.practice_hosts[(index + round_) % len(spec.practice_hosts)]]
            services.practice_create(
                actor=actor,
                teacher=teacher,
                host_unit=host,
                start_date=start,
                end_date=start + dt.timedelta(days=days - 1),
                hours=days * 6,
                content=f"在{host.name}跟岗实践，参与生产一线工作并收集教学案例。",
            )


def student_rows(school: _School) -> list[dict[str, Any]]:
    """The school's students as ``students_upsert_bulk`` rows (deterministic)."""
    spec = school.spec
    rows = []
    used: set[str] = set()
    for p in spec.programmes:
        for year in sorted(p.years):
            status_of_year, intake = p.years[year]
            if intake == 0:
                continue
            rng = _rng("students", spec.unit_name, p.code, year)
            count = rng.randint(*spec.students_per_offering)
            graduation = dt.date(year + spec.duration_years, 7, 1)
            adults = spec.level == SchoolLevel.TRAINING_INSTITUTION
            for seq in range(1, count + 1):
                first, last = (1975, 2006) if adults else (year - 16, year - 15)
                person = _person(rng, region=spec.region, first_year=first, last_year=last, used=used)
                status = _student_status(rng, graduation)
                local = rng.random() < (0.75 if adults else 0.5)
                places = "宝清县" if spec.region == "230523" else "饶河县"
                places = places if local else "、".join(rng.sample(PLACES[1:], 2))
                rows.append(
                    {
                        **person,
                        "offering": school.offerings[(p.code, year)],
                        "student_no": f"{spec.prefix}{year}{p.code}{seq:02d}",
                        "cohort": year,
                        "expected_graduation": graduation,
                        "status": status,
                        "skills": "、".join(rng.sample(p.skills, min(2, len(p.skills)))),
                        "willing_to_work_locally": local,
                        "preferred_places": places,
                        "preferred_industry_codes": [code for code, _w in p.industries[:2]],
                    }
                )
    return rows


def _student_status(rng: random.Random, graduation: dt.date) -> str:
    """Fixed (not today-relative) statuses: programmes ending by mid-2026 have graduates, the last year interns."""
    if graduation <= dt.date(2026, 7, 1):
        return rng.choices(
            (StudentStatus.EMPLOYED, StudentStatus.GRADUATED, StudentStatus.FURTHER_STUDY), weights=(6, 3, 1)
        )[0]
    if graduation <= dt.date(2027, 7, 1):
        return StudentStatus.INTERNSHIP if rng.random() < 0.7 else StudentStatus.STUDYING
    return StudentStatus.STUDYING


STUDENT_COMPARED = (
    "name",
    "gender",
    "id_number",
    "phone",
    "cohort",
    "expected_graduation",
    "status",
    "skills",
    "willing_to_work_locally",
    "preferred_places",
)


def _students(actor: User, school: _School) -> None:
    unit = school.unit
    rows = student_rows(school)
    existing = {s.student_no: s for s in Student.objects.for_consortium(unit.consortium_id).filter(unit=unit)}
    through = Student.preferred_industries.through
    industry_codes: dict[int, set[str]] = {}
    for student_id, code in through.objects.filter(student__unit=unit).values_list("student_id", "industry__code"):
        industry_codes.setdefault(student_id, set()).add(code)
    changed = []
    for row in rows:
        student = existing.get(row["student_no"])
        if student is not None:
            # The status moves on after the import (a hire in the matching workflow): a rerun keeps it.
            row = {**row, "status": student.status}
        if (
            student is None
            or student.offering_id != row["offering"].pk
            or any(getattr(student, key) != row[key] for key in STUDENT_COMPARED)
            or industry_codes.get(student.pk, set()) != set(row["preferred_industry_codes"])
        ):
            changed.append(row)
    if changed:
        services.students_upsert_bulk(actor=actor, unit=unit, rows=changed)
    _certificates(actor, school, rows)


def _certificates(actor: User, school: _School, rows: list[dict[str, Any]]) -> None:
    unit = school.unit
    certificates = {p.code: p.certificates for p in school.spec.programmes}
    students = {
        s.student_no: s
        for s in Student.objects.for_consortium(unit.consortium_id).filter(unit=unit).select_related("offering")
    }
    existing = set(
        StudentCertificate.objects.for_consortium(unit.consortium_id)
        .filter(unit=unit)
        .values_list("student_id", "kind", "name")
    )
    for row in rows:
        # Certificates are earned in the last year: graduating cohorts and interns have them, first-years do not.
        if row["status"] == StudentStatus.STUDYING:
            continue
        rng = _rng("certificates", row["student_no"])
        student = students[row["student_no"]]
        code = row["student_no"][len(school.spec.prefix) + 4 :][:6]
        for kind, name, level in certificates.get(code, ()):
            # Draw every random value before deciding, so skipping an existing row never shifts later draws.
            earned, days_before = rng.random() <= (0.7 if kind == SKILL else 0.4), rng.randrange(20, 200)
            if not earned or (student.pk, kind, name) in existing:
                continue
            issued = row["expected_graduation"] - dt.timedelta(days=days_before)
            services.student_certificate_create(
                actor=actor,
                student=student,
                kind=kind,
                name=name,
                level=level,
                issued_on=issued,
                issuer=SKILL_ISSUER if kind == SKILL else ONE_X_ISSUER,
            )


def _pool_and_engagements(
    actor: User,
    consortium: Consortium,
    units: Mapping[str, MemberUnit],
    industries: Mapping[str, Industry],
    schools: Mapping[str, _School],
) -> None:
    experts = {(e.unit_id, e.name): e for e in PoolExpert.objects.for_consortium(consortium.pk)}
    for spec in POOL_EXPERTS:
        unit = units.get(spec.unit)
        if unit is None:
            continue
        if (unit.pk, spec.name) not in experts:
            experts[(unit.pk, spec.name)] = services.pool_expert_create(
                actor=actor,
                unit=unit,
                industries=[industries[c] for c in spec.industries],
                name=spec.name,
                expertise=spec.expertise,
                programme_keywords=spec.keywords,
                available_hours_per_term=spec.hours,
                bio=spec.bio,
                is_listed=spec.listed,
            )
    for school_name, expert_unit, expert_name, start, end, hours, note, approve in ENGAGEMENTS:
        school = schools.get(school_name)
        expert = experts.get((getattr(units.get(expert_unit), "pk", None), expert_name))
        if school is None or expert is None:
            continue
        engagement = (
            EngagementRequest.objects.for_consortium(consortium.pk)
            .filter(school_unit=school.unit, expert=expert)
            .order_by("id")
            .first()
        )
        if engagement is None:
            engagement = services.engagement_request(
                actor=actor,
                school_unit=school.unit,
                expert=expert,
                period_start=start,
                period_end=end,
                hours=hours,
                note=note,
            )
        if approve and engagement.status == EngagementStatus.REQUESTED:
            engagement = services.engagement_decide(
                actor=actor, engagement=engagement, approve=True, reason="同意，请学校与专家本人商定课表。"
            )
        if engagement.created_teacher_id:
            _complete_engaged_teacher(actor, school, engagement.created_teacher_id, expert)


def _complete_engaged_teacher(actor: User, school: _School, teacher_id: int, expert: PoolExpert) -> None:
    """The teacher an approval created has only the pool's public fields: the school completes its record."""
    teacher = Teacher.objects.for_consortium(school.unit.consortium_id).get(pk=teacher_id)
    if teacher.id_number:
        return
    rng = _rng("engaged", school.unit.name, expert.name)
    person = _person(rng, region=school.spec.region, first_year=1975, last_year=1990, used=set())
    codes = [
        c
        for c in school.programmes
        if c in expert.programme_keywords or school.programmes[c].name in expert.programme_keywords
    ]
    services.teacher_update(
        actor=actor,
        teacher=teacher,
        id_number=person["id_number"],
        gender=person["gender"],
        phone=person["phone"],
        title="高级工程师",
        programmes=[school.programmes[c] for c in codes],
    )


def _professors_studios_bases(
    actor: User, consortium: Consortium, units: Mapping[str, MemberUnit], schools: Mapping[str, _School]
) -> None:
    professors = set(IndustryProfessor.objects.for_consortium(consortium.pk).values_list("unit__name", "person_name"))
    for school_name, person, from_unit, kind, start, end, hours, outputs in PROFESSORS:
        if school_name in schools and (school_name, person) not in professors:
            services.professor_create(
                actor=actor,
                unit=schools[school_name].unit,
                person_name=person,
                from_unit=units[from_unit],
                kind=kind,
                term_start=start,
                term_end=end,
                workload_hours_per_year=hours,
                outputs=outputs,
            )
    studios = set(Studio.objects.for_consortium(consortium.pk).values_list("unit__name", "name"))
    for host, kind, name, lead, partner, established, description in STUDIOS:
        if host in units and (host, name) not in studios:
            services.studio_create(
                actor=actor,
                unit=units[host],
                kind=kind,
                name=name,
                lead_name=lead,
                partner_unit=units.get(partner),
                established_on=established,
                description=description,
            )
    bases = set(TrainingBase.objects.for_consortium(consortium.pk).values_list("unit__name", "name"))
    for host, name, kind, capacity, address, description in TRAINING_BASES:
        if host in units and (host, name) not in bases:
            services.training_base_create(
                actor=actor,
                unit=units[host],
                name=name,
                kind=kind,
                capacity=capacity,
                address=address,
                description=description,
            )


#: Students of the main school's wind-power programme in internship, shared with the partner enterprise's users.
SHARED_PROGRAMME, SHARED_WITH, SHARED_COUNT = "630502", COAL_POWER, 5


def _shares(actor: User, schools: Mapping[str, _School], units: Mapping[str, MemberUnit]) -> None:
    school = schools.get(MAIN_SCHOOL)
    partner = units.get(SHARED_WITH)
    if school is None or partner is None:
        return
    students = list(
        Student.objects.for_consortium(school.unit.consortium_id)
        .filter(unit=school.unit, offering__programme__code=SHARED_PROGRAMME, status=StudentStatus.INTERNSHIP)
        .order_by("student_no")[:SHARED_COUNT]
    )
    shared = set(
        StudentUserObjectPermission.objects.filter(content_object__in=students).values_list(
            "content_object_id", flat=True
        )
    )
    for student in students:
        if student.pk not in shared:
            services.student_share(actor=actor, student=student, unit=partner)


def counts(consortium: Consortium, main_units: Iterable[MemberUnit] = ()) -> dict[str, Any]:
    """What the schools demo of ``consortium`` holds (printed by ``load_demo``)."""
    cid = consortium.pk
    teachers = Teacher.objects.for_consortium(cid)
    result: dict[str, Any] = {
        "学校概况": SchoolProfile.objects.for_consortium(cid).count(),
        "专业": Programme.objects.for_consortium(cid).count(),
        "专业群": ProgrammeGroup.objects.for_consortium(cid).count(),
        "年度专业开设": ProgrammeOffering.objects.for_consortium(cid).count(),
        "专业产业对应": ProgrammeIndustryLink.objects.for_consortium(cid).count(),
        "教师": teachers.count(),
        "兼职教师（在职）": teachers.filter(employment=Employment.PART_TIME, is_active=True).count(),
        "双师型认定": DualQualification.objects.for_consortium(cid).count(),
        "教师企业实践": EnterprisePractice.objects.for_consortium(cid).count(),
        "产业教授": IndustryProfessor.objects.for_consortium(cid).count(),
        "工作室": Studio.objects.for_consortium(cid).count(),
        "教师培训基地": TrainingBase.objects.for_consortium(cid).count(),
        "兼职教师库专家": PoolExpert.objects.for_consortium(cid).count(),
        "聘用申请": EngagementRequest.objects.for_consortium(cid).count(),
        "学生": Student.objects.for_consortium(cid).count(),
        "学生证书": StudentCertificate.objects.for_consortium(cid).count(),
    }
    for unit in main_units:
        profile = SchoolProfile.objects.for_consortium(cid).get(unit=unit)
        current = teachers.filter(unit=unit, employment=Employment.PART_TIME, is_active=True).count()
        result[f"{unit.name} 兼职教师/上限"] = f"{current}/{part_time_cap(profile.staffing_quota)}"
    return result
