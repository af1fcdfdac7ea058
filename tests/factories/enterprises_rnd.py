"""Factories of enterprises.rnd and the funding kernel app; register builders with @register.

Related rows live in one consortium: children take the consortium (and owning unit) from their parent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory

from consortium.funding.choices import FundingSource, PolicyStatus
from consortium.funding.models import FundingRecord, PolicyDocument
from consortium.tenancy.choices import UnitKind
from consortium.tenancy.models import Consortium, MemberUnit
from enterprises.choices.rnd import (
    AchievementKind,
    PlatformKind,
    ProjectStatus,
    ServiceKind,
    TransferMode,
)
from enterprises.models.rnd import (
    Achievement,
    AchievementTransfer,
    ProjectMilestone,
    ProjectStatusChange,
    RnDPlatform,
    RnDProject,
    TechnicalService,
)

from . import register
from .tenancy import MemberUnitFactory, TenantFactory


class RnDPlatformFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = RnDPlatform

    unit = factory.SubFactory(MemberUnitFactory, kind=UnitKind.SCHOOL)
    consortium = factory.LazyAttribute(lambda o: o.unit.consortium)
    kind = PlatformKind.ENGINEERING_CENTRE
    name = factory.Sequence(lambda n: f"测试工程技术研究中心{n}")
    established_on = date(2023, 6, 1)


class RnDProjectFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = RnDProject
        skip_postgeneration_save = True

    unit = factory.SubFactory(MemberUnitFactory)
    consortium = factory.LazyAttribute(lambda o: o.unit.consortium)
    title = factory.Sequence(lambda n: f"测试研发项目{n}")
    summary = "研究内容"
    budget = Decimal("50.00")
    start_on = date(2024, 3, 1)
    end_on = date(2025, 12, 31)
    status = ProjectStatus.IN_PROGRESS

    @factory.post_generation
    def partners(self, create, extracted, **kwargs):
        if create and extracted:
            self.partners.set(extracted)


class ProjectMilestoneFactory(TenantFactory):
    _tenant_parents = ("project",)

    class Meta:
        model = ProjectMilestone

    project = factory.SubFactory(RnDProjectFactory)
    consortium = factory.LazyAttribute(lambda o: o.project.consortium)
    unit = factory.LazyAttribute(lambda o: o.project.unit)
    title = factory.Sequence(lambda n: f"里程碑{n}")
    due_on = date(2024, 9, 30)


class TechnicalServiceFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = TechnicalService

    unit = factory.SubFactory(MemberUnitFactory, kind=UnitKind.SCHOOL)
    consortium = factory.LazyAttribute(lambda o: o.unit.consortium)
    client_unit = factory.LazyAttribute(lambda o: MemberUnitFactory(consortium=o.unit.consortium))
    kind = ServiceKind.CONSULTING
    title = factory.Sequence(lambda n: f"技术服务{n}")
    delivered_on = date(2024, 5, 20)
    value = Decimal("8.00")


class AchievementFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = Achievement

    unit = factory.SubFactory(MemberUnitFactory)
    consortium = factory.LazyAttribute(lambda o: o.unit.consortium)
    kind = AchievementKind.PATENT
    title = factory.Sequence(lambda n: f"测试成果{n}")
    number = factory.Sequence(lambda n: f"ZL2024{n:07d}")
    obtained_on = date(2024, 4, 1)


class AchievementTransferFactory(TenantFactory):
    _tenant_parents = ("achievement",)

    class Meta:
        model = AchievementTransfer

    achievement = factory.SubFactory(AchievementFactory)
    consortium = factory.LazyAttribute(lambda o: o.achievement.consortium)
    unit = factory.LazyAttribute(lambda o: o.achievement.unit)
    licensee_name = "某外部企业"
    mode = TransferMode.LICENSE
    amount = Decimal("12.50")
    transferred_on = date(2024, 10, 1)


class FundingRecordFactory(TenantFactory):
    class Meta:
        model = FundingRecord

    consortium = factory.SubFactory("tests.factories.tenancy.ConsortiumFactory")
    source = FundingSource.FISCAL_BUDGET
    amount = Decimal("100.00")
    year = 2024
    purpose = "测试经费"


class PolicyDocumentFactory(TenantFactory):
    class Meta:
        model = PolicyDocument

    consortium = factory.SubFactory("tests.factories.tenancy.ConsortiumFactory")
    title = factory.Sequence(lambda n: f"关于支持产教融合的若干措施{n}")
    issuer = "县人民政府"
    issued_on = date(2024, 1, 15)
    summary = "摘要"
    status = PolicyStatus.PUBLISHED


@register(RnDPlatform)
def build_platform(consortium: Consortium, unit: MemberUnit) -> RnDPlatform:
    return RnDPlatformFactory(unit=unit)


@register(RnDProject)
def build_project(consortium: Consortium, unit: MemberUnit) -> RnDProject:
    return RnDProjectFactory(unit=unit)


@register(ProjectMilestone)
def build_milestone(consortium: Consortium, unit: MemberUnit) -> ProjectMilestone:
    return ProjectMilestoneFactory(project=RnDProjectFactory(unit=unit))


@register(ProjectStatusChange)
def build_status_change(consortium: Consortium, unit: MemberUnit) -> ProjectStatusChange:
    project = RnDProjectFactory(unit=unit)
    return ProjectStatusChange.objects.create(
        consortium=consortium,
        unit=unit,
        project=project,
        action="start",
        from_status=ProjectStatus.APPROVED,
        to_status=ProjectStatus.IN_PROGRESS,
    )


@register(TechnicalService)
def build_technical_service(consortium: Consortium, unit: MemberUnit) -> TechnicalService:
    return TechnicalServiceFactory(unit=unit)


@register(Achievement)
def build_achievement(consortium: Consortium, unit: MemberUnit) -> Achievement:
    return AchievementFactory(unit=unit)


@register(AchievementTransfer)
def build_transfer(consortium: Consortium, unit: MemberUnit) -> AchievementTransfer:
    return AchievementTransferFactory(achievement=AchievementFactory(unit=unit))


@register(FundingRecord)
def build_funding_record(consortium: Consortium, unit: MemberUnit) -> FundingRecord:
    from django.contrib.contenttypes.models import ContentType

    project = RnDProjectFactory(unit=unit)
    return FundingRecordFactory(
        consortium=consortium,
        recipient=unit,
        target_type=ContentType.objects.get_for_model(RnDProject),
        target_id=project.pk,
    )


@register(PolicyDocument)
def build_policy(consortium: Consortium, unit: MemberUnit) -> PolicyDocument:
    policy = PolicyDocumentFactory(consortium=consortium)
    policy.benefiting_units.set([unit])
    return policy
