"""Factories of the demand side (enterprises.models.demands) and their builders for the isolation registry.

Tenancy rule: children take the consortium and the owning unit from their parent (``DemandSkillFactory(demand=d)``).
"""

from __future__ import annotations

from datetime import date, timedelta

import factory
from django.utils import timezone

from consortium.tenancy.choices import UnitKind
from consortium.tenancy.models import Consortium, MemberUnit
from enterprises.choices.demands import DemandKind, DemandStatus, EnterpriseSize, NeedStatus, ZoneType
from enterprises.models.demands import (
    DemandSkill,
    DemandStatusChange,
    EnterpriseProfile,
    StaffTrainingNeed,
    TalentDemand,
    TechnologyProblem,
)

from . import register
from .tenancy import MemberUnitFactory, TenantFactory


class EnterpriseUnitFactory(MemberUnitFactory):
    kind = UnitKind.ENTERPRISE
    name = factory.Sequence(lambda n: f"测试企业{n}")


class EnterpriseProfileFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = EnterpriseProfile

    unit = factory.SubFactory(EnterpriseUnitFactory)
    consortium = factory.SelfAttribute("unit.consortium")
    size = EnterpriseSize.MEDIUM
    zone_type = ZoneType.DEVELOPMENT_ZONE
    zone_name = "宝清经济开发区"
    employees = 320


class TalentDemandFactory(TenantFactory):
    """A published (approved) demand valid for 90 more days; ``status=`` for other states."""

    _tenant_parents = ("unit",)

    class Meta:
        model = TalentDemand

    unit = factory.SubFactory(EnterpriseUnitFactory)
    consortium = factory.SelfAttribute("unit.consortium")
    position = factory.Sequence(lambda n: f"测试岗位{n}")
    kind = DemandKind.EMPLOYMENT
    headcount = 5
    filled_count = 0
    place = "宝清县"
    salary_min = 4000
    salary_max = 6000
    start_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=90))
    status = DemandStatus.APPROVED
    published_at = factory.LazyFunction(timezone.now)

    class Params:
        draft = factory.Trait(status=DemandStatus.DRAFT, published_at=None)
        submitted = factory.Trait(
            status=DemandStatus.SUBMITTED, published_at=None, submitted_at=factory.LazyFunction(timezone.now)
        )


class DemandSkillFactory(TenantFactory):
    _tenant_parents = ("demand",)

    class Meta:
        model = DemandSkill

    demand = factory.SubFactory(TalentDemandFactory)
    consortium = factory.SelfAttribute("demand.consortium")
    unit = factory.SelfAttribute("demand.unit")
    name = factory.Sequence(lambda n: f"技能{n}")
    importance = 4


class StaffTrainingNeedFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = StaffTrainingNeed

    unit = factory.SubFactory(EnterpriseUnitFactory)
    consortium = factory.SelfAttribute("unit.consortium")
    topic = factory.Sequence(lambda n: f"培训主题{n}")
    trainees = 20
    period_start = date(2027, 3, 1)
    period_end = date(2027, 3, 10)
    status = NeedStatus.PUBLISHED


class TechnologyProblemFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = TechnologyProblem

    unit = factory.SubFactory(EnterpriseUnitFactory)
    consortium = factory.SelfAttribute("unit.consortium")
    title = factory.Sequence(lambda n: f"技术难题{n}")
    description = "生产线能耗偏高，需要工艺改进。"
    status = NeedStatus.PUBLISHED


class DemandStatusChangeFactory(TenantFactory):
    _tenant_parents = ("demand",)

    class Meta:
        model = DemandStatusChange

    demand = factory.SubFactory(TalentDemandFactory)
    consortium = factory.SelfAttribute("demand.consortium")
    unit = factory.SelfAttribute("demand.unit")
    from_status = DemandStatus.SUBMITTED
    to_status = DemandStatus.APPROVED


@register(EnterpriseProfile)
def build_enterprise_profile(consortium: Consortium, unit: MemberUnit) -> EnterpriseProfile:
    return EnterpriseProfileFactory(unit=unit)


@register(TalentDemand)
def build_talent_demand(consortium: Consortium, unit: MemberUnit) -> TalentDemand:
    return TalentDemandFactory(unit=unit)


@register(DemandSkill)
def build_demand_skill(consortium: Consortium, unit: MemberUnit) -> DemandSkill:
    return DemandSkillFactory(demand=TalentDemandFactory(unit=unit))


@register(StaffTrainingNeed)
def build_training_need(consortium: Consortium, unit: MemberUnit) -> StaffTrainingNeed:
    # Submitted (not yet published): only the owning unit, the secretariat and officials read it, so the isolation
    # suite sees the boundary of unpublished needs.
    return StaffTrainingNeedFactory(unit=unit, status=NeedStatus.SUBMITTED)


@register(TechnologyProblem)
def build_technology_problem(consortium: Consortium, unit: MemberUnit) -> TechnologyProblem:
    return TechnologyProblemFactory(unit=unit)


@register(DemandStatusChange)
def build_demand_status_change(consortium: Consortium, unit: MemberUnit) -> DemandStatusChange:
    return DemandStatusChangeFactory(demand=TalentDemandFactory(unit=unit))
