"""factory_boy factories of the schools app, and its builders for the isolation registry.

Tenancy rule (as in ``tenancy.py``): related objects live in ONE consortium; children take the consortium and the
owning unit from their parent (``TeacherFactory(unit=u)``, ``StudentFactory(offering=o)``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import factory
from factory.django import DjangoModelFactory

from consortium.tenancy.choices import UnitKind
from consortium.tenancy.models import Consortium, MemberUnit
from schools.choices import (
    CatalogueLevel,
    CertificateKind,
    DualLevel,
    Employment,
    EngagementStatus,
    OfferingStatus,
    PriorityClass,
    ProfessorKind,
    SchoolLevel,
    StudentStatus,
    StudioKind,
    TrainingBaseKind,
)
from schools.models import (
    Campus,
    DualQualification,
    EngagementRequest,
    EnterprisePractice,
    IndustryProfessor,
    PoolExpert,
    Programme,
    ProgrammeGroup,
    ProgrammeIndustryLink,
    ProgrammeMajorCategory,
    ProgrammeOffering,
    SchoolProfile,
    Student,
    StudentCertificate,
    Studio,
    Teacher,
    TrainingBase,
)
from schools.rules import id_check_char

from . import register
from .tenancy import LocalChainFactory, MemberUnitFactory, TenantFactory

_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def id_number(n: int, *, region: str = "230523", born: date | None = None) -> str:
    """A valid 18-character resident ID number, unique per ``n`` (birth date and sequence vary with ``n``)."""
    born = born or date(1970, 1, 1) + timedelta(days=n // 1000)
    first17 = f"{region}{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def equipment_category() -> ProgrammeMajorCategory:
    """The real '装备制造' major category (codes 66 / 46 / 26), created once."""
    category, _created = ProgrammeMajorCategory.objects.get_or_create(
        name="装备制造",
        defaults={
            "name_en": "equipment manufacturing",
            "code_secondary": "66",
            "code_associate": "46",
            "code_bachelor": "26",
            "position": 6,
        },
    )
    return category


class ProgrammeMajorCategoryFactory(DjangoModelFactory):
    """A synthetic global category with letter codes (never clashes with the real, numeric ones)."""

    class Meta:
        model = ProgrammeMajorCategory

    name = factory.Sequence(lambda n: f"测试专业大类{n}")
    name_en = factory.Sequence(lambda n: f"Test major category {n}")
    code_secondary = factory.Sequence(lambda n: chr(65 + (n // 36) % 26) + _BASE36[n % 36])
    code_associate = factory.SelfAttribute("code_secondary")
    code_bachelor = factory.SelfAttribute("code_secondary")
    position = factory.Sequence(lambda n: 100 + n)


class SchoolUnitFactory(MemberUnitFactory):
    """An active member unit of kind school."""

    kind = UnitKind.SCHOOL
    name = factory.Sequence(lambda n: f"测试职业学校{n}")


class SchoolProfileFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = SchoolProfile
        django_get_or_create = ("unit",)

    unit = factory.SubFactory(SchoolUnitFactory)
    consortium = factory.SelfAttribute("unit.consortium")
    level = SchoolLevel.SECONDARY_VOCATIONAL
    staffing_quota = 100
    enrolment = 1500
    founded_year = 1985


class CampusFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = Campus

    school = factory.SubFactory(SchoolProfileFactory)
    unit = factory.SelfAttribute("school.unit")
    consortium = factory.SelfAttribute("unit.consortium")
    name = factory.Sequence(lambda n: f"校区{n}")
    address = "宝清县城区"


class ProgrammeFactory(TenantFactory):
    """An associate-level programme in '装备制造' (code 46xxxx)."""

    _tenant_parents = ("unit",)

    class Meta:
        model = Programme

    unit = factory.SubFactory(SchoolUnitFactory)
    consortium = factory.SelfAttribute("unit.consortium")
    level = CatalogueLevel.ASSOCIATE
    code = factory.Sequence(lambda n: f"46{n % 10000:04d}")
    name = factory.Sequence(lambda n: f"测试专业{n}")
    major_category = factory.LazyFunction(equipment_category)
    is_active = True


class ProgrammeGroupFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = ProgrammeGroup
        skip_postgeneration_save = True

    lead_programme = factory.SubFactory(ProgrammeFactory)
    unit = factory.SelfAttribute("lead_programme.unit")
    consortium = factory.SelfAttribute("unit.consortium")
    name = factory.Sequence(lambda n: f"测试专业群{n}")

    @factory.post_generation
    def programmes(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.programmes.set(list(extracted or []) + ([self.lead_programme] if self.lead_programme else []))


class ProgrammeOfferingFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = ProgrammeOffering

    programme = factory.SubFactory(ProgrammeFactory)
    unit = factory.SelfAttribute("programme.unit")
    consortium = factory.SelfAttribute("unit.consortium")
    year = 2024
    planned_intake = 50
    status = OfferingStatus.STABLE
    priority_class = PriorityClass.DEVELOP_FIRST


class ProgrammeIndustryLinkFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = ProgrammeIndustryLink

    programme = factory.SubFactory(ProgrammeFactory)
    unit = factory.SelfAttribute("programme.unit")
    consortium = factory.SelfAttribute("unit.consortium")
    local_chain = factory.SubFactory(LocalChainFactory, consortium=factory.SelfAttribute("..consortium"))
    industry = None
    weight = 60


class TeacherFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = Teacher

    unit = factory.SubFactory(SchoolUnitFactory)
    consortium = factory.SelfAttribute("unit.consortium")
    name = factory.Sequence(lambda n: f"教师{n}")
    gender = "male"
    employment = Employment.FULL_TIME
    title = "讲师"
    id_number = factory.Sequence(lambda n: id_number(n + 1))
    phone = factory.Sequence(lambda n: f"139{n % 100000000:08d}")
    is_active = True

    class Params:
        part_time = factory.Trait(employment=Employment.PART_TIME, title="工程师")


class DualQualificationFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = DualQualification

    teacher = factory.SubFactory(TeacherFactory)
    unit = factory.SelfAttribute("teacher.unit")
    consortium = factory.SelfAttribute("unit.consortium")
    level = DualLevel.INTERMEDIATE
    evidence = "企业实践证明"
    certified_on = date(2023, 9, 1)
    expires_on = date(2028, 8, 31)


class IndustryProfessorFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = IndustryProfessor

    unit = factory.SubFactory(SchoolUnitFactory)
    consortium = factory.SelfAttribute("unit.consortium")
    person_name = factory.Sequence(lambda n: f"产业教授{n}")
    from_unit = factory.SubFactory(MemberUnitFactory, consortium=factory.SelfAttribute("..consortium"))
    kind = ProfessorKind.INDUSTRY_PROFESSOR
    term_start = date(2024, 1, 1)
    term_end = date(2026, 12, 31)
    workload_hours_per_year = 64


class StudioFactory(TenantFactory):
    """A studio whose kind fits its host: master's studio in a school, famous-teacher studio elsewhere."""

    _tenant_parents = ("unit",)

    class Meta:
        model = Studio

    unit = factory.SubFactory(SchoolUnitFactory)
    consortium = factory.SelfAttribute("unit.consortium")
    kind = factory.LazyAttribute(
        lambda o: StudioKind.MASTER_STUDIO if o.unit.kind == UnitKind.SCHOOL else StudioKind.FAMOUS_TEACHER_STUDIO
    )
    name = factory.Sequence(lambda n: f"测试工作室{n}")
    lead_name = factory.Sequence(lambda n: f"领衔人{n}")


class PoolExpertFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = PoolExpert

    unit = factory.SubFactory(MemberUnitFactory)
    consortium = factory.SelfAttribute("unit.consortium")
    name = factory.Sequence(lambda n: f"企业专家{n}")
    expertise = "数控加工与设备维修"
    programme_keywords = "数控,机电"
    available_hours_per_term = 64
    is_listed = True


class EngagementRequestFactory(TenantFactory):
    _tenant_parents = ("unit", "school_unit")

    class Meta:
        model = EngagementRequest

    expert = factory.SubFactory(PoolExpertFactory)
    unit = factory.SelfAttribute("expert.unit")
    consortium = factory.SelfAttribute("unit.consortium")
    school_unit = factory.SubFactory(SchoolUnitFactory, consortium=factory.SelfAttribute("..consortium"))
    period_start = date(2025, 3, 1)
    period_end = date(2025, 7, 1)
    hours = 48
    status = EngagementStatus.REQUESTED


class EnterprisePracticeFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = EnterprisePractice

    teacher = factory.SubFactory(TeacherFactory)
    unit = factory.SelfAttribute("teacher.unit")
    consortium = factory.SelfAttribute("unit.consortium")
    host_name = "宝清县某煤电企业"
    start_date = date(2024, 7, 1)
    end_date = date(2024, 7, 31)
    hours = 160
    content = "设备运维实践"


class TrainingBaseFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = TrainingBase

    unit = factory.SubFactory(MemberUnitFactory)
    consortium = factory.SelfAttribute("unit.consortium")
    name = factory.Sequence(lambda n: f"教师实践基地{n}")
    kind = TrainingBaseKind.ENTERPRISE_PRACTICE
    capacity = 30


class StudentFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = Student

    offering = factory.SubFactory(ProgrammeOfferingFactory)
    unit = factory.SelfAttribute("offering.unit")
    consortium = factory.SelfAttribute("unit.consortium")
    student_no = factory.Sequence(lambda n: f"S{n:07d}")
    name = factory.Sequence(lambda n: f"学生{n}")
    gender = "female"
    id_number = factory.Sequence(lambda n: id_number(500000 + n, born=date(2006, 1, 1) + timedelta(days=n // 1000)))
    phone = factory.Sequence(lambda n: f"138{n % 100000000:08d}")
    cohort = factory.SelfAttribute("offering.year")
    expected_graduation = factory.LazyAttribute(lambda o: date(o.cohort + 3, 6, 1))
    status = StudentStatus.STUDYING
    skills = "数控车床操作"
    willing_to_work_locally = True


class StudentCertificateFactory(TenantFactory):
    _tenant_parents = ("unit",)

    class Meta:
        model = StudentCertificate

    student = factory.SubFactory(StudentFactory)
    unit = factory.SelfAttribute("student.unit")
    consortium = factory.SelfAttribute("unit.consortium")
    kind = CertificateKind.SKILL_LEVEL
    name = "数控车工（四级）"
    level = "四级"
    issuer = "黑龙江省职业技能鉴定中心"


# --- builders for the isolation suite (contract in tests/factories/__init__.py) --------------------------------
# The given unit may be of any kind; school-owned rows simply use it as the school.


@register(ProgrammeMajorCategory)
def build_major_category(consortium: Consortium, unit: MemberUnit) -> ProgrammeMajorCategory:
    return ProgrammeMajorCategoryFactory()  # global reference data: no tenant, readable by every signed-in user


@register(SchoolProfile)
def build_school_profile(consortium: Consortium, unit: MemberUnit) -> SchoolProfile:
    return SchoolProfileFactory(unit=unit)


@register(Campus)
def build_campus(consortium: Consortium, unit: MemberUnit) -> Campus:
    return CampusFactory(school=SchoolProfileFactory(unit=unit))


@register(Programme)
def build_programme(consortium: Consortium, unit: MemberUnit) -> Programme:
    return ProgrammeFactory(unit=unit)


@register(ProgrammeGroup)
def build_programme_group(consortium: Consortium, unit: MemberUnit) -> ProgrammeGroup:
    return ProgrammeGroupFactory(lead_programme=ProgrammeFactory(unit=unit))


@register(ProgrammeOffering)
def build_offering(consortium: Consortium, unit: MemberUnit) -> ProgrammeOffering:
    return ProgrammeOfferingFactory(programme=ProgrammeFactory(unit=unit))


@register(ProgrammeIndustryLink)
def build_programme_link(consortium: Consortium, unit: MemberUnit) -> ProgrammeIndustryLink:
    return ProgrammeIndustryLinkFactory(programme=ProgrammeFactory(unit=unit))


@register(Teacher)
def build_teacher(consortium: Consortium, unit: MemberUnit) -> Teacher:
    return TeacherFactory(unit=unit)


@register(DualQualification)
def build_dual_qualification(consortium: Consortium, unit: MemberUnit) -> DualQualification:
    return DualQualificationFactory(teacher=TeacherFactory(unit=unit))


@register(IndustryProfessor)
def build_professor(consortium: Consortium, unit: MemberUnit) -> IndustryProfessor:
    return IndustryProfessorFactory(unit=unit)


@register(Studio)
def build_studio(consortium: Consortium, unit: MemberUnit) -> Studio:
    return StudioFactory(unit=unit)


@register(PoolExpert)
def build_pool_expert(consortium: Consortium, unit: MemberUnit) -> PoolExpert:
    # Unlisted: only the owning unit (and secretariat/officials) read it, so the isolation suite sees the boundary.
    return PoolExpertFactory(unit=unit, is_listed=False)


@register(EngagementRequest)
def build_engagement(consortium: Consortium, unit: MemberUnit) -> EngagementRequest:
    # ``unit`` is the expert's unit (the approver); the requesting school is a separate unit of the consortium.
    return EngagementRequestFactory(expert=PoolExpertFactory(unit=unit))


@register(EnterprisePractice)
def build_practice(consortium: Consortium, unit: MemberUnit) -> EnterprisePractice:
    return EnterprisePracticeFactory(teacher=TeacherFactory(unit=unit))


@register(TrainingBase)
def build_training_base(consortium: Consortium, unit: MemberUnit) -> TrainingBase:
    return TrainingBaseFactory(unit=unit)


@register(Student)
def build_student(consortium: Consortium, unit: MemberUnit) -> Student:
    return StudentFactory(offering=ProgrammeOfferingFactory(programme=ProgrammeFactory(unit=unit)))


@register(StudentCertificate)
def build_student_certificate(consortium: Consortium, unit: MemberUnit) -> StudentCertificate:
    return StudentCertificateFactory(
        student=StudentFactory(offering=ProgrammeOfferingFactory(programme=ProgrammeFactory(unit=unit)))
    )

