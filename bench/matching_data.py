"""Synthetic but realistic input for the matching engine, used by ``bench/matching_bench.py``.

``generate(scale, seed)`` returns ``(students, demands)`` as engine rows (``matching.engine.types``), seeded and
reproducible. The vocabulary is the county's: about 40 base programmes of the 2021 vocational catalogue (each at
secondary / associate and sometimes bachelor level, with their real category codes), their skills, certificates
and industries; Zipf-ish programme popularity (the demand side's weights are the students' times a random factor
0.3–2, so supply and demand are correlated but do not line up); students write skills in their own words
(synonyms, filler such as "熟练掌握"); demands carry 2–5 weighted skills, a kind, a start date, a place and a
headcount of 1–20 whose sum is exactly the target.

Scales: ``county`` = 3,000 students, 300 demands, 1,500 headcount in one county (宝清县, its towns);
``province`` = 200,000 students, 20,000 demands, 100,000 headcount over 13 cities and their counties.
"""

from __future__ import annotations

import itertools
import random
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from matching.engine.types import DemandRow, StudentRow  # noqa: E402

SCALES = {
    "county": {"students": 3_000, "demands": 300, "headcount": 1_500, "enterprises": 80},
    "province": {"students": 200_000, "demands": 20_000, "headcount": 100_000, "enterprises": 6_000},
}

# id → name; the county's (and the province's) industries.
INDUSTRIES = {
    1: "大豆种植", 2: "水稻种植", 3: "农产品加工", 4: "食品制造", 5: "农机装备", 6: "装备制造", 7: "风电",
    8: "光伏", 9: "煤电", 10: "煤炭开采", 11: "电子商务", 12: "冷链物流", 13: "文化旅游", 14: "养老服务",
    15: "托育服务", 16: "汽车服务", 17: "医疗卫生", 18: "餐饮住宿", 19: "建筑业", 20: "化工", 21: "畜牧",
    22: "信息技术服务", 23: "商贸服务", 24: "园林绿化",
}

# Major categories (专业大类): id → (name, secondary code, associate code, bachelor code).
MAJORS = {
    1: ("农林牧渔", "61", "41", "21"), 2: ("资源环境与安全", "62", "42", "22"), 3: ("能源动力与材料", "63", "43", "23"),
    4: ("土木建筑", "64", "44", "24"), 6: ("装备制造", "66", "46", "26"), 7: ("生物与化工", "67", "47", "27"),
    9: ("食品药品与粮食", "69", "49", "29"), 10: ("交通运输", "70", "50", "30"), 11: ("电子与信息", "71", "51", "31"),
    12: ("医药卫生", "72", "52", "32"), 13: ("财经商贸", "73", "53", "33"), 14: ("旅游", "74", "54", "34"),
    17: ("教育与体育", "77", "57", "37"), 19: ("公共管理与服务", "79", "59", "39"),
}


@dataclass(frozen=True)
class Base:
    """A base programme: its names per level, catalogue suffix (the last 4 code digits), skills, certificates."""

    name: str
    major: int
    suffix: str  # class (2 digits) + programme (2 digits), e.g. "0301" → 660301 / 460301
    levels: tuple[str, ...]
    skills: tuple[str, ...]
    certificates: tuple[str, ...]
    industries: tuple[int, ...]


# (name, major category, code suffix, levels S/A/B, industries, skills, certificates), one base programme each.
_BASE_ROWS = (
    ("现代农业技术", 1, "0101", "SA", (1, 2),
     "作物栽培 植保 测土配方施肥 农产品质量检测 农业物联网", "农业技术员职业技能等级证书"),
    ("智慧农业技术", 1, "0117", "SAB", (1, 2, 5),
     "植保无人机操控 农田物联网监测 水肥一体化设备运维 农业大数据分析", "农业无人机植保职业技能等级证书"),
    ("农业装备应用技术", 1, "0113", "SA", (5, 1),
     "农机操作 农机维修 发动机维修 液压系统检修", "农机修理工职业技能等级证书"),
    ("畜牧兽医", 1, "0301", "SA", (21,),
     "饲养管理 疫病防治 兽药使用 繁育技术", "家畜繁殖员证书"),
    ("园林技术", 1, "0202", "SA", (24,),
     "园林绿化 苗木栽培 植保 园林制图", "绿化工证书"),
    ("食品智能加工技术", 9, "0101", "SAB", (3, 4),
     "大豆制品加工 稻米精深加工 食品安全快速检测 HACCP体系 食品包装", "农产品食品检验员职业技能等级证书"),
    ("食品检验检测技术", 9, "0104", "SA", (4, 3),
     "理化检验 微生物检验 感官评价 仪器分析", "农产品食品检验员职业技能等级证书"),
    ("粮食储运与质量安全", 9, "0301", "SA", (3, 12),
     "粮油检验 仓储管理 粮食烘干", "粮油保管员证书"),
    ("药品经营与管理", 9, "0203", "SA", (17, 23),
     "药品调剂 药品检验 GSP管理", "医药商品购销员证书"),
    ("机械制造及自动化", 6, "0101", "SAB", (6, 5),
     "数控车床 机械制图 钳工 普通车床", "车工职业技能等级证书"),
    ("数控技术", 6, "0103", "SA", (6,),
     "数控车 数控铣 数控编程 AutoCAD 加工中心操作", "数控车铣加工职业技能等级证书"),
    ("机电一体化技术", 6, "0301", "SAB", (6, 5, 3),
     "PLC编程 机械装配 电气控制 传感器应用 液压与气动", "可编程控制器系统应用编程职业技能等级证书"),
    ("智能焊接技术", 6, "0110", "SA", (6, 19),
     "焊接 气割 识图 焊接质量检验", "焊工职业技能等级证书"),
    ("电气自动化技术", 6, "0302", "SAB", (6, 9, 7),
     "电工操作 PLC 变频器调试 电气识图 供配电", "低压电工作业证"),
    ("工业机器人技术", 6, "0305", "SAB", (6,),
     "工业机器人操作 机器人示教 PLC编程 视觉检测", "工业机器人操作与运维职业技能等级证书"),
    ("新能源汽车技术", 10, "0211", "SAB", (16,),
     "动力电池检测 汽车维修 高压电安全 电机控制", "新能源汽车动力驱动电机电池技术职业技能等级证书"),
    ("汽车检测与维修技术", 10, "0205", "SA", (16,),
     "汽车维修 发动机维修 汽车电器 钣金 喷漆", "汽车维修工职业技能等级证书"),
    ("风力发电工程技术", 3, "0204", "SA", (7,),
     "风电运维 高空作业 电气运维 变桨系统检修", "高处作业证"),
    ("光伏工程技术", 3, "0203", "SAB", (8,),
     "光伏运维 电工操作 光伏组件安装 逆变器调试", "低压电工作业证"),
    ("发电厂及电力系统", 3, "0101", "SA", (9,),
     "锅炉运行 汽轮机运行 电气运维 热工仪表", "电力行业锅炉运行值班员证书"),
    ("煤矿智能开采技术", 2, "0601", "SA", (10,),
     "采煤工艺 矿井通风 安全操作 瓦斯检测", "煤矿安全作业证"),
    ("应用化工技术", 7, "0201", "SA", (20,),
     "化工工艺 安全操作 化工仪表 DCS操作", "化工总控工证书"),
    ("电子商务", 13, "0701", "SAB", (11, 23),
     "网店运营 直播带货 短视频制作 数据分析 客户服务", "网店运营推广职业技能等级证书"),
    ("直播电商服务", 13, "0703", "SA", (11,),
     "直播带货 短视频剪辑 文案策划", "直播销售员证书"),
    ("现代物流管理", 13, "0802", "SAB", (12,),
     "仓储管理 运输调度 冷链物流 叉车操作", "物流管理职业技能等级证书 叉车司机证"),
    ("大数据与会计", 13, "0302", "SAB", (23,),
     "会计核算 出纳 财务软件 办公软件", "业财一体信息化应用职业技能等级证书"),
    ("市场营销", 13, "0605", "SA", (23, 11),
     "市场调研 销售技巧 客户服务 办公软件", "营销员证书"),
    ("计算机应用技术", 11, "0201", "SAB", (22,),
     "办公软件 网络搭建 计算机维修 Python编程 数据库", "计算机程序设计员证书"),
    ("计算机网络技术", 11, "0202", "SA", (22,),
     "网络搭建 网络安全 Linux运维 综合布线", "网络系统建设与运维职业技能等级证书"),
    ("大数据技术", 11, "0205", "AB", (22, 11),
     "Python编程 数据分析 数据库 数据可视化", "大数据应用开发职业技能等级证书"),
    ("护理", 12, "0201", "SAB", (17, 14),
     "基础护理 临床护理 急救 静脉输液", "护士执业资格证"),
    ("康复治疗技术", 12, "0601", "SA", (17, 14),
     "康复训练 推拿按摩 理疗", "康复治疗士证书"),
    ("智慧健康养老服务与管理", 19, "0302", "SA", (14,),
     "老年照护 急救 营养配餐 心理疏导", "老年照护职业技能等级证书"),
    ("婴幼儿托育服务与管理", 19, "0301", "SA", (15,),
     "婴幼儿照护 营养配餐 早期教育 急救", "育婴员证书"),
    ("旅游管理", 14, "0101", "SAB", (13,),
     "导游讲解 景区服务 外语 旅游线路设计", "导游资格证"),
    ("酒店管理与数字化运营", 14, "0106", "SA", (18, 13),
     "前厅服务 客房服务 餐饮服务 外语", "酒店服务员证书"),
    ("烹饪工艺与营养", 14, "0202", "SA", (18,),
     "中式烹调 面点制作 营养配餐 食品安全", "中式烹调师证书"),
    ("建筑工程技术", 4, "0301", "SAB", (19,),
     "施工测量 识图 CAD 施工安全", "施工员证书"),
    ("工程造价", 4, "0501", "SA", (19,),
     "工程计量 造价软件 识图 CAD", "造价员证书"),
    ("学前教育", 17, "0102", "SA", (15,),
     "幼儿照护 早期教育 弹唱 手工制作", "保育员证书"),
)
_LEVEL_LETTERS = {"S": "secondary", "A": "associate", "B": "bachelor"}
BASES: tuple[Base, ...] = tuple(
    Base(name, major, suffix, tuple(_LEVEL_LETTERS[x] for x in levels), tuple(skills.split()), tuple(certs.split()),
         industries)
    for name, major, suffix, levels, industries, skills, certs in _BASE_ROWS
)

# How students write a skill: canonical phrase → alternatives (the engine's synonym list must map them back).
VARIANTS = {
    "焊接": ("焊工", "电焊", "焊接技术"),
    "PLC编程": ("PLC", "可编程控制器", "PLC控制"),
    "数控车床": ("数控车", "数控车工"),
    "数控车": ("数控车床",),
    "数控铣": ("数控铣床",),
    "AutoCAD": ("CAD", "CAD制图", "计算机辅助设计"),
    "CAD": ("AutoCAD", "CAD制图"),
    "机械制图": ("制图", "CAD"),
    "电工操作": ("电工", "维修电工", "电工证"),
    "网店运营": ("淘宝运营", "店铺运营"),
    "直播带货": ("直播电商", "带货主播"),
    "短视频制作": ("短视频剪辑", "视频剪辑"),
    "老年照护": ("养老护理", "老年护理"),
    "婴幼儿照护": ("育婴", "育婴师"),
    "急救": ("心肺复苏", "应急救护"),
    "汽车维修": ("汽修", "汽车修理"),
    "导游讲解": ("导游", "讲解"),
    "仓储管理": ("仓库管理",),
    "冷链物流": ("冷链运输",),
    "植保无人机操控": ("无人机植保", "农业无人机"),
    "农机操作": ("农机驾驶", "农业机械操作"),
    "中式烹调": ("中餐烹饪", "烹饪"),
    "工业机器人操作": ("工业机器人",),
    "高空作业": ("登高作业", "高处作业"),
    "外语": ("英语",),
    "办公软件": ("office", "计算机操作"),
    "光伏运维": ("光伏电站运维",),
    "风电运维": ("风电场运维", "风机维护"),
}
FILLERS = ("", "", "", "熟练掌握", "熟悉", "会", "具备")
GENERAL_SKILLS = ("办公软件", "驾驶", "外语", "沟通协调")

KIND_WEIGHTS = (("employment", 55), ("internship", 25), ("apprenticeship", 12), ("order_class_intake", 8))
LEVEL_WEIGHTS = (("secondary", 55), ("associate", 40), ("bachelor", 5))
DEMAND_LEVELS = (("any", 30), ("secondary", 35), ("associate", 30), ("bachelor", 5))
# (graduation, studying, share): the 2025 cohort has graduated and looks for work; the others are at school.
COHORTS = ((date(2025, 7, 1), False, 20), (date(2026, 7, 1), True, 35), (date(2027, 7, 1), True, 30),
           (date(2028, 7, 1), True, 15))
COUNTY_TOWNS = tuple("宝清镇 七星泡镇 青原镇 夹信子镇 龙头镇 小城子镇 朝阳镇 尖山子乡 宝清经济开发区".split())
CITIES = tuple("哈尔滨 齐齐哈尔 牡丹江 佳木斯 大庆 鸡西 双鸭山 伊春 七台河 鹤岗 黑河 绥化 大兴安岭".split())
COUNTY_NAMES = ("宝清", "友谊", "饶河", "集贤", "桦南", "汤原", "富锦", "同江", "抚远", "依兰", "方正", "宾县", "巴彦",
                "木兰", "通河", "延寿", "尚志", "五常", "海伦", "望奎", "兰西", "青冈", "庆安", "明水", "绥棱", "肇东")


def _programmes() -> dict[tuple[int, str], dict]:
    """(base index, level) → programme id, 6-digit code, class (first 4 digits), major category id."""
    table = {}
    for index, base in enumerate(BASES):
        for level in base.levels:
            prefix = MAJORS[base.major][{"secondary": 1, "associate": 2, "bachelor": 3}[level]]
            code = prefix + base.suffix
            table[(index, level)] = {
                "id": 1000 + index * 10 + ("secondary", "associate", "bachelor").index(level),
                "code": code,
                "class": code[:4],
                "major": base.major,
            }
    return table


PROGRAMMES = _programmes()


def _zipf(n: int, s: float, rng: random.Random) -> list[float]:
    order = list(range(n))
    rng.shuffle(order)
    weights = [0.0] * n
    for rank, index in enumerate(order, start=1):
        weights[index] = 1.0 / rank**s
    return weights


def _headcounts(n: int, total: int, rng: random.Random) -> list[int]:
    """n headcounts in 1..20, skewed to small values, summing to exactly ``total``."""
    counts = [min(20, max(1, int(rng.paretovariate(1.6)) + rng.randrange(0, 3))) for _ in range(n)]
    diff = total - sum(counts)
    while diff:
        i = rng.randrange(n)
        if diff > 0 and counts[i] < 20:
            counts[i] += 1
            diff -= 1
        elif diff < 0 and counts[i] > 1:
            counts[i] -= 1
            diff += 1
    return counts


def _phrase(skill: str, pick: float, filler: float) -> str:
    """A student's wording of a skill, from two uniform numbers: sometimes a synonym, sometimes with filler."""
    if skill in VARIANTS and pick < 0.4:
        variants = VARIANTS[skill]
        skill = variants[int(pick / 0.4 * len(variants))]
    return FILLERS[int(filler * len(FILLERS))] + skill


def _places(scale: str, rng: random.Random) -> tuple[list[str], list[str]]:
    """(place texts demands use, the place fragments students prefer)."""
    if scale == "county":
        return [f"宝清县{town}" for town in COUNTY_TOWNS], ["宝清", *COUNTY_TOWNS]
    demand_places = []
    for city in CITIES:
        for county in rng.sample(COUNTY_NAMES, 6):
            demand_places.append(f"{city}市{county}县")
    return demand_places, [*CITIES, *COUNTY_NAMES]


def generate(scale: str = "county", seed: int = 6, **overrides: int) -> tuple[list[StudentRow], list[DemandRow]]:
    """Students and demands at ``scale`` ("county" or "province"); ``overrides`` change the sizes."""
    size = {**SCALES[scale], **overrides}
    rng = random.Random(f"{scale}-{seed}")
    supply = _zipf(len(BASES), 0.8, rng)
    # Demand popularity: the students' weights times a random factor (correlated with supply, not equal to it).
    demand_pop = [w * rng.uniform(0.3, 2.0) for w in supply]
    demand_places, student_places = _places(scale, rng)
    n_schools = max(3, size["students"] // 1500)

    enterprises = []
    base_range = range(len(BASES))
    demand_cum = list(itertools.accumulate(demand_pop))
    for unit in range(size["enterprises"]):
        base = rng.choices(base_range, cum_weights=demand_cum)[0]
        industries = set(BASES[base].industries[:1]) | ({rng.choice(list(INDUSTRIES))} if rng.random() < 0.3 else set())
        related = [i for i, b in enumerate(BASES) if set(b.industries) & industries] or [base]
        enterprises.append({
            "id": 100_000 + unit,
            "industries": frozenset(industries),
            "bases": sorted({base, *rng.sample(related, min(2, len(related)))}),
            "place": rng.choice(demand_places),
        })
    by_base: dict[int, list[dict]] = {}
    for enterprise in enterprises:
        for base in enterprise["bases"]:
            by_base.setdefault(base, []).append(enterprise)

    demands = []
    kinds, kind_w = zip(*KIND_WEIGHTS, strict=True)
    dlevels, dlevel_w = zip(*DEMAND_LEVELS, strict=True)
    for index, capacity in enumerate(_headcounts(size["demands"], size["headcount"], rng)):
        enterprise = rng.choice(enterprises)
        base_index = rng.choice(enterprise["bases"])
        base = BASES[base_index]
        level = rng.choices(dlevels, weights=dlevel_w)[0]
        if level != "any" and level not in base.levels:
            level = "any"
        wanted = [lv for lv in base.levels if level == "any" or _rank(lv) >= _rank(level)]
        programmes = [PROGRAMMES[(base_index, lv)] for lv in wanted]
        if rng.random() < 0.15:  # a sibling programme of the same major category is also welcome
            sibling = rng.choice([i for i, b in enumerate(BASES) if b.major == base.major])
            programmes += [PROGRAMMES[(sibling, lv)] for lv in BASES[sibling].levels if lv in wanted]
        kind = rng.choices(kinds, weights=kind_w)[0]
        skills = rng.sample(base.skills, rng.randint(min(2, len(base.skills)), min(4, len(base.skills))))
        if rng.random() < 0.2:
            skills.append(rng.choice(GENERAL_SKILLS))
        start = {
            "employment": date(2026, rng.choice((3, 5, 7, 8, 9, 10)), 1),
            "internship": date(rng.choice((2026, 2026, 2027)), rng.choice((3, 7, 9, 11)), 1),
            "apprenticeship": date(2026, rng.choice((7, 9)), 1),
            "order_class_intake": date(2026, 9, 1),
        }[kind]
        demands.append(DemandRow(
            id=index + 1,
            unit_id=enterprise["id"],
            kind=kind,
            capacity=capacity,
            start_date=start.replace(day=rng.choice((1, 1, 10, 15))),
            programme_ids=frozenset(p["id"] for p in programmes),
            programme_classes=frozenset(p["class"] for p in programmes),
            major_category_ids=frozenset(p["major"] for p in programmes),
            keywords=(base.name[:2] + "相关专业",) if rng.random() < 0.05 else (),
            industry_ids=enterprise["industries"],
            education_level=level,
            place=enterprise["place"] if rng.random() < 0.9 else "",
            is_local=rng.random() < (0.85 if scale == "county" else 0.5),
            skills=tuple((skill, rng.randint(1, 5)) for skill in skills),
        ))

    # Students: the per-student random numbers are drawn in bulk (numpy), the loop only assembles rows.
    n = size["students"]
    gen = np.random.default_rng(rng.getrandbits(64))
    levels, level_w = zip(*LEVEL_WEIGHTS, strict=True)
    base_of = gen.choice(len(BASES), size=n, p=np.array(supply) / sum(supply)).tolist()
    level_of = gen.choice(len(levels), size=n, p=np.array(level_w) / sum(level_w)).tolist()
    cohort_of = gen.choice(len(COHORTS), size=n, p=np.array([c[2] for c in COHORTS]) / 100).tolist()
    u = gen.random((n, 16)).tolist()
    industry_list = list(INDUSTRIES)
    students = []
    for index in range(n):
        r = u[index]
        base_index = base_of[index]
        base = BASES[base_index]
        level = levels[level_of[index]]
        if level not in base.levels:
            level = base.levels[0]
        programme = PROGRAMMES[(base_index, level)]
        graduation, studying, _ = COHORTS[cohort_of[index]]
        count = 1 + int(r[0] * min(4, len(base.skills)))
        first = int(r[1] * len(base.skills))
        chosen = [base.skills[(first + k) % len(base.skills)] for k in range(count)]
        if r[2] < 0.3:
            chosen.append(GENERAL_SKILLS[int(r[3] * len(GENERAL_SKILLS))])
        skills = tuple(_phrase(skill, r[4 + k], r[8 + k]) for k, skill in enumerate(chosen[:4]))
        industries = set(base.industries)
        if r[12] < 0.3:
            industries.add(industry_list[int(r[13] * len(industry_list))])
        order_units: frozenset[int] = frozenset()
        if studying and r[14] < 0.05 and by_base.get(base_index):
            order_units = frozenset({by_base[base_index][int(r[15] * len(by_base[base_index]))]["id"]})
        if r[15] < 0.6:
            places = (student_places[int(r[13] * len(student_places))],)
            if r[14] < 0.4:
                places += (student_places[int(r[12] * len(student_places))],)
        else:
            places = ()
        students.append(StudentRow(
            id=index + 1,
            unit_id=1 + index % n_schools,
            programme_id=programme["id"],
            programme_class=programme["class"],
            major_category_id=programme["major"],
            level=level,
            graduation=graduation,
            studying=studying,
            skills=skills,
            certificates=tuple(base.certificates[:1]) if r[11] < 0.5 else (),
            industry_ids=frozenset(industries),
            willing_local=r[10] < 0.6,
            places=places,
            order_class_unit_ids=order_units,
        ))
    return students, demands


def _rank(level: str) -> int:
    return {"secondary": 1, "associate": 2, "bachelor": 3}[level]
