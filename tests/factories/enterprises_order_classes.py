"""Factories of enterprises.order_classes, and their builders for the isolation registry.

Children take the consortium and the owning school from their order class (``EnrolmentFactory(order_class=oc)``).
The isolation builders give every class a fresh partner enterprise without users, so the world's actors see a class
only through their own unit (the partner share is tested in tests/enterprises)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import factory

from consortium.tenancy.models import Consortium, MemberUnit
from enterprises.choices.order_classes import CollegeRole, EnrolmentStatus, OrderClassKind, OrderClassStage
from enterprises.models.order_classes import (
    Assessment,
    AssessmentScore,
    CollegeAnnualReport,
    CollegeGovernanceMember,
    CollegeMember,
    Employment,
    ModernIndustryCollege,
    OrderClass,
    OrderClassEnrolment,
    OrderClassStageChange,
    RetentionCheck,
    TeachingResource,
    TeamMember,
    TrainingPlanItem,
)

from . import register
from .schools import ProgrammeFactory, ProgrammeOfferingFactory, SchoolUnitFactory, StudentFactory
from .tenancy import MemberUnitFactory, TenantFactory


class OrderClassFactory(TenantFactory):
    """An agreed order class of a school's programme (cohort 2024, quota 30, costs 40/50/10)."""

    _tenant_parents = ("unit",)

    class Meta:
        model = OrderClass

    unit = factory.SubFactory(SchoolUnitFactory)
    consortium = factory.SelfAttribute("unit.consortium")
    partner_unit = factory.SubFactory(MemberUnitFactory, consortium=factory.SelfAttribute("..consortium"))
    programme = factory.SubFactory(ProgrammeFactory, unit=factory.SelfAttribute("..unit"))
    kind = OrderClassKind.ORDER
    name = factory.Sequence(lambda n: f"测试订单班{n}")
    cohort = 2024
    quota = 30
    cost_school_pct = 40
    cost_enterprise_pct = 50
    cost_government_pct = 10
    committed_positions = 30
    employment_commitment = "毕业后优先录用"
    stage = OrderClassStage.AGREED


class _ChildFactory(TenantFactory):
    _tenant_parents = ("order_class",)

    class Meta:
        abstract = True

    order_class = factory.SubFactory(OrderClassFactory)
    unit = factory.SelfAttribute("order_class.unit")
    consortium = factory.SelfAttribute("order_class.consortium")


def student_for(order_class: OrderClass, **kwargs: Any):
    """A studying student eligible for ``order_class`` (same school, programme and cohort)."""
    from schools.models import ProgrammeOffering

    offering = ProgrammeOffering.objects.filter(programme=order_class.programme, year=order_class.cohort).first()
    if offering is None:
        offering = ProgrammeOfferingFactory(programme=order_class.programme, year=order_class.cohort)
    return StudentFactory(offering=offering, **kwargs)


class EnrolmentFactory(_ChildFactory):
    class Meta:
        model = OrderClassEnrolment

    student = factory.LazyAttribute(lambda o: student_for(o.order_class))
    consent_on = date(2024, 9, 1)
    status = EnrolmentStatus.ENROLLED


class StageChangeFactory(_ChildFactory):
    class Meta:
        model = OrderClassStageChange

    from_stage = OrderClassStage.PROPOSED
    to_stage = OrderClassStage.AGREED
    party = "school"


class TrainingPlanItemFactory(_ChildFactory):
    class Meta:
        model = TrainingPlanItem

    course = factory.Sequence(lambda n: f"课程{n}")
    hours = 32


class TeamMemberFactory(_ChildFactory):
    class Meta:
        model = TeamMember

    side = "enterprise"
    person_name = factory.Sequence(lambda n: f"导师{n}")


class TeachingResourceFactory(_ChildFactory):
    class Meta:
        model = TeachingResource

    title = factory.Sequence(lambda n: f"资源{n}")


class AssessmentFactory(_ChildFactory):
    class Meta:
        model = Assessment

    title = factory.Sequence(lambda n: f"考核{n}")
    held_on = date(2025, 6, 1)
    school_weight = 60


class AssessmentScoreFactory(TenantFactory):
    _tenant_parents = ("assessment",)

    class Meta:
        model = AssessmentScore

    assessment = factory.SubFactory(AssessmentFactory)
    unit = factory.SelfAttribute("assessment.unit")
    consortium = factory.SelfAttribute("assessment.consortium")
    enrolment = factory.LazyAttribute(lambda o: EnrolmentFactory(order_class=o.assessment.order_class))
    school_score = Decimal("80")
    enterprise_score = Decimal("90")


class EmploymentFactory(_ChildFactory):
    class Meta:
        model = Employment

    enrolment = factory.LazyAttribute(
        lambda o: EnrolmentFactory(order_class=o.order_class, status=EnrolmentStatus.GRADUATED)
    )
    employed_on = date(2026, 7, 1)
    position = "操作工"


class RetentionCheckFactory(_ChildFactory):
    class Meta:
        model = RetentionCheck

    enrolment = factory.LazyAttribute(lambda o: EmploymentFactory(order_class=o.order_class).enrolment)
    months = 6
    still_employed = True
    checked_on = date(2027, 1, 1)


class CollegeFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = ModernIndustryCollege

    unit = factory.SubFactory(SchoolUnitFactory)
    consortium = factory.SelfAttribute("unit.consortium")
    name = factory.Sequence(lambda n: f"测试产业学院{n}")


class _CollegeChildFactory(TenantFactory):
    _tenant_parents = ("college",)

    class Meta:
        abstract = True

    college = factory.SubFactory(CollegeFactory)
    unit = factory.SelfAttribute("college.unit")
    consortium = factory.SelfAttribute("college.consortium")


class CollegeMemberFactory(_CollegeChildFactory):
    class Meta:
        model = CollegeMember

    member_unit = factory.SubFactory(MemberUnitFactory, consortium=factory.SelfAttribute("..consortium"))
    role = CollegeRole.ENTERPRISE


class CollegeGovernanceFactory(_CollegeChildFactory):
    class Meta:
        model = CollegeGovernanceMember

    person_name = factory.Sequence(lambda n: f"理事{n}")
    role = "理事长"


class CollegeReportFactory(_CollegeChildFactory):
    class Meta:
        model = CollegeAnnualReport

    year = 2025
    students_trained = 120


# --- isolation builders ---------------------------------------------------------------------------------------


def _class(unit: MemberUnit) -> OrderClass:
    return OrderClassFactory(unit=unit, programme=ProgrammeFactory(unit=unit))


@register(OrderClass)
def build_order_class(consortium: Consortium, unit: MemberUnit) -> OrderClass:
    return _class(unit)


@register(OrderClassEnrolment)
def build_enrolment(consortium: Consortium, unit: MemberUnit) -> OrderClassEnrolment:
    return EnrolmentFactory(order_class=_class(unit))


@register(OrderClassStageChange)
def build_stage_change(consortium: Consortium, unit: MemberUnit) -> OrderClassStageChange:
    return StageChangeFactory(order_class=_class(unit))


@register(TrainingPlanItem)
def build_plan_item(consortium: Consortium, unit: MemberUnit) -> TrainingPlanItem:
    return TrainingPlanItemFactory(order_class=_class(unit))


@register(TeamMember)
def build_team_member(consortium: Consortium, unit: MemberUnit) -> TeamMember:
    return TeamMemberFactory(order_class=_class(unit))


@register(TeachingResource)
def build_resource(consortium: Consortium, unit: MemberUnit) -> TeachingResource:
    return TeachingResourceFactory(order_class=_class(unit))


@register(Assessment)
def build_assessment(consortium: Consortium, unit: MemberUnit) -> Assessment:
    return AssessmentFactory(order_class=_class(unit))


@register(AssessmentScore)
def build_score(consortium: Consortium, unit: MemberUnit) -> AssessmentScore:
    return AssessmentScoreFactory(assessment=AssessmentFactory(order_class=_class(unit)))


@register(Employment)
def build_employment(consortium: Consortium, unit: MemberUnit) -> Employment:
    return EmploymentFactory(order_class=_class(unit))


@register(RetentionCheck)
def build_retention(consortium: Consortium, unit: MemberUnit) -> RetentionCheck:
    return RetentionCheckFactory(order_class=_class(unit))


@register(ModernIndustryCollege)
def build_college(consortium: Consortium, unit: MemberUnit) -> ModernIndustryCollege:
    return CollegeFactory(unit=unit)


@register(CollegeMember)
def build_college_member(consortium: Consortium, unit: MemberUnit) -> CollegeMember:
    return CollegeMemberFactory(college=CollegeFactory(unit=unit))


@register(CollegeGovernanceMember)
def build_college_governance(consortium: Consortium, unit: MemberUnit) -> CollegeGovernanceMember:
    return CollegeGovernanceFactory(college=CollegeFactory(unit=unit))


@register(CollegeAnnualReport)
def build_college_report(consortium: Consortium, unit: MemberUnit) -> CollegeAnnualReport:
    return CollegeReportFactory(college=CollegeFactory(unit=unit))


# --- a small world for the order-class tests ------------------------------------------------------------------


class OrderClassWorld:
    """A consortium with a school, its partner enterprise, a third enterprise (each with an admin and a staff user),
    the secretariat, an official, and a foreign consortium's secretariat."""

    def __init__(self) -> None:
        from consortium.tenancy.choices import UnitKind
        from consortium.tenancy.models import User

        from .tenancy import ConsortiumFactory, UnitMembershipFactory, UserFactory

        self.consortium = ConsortiumFactory()
        self.school = SchoolUnitFactory(consortium=self.consortium)
        self.enterprise = MemberUnitFactory(consortium=self.consortium, kind=UnitKind.ENTERPRISE)
        self.third = MemberUnitFactory(consortium=self.consortium, kind=UnitKind.ENTERPRISE)
        self.school_admin = UnitMembershipFactory(unit=self.school, admin=True).user
        self.school_staff = UnitMembershipFactory(unit=self.school).user
        self.enterprise_admin = UnitMembershipFactory(unit=self.enterprise, admin=True).user
        self.enterprise_staff = UnitMembershipFactory(unit=self.enterprise).user
        self.third_admin = UnitMembershipFactory(unit=self.third, admin=True).user
        self.secretariat = UserFactory(consortium=self.consortium, secretariat=True)
        self.official = UserFactory(consortium=self.consortium, official=True)
        foreign = ConsortiumFactory()
        self.foreign_secretariat = UserFactory(consortium=foreign, secretariat=True)
        self.programme = ProgrammeFactory(unit=self.school)
        self.offering = ProgrammeOfferingFactory(programme=self.programme, year=2024)
        self._user_model = User

    def fresh(self, user):
        """A new instance (scoping memoises unit roles on the user object)."""
        return self._user_model.objects.get(pk=user.pk)

    def students(self, n: int, **kwargs: Any) -> list:
        return [StudentFactory(offering=self.offering, **kwargs) for _ in range(n)]

    def propose(self, actor=None, **fields: Any) -> OrderClass:
        from enterprises.services.order_classes import order_class_create

        values = {
            "kind": OrderClassKind.ORDER,
            "name": "测试订单班",
            "programme": self.programme,
            "cohort": 2024,
            "quota": 3,
            "cost_school_pct": 40,
            "cost_enterprise_pct": 50,
            "cost_government_pct": 10,
        }
        values.update(fields)
        return order_class_create(
            actor=self.fresh(actor or self.school_admin), unit=self.school, partner_unit=self.enterprise, **values
        )
