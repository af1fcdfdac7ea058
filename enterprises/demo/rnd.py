"""Demo data of R&D and of policy & funding (called by ``enterprises.demo.load`` for each demo consortium).

The funding and policy rows are built here too, because the kernel app consortium.funding must not import domain code.
Idempotent: platforms are keyed by name, projects / services / achievements by title, funding records by (year,
source, purpose) and policies by title; rows that exist are left alone. Everything goes through the services acting as
the secretariat; project lifecycle steps go through ``project_transition`` so the history is real (the proposer steps
are taken by the secretariat acting for the demo only when no unit admin exists — see ``_proposer_actor``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from consortium.funding import services as funding_services
from consortium.funding.models import FundingRecord, PolicyDocument
from consortium.tenancy.choices import UnitKind, UnitRole, UnitStatus
from consortium.tenancy.models import Industry, MemberUnit, UnitMembership

from ..choices.rnd import (
    AchievementKind,
    CoBuilderRole,
    PlatformKind,
    PlatformLevel,
    ProjectStatus,
    ServiceKind,
    TransferMode,
)
from ..models.rnd import Achievement, RnDPlatform, RnDProject, TechnicalService
from ..services import rnd as services

PROJECTS = (
    # title, target status, budget, start, end
    ("大豆精深加工关键技术研究", ProjectStatus.CLOSED, Decimal("80"), date(2023, 3, 1), date(2024, 12, 31)),
    ("燃煤锅炉智能燃烧控制系统研发", ProjectStatus.IN_PROGRESS, Decimal("120"), date(2024, 4, 1), date(2026, 3, 31)),
    ("寒地冷链物流温控监测平台", ProjectStatus.CLOSURE_REVIEW, Decimal("45"), date(2024, 1, 1), date(2025, 6, 30)),
    ("农机智能化改装技术应用", ProjectStatus.APPROVED, Decimal("60"), date(2025, 3, 1), date(2026, 12, 31)),
    ("风光储一体化运维实训技术", ProjectStatus.PROPOSED, Decimal("35"), date(2025, 9, 1), date(2027, 8, 31)),
)
STEPS = {
    ProjectStatus.PROPOSED: [],
    ProjectStatus.APPROVED: ["approve"],
    ProjectStatus.IN_PROGRESS: ["approve", "start"],
    ProjectStatus.CLOSURE_REVIEW: ["approve", "start", "submit_closure"],
    ProjectStatus.CLOSED: ["approve", "start", "submit_closure", "accept_closure"],
}
POLICIES = (
    (
        "国家产教融合建设试点实施方案",
        "国家发展改革委等",
        date(2019, 9, 25),
        "发改社会〔2019〕1558号",
        "试点城市、行业、企业的建设任务与组合式激励政策。",
        "纳入产教融合型企业建设培育范围的企业。",
    ),
    (
        "关于深化现代职业教育体系建设改革的意见",
        "中共中央办公厅 国务院办公厅",
        date(2022, 12, 21),
        "",
        "以市域产教联合体、行业产教融合共同体为载体推进产教融合。",
        "联合体成员单位。",
    ),
    (
        "建设产教融合型企业实施办法（试行）",
        "国家发展改革委 教育部",
        date(2019, 3, 28),
        "发改社会〔2019〕590号",
        "产教融合型企业可按投资额一定比例抵免教育费附加和地方教育附加。",
        "深度参与产教融合、校企合作的企业。",
    ),
    (
        "县域产教联合体建设专项资金管理办法",
        "县财政局 县教育局",
        date(2024, 3, 1),
        "",
        "专项资金用于实践中心建设、订单班培养和技术攻关项目。",
        "联合体成员单位，项目经理事会立项。",
    ),
)


def _proposer_actor(unit: MemberUnit) -> Any:
    membership = (
        UnitMembership.objects.for_consortium(unit.consortium_id)
        .filter(unit=unit, role=UnitRole.UNIT_ADMIN, is_active=True)
        .select_related("user")
        .first()
    )
    return membership.user if membership else None


def load(*, consortium, secretariat, stdout) -> None:
    """Idempotent: build this area's demo rows for ``consortium`` acting as ``secretariat``."""
    units = MemberUnit.objects.for_consortium(consortium.pk).filter(status=UnitStatus.ACTIVE).order_by("name")
    schools = [u for u in units if u.kind in (UnitKind.SCHOOL, UnitKind.RESEARCH)]
    enterprises = [u for u in units if u.kind == UnitKind.ENTERPRISE]
    if not schools or not enterprises:
        return
    platforms = _platforms(secretariat, schools, enterprises)
    projects = _projects(secretariat, schools, enterprises, platforms)
    made_services = _services(secretariat, schools, enterprises, projects)
    _achievements(secretariat, schools, enterprises, projects)
    records = _funding(secretariat, consortium, projects, schools, enterprises)
    policies = _policies(secretariat, consortium, schools + enterprises)
    if stdout is not None:
        stdout.write(
            f"  rnd: {len(platforms)} platforms, {len(projects)} projects, {made_services} new services, "
            f"{records} new funding records, {policies} new policies\n"
        )


def _platforms(actor: Any, schools: list, enterprises: list) -> list[RnDPlatform]:
    specs = (
        ("寒地大豆精深加工工程技术研究中心", PlatformKind.ENGINEERING_CENTRE, PlatformLevel.CITY, schools[0]),
        ("煤电化工产业创新中心", PlatformKind.INDUSTRY_INNOVATION, PlatformLevel.COUNTY, enterprises[0]),
    )
    result = []
    existing = {p.name: p for p in RnDPlatform.objects.for_consortium(schools[0].consortium_id)}
    for index, (name, kind, level, lead) in enumerate(specs):
        if name in existing:
            result.append(existing[name])
            continue
        partners = [u for u in (enterprises[index % len(enterprises)], schools[-1]) if u.pk != lead.pk]
        result.append(
            services.platform_create(
                actor=actor,
                unit=lead,
                kind=kind,
                level=level,
                name=name,
                established_on=date(2023, 5, 1),
                description="校企共建的研发平台。",
                co_builders=[(u, CoBuilderRole.CO_BUILDER) for u in partners[:1]]
                + [(u, CoBuilderRole.SUPPORTER) for u in partners[1:]],
            )
        )
    return result


def _projects(actor: Any, schools: list, enterprises: list, platforms: list) -> list[RnDProject]:
    existing = {p.title: p for p in RnDProject.objects.for_consortium(schools[0].consortium_id)}
    field = Industry.objects.order_by("position").first()
    result = []
    for index, (title, target, budget, start, end) in enumerate(PROJECTS):
        if title in existing:
            result.append(existing[title])
            continue
        proposer = schools[index % len(schools)]
        partner = enterprises[index % len(enterprises)]
        project = services.project_create(
            actor=actor,
            unit=proposer,
            partners=[partner],
            title=title,
            summary="校企联合攻关。",
            platform=platforms[index % len(platforms)],
            field=field,
            budget=budget,
            start_on=start,
            end_on=end,
        )
        proposer_actor = _proposer_actor(proposer)
        for action in STEPS[target]:
            if action == "submit_closure":
                for milestone in project.milestones.filter(done_on__isnull=True):
                    services.milestone_update(actor=actor, milestone=milestone, done_on=end)
            if action in ("start", "submit_closure") and proposer_actor is None:
                break  # no unit admin to act as the proposer: stop here
            who = proposer_actor if action in ("start", "submit_closure") else actor
            services.project_transition(actor=who, project=project, action=action)
            if action == "approve":
                services.milestone_create(
                    actor=actor, project=project, title="完成方案设计", due_on=start.replace(month=6)
                )
                services.milestone_create(actor=actor, project=project, title="完成中试验证", due_on=end)
        project.refresh_from_db()
        result.append(project)
    return result


def _services(actor: Any, schools: list, enterprises: list, projects: list) -> int:
    specs = (
        ("燃烧控制参数优化咨询", ServiceKind.CONSULTING, Decimal("6.5")),
        ("豆制品生产线工艺改进", ServiceKind.PROCESS_IMPROVEMENT, Decimal("18")),
        ("农机具产品升级设计", ServiceKind.PRODUCT_UPGRADE, Decimal("12")),
        ("食品理化检测服务", ServiceKind.TESTING, Decimal("3.2")),
    )
    existing = set(TechnicalService.objects.for_consortium(schools[0].consortium_id).values_list("title", flat=True))
    made = 0
    for index, (title, kind, value) in enumerate(specs):
        if title in existing:
            continue
        services.technical_service_create(
            actor=actor,
            unit=schools[index % len(schools)],
            client_unit=enterprises[index % len(enterprises)],
            project=projects[index % len(projects)] if index < 2 else None,
            kind=kind,
            title=title,
            delivered_on=date(2024, 3 + index * 2, 15),
            value=value,
            outcome="提高效率，降低能耗。",
        )
        made += 1
    return made


def _achievements(actor: Any, schools: list, enterprises: list, projects: list) -> None:
    specs = (
        ("一种大豆蛋白高效提取方法", AchievementKind.PATENT, "ZL202310000001.X"),
        ("冷链温控监测软件V1.0", AchievementKind.SOFTWARE_COPYRIGHT, "2024SR000001"),
    )
    existing = set(Achievement.objects.for_consortium(schools[0].consortium_id).values_list("title", flat=True))
    for index, (title, kind, number) in enumerate(specs):
        if title in existing:
            continue
        achievement = services.achievement_create(
            actor=actor,
            unit=schools[0],
            kind=kind,
            title=title,
            number=number,
            obtained_on=date(2024, 5, 1),
            project=projects[index * 2 % len(projects)],
        )
        if index == 0:
            services.transfer_create(
                actor=actor,
                achievement=achievement,
                licensee_unit=enterprises[0],
                mode=TransferMode.LICENSE,
                amount=Decimal("25"),
                transferred_on=date(2024, 11, 1),
            )


def _funding(actor: Any, consortium: Any, projects: list, schools: list, enterprises: list) -> int:
    specs = (
        (2023, "fiscal_budget", Decimal("300"), "产教联合体启动经费", None, None),
        (2023, "special_bonds", Decimal("1200"), "公共实践中心建设专项债券", None, None),
        (2024, "in_budget_investment", Decimal("500"), "实训基地预算内投资", None, schools[0]),
        (2024, "service_purchase", Decimal("80"), "政府购买社会培训服务", None, schools[0]),
        (2024, "fiscal_budget", Decimal("60"), "研发项目财政补助", 0, schools[0]),
        (2024, "enterprise", Decimal("40"), "企业配套研发投入", 1, enterprises[0]),
        (2025, "fiscal_budget", Decimal("90"), "研发项目财政补助", 1, schools[0]),
        (2025, "other", Decimal("20"), "社会捐赠", None, None),
    )
    existing = set(FundingRecord.objects.for_consortium(consortium.pk).values_list("year", "source", "purpose"))
    made = 0
    for year, source, amount, purpose, project_index, recipient in specs:
        if (year, source, purpose) in existing:
            continue
        target = projects[project_index] if project_index is not None and project_index < len(projects) else None
        funding_services.funding_record_create(
            actor=actor,
            consortium_id=consortium.pk,
            source=source,
            amount=amount,
            year=year,
            purpose=purpose,
            recipient=recipient,
            target=target,
        )
        made += 1
    return made


def _policies(actor: Any, consortium: Any, units: list) -> int:
    existing = set(PolicyDocument.objects.for_consortium(consortium.pk).values_list("title", flat=True))
    made = 0
    for title, issuer, issued_on, number, summary, eligibility in POLICIES:
        if title in existing:
            continue
        funding_services.policy_create(
            actor=actor,
            consortium_id=consortium.pk,
            title=title,
            issuer=issuer,
            issued_on=issued_on,
            document_number=number,
            summary=summary,
            eligibility=eligibility,
            status="published",
            benefiting_units=units[:3],
        )
        made += 1
    return made
