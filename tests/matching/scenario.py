"""A small matching world shared by the M2 tests (models, snapshot, runs, workflow, worker): one consortium with two
schools and two enterprises, their users, students who fit the enterprises' demands, and a second consortium.

Plain functions (no fixtures) so each test module decides its own database marker."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from consortium.tenancy.models import Consortium, MemberUnit, User
from enterprises.choices.demands import DemandKind
from schools.choices import CatalogueLevel, StudentStatus
from tests.factories.enterprises_demands import DemandSkillFactory, EnterpriseUnitFactory, TalentDemandFactory
from tests.factories.schools import ProgrammeFactory, ProgrammeOfferingFactory, SchoolUnitFactory, StudentFactory
from tests.factories.tenancy import ConsortiumFactory, UnitMembershipFactory, UserFactory


def first_of_month(day: date) -> date:
    return day.replace(day=1)


@dataclass
class Scenario:
    consortium: Consortium
    other: Consortium
    school1: MemberUnit
    school2: MemberUnit
    ent1: MemberUnit
    ent2: MemberUnit
    secretariat: User
    official: User
    other_secretariat: User
    school1_admin: User
    school2_admin: User
    ent1_admin: User
    ent1_staff: User
    ent2_admin: User
    programme1: Any
    programme2: Any
    students1: list = field(default_factory=list)  # school1: mechatronics graduates with PLC skills
    students2: list = field(default_factory=list)  # school2: welding graduates
    demand1: Any = None  # ent1: mechatronics technician, PLC
    demand2: Any = None  # ent2: welder


def admin_of(unit: MemberUnit, **kwargs: Any) -> User:
    return UnitMembershipFactory(unit=unit, admin=True, **kwargs).user


def graduate(programme: Any, *, skills: str, offering: Any = None, **kwargs: Any):
    """A graduate (status graduated, graduated last month) of ``programme`` looking for work locally; keyword
    arguments override any field."""
    from schools.models import ProgrammeOffering

    graduation = kwargs.pop("expected_graduation", None) or first_of_month(
        first_of_month(timezone.localdate()) - timedelta(days=1)
    )
    cohort = kwargs.pop("cohort", graduation.year - 3)
    if offering is None:
        offering = ProgrammeOffering.objects.filter(programme=programme, year=cohort).first()
    if offering is None:
        offering = ProgrammeOfferingFactory(programme=programme, year=cohort)
    fields = {"status": StudentStatus.GRADUATED, "willing_to_work_locally": True, **kwargs}
    return StudentFactory(offering=offering, cohort=cohort, expected_graduation=graduation, skills=skills, **fields)


def build_scenario(*, students_per_school: int = 3) -> Scenario:
    consortium = ConsortiumFactory(name="宝清县产教联合体")
    other = ConsortiumFactory(name="友谊县产教联合体")
    school1 = SchoolUnitFactory(consortium=consortium, name="宝清县职业技术教育中心")
    school2 = SchoolUnitFactory(consortium=consortium, name="宝清县第二职业学校")
    ent1 = EnterpriseUnitFactory(consortium=consortium, name="宝清县机电设备有限公司")
    ent2 = EnterpriseUnitFactory(consortium=consortium, name="宝清县钢结构有限公司")
    programme1 = ProgrammeFactory(unit=school1, code="460301", name="机电一体化技术", level=CatalogueLevel.ASSOCIATE)
    programme2 = ProgrammeFactory(unit=school2, code="460110", name="智能焊接技术", level=CatalogueLevel.ASSOCIATE)
    scenario = Scenario(
        consortium=consortium, other=other, school1=school1, school2=school2, ent1=ent1, ent2=ent2,
        secretariat=UserFactory(consortium=consortium, secretariat=True),
        official=UserFactory(consortium=consortium, official=True),
        other_secretariat=UserFactory(consortium=other, secretariat=True),
        school1_admin=admin_of(school1), school2_admin=admin_of(school2),
        ent1_admin=admin_of(ent1), ent1_staff=UnitMembershipFactory(unit=ent1).user, ent2_admin=admin_of(ent2),
        programme1=programme1, programme2=programme2,
    )
    offering1 = None
    offering2 = None
    for _ in range(students_per_school):
        s1 = graduate(programme1, skills="PLC编程、电工、机械识图", offering=offering1)
        offering1 = s1.offering
        scenario.students1.append(s1)
        s2 = graduate(programme2, skills="焊接、识图", offering=offering2)
        offering2 = s2.offering
        scenario.students2.append(s2)
    start = timezone.localdate() + timedelta(days=30)
    scenario.demand1 = TalentDemandFactory(
        unit=ent1, position="机电技术员", kind=DemandKind.EMPLOYMENT, headcount=2, place="宝清县", start_date=start,
        education_level="any",
    )
    scenario.demand1.programmes.set([programme1])
    DemandSkillFactory(demand=scenario.demand1, name="PLC编程", importance=5)
    DemandSkillFactory(demand=scenario.demand1, name="电工", importance=3)
    scenario.demand2 = TalentDemandFactory(
        unit=ent2, position="焊工", kind=DemandKind.EMPLOYMENT, headcount=2, place="宝清县", start_date=start,
        education_level="any",
    )
    scenario.demand2.programmes.set([programme2])
    DemandSkillFactory(demand=scenario.demand2, name="焊接", importance=5)
    return scenario
