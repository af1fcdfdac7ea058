"""Leadership part of the demo data; ``manage.py load_demo`` finds it (protocol: ``consortium.tenancy.demo.domains``).

``consortium.leadership`` is the last app in ``INSTALLED_APPS``, so it runs after every domain demo of the same
consortium. For the Baoqing demo consortium it loads the county plan (宝清县职业教育产教融合实施方案, §三 and §四)
as data, acting as the demo secretariat:

* the leadership group (领导小组: the county head in charge as 组长 — the demo ``official`` account —, deputies, the
  member departments 教育局、人社局、发改局、工信局、财政局、科技局, the school as a member with a unit-scoped report
  subscription, the secretariat as the office liaison), the joint meeting rules and three joint meetings;
* the three phases of §四 with goals and dates, the nine key tasks of §三 (``plan_section`` "三（一）"…"三（九）"),
  each decomposed into two to three sub-tasks with lead unit, co-units, responsible person (and account where the
  demo has one), start and deadline, deliverables, evidence required and cadence;
* progress returns over the last months (some with an evidence spreadsheet) that put the task board on a mix of
  done / green / amber / red / not started / suspended (``rules.rag_status`` on the day of the first load), and
  supervision evaluations (督导评价) of the lead units with scores and comments.

Everything goes through ``consortium.leadership.services`` acting as the demo secretariat (group, members, meetings,
phases, key tasks, sub-tasks, evaluations, the suspension of one sub-task) or, for progress returns, as the reporting
unit's demo admin (``progress_return_submit``, with the evidence files). Units without a demo account cannot report
through the service, so their returns are recorded directly after ``full_clean``, with exactly the effect the
service has on the sub-task (progress, ``last_return_on``, status, ``completed_on`` follow the latest return). At the
end it computes the KPI facts once (``kpis.refresh.kpi_refresh``) and creates the default report schedules
(``reports.services.report_schedules_ensure``), each only where that module exists.

Deterministic and idempotent: rows are found by natural keys (group per consortium, member by name, meeting by
title, phase and key task by number, sub-task by code, evaluation by unit / sub-task / period); returns are built only
for a sub-task that has none; the KPI refresh runs only while the consortium has none. Dates are relative to the day
of the FIRST load (read back from sub-task 1.1 on reruns), so a rerun never moves anything. Persons other than the
demo accounts are FICTIONAL; e-mail addresses are on example.com. Other consortia get only the KPI refresh and
the default report schedules.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from consortium.tenancy.choices import UnitRole, UnitStatus
from consortium.tenancy.demo.data import BAOQING, BAOQING_UNITS
from consortium.tenancy.models import Consortium, MemberUnit, UnitMembership, User

from . import services
from .choices import Cadence, GroupRole, TaskStatus
from .models import (
    GroupMember,
    JointMeeting,
    KeyTask,
    KpiFact,
    KpiRefresh,
    LeadershipGroup,
    PlanPhase,
    ProgressEvidence,
    ProgressReturn,
    ReportSchedule,
    SubTask,
    SupervisionEvaluation,
)
from .rules import CADENCE_DAYS

GROUP_NAME = "宝清县职业教育产教融合创新发展工作领导小组"
GROUP_ESTABLISHED = dt.date(2024, 3, 8)
GROUP_RESPONSIBILITIES = (
    "在县委、县政府领导下，统筹推进全县职业教育产教融合创新发展工作：研究审定联合体建设规划和年度推进计划，"
    "协调解决产教融合政策供给、经费投入、项目建设中的重大问题；将建设任务分解到位、落实到事、责任到人；"
    "组织定期督导评价，将县域职业教育产教融合创新发展建设纳入政府重要工作。领导小组办公室设在县教育局，"
    "由联合体秘书处承担日常工作。"
)
JOINT_MEETING_RULES = (
    "县职业教育联席会议制度\n"
    "一、联席会议由领导小组组长召集，副组长和各成员单位负责同志参加，必要时邀请联合体理事单位列席。\n"
    "二、联席会议原则上每季度召开一次，遇重大事项可由组长或副组长提议临时召开。\n"
    "三、会议议题由领导小组办公室汇总各成员单位意见后提出，报组长审定；会前5个工作日印发会议材料。\n"
    "四、会议主要听取重点任务推进情况汇报，研究解决跨部门问题，审议督导评价结果。\n"
    "五、会议议定事项以会议纪要形式印发，明确牵头单位、配合单位和完成时限，纳入任务台账跟踪督办。\n"
    "六、各成员单位按任务分工按时报送进度，办公室每月汇总通报，对滞后任务进行提醒和督办。"
)


@dataclass(frozen=True)
class MemberSpec:
    name: str
    role: str
    position: str
    department: str
    email: str
    unit: str | None = None  # UnitSpec.key of the demo data
    user: str | None = None  # demo username
    scope_unit: str | None = None
    receives_reports: bool = True


MEMBERS: tuple[MemberSpec, ...] = (
    MemberSpec("李国栋", GroupRole.HEAD, "副县长（主管县长）", "县人民政府", "official@example.com", "gov", "official"),
    MemberSpec("马文清", GroupRole.DEPUTY, "县教育局局长", "县教育局", "ma.wenqing@example.com", "edu"),
    MemberSpec(
        "孟庆华", GroupRole.DEPUTY, "县人力资源和社会保障局局长", "县人社局", "meng.qinghua@example.com", "hrss"
    ),
    MemberSpec("于海波", GroupRole.MEMBER, "县发展和改革局局长", "县发改局", "yu.haibo@example.com", "ndrc"),
    MemberSpec("邵东明", GroupRole.MEMBER, "县工业和信息化局局长", "县工信局", "shao.dongming@example.com", "miit"),
    MemberSpec("曹丽君", GroupRole.MEMBER, "县财政局局长", "县财政局", "cao.lijun@example.com", "fin"),
    MemberSpec("韩立新", GroupRole.MEMBER, "县科学技术局局长", "县科技局", "han.lixin@example.com"),
    MemberSpec(
        "王建华", GroupRole.MEMBER, "挠力河职业技术学校校长", "县教育局（职业学校）", "wang.jianhua@example.com",
        "school", scope_unit="school",
    ),
    MemberSpec(
        "陈雅琴", GroupRole.OFFICE, "领导小组办公室联络员（联合体秘书处）", "县教育局", "secretariat@example.com",
        "edu", "secretariat", receives_reports=False,
    ),
)


@dataclass(frozen=True)
class PhaseSpec:
    number: int
    name: str
    goals: str
    starts_on: dt.date
    ends_on: dt.date


PHASES: tuple[PhaseSpec, ...] = (
    PhaseSpec(
        1, "打基础、建机制",
        "成立产教联合体组织机构，细化运行机制，建立联合体章程、议事制度、工作流程等管理制度；制定联合体建设规划、"
        "推进计划，做好任务分解并推动实施。用1年左右时间建立一套管理制度体系，初步建成组织健全、管理规范、运行高效的"
        "产教融合联合体。到2025年，联合体内部学校专业布局与产业结构布局基本匹配，教育培训内容与岗位需要高度契合，"
        "学校人才培养与企业人才需求精准对接，政行企协同育人模式基本成型。",
        dt.date(2024, 1, 1), dt.date(2025, 12, 31),
    ),
    PhaseSpec(
        2, "强功能、出成果",
        "联合体成员进一步拓展，吸纳职业学校以及部分科研院所、行业组织共同参与建设；协同开展职业教育关键能力建设和"
        "教育教学改革。用1年左右时间打造一批符合地方产业发展的新专业、新课程、新教材、新标准，培养一批“双师型”教师，"
        "培育一批新时代工匠人才，形成职业教育与地方产业相匹配的工作机制。",
        dt.date(2026, 1, 1), dt.date(2026, 12, 31),
    ),
    PhaseSpec(
        3, "强化组织领导，加大经费投入",
        "成立由主管县长任组长、相关职能部门为成员的县域职业教育产教融合创新发展工作领导小组，充分发挥县职业教育联席"
        "会议制度作用；坚持党委领导、政府主导、部门协同，将建设任务分解到位、落实到事、责任到人；建立定期督导评价机制，"
        "将县域职业教育产教融合创新发展建设纳入政府重要工作。（保障措施，贯穿实施全过程。）",
        dt.date(2024, 1, 1), dt.date(2027, 12, 31),
    ),
)


@dataclass(frozen=True)
class Profile:
    """Where a sub-task stands on the day of the first load: days from that day, reported progress, status."""

    start: int
    deadline: int
    progress: int
    status: str = TaskStatus.IN_PROGRESS
    last_return: int = -10  # days before the load day of the latest return
    rag: str = ""  # the colour this profile is built for (documentation; the test recomputes it)


DONE = Profile(-330, -45, 100, TaskStatus.COMPLETED, last_return=-52, rag="done")
GREEN = Profile(-120, 150, 48, last_return=-8, rag="green")
GREEN_EARLY = Profile(-60, 240, 25, last_return=-6, rag="green")
GREEN_LATE = Profile(-200, 100, 70, last_return=-12, rag="green")
AMBER = Profile(-150, 90, 45, last_return=-16, rag="amber")
AMBER_DUE = Profile(-200, 10, 78, last_return=-9, rag="amber")
RED_BEHIND = Profile(-210, 60, 35, last_return=-41, rag="red")
RED_OVERDUE = Profile(-270, -15, 80, last_return=-24, rag="red")
NOT_STARTED = Profile(25, 210, 0, TaskStatus.NOT_STARTED, rag="not_started")
SUSPENDED = Profile(-90, 180, 20, TaskStatus.SUSPENDED, last_return=-35, rag="suspended")


@dataclass(frozen=True)
class Step:
    """One progress return: what was done, problems met, what comes next."""

    text: str
    problems: str = ""
    next_steps: str = ""
    evidence: str = ""  # file name of an evidence spreadsheet attached to the return ("" = none)


@dataclass(frozen=True)
class SubTaskSpec:
    code: str
    title: str
    description: str
    lead: str  # UnitSpec.key
    co: tuple[str, ...]
    person: str
    profile: Profile
    phase: int
    deliverables: str
    evidence_required: str
    cadence: str = Cadence.MONTHLY
    steps: tuple[Step, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class KeyTaskSpec:
    number: int
    title: str
    plan_section: str
    description: str
    subtasks: tuple[SubTaskSpec, ...]


M, W, Q = Cadence.MONTHLY, Cadence.WEEKLY, Cadence.QUARTERLY

KEY_TASKS: tuple[KeyTaskSpec, ...] = (
    KeyTaskSpec(
        1, "构建产教深度融合的发展格局", "三（一）",
        "统筹职业教育与县域产业发展布局，推进区域职业教育规划与产业集聚发展、产业园区建设同谋划、同推进、同落实；"
        "将产教融合发展纳入县经济社会发展规划和产业布局规划，同步推进政策制定、要素支持和重大项目建设；完善产业创新"
        "人才激励政策，健全职业学校学生本地就业创业长效机制。",
        (
            SubTaskSpec(
                "1.1", "将产教融合纳入县经济社会发展规划和产业布局规划",
                "在县“十五五”规划编制和产业布局规划修编中设立产教融合专章，明确职业教育与“4567”现代产业体系的对接重点。",
                "ndrc", ("edu", "miit"), "于海波", DONE, 1,
                "县“十五五”规划产教融合专章；产业布局规划修编稿", "规划文本（含产教融合章节）、县政府常务会议纪要",
                steps=(
                    Step("完成产教融合专章提纲，征求教育、工信、人社等部门意见。", next_steps="形成专章初稿。"),
                    Step("专章初稿完成，提交规划编制领导小组审议。", "部分产业园区用地数据尚未更新。",
                         "根据审议意见修改。"),
                    Step("专章经县政府常务会议审议通过，纳入规划文本印发。", evidence="规划专章审议意见汇总表.xlsx"),
                ),
            ),
            SubTaskSpec(
                "1.2", "制定职业学校学生本地就业创业扶持办法",
                "对在县内就业创业的职业学校毕业生给予岗位补贴、创业担保贷款贴息和住房保障，建立本地就业长效机制。",
                "hrss", ("edu", "school", "fin"), "孟庆华", AMBER, 2,
                "《宝清县职业学校毕业生本地就业创业扶持办法》", "政策文件、征求意见记录、毕业生本地就业统计表",
                steps=(
                    Step("完成近三届毕业生就业去向调查，本地就业率约31%。", next_steps="起草扶持办法。",
                         evidence="毕业生就业去向统计表.xlsx"),
                    Step("扶持办法初稿完成，征求财政局意见。", "补贴资金来源需财政局明确。", "召开部门协调会。"),
                    Step("协调会原则同意补贴标准，待县政府常务会议审议。", "常务会议议题排期较晚，进度滞后。",
                         "争取下次常务会议上会。"),
                ),
            ),
            SubTaskSpec(
                "1.3", "完善产业创新人才激励政策",
                "制定高技能人才和产业创新人才认定、奖励和服务保障办法，与人才引进政策衔接。",
                "hrss", ("miit", "fin"), "孟庆华", NOT_STARTED, 2,
                "产业创新人才激励办法（送审稿）", "调研报告、政策文件",
            ),
        ),
    ),
    KeyTaskSpec(
        2, "组建以政府及产业园区为基础的县域产教联合体", "三（二）",
        "由县政府牵头，企事业单位、行业组织、职业学校多方参与组建县域产教联合体，成立理事会，明确章程、议事规程和"
        "考核激励机制，实行实体化运作；引导成员有组织地开展订单培养、员工培训、技术创新和科技攻关。",
        (
            SubTaskSpec(
                "2.1", "成立联合体理事会，审议通过章程、议事规程和考核激励办法",
                "召开成立大会，选举理事长、副理事长，审议通过联合体章程、理事会议事规程和成员考核激励办法。",
                "edu", ("gov",), "马文清", DONE, 1,
                "联合体章程；理事会议事规程；成员单位考核激励办法", "成立大会纪要、签到表、章程文本",
                steps=(
                    Step("完成章程和议事规程起草，征求成员单位意见32条。", next_steps="筹备成立大会。"),
                    Step("成立大会召开，审议通过章程和议事规程，选举产生理事会。", evidence="成立大会签到表.xlsx"),
                    Step("考核激励办法经理事会审议通过并印发。", next_steps="按办法开展年度考核。"),
                ),
            ),
            SubTaskSpec(
                "2.2", "建立联合体实体化运作机制",
                "落实秘书处人员和办公场所，编制年度工作计划和经费预算，建立月度工作例会制度。",
                "edu", ("fin", "gov"), "马文清", GREEN, 2,
                "秘书处工作规则；年度工作计划；年度经费预算", "人员配备文件、例会纪要、预算批复",
                steps=(
                    Step("秘书处落实专职人员3名，办公场所设在县教育局。"),
                    Step("年度工作计划经理事会审议通过，月度例会已召开4次。", next_steps="编制下年度经费预算。",
                         evidence="月度例会纪要清单.xlsx"),
                ),
            ),
            SubTaskSpec(
                "2.3", "组织成员单位开展订单培养、员工培训和技术协作对接",
                "按产业链组织校企对接会，形成订单培养、员工培训、技术协作项目清单并跟踪落实。",
                "edu", ("school", "coal_power", "assoc_food"), "陈雅琴", AMBER_DUE, 2,
                "校企合作项目清单（不少于20项）", "对接会签到表、合作协议",
                cadence=W,
                steps=(
                    Step("召开煤电化、绿色食品两条产业链对接会，达成合作意向9项。"),
                    Step("新能源、电子商务产业链对接会召开，累计意向15项。", "部分企业意向尚未签订协议。",
                         "逐一督促签约。"),
                    Step("已签订合作协议12项，距20项目标仍有差距。", "年底企业生产任务重，签约进度放缓。",
                         "秘书处上门对接剩余企业。"),
                ),
            ),
        ),
    ),
    KeyTaskSpec(
        3, "建设县域开放型区域产教融合实践中心", "三（三）",
        "建设集实践教学、社会培训、真实生产和技术服务于一体的开放型区域产教融合实践中心；依托职业技能公共实训基地"
        "新建、改扩建公共实践中心；支持行业企业建设企业实践中心、职工培训中心；以“校中厂”“厂中校”、现代产业学院等"
        "方式共建学校实践中心。",
        (
            SubTaskSpec(
                "3.1", "改扩建宝清县公共实训基地（区域产教融合实践中心）",
                "完成智能制造、新能源装备、农产品检测等实训区改扩建，面向联合体成员开放预约。",
                "hrss", ("school", "fin"), "孟庆华", GREEN_LATE, 2,
                "改扩建工程竣工验收；开放共享管理办法", "工程验收报告、设备清单、开放预约记录",
                steps=(
                    Step("改扩建工程完成招标，施工单位进场。"),
                    Step("智能制造实训室、电工实训室完成设备安装调试。", evidence="实训设备安装清单.xlsx"),
                    Step("开放共享管理办法印发，平台预约功能上线试运行。", next_steps="组织新能源实训区验收。"),
                ),
            ),
            SubTaskSpec(
                "3.2", "支持北辰煤电建设企业实践中心和职工培训中心",
                "落实政府购买服务和税收优惠政策，支持企业建成电力运行仿真实训室并对学校开放。",
                "coal_power", ("miit", "school"), "张海涛", DONE, 1,
                "企业实践中心挂牌；年度开放计划", "挂牌文件、仿真实训室照片、学生实训记录",
                steps=(
                    Step("仿真实训室设备采购完成。"),
                    Step("实践中心挂牌，首批40名学生完成电力运行仿真实训。"),
                    Step("年度开放计划报联合体秘书处备案，任务完成。", evidence="企业实践中心实训记录.xlsx"),
                ),
            ),
            SubTaskSpec(
                "3.3", "共建“校中厂”“厂中校”学校实践中心",
                "挠力河职校与黑土地大豆食品公司共建校中厂，与北辰煤电共建厂中校教学点，形成真实生产性实训。",
                "school", ("soy", "coal_power"), "高振宇", RED_BEHIND, 2,
                "校中厂生产线投产；厂中校教学点运行方案", "合作协议、生产记录、教学安排",
                steps=(
                    Step("与黑土地大豆食品公司签订校中厂合作协议。"),
                    Step("校中厂场地改造完成，生产线设备尚未到位。", "设备供应商交货延期约两个月。",
                         "协调企业更换供应商。"),
                ),
            ),
        ),
    ),
    KeyTaskSpec(
        4, "推动专业建设与区域产业精准对接", "三（四）",
        "开展人才培养定位论证与专业结构优化调整论证，找准产业结构与专业结构映射关系；科学规划服务“4567”现代产业"
        "体系的专业和专业群，新建智慧农业、先进制造、新能源等新兴专业，加快建设电子商务、旅游康养、养老托育等紧缺"
        "领域专业，升级改造传统产业相关专业。",
        (
            SubTaskSpec(
                "4.1", "开展专业结构与产业结构映射论证",
                "对照县域产业链梳理现有专业对应关系，形成专业设置调整建议。",
                "edu", ("school", "miit"), "马文清", DONE, 1,
                "专业与产业映射论证报告", "论证报告、专家论证意见",
                steps=(
                    Step("完成县域产业链岗位需求调研，覆盖企业46家。", evidence="产业链岗位需求调研汇总表.xlsx"),
                    Step("形成专业与产业映射表，提出停招2个、新增3个专业的建议。"),
                    Step("论证报告通过专家评审，报县政府备案。"),
                ),
            ),
            SubTaskSpec(
                "4.2", "新增智慧农业技术、新能源装备技术等新兴专业",
                "完成新专业申报备案、人才培养方案制定、师资和实训条件配置，按期招生。",
                "school", ("edu", "smart_agri", "wind"), "高振宇", GREEN, 2,
                "新专业备案；人才培养方案；首届招生", "备案文件、培养方案、招生计划",
                steps=(
                    Step("智慧农业技术专业人才培养方案完成校企共同论证。"),
                    Step("两个新专业通过市教育局备案，招生计划已下达。", next_steps="落实专业教师和实训室。"),
                ),
            ),
            SubTaskSpec(
                "4.3", "升级改造煤矿智能开采、农产品加工等传统专业",
                "对接煤矿智能化改造和食品精深加工，更新课程内容和实训设备。",
                "school", ("coal_mine", "soy"), "高振宇", AMBER, 2,
                "专业升级改造方案；更新课程不少于6门", "改造方案、课程标准、设备采购记录",
                steps=(
                    Step("完成煤矿智能开采专业升级方案。"),
                    Step("更新课程标准3门，农产品加工专业方案仍在修订。", "企业技术人员参与课程开发时间不足。",
                         "建立企业专家周例会。"),
                ),
            ),
        ),
    ),
    KeyTaskSpec(
        5, "创新校企深度合作的育人模式", "三（五）",
        "围绕地方主导产业和职业学校优势专业，建设“政行企校研”共建共管共享的现代产业学院；推动校企联合举办订单班、"
        "订制班、委托培养班，共商培养方案、共组教学团队、共建教学资源，共同实施学业考核评价。",
        (
            SubTaskSpec(
                "5.1", "建设现代能源与装备产业学院",
                "挠力河职校联合北风新能源、光耀光伏、北辰煤电共建产业学院，实行理事会管理。",
                "school", ("wind", "solar", "coal_power"), "高振宇", GREEN_EARLY, 2,
                "产业学院共建协议；产业学院管理办法", "共建协议、理事会纪要",
                steps=(
                    Step("产业学院共建协议签署，成立产业学院理事会。", evidence="产业学院理事会成员名单.xlsx"),
                ),
            ),
            SubTaskSpec(
                "5.2", "举办电力运行、煤矿智能开采订单班",
                "与北辰煤电、金垦煤业合办订单班，企业参与招生、教学和考核，学生毕业后进入企业就业。",
                "coal_power", ("school", "coal_mine"), "张海涛", RED_OVERDUE, 2,
                "订单班2个，招收学生不少于60人", "订单培养协议、学生名册、考核记录",
                steps=(
                    Step("电力运行订单班组建完成，招收学生32人。"),
                    Step("煤矿智能开采订单班招生不足，仅报名18人。", "学生和家长对井下岗位顾虑较多。",
                         "组织学生和家长到矿井参观。"),
                    Step("两个订单班合计在读50人，未达到60人目标。", "招生宣传起步晚，已超过完成时限。",
                         "下一招生季提前开展宣传。"),
                ),
            ),
            SubTaskSpec(
                "5.3", "校企共同修订人才培养方案，推行项目化教学",
                "联合行业协会和企业修订人才培养方案，开发基于工作过程的项目化课程。",
                "school", ("assoc_food", "ecom"), "刘晓燕", AMBER, 2,
                "修订人才培养方案6个；项目化课程10门", "培养方案、课程教案、企业评价表",
                steps=(
                    Step("完成电子商务、农产品加工专业培养方案修订。"),
                    Step("项目化课程开发4门。", "企业案例素材收集不足。", "与电商协会共建案例库。"),
                ),
            ),
        ),
    ),
    KeyTaskSpec(
        6, "建设产教双向流动的“双师型”教师队伍", "三（六）",
        "支持职业学校公开招聘行业企业骨干任教，在20%编制员额内招聘兼职教师；设立产业导师特聘岗，选聘“产业教授”；"
        "推进大师工作室、名师工作室建设，建立区域共享的兼职教师库；依托联合体建设“双师型”教师培训基地和企业实践基地。",
        (
            SubTaskSpec(
                "6.1", "在20%编制员额内招聘兼职教师，建立区域共享兼职教师库",
                "制定兼职教师聘任管理办法，按编制员额20%以内公开招聘，建立联合体共享兼职教师库。",
                "hrss", ("edu", "school"), "孟庆华", RED_BEHIND, 2,
                "兼职教师聘任管理办法；兼职教师库（不少于30人）", "管理办法、聘任名单、课时记录",
                steps=(
                    Step("兼职教师聘任管理办法起草完成。"),
                    Step("办法征求意见中，兼职教师库入库11人。", "兼职教师课时费标准未确定，企业人员报名少。",
                         "提请联席会议研究课时费标准。"),
                ),
            ),
            SubTaskSpec(
                "6.2", "设立产业导师特聘岗，选聘“产业教授”",
                "从企业、科研院所选聘高技能人才担任产业教授或科技推广教授，兼职任教或合作研究。",
                "school", ("institute", "coal_power"), "高振宇", DONE, 1,
                "选聘产业教授不少于5名", "聘任文件、授课记录",
                steps=(
                    Step("发布产业导师特聘岗公告。"),
                    Step("完成遴选，聘任产业教授6名、科技推广教授2名。", evidence="产业教授聘任名单.xlsx"),
                    Step("8名特聘教师均已开展授课或合作研究，任务完成。"),
                ),
            ),
            SubTaskSpec(
                "6.3", "建设“双师型”教师培训基地和企业实践基地",
                "依托北辰煤电、沃野智慧农业等成员单位建设教师企业实践基地，组织专业教师轮训。",
                "edu", ("coal_power", "school", "smart_agri"), "马文清", GREEN, 2,
                "教师企业实践基地3个；年度教师企业实践不少于40人次", "基地挂牌文件、教师实践记录",
                cadence=Q,
                steps=(
                    Step("两个教师企业实践基地挂牌。"),
                    Step("暑期组织22名教师到企业实践。", next_steps="寒假安排第二批教师实践。",
                         evidence="教师企业实践统计表.xlsx"),
                ),
            ),
        ),
    ),
    KeyTaskSpec(
        7, "推进产学研协同创新和成果转化", "三（七）",
        "围绕经济开发区产业发展需要，支持职业学校与骨干企业共建工程（技术）研究中心、技术创新中心等平台，为企业"
        "提供技术咨询与服务；发挥职业学校“中试车间”作用，建立科技成果转化长效机制。",
        (
            SubTaskSpec(
                "7.1", "共建寒地农业技术创新中心",
                "寒地农业科学研究所牵头，联合职业学校和智慧农业企业共建技术创新中心，开展品种和农机技术攻关。",
                "institute", ("school", "smart_agri"), "崔永明", AMBER, 2,
                "技术创新中心挂牌；攻关项目立项2项", "共建协议、项目任务书",
                steps=(
                    Step("共建协议签署，确定大豆高产栽培和植保无人机作业两个攻关方向。"),
                    Step("攻关项目1项完成立项，另1项仍在论证。", "配套经费未落实。", "申请县科技计划项目支持。"),
                ),
            ),
            SubTaskSpec(
                "7.2", "建立职业学校科技成果转化长效机制",
                "制定职业学校科技成果转化收益分配办法，建设农产品加工中试车间。",
                "school", ("institute", "soy"), "高振宇", NOT_STARTED, 2,
                "成果转化收益分配办法；中试车间运行方案", "管理办法、中试记录",
            ),
            SubTaskSpec(
                "7.3", "组织教师团队为企业开展技术服务和工艺改进",
                "组织专业教师团队对接米业、大豆食品企业的工艺改进需求，开展技术服务。",
                "school", ("rice", "soy"), "高振宇", GREEN_LATE, 2,
                "技术服务项目不少于8项；服务到账金额", "服务合同、企业验收意见",
                steps=(
                    Step("完成大米加工损耗分析技术服务1项。"),
                    Step("累计签订技术服务合同5项。", evidence="技术服务合同台账.xlsx"),
                    Step("累计完成技术服务6项，企业验收满意。", next_steps="对接白瓜子分选工艺改进需求。"),
                ),
            ),
        ),
    ),
    KeyTaskSpec(
        8, "搭建产教融合信息服务平台", "三（八）",
        "建设“政行企校研”深度共享的产教融合信息服务平台，汇聚人才供需、校企合作、项目研发、技术服务等信息；"
        "建设数字化教学资源库、企业实践库、校企合作项目库；举办“百校联千企”“龙江职教企业行”等对接活动。",
        (
            SubTaskSpec(
                "8.1", "建设产教融合信息服务平台",
                "建设联合体信息服务平台，实现成员管理、人才供需发布、实践中心预约、智能匹配等功能。",
                "edu", ("miit", "hrss"), "陈雅琴", DONE, 1,
                "信息服务平台上线运行", "验收报告、平台访问统计",
                steps=(
                    Step("完成平台需求调研和功能设计。"),
                    Step("平台一期上线，成员单位完成注册。"),
                    Step("人才供需、实践中心预约和智能匹配功能上线，通过验收。", evidence="平台验收功能清单.xlsx"),
                ),
            ),
            SubTaskSpec(
                "8.2", "建设数字化教学资源库、企业实践库和校企合作项目库",
                "依托国家职业教育智慧教育平台，建设三个资源库并在联合体内共享。",
                "school", ("edu", "ecom"), "刘晓燕", RED_OVERDUE, 2,
                "三个资源库上线；入库资源不少于500条", "资源清单、平台截图",
                steps=(
                    Step("资源库建设方案完成。"),
                    Step("教学资源库入库资源210条。", "企业实践库素材收集困难。", "请企业指定专人提供素材。"),
                    Step("三个资源库合计入库资源380条，已超过完成时限。", "校企合作项目库字段标准未统一。",
                         "统一字段标准后集中补录。"),
                ),
            ),
            SubTaskSpec(
                "8.3", "举办“百校联千企”“龙江职教企业行”校企对接活动",
                "每季度组织一次校企对接活动，发布岗位和合作需求。",
                "edu", ("assoc_ecom", "assoc_food", "miit"), "陈雅琴", AMBER_DUE, 2,
                "年度对接活动4场；达成合作意向不少于30项", "活动方案、签到表、意向清单",
                cadence=Q,
                steps=(
                    Step("第一季度“龙江职教企业行”宝清站活动举办，达成意向9项。"),
                    Step("第二、三季度活动累计达成意向21项。", "第四季度活动场地尚未落实。", "协调公共实训基地承办。"),
                ),
            ),
        ),
    ),
    KeyTaskSpec(
        9, "优化政策供给保障机制", "三（九）",
        "出台支持职业教育产教融合的政策措施；建立县域现代职业教育财政经费投入和保障机制，鼓励多元投入，优先安排"
        "职业教育重大建设和重点改革项目支出；将符合条件的产教融合项目纳入地方政府专项债券、预算内投资支持范围。",
        (
            SubTaskSpec(
                "9.1", "建立县域职业教育财政经费投入和保障机制",
                "将职业教育经费纳入年度预算并逐年增长，设立产教融合专项资金。",
                "fin", ("edu",), "曹丽君", GREEN, 3,
                "产教融合专项资金管理办法；年度预算安排", "预算批复、资金拨付凭证",
                cadence=Q,
                steps=(
                    Step("年度预算安排产教融合专项资金300万元。"),
                    Step("专项资金管理办法印发，首批资金拨付。", next_steps="开展资金使用绩效评价。",
                         evidence="专项资金拨付明细表.xlsx"),
                ),
            ),
            SubTaskSpec(
                "9.2", "将产教融合项目纳入专项债券和预算内投资支持范围",
                "梳理公共实训基地二期、产业学院实训楼等项目，申报地方政府专项债券和中央预算内投资。",
                "ndrc", ("fin", "edu"), "于海波", SUSPENDED, 3,
                "项目储备清单；申报材料", "项目库入库截图、申报文件",
                steps=(
                    Step("完成项目储备清单，2个项目录入国家重大建设项目库。",
                         "省级专项债券申报窗口暂停，待下一批次通知。", "窗口开放后立即申报。"),
                ),
            ),
            SubTaskSpec(
                "9.3", "出台支持产教融合的金融和税收支持措施",
                "联合村镇银行推出产教融合项目贷款，落实企业参与职业教育的税收优惠政策。",
                "fin", ("bank", "ndrc"), "曹丽君", RED_BEHIND, 3,
                "金融支持措施文件；享受税收优惠企业名单", "政策文件、贷款发放台账",
                steps=(
                    Step("与黑土村镇银行完成产教融合贷款产品设计。"),
                    Step("贷款产品待银行总行审批，税收优惠企业名单未报送。", "银行审批流程较长。",
                         "由分管县长出面协调。"),
                ),
            ),
        ),
    ),
)


@dataclass(frozen=True)
class MeetingSpec:
    title: str
    day: int  # days from the load day
    location: str
    topics: str
    decisions: str
    attendees: tuple[str, ...]  # member names; the convener is the head
    subtasks: tuple[str, ...]  # sub-task codes


MEETINGS: tuple[MeetingSpec, ...] = (
    MeetingSpec(
        "县职业教育联席会议（年度工作部署会）", -240, "县政府第一会议室",
        "1. 审议联合体年度推进计划和任务分解方案；\n2. 听取公共实训基地改扩建工作汇报；\n3. 研究信息服务平台建设。",
        "1. 原则通过年度推进计划，任务分解表印发各成员单位执行；\n"
        "2. 公共实训基地改扩建由县人社局牵头，年内完成主体工程；\n"
        "3. 信息服务平台由县教育局牵头，按月报送进度。",
        ("李国栋", "马文清", "孟庆华", "于海波", "邵东明", "曹丽君", "韩立新", "陈雅琴"),
        ("2.2", "3.1", "8.1"),
    ),
    MeetingSpec(
        "县职业教育联席会议（双师型教师队伍建设专题会）", -130, "县教育局三楼会议室",
        "1. 研究兼职教师聘任管理办法和课时费标准；\n2. 听取订单班招生情况汇报。",
        "1. 兼职教师课时费标准由县人社局会同县财政局一个月内提出方案；\n"
        "2. 订单班招生宣传由北辰煤电、挠力河职校共同组织，"
        "下一招生季提前启动。",
        ("李国栋", "马文清", "孟庆华", "曹丽君", "王建华", "陈雅琴"),
        ("5.2", "6.1", "6.3"),
    ),
    MeetingSpec(
        "县职业教育联席会议（季度调度会）", -20, "县政府第一会议室",
        "1. 通报重点任务进展和督导评价结果；\n2. 研究滞后任务整改措施。",
        "1. 对滞后任务挂牌督办，牵头单位一周内报送整改计划；\n2. 金融支持措施由分管县长出面协调银行审批；\n"
        "3. 下季度督导评价重点为资源库建设和校中厂建设。",
        ("李国栋", "马文清", "孟庆华", "于海波", "邵东明", "曹丽君", "王建华", "陈雅琴"),
        ("3.3", "5.2", "6.1", "8.2", "9.3"),
    ),
)


@dataclass(frozen=True)
class EvaluationSpec:
    unit: str
    subtask: str | None  # code, or None for the unit as a whole
    quarters_ago: int  # 1: the last complete quarter before the load day
    score: str
    comments: str


EVALUATIONS: tuple[EvaluationSpec, ...] = (
    EvaluationSpec("edu", None, 2, "92", "统筹协调有力，联合体理事会和秘书处运行规范，信息服务平台按期上线。"),
    EvaluationSpec("edu", "2.3", 1, "84.5", "校企对接活动组织较好，但合作协议签订进度偏慢，需加大督促力度。"),
    EvaluationSpec("hrss", None, 2, "86", "公共实训基地改扩建推进顺利，开放共享管理办法及时出台。"),
    EvaluationSpec(
        "hrss", "6.1", 1, "62", "兼职教师聘任管理办法迟迟未出台，兼职教师库入库人数明显不足，列为督办事项。"
    ),
    EvaluationSpec("school", None, 1, "88", "专业建设和产业学院建设成效明显，技术服务主动对接企业需求。"),
    EvaluationSpec("school", "8.2", 1, "58", "资源库建设已超期，入库资源数量和质量均未达到要求，限期整改。"),
    EvaluationSpec("coal_power", "3.2", 2, "95", "企业实践中心建设标准高，对学校开放充分，成效突出。"),
    EvaluationSpec("coal_power", "5.2", 1, "70", "订单班招生未达目标，需与学校共同改进招生宣传。"),
    EvaluationSpec("fin", None, 1, "76", "专项资金及时到位，但金融支持措施推进滞后。"),
    EvaluationSpec("ndrc", "1.1", 2, "93", "产教融合专章高质量纳入规划，部门协同好。"),
    EvaluationSpec("institute", "7.1", 1, "80", "攻关方向明确，配套经费需尽快落实。"),
)


# --- loader --------------------------------------------------------------------------------------------------------

ANCHOR_CODE = "1.1"


def load(*, consortium: Consortium, secretariat: User, stdout: Any = None) -> dict[str, int] | None:
    """Build the leadership demo of ``consortium`` (see the module docstring); returns the counts to print."""
    cid = consortium.pk
    if consortium.name == BAOQING.name:
        units = _units(consortium)
        users = _users(consortium)
        group = _group(consortium, units, users, secretariat)
        phases = _phases(consortium, secretariat)
        anchor = _anchor(consortium)
        subtasks = _plan(consortium, units, users, phases, anchor, secretariat)
        _meetings(consortium, group, subtasks, anchor, secretariat)
        for spec in _all_subtasks():
            _returns(subtasks[spec.code], spec, units, users, secretariat, anchor)
        _evaluations(consortium, units, subtasks, secretariat, anchor)
    notes = [_refresh_kpis(cid), _default_schedules(consortium, secretariat)]
    counts = {
        "领导小组成员": GroupMember.objects.for_consortium(cid).count(),
        "联席会议": JointMeeting.objects.for_consortium(cid).count(),
        "实施阶段": PlanPhase.objects.for_consortium(cid).count(),
        "重点任务": KeyTask.objects.for_consortium(cid).count(),
        "子任务": SubTask.objects.for_consortium(cid).count(),
        "进度报送": ProgressReturn.objects.for_consortium(cid).count(),
        "督导评价": SupervisionEvaluation.objects.for_consortium(cid).count(),
        "指标数据": KpiFact.objects.for_consortium(cid).count(),
        "报告计划": ReportSchedule.objects.for_consortium(cid).count(),
    }
    if stdout is not None:
        stdout.write("  leadership: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + "\n")
        for note in notes:
            if note:
                stdout.write(f"  leadership: {note}\n")
    return counts


def _all_subtasks() -> list[SubTaskSpec]:
    return [spec for task in KEY_TASKS for spec in task.subtasks]


def _units(consortium: Consortium) -> dict[str, MemberUnit]:
    by_name = {u.name: u for u in MemberUnit.objects.for_consortium(consortium.pk).filter(status=UnitStatus.ACTIVE)}
    return {spec.key: by_name[spec.name] for spec in BAOQING_UNITS if spec.name in by_name}


@dataclass
class _Users:
    by_username: dict[str, User] = field(default_factory=dict)
    by_name: dict[str, User] = field(default_factory=dict)
    admin_of: dict[int, User] = field(default_factory=dict)  # unit id -> first active unit admin
    member_of: dict[int, set[int]] = field(default_factory=dict)  # user id -> unit ids (active memberships)


def _users(consortium: Consortium) -> _Users:
    result = _Users()
    for user in User.objects.filter(consortium_id=consortium.pk, is_active=True).order_by("pk"):
        result.by_username[user.username] = user
        result.by_name.setdefault(user.full_name, user)
    memberships = (
        UnitMembership.objects.for_consortium(consortium.pk).filter(is_active=True).select_related("user")
        .order_by("pk")
    )
    for membership in memberships:
        result.member_of.setdefault(membership.user_id, set()).add(membership.unit_id)
        if membership.role == UnitRole.UNIT_ADMIN:
            result.admin_of.setdefault(membership.unit_id, membership.user)
    return result


def _save(obj: Any) -> Any:
    obj.full_clean()
    obj.save()
    return obj


# --- group, phases, plan -------------------------------------------------------------------------------------------


def _group(consortium: Consortium, units: Mapping[str, MemberUnit], users: _Users, actor: User) -> LeadershipGroup:
    cid = consortium.pk
    group = LeadershipGroup.objects.for_consortium(cid).first()
    if group is None:
        group = services.group_create(
            actor=actor, consortium_id=cid, name=GROUP_NAME, established_on=GROUP_ESTABLISHED,
            responsibilities=GROUP_RESPONSIBILITIES, joint_meeting_rules=JOINT_MEETING_RULES,
        )
    existing = set(GroupMember.objects.for_consortium(cid).filter(group=group).values_list("name", flat=True))
    for order, spec in enumerate(MEMBERS, start=1):
        if spec.name in existing:
            continue
        services.member_create(
            actor=actor, group=group, role=spec.role, name=spec.name, position=spec.position,
            department=spec.department, unit=units.get(spec.unit or ""), user=users.by_username.get(spec.user or ""),
            email=spec.email, receives_reports=spec.receives_reports, scope_unit=units.get(spec.scope_unit or ""),
            order=order * 10,
        )
    return group


def _phases(consortium: Consortium, actor: User) -> dict[int, PlanPhase]:
    cid = consortium.pk
    phases = {p.number: p for p in PlanPhase.objects.for_consortium(cid)}
    for spec in PHASES:
        if spec.number not in phases:
            phases[spec.number] = services.phase_create(
                actor=actor, consortium_id=cid, number=spec.number, name=spec.name, goals=spec.goals,
                starts_on=spec.starts_on, ends_on=spec.ends_on,
            )
    return phases


def _anchor(consortium: Consortium) -> dt.date:
    """The day of the first load: read back from the anchor sub-task on reruns, else today."""
    spec = next(s for s in _all_subtasks() if s.code == ANCHOR_CODE)
    first = (
        SubTask.objects.for_consortium(consortium.pk).filter(key_task__number=1, code=ANCHOR_CODE)
        .values_list("starts_on", flat=True).first()
    )
    if first is not None:
        return first - dt.timedelta(days=spec.profile.start)
    return timezone.localdate()


def _responsible_user(spec: SubTaskSpec, lead: MemberUnit, users: _Users) -> User | None:
    """The demo account of the responsible person if there is one, else the lead unit's admin account."""
    named = users.by_name.get(spec.person)
    if named is not None and (lead.pk in users.member_of.get(named.pk, set()) or named.role == "secretariat"):
        return named
    return users.admin_of.get(lead.pk)


def _plan(
    consortium: Consortium, units: Mapping[str, MemberUnit], users: _Users, phases: Mapping[int, PlanPhase],
    anchor: dt.date, actor: User,
) -> dict[str, SubTask]:
    cid = consortium.pk
    tasks = {t.number: t for t in KeyTask.objects.for_consortium(cid)}
    subtasks = {
        s.code: s for s in SubTask.objects.for_consortium(cid).filter(key_task__in=list(tasks.values()))
    }
    for task_spec in KEY_TASKS:
        task = tasks.get(task_spec.number)
        if task is None:
            task = tasks[task_spec.number] = services.key_task_create(
                actor=actor, consortium_id=cid, number=task_spec.number, title=task_spec.title,
                plan_section=task_spec.plan_section, description=task_spec.description,
            )
        for spec in task_spec.subtasks:
            if spec.code in subtasks:
                continue
            lead = units[spec.lead]
            subtasks[spec.code] = services.subtask_create(
                actor=actor, co_units=[units[key] for key in spec.co if key in units],
                key_task=task, phase=phases.get(spec.phase), code=spec.code, title=spec.title,
                description=spec.description, lead_unit=lead, responsible_person=spec.person,
                responsible_user=_responsible_user(spec, lead, users),
                starts_on=anchor + dt.timedelta(days=spec.profile.start),
                deadline=anchor + dt.timedelta(days=spec.profile.deadline),
                deliverables=spec.deliverables, evidence_required=spec.evidence_required, cadence=spec.cadence,
            )
    return subtasks


def _meetings(
    consortium: Consortium, group: LeadershipGroup, subtasks: Mapping[str, SubTask], anchor: dt.date, actor: User
) -> None:
    cid = consortium.pk
    existing = set(JointMeeting.objects.for_consortium(cid).values_list("title", flat=True))
    members = {m.name: m for m in GroupMember.objects.for_consortium(cid).filter(group=group)}
    head = next((m for m in members.values() if m.role == GroupRole.HEAD), None)
    for spec in MEETINGS:
        if spec.title in existing:
            continue
        services.meeting_create(
            actor=actor, group=group, attendees=[members[name] for name in spec.attendees if name in members],
            subtasks=[subtasks[code] for code in spec.subtasks if code in subtasks], title=spec.title,
            held_on=anchor + dt.timedelta(days=spec.day), location=spec.location, convener=head,
            topics=spec.topics, decisions=spec.decisions,
        )


# --- progress returns ----------------------------------------------------------------------------------------------


def _return_dates(spec: SubTaskSpec, starts_on: dt.date, anchor: dt.date) -> list[dt.date]:
    """One date per step, the latest ``profile.last_return`` days before the load day, one cadence apart (closer
    together when the task started too recently for that), never before the start."""
    count = len(spec.steps)
    last = anchor + dt.timedelta(days=spec.profile.last_return)
    if spec.profile.status == TaskStatus.COMPLETED:
        last = min(last, anchor + dt.timedelta(days=spec.profile.deadline))
    gap = CADENCE_DAYS[Cadence(spec.cadence)]
    room = (last - starts_on).days - 3
    if count > 1 and gap * (count - 1) > room:
        gap = max(1, room // (count - 1))
    return [last - dt.timedelta(days=gap * (count - 1 - i)) for i in range(count)]


def _returns(
    subtask: SubTask, spec: SubTaskSpec, units: Mapping[str, MemberUnit], users: _Users, secretariat: User,
    anchor: dt.date,
) -> None:
    """The returns of one sub-task, oldest first. A unit with a demo account reports through
    ``services.progress_return_submit`` acting as its admin; for the others (no account in the demo) the return is
    recorded directly, with the same validation and the same effect on the sub-task."""
    if not spec.steps or ProgressReturn.objects.for_consortium(subtask.consortium_id).filter(subtask=subtask).exists():
        return
    dates = _return_dates(spec, subtask.starts_on, anchor)
    co_unit = units.get(spec.co[0]) if spec.co else None
    count = len(spec.steps)
    for index, (step, day) in enumerate(zip(spec.steps, dates, strict=True)):
        # The second-to-last of three or more returns comes from the first co-unit; the others from the lead unit.
        unit = co_unit if (count >= 3 and index == count - 2 and co_unit is not None) else subtask.lead_unit
        values = {
            "subtask": subtask, "unit": unit, "reported_on": day,
            "progress": round(spec.profile.progress * (index + 1) / count),
            "text": step.text, "problems": step.problems, "next_steps": step.next_steps,
        }
        files = []
        if step.evidence:
            content = ContentFile(_evidence_sheet(step.evidence, subtask, unit, values), name=step.evidence)
            files.append((content, step.evidence.rsplit(".", 1)[0]))
        reporter = users.admin_of.get(unit.pk)
        if reporter is not None:
            services.progress_return_submit(actor=reporter, files=files, **values)
        else:
            _record_return(values, files)
        subtask.refresh_from_db()
    if spec.profile.status == TaskStatus.SUSPENDED:
        services.subtask_set_status(actor=secretariat, subtask=subtask, status=TaskStatus.SUSPENDED, today=anchor)


def _record_return(values: dict[str, Any], files: list[tuple[ContentFile, str]]) -> None:
    """A return of a unit without a demo account, with what ``progress_return_submit`` does to the sub-task."""
    subtask: SubTask = values["subtask"]
    record = _save(ProgressReturn(consortium_id=subtask.consortium_id, submitted_by=None, **values))
    for content, description in files:
        _save(ProgressEvidence(
            consortium_id=subtask.consortium_id, progress_return=record, unit=record.unit, file=content,
            description=description,
        ))
    if subtask.last_return_on is None or record.reported_on >= subtask.last_return_on:
        subtask.progress, subtask.last_return_on = record.progress, record.reported_on
        if record.progress >= 100:
            subtask.status, subtask.completed_on = TaskStatus.COMPLETED, record.reported_on
        else:
            subtask.status = TaskStatus.IN_PROGRESS
        subtask.full_clean()
        subtask.save(update_fields=["progress", "last_return_on", "status", "completed_on"])


def _evidence_sheet(name: str, subtask: SubTask, unit: MemberUnit, values: Mapping[str, Any]) -> bytes:
    """A small spreadsheet standing in for the evidence file (title, sub-task, unit, date, progress, text)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "佐证材料"
    sheet.append([name.rsplit(".", 1)[0]])
    sheet.append(["子任务", f"{subtask.code} {subtask.title}"])
    sheet.append(["报送单位", unit.name])
    sheet.append(["报送日期", values["reported_on"].isoformat()])
    sheet.append(["完成进度（%）", values["progress"]])
    sheet.append(["进展情况", values["text"]])
    sheet.append(["（演示数据，内容均为虚构。）"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- supervision ---------------------------------------------------------------------------------------------------


def _quarter(anchor: dt.date, quarters_ago: int) -> tuple[str, dt.date]:
    """The label of the quarter ``quarters_ago`` complete quarters before ``anchor``'s, and the day after it ends."""
    index = (anchor.year * 4 + (anchor.month - 1) // 3) - quarters_ago
    year, quarter = divmod(index, 4)
    label = f"{year}年第{'一二三四'[quarter]}季度"
    next_index = index + 1
    after = dt.date(next_index // 4, next_index % 4 * 3 + 1, 1)
    return label, after


def _evaluations(
    consortium: Consortium, units: Mapping[str, MemberUnit], subtasks: Mapping[str, SubTask], secretariat: User,
    anchor: dt.date,
) -> None:
    cid = consortium.pk
    existing = set(
        SupervisionEvaluation.objects.for_consortium(cid).values_list("unit_id", "subtask_id", "period_label")
    )
    for spec in EVALUATIONS:
        unit = units.get(spec.unit)
        subtask = subtasks.get(spec.subtask) if spec.subtask else None
        if unit is None or (spec.subtask and subtask is None):
            continue
        label, after = _quarter(anchor, spec.quarters_ago)
        if (unit.pk, subtask.pk if subtask else None, label) in existing:
            continue
        services.evaluation_create(
            actor=secretariat, unit=unit, subtask=subtask, period_label=label,
            evaluated_on=min(after + dt.timedelta(days=9), anchor), score=Decimal(spec.score), comments=spec.comments,
        )


# --- hooks into the KPI and report modules (written by other parts of the layer; optional here) -------------------


def _optional(module: str, names: tuple[str, ...]) -> Callable[..., Any] | None:
    """The first function of ``names`` defined in ``module``, or None when the module does not exist (yet)."""
    try:
        if importlib.util.find_spec(module) is None:
            return None
    except ModuleNotFoundError:
        return None
    loaded = importlib.import_module(module)
    return next((fn for name in names if callable(fn := getattr(loaded, name, None))), None)


def _refresh_kpis(consortium_id: int) -> str:
    """Compute the consortium's KPI facts once (so dashboards have data right after the load); reruns skip it."""
    refresh = _optional("consortium.leadership.kpis.refresh", ("kpi_refresh",))
    if refresh is None:
        return "kpis.refresh.kpi_refresh 不存在：未计算指标数据。"
    if KpiRefresh.objects.for_consortium(consortium_id).exists():
        return ""
    try:
        with transaction.atomic():
            refresh(consortium_id=consortium_id, trigger="demo")
    except Exception as exc:  # the demo must load even if the KPI code fails; the demo test checks the facts exist
        return f"指标计算失败：{exc!r}"
    return ""


SCHEDULE_MODULES = ("consortium.leadership.reports.services", "consortium.leadership.reports.schedules")
SCHEDULE_FUNCTIONS = (
    "report_schedules_ensure",
    "report_schedules_ensure_defaults",
    "ensure_default_schedules",
    "report_schedule_ensure_defaults",
    "schedules_ensure_defaults",
)


def _default_schedules(consortium: Consortium, secretariat: User) -> str:
    """Create the default report schedules of the consortium through the reports module (idempotent there)."""
    ensure = next(
        (fn for module in SCHEDULE_MODULES if (fn := _optional(module, SCHEDULE_FUNCTIONS)) is not None), None
    )
    if ensure is None:
        return "reports 模块未提供默认报告计划服务：未创建报告计划。"
    if ReportSchedule.objects.for_consortium(consortium.pk).exists():
        return ""
    with transaction.atomic():
        ensure(actor=secretariat, consortium_id=consortium.pk)
    return ""
