"""The demo data set, as plain data. Every unit, enterprise and person here is FICTIONAL.

Government department names are the generic names every county uses; enterprises, schools, associations,
the institute and the bank are invented, and their credit codes are computed (valid check characters, no real
registrations behind them). Names are the natural keys the loader uses to stay idempotent: renaming an entry
here creates a new row on the next run instead of renaming the old one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

DEMO_PASSWORD = "demo12345"
DEMO_NOTE = "（演示数据：单位名称、人员和联系方式均为虚构。）"

# Local chains of Baoqing as named in industry_system_4567.json (``baoqing_local_chains_examples``).
COAL = "煤炭与煤电化"
FOOD = "绿色食品加工（大豆、水稻、白瓜子）"
AGRI = "现代农业与智慧农业"
ENERGY = "新能源（风电、光伏）"
ECOM = "电子商务与现代物流"
TOUR = "湿地旅游与康养"
CARE = "养老托育"


@dataclass(frozen=True)
class ConsortiumSpec:
    key: str
    name: str
    short_name: str
    region: str
    division_code: str
    established_on: dt.date


@dataclass(frozen=True)
class ChainSpec:
    name: str
    name_en: str
    maps_to: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class UnitSpec:
    """``history``: "founding" (active since the founding meeting), "joined:<ISO date>" (applied and approved
    later), "applied" (a pending application, made through ``unit_apply``) or "suspended:<ISO date>"."""

    key: str
    kind: str
    category: str  # credit-code prefix category, see codes.PREFIXES
    name: str
    chains: tuple[str, ...]
    contact_person: str
    address: str
    description: str
    history: str = "founding"
    industries: tuple[str, ...] | None = None  # default: the industries of the unit's chains
    suspend_reason: str = ""
    applicant: tuple[str, str] | None = None  # (username, full name) for "applied" units


@dataclass(frozen=True)
class UserSpec:
    username: str
    full_name: str
    consortium: str | None  # ConsortiumSpec.key
    role: str
    is_staff: bool = False
    is_superuser: bool = False
    unit: str | None = None  # UnitSpec.key
    unit_role: str = ""
    title: str = ""


@dataclass(frozen=True)
class DemoSet:
    consortium: ConsortiumSpec
    chains: tuple[ChainSpec, ...] | None  # None: Baoqing's chains from the reference JSON
    units: tuple[UnitSpec, ...] = field(default_factory=tuple)


BAOQING = ConsortiumSpec(
    key="baoqing", name="宝清县产教联合体", short_name="宝清产教联合体", region="黑龙江省双鸭山市宝清县",
    division_code="230523", established_on=dt.date(2023, 9, 13),
)
RAOHE = ConsortiumSpec(
    key="raohe", name="饶河县产教联合体", short_name="饶河产教联合体", region="黑龙江省双鸭山市饶河县",
    division_code="230524", established_on=dt.date(2024, 5, 16),
)

_BQ = "宝清县宝清镇"

BAOQING_UNITS: tuple[UnitSpec, ...] = (
    # --- government departments (generic names) -----------------------------------------------------------
    UnitSpec("gov", "government", "organ", "宝清县人民政府", (), "刘志远", f"{_BQ}政府路1号",
             "联合体牵头单位，统筹产教融合政策供给、要素保障和重大事项协调，主管副县长任理事长。"),
    UnitSpec("edu", "government", "organ", "宝清县教育局", (), "马文清", f"{_BQ}文化路18号",
             "联合体秘书处设在县教育局职业与成人教育股，负责日常运行、成员管理、任务分解与督导评价。"),
    UnitSpec("hrss", "government", "organ", "宝清县人力资源和社会保障局", (), "孟庆华", f"{_BQ}民主路26号",
             "负责职业技能培训补贴、职业技能等级认定、就业创业服务和兼职教师人事政策。"),
    UnitSpec("ndrc", "government", "organ", "宝清县发展和改革局", (), "于海波", f"{_BQ}政府路1号",
             "负责将产教融合项目纳入县经济社会发展规划，争取预算内投资和地方政府专项债券支持。"),
    UnitSpec("miit", "government", "organ", "宝清县工业和信息化局", (), "邵东明", f"{_BQ}政府路1号",
             "负责对接经济开发区企业用工和技术需求，推动产业链与专业链对接。"),
    UnitSpec("fin", "government", "organ", "宝清县财政局", (), "曹丽君", f"{_BQ}新华路9号",
             "负责县域职业教育经费投入保障和产教融合项目资金监管。"),
    # --- schools, institute ----------------------------------------------------------------------------------
    UnitSpec("school", "school", "institution", "宝清县挠力河职业技术学校", (FOOD, AGRI, ENERGY, ECOM, TOUR, CARE),
             "王建华", f"{_BQ}职教路66号",
             "县属公办中等职业学校，开设现代农业技术、农产品加工与质量检测、电子商务、新能源装备技术、"
             "旅游服务与管理、智慧健康养老服务等专业，建有县域公共实训基地。"),
    UnitSpec("training", "school", "private_non_enterprise", "宝清县龙源职业技能培训学校", (COAL, ENERGY, CARE),
             "姜红梅", f"{_BQ}东风路112号",
             "民办职业技能培训机构，承担煤矿安全、电工、焊工和养老护理员等工种的社会培训。"),
    UnitSpec("farmer_school", "school", "institution", "宝清县新型职业农民培育学校", (AGRI, FOOD), "董立军",
             "宝清县七星泡镇育才街5号", "面向家庭农场主、合作社带头人开展新型职业农民培育和农业技术推广培训。"),
    UnitSpec("institute", "research", "institution", "宝清县寒地农业科学研究所", (AGRI, FOOD), "崔永明",
             "宝清县青原镇科研路3号",
             "从事寒地大豆、水稻品种选育和黑土地保护性耕作技术研究，与职业学校共建农业技术推广中心。"),
    # --- associations -----------------------------------------------------------------------------------------
    UnitSpec("assoc_food", "association", "social_group", "宝清县绿色食品产业协会", (FOOD,), "邢玉兰",
             f"{_BQ}商贸路20号", "联系县内大豆、水稻、白瓜子加工企业，组织行业标准宣贯和产品推介。"),
    UnitSpec("assoc_ecom", "association", "social_group", "宝清县电子商务协会", (ECOM,), "田雨", f"{_BQ}商贸路20号",
             "组织农村电商主播培训、直播带货活动和电商企业用工对接。", history="joined:2024-03-05"),
    UnitSpec("assoc_coal", "association", "social_group", "宝清县煤炭工业协会", (COAL,), "梁振国",
             f"{_BQ}矿山路8号", "组织煤矿企业安全生产培训、智能化改造经验交流和技能竞赛。"),
    # --- finance ----------------------------------------------------------------------------------------------
    UnitSpec("bank", "finance", "enterprise", "宝清黑土村镇银行股份有限公司", (AGRI, FOOD), "林书豪",
             f"{_BQ}新华路66号",
             "为联合体成员企业、家庭农场和返乡创业学员提供产教融合项目贷款、助农贷款等金融服务。",
             industries=("7-2",)),
    # --- coal, coal power and coal chemicals ----------------------------------------------------------------
    UnitSpec("coal_mine", "enterprise", "enterprise", "宝清县金垦煤业有限责任公司", (COAL,), "赵铁军",
             "宝清县七星泡镇矿区路1号", "井工煤矿，推进智能化矿井建设，与职业学校合办煤矿智能开采订单班。"),
    UnitSpec("coal_power", "enterprise", "enterprise", "宝清县北辰煤电有限公司", (COAL, ENERGY), "张海涛",
             "宝清县经济开发区电厂路1号",
             "坑口燃煤电厂和供热企业，联合体龙头企业，建有企业实践中心和电力运行仿真实训室。"),
    UnitSpec("coal_chem", "enterprise", "enterprise", "宝清县清源煤化工有限公司", (COAL,), "黄志刚",
             "宝清县经济开发区化工园路7号", "以褐煤为原料的煤制化肥和煤焦油深加工企业。",
             history="suspended:2025-08-18",
             suspend_reason="该单位因安全生产专项整治停产整改，暂停成员资格至整改验收合格；"
                            "整改期间不参与订单培养和学生实习安排。"),
    # --- green food -------------------------------------------------------------------------------------------
    UnitSpec("soy", "enterprise", "enterprise", "宝清县黑土地大豆食品有限公司", (FOOD,), "范春雨",
             "宝清县经济开发区食品园路12号", "非转基因大豆精深加工企业，生产大豆油、大豆蛋白粉和休闲豆制品。"),
    UnitSpec("rice", "enterprise", "enterprise", "宝清县挠力河米业有限公司", (FOOD, ECOM), "郑晓光",
             "宝清县夹信子镇米业园区2号", "寒地水稻收储、加工和品牌大米销售企业，线上线下同步销售。"),
    UnitSpec("seeds", "enterprise", "enterprise", "宝清县金籽白瓜子进出口有限公司", (FOOD, ECOM), "周晓峰",
             "宝清县经济开发区食品园路30号", "白瓜子筛选、烘炒和出口贸易企业，申请加入联合体以合办国际贸易订单班。",
             history="applied", applicant=("applicant_seeds", "周晓峰")),
    # --- smart agriculture ------------------------------------------------------------------------------------
    UnitSpec("smart_agri", "enterprise", "enterprise", "宝清县沃野智慧农业科技有限公司", (AGRI,), "宋佳明",
             f"{_BQ}科技路15号", "提供植保无人机作业、农田物联网监测和农机作业调度服务。"),
    UnitSpec("agri_coop", "enterprise", "cooperative", "宝清县丰垦农机专业合作社", (AGRI,), "高福来",
             "宝清县龙头镇丰收村", "拥有大型农机具百余台套，为周边农户提供全程机械化托管服务。"),
    # --- new energy -------------------------------------------------------------------------------------------
    UnitSpec("wind", "enterprise", "enterprise", "宝清县北风新能源有限公司", (ENERGY,), "何建伟",
             "宝清县尖山子乡风电场", "风电场建设和运维企业，与职业学校共建风电运维实训基地。"),
    UnitSpec("solar", "enterprise", "enterprise", "宝清县光耀光伏发电有限公司", (ENERGY,), "罗佳怡",
             "宝清县万金山乡光伏园区", "农光互补光伏电站运营企业。", history="joined:2024-04-18"),
    # --- e-commerce and logistics ---------------------------------------------------------------------------
    UnitSpec("ecom", "enterprise", "enterprise", "宝清县云集电子商务有限公司", (ECOM, FOOD), "许晨",
             f"{_BQ}电商产业园A座", "县域电商公共服务企业，运营农产品直播基地和线上旗舰店。"),
    UnitSpec("logistics", "enterprise", "enterprise", "宝清县通达冷链物流有限公司", (ECOM,), "韩冬",
             f"{_BQ}物流园区8号", "县乡村三级物流配送和农产品冷链仓储企业。", history="joined:2024-06-20"),
    # --- wetland tourism and wellness ------------------------------------------------------------------------
    UnitSpec("tourism", "enterprise", "enterprise", "宝清县雁鸣湿地文化旅游有限公司", (TOUR,), "蒋雪",
             "宝清县七星河乡湿地路1号", "湿地观鸟、研学旅行和冰雪旅游线路运营企业。"),
    UnitSpec("wellness", "enterprise", "enterprise", "宝清县森泉康养度假有限公司", (TOUR, CARE), "袁静",
             "宝清县小城子镇森泉路6号", "森林康养和候鸟式养老度假企业。", history="joined:2025-03-12"),
    # --- elderly care and childcare --------------------------------------------------------------------------
    UnitSpec("elder_care", "other", "private_non_enterprise", "宝清县颐和养老服务中心", (CARE,), "唐淑芬",
             f"{_BQ}康宁街10号", "民办非营利养老机构，提供机构养老和居家社区养老服务，接收护理专业学生实习。"),
    UnitSpec("childcare", "enterprise", "enterprise", "宝清县安康托育服务有限公司", (CARE,), "孙丽娜",
             f"{_BQ}幸福小区3号楼", "普惠托育机构，申请加入联合体以共建婴幼儿托育服务实训基地。",
             history="applied", applicant=("applicant_childcare", "孙丽娜")),
)

RAOHE_CHAINS = (
    ChainSpec("黑蜂蜂产品加工", "black-bee honey products", ("6-3", "4-2"), "东北黑蜂蜂蜜、蜂胶的加工与品牌营销。"),
    ChainSpec("界江生态旅游", "border-river eco-tourism", ("7-5",), "乌苏里江沿岸生态旅游、民俗文化体验。"),
    ChainSpec("绿色种植与北药", "green farming and northern medicinal herbs", ("6-4", "5-5"), "大豆种植和北药材种植。"),
)

_RH = "饶河县饶河镇"
RAOHE_UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("rh_edu", "government", "organ", "饶河县教育局", (), "吕桂芝", f"{_RH}正阳路12号",
             "联合体秘书处所在单位。"),
    UnitSpec("rh_hrss", "government", "organ", "饶河县人力资源和社会保障局", (), "方正", f"{_RH}正阳路12号",
             "负责技能培训补贴和就业服务。"),
    UnitSpec("rh_school", "school", "institution", "饶河县乌苏里职业技术学校", ("黑蜂蜂产品加工", "界江生态旅游"),
             "潘文杰", f"{_RH}育英路3号", "县属中等职业学校，开设食品加工、旅游服务与管理专业。"),
    UnitSpec("rh_bee", "enterprise", "enterprise", "饶河县黑蜂源蜂业有限公司", ("黑蜂蜂产品加工",), "邱海燕",
             f"{_RH}蜂业园1号", "东北黑蜂蜂产品加工企业。"),
    UnitSpec("rh_tour", "enterprise", "enterprise", "饶河县界江风情旅游开发有限公司", ("界江生态旅游",), "石磊",
             f"{_RH}滨江路9号", "界江游船和民俗文化村运营企业。"),
    UnitSpec("rh_herbs", "enterprise", "cooperative", "饶河县北药种植专业合作社", ("绿色种植与北药",), "白凤山",
             "饶河县西林子乡北药基地", "刺五加、五味子等北药材种植合作社。"),
)

DEMO_SETS = (
    DemoSet(BAOQING, None, BAOQING_UNITS),
    DemoSet(RAOHE, RAOHE_CHAINS, RAOHE_UNITS),
)

DEMO_USERS: tuple[UserSpec, ...] = (
    UserSpec("platform", "赵明轩", None, "platform_admin", is_staff=True, is_superuser=True, title="省级平台管理员"),
    UserSpec("secretariat", "陈雅琴", "baoqing", "secretariat", is_staff=True, title="联合体秘书处工作人员"),
    UserSpec("official", "李国栋", "baoqing", "official", title="副县长、领导小组组长"),
    UserSpec("school_admin", "高振宇", "baoqing", "member", unit="school", unit_role="unit_admin", title="副校长"),
    UserSpec("school_staff", "刘晓燕", "baoqing", "member", unit="school", unit_role="unit_staff", title="教务处干事"),
    UserSpec("enterprise_admin", "张海涛", "baoqing", "member", unit="coal_power", unit_role="unit_admin",
             title="人力资源部经理"),
    UserSpec("other_secretariat", "吴春梅", "raohe", "secretariat", is_staff=True, title="联合体秘书处工作人员"),
)
