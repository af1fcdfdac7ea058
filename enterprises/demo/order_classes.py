"""Demo data for enterprises.order_classes (called by enterprises.demo.load).

Builds, between the consortium's demo schools and enterprises, five order classes at different stages (proposed,
agreed, enrolling, training, retention tracking) on programmes and cohorts that have studying students
(``schools/demo.py``), and one modern industry college with members, governance, programmes, an order class and an
annual report. Writes go through the services acting as the secretariat; steps that only the school or the
enterprise may take (confirming the agreement, starting the assessment, graduation) are recorded directly for the
demo, with the same history rows. Idempotent: classes and the college are matched by name.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count

from consortium.tenancy.choices import UnitKind, UnitStatus
from consortium.tenancy.models import MemberUnit
from schools.choices import StudentStatus
from schools.models import Programme, Student

from ..choices.order_classes import (
    STAGE_PATH,
    TRANSITIONS,
    CollegeRole,
    EnrolmentStatus,
    OrderClassKind,
    OrderClassStage,
    Party,
)
from ..models.order_classes import (
    ModernIndustryCollege,
    OrderClass,
    OrderClassEnrolment,
    OrderClassStageChange,
)
from ..services import order_classes as services

S = OrderClassStage
#: (kind, target stage, quota)
PLAN = (
    (OrderClassKind.ORDER, S.RETENTION_TRACKING, 8),
    (OrderClassKind.CUSTOMISED, S.TRAINING, 10),
    (OrderClassKind.COMMISSIONED, S.ENROLLING, 12),
    (OrderClassKind.ORDER, S.AGREED, 20),
    (OrderClassKind.CUSTOMISED, S.PROPOSED, 15),
)
CONFIRMED_AT = dt.datetime(2025, 6, 30, 10, 0, tzinfo=dt.UTC)
COLLEGE_NAME = "宝清县现代能源与装备产业学院"


def load(*, consortium, secretariat, stdout) -> dict[str, int] | None:
    """Idempotent: build this area's demo rows for ``consortium`` acting as ``secretariat``."""
    units = MemberUnit.objects.for_consortium(consortium.pk).filter(status=UnitStatus.ACTIVE).order_by("name", "pk")
    enterprises = list(units.filter(kind=UnitKind.ENTERPRISE))
    candidates = list(
        Student.objects.for_consortium(consortium.pk)
        .filter(status=StudentStatus.STUDYING, unit__kind=UnitKind.SCHOOL)
        .values("unit_id", "offering__programme_id", "cohort")
        .annotate(n=Count("id"))
        .order_by("-n", "unit_id", "offering__programme_id", "cohort")[:10]
    )
    if not enterprises or not candidates:
        return None
    classes = []
    for index, (kind, target, quota) in enumerate(PLAN):
        row = candidates[index % len(candidates)]
        school = units.get(pk=row["unit_id"])
        programme = Programme.objects.for_consortium(consortium.pk).get(pk=row["offering__programme_id"])
        enterprise = enterprises[index % len(enterprises)]
        name = f"{enterprise.name[:8]}{programme.name}{OrderClassKind(kind).label}（{row['cohort']}级）"
        existing = OrderClass.objects.for_consortium(consortium.pk).filter(name=name).first()
        if existing is not None:
            classes.append(existing)
            continue
        oc = services.order_class_create(
            actor=secretariat,
            unit=school,
            partner_unit=enterprise,
            kind=kind,
            name=name,
            programme=programme,
            cohort=row["cohort"],
            quota=quota,
            cost_school_pct=40,
            cost_enterprise_pct=50,
            cost_government_pct=10,
            cost_note="政府补助用于实训耗材与企业导师课酬",
            employment_commitment="考核合格者全部录用，签订不少于两年劳动合同",
            committed_positions=quota,
            starts_on=dt.date(row["cohort"] + 1, 9, 1),
        )
        _advance(secretariat, oc, target)
        classes.append(oc)
    college = _college(consortium, secretariat, units, classes)
    if stdout is not None:
        stdout.write(f"order classes: {len(classes)}, industry college: {college.name if college else '-'}")
    return {"order classes": len(classes), "industry colleges": 1 if college else 0}


def _step(actor: Any, oc: OrderClass, action: str) -> OrderClass:
    """Apply ``action``: through the service when the secretariat may, else recorded directly (demo only)."""
    transition = TRANSITIONS[action]
    if Party.SECRETARIAT in transition.parties:
        return services.order_class_transition(actor=actor, order_class=oc, action=action)
    party = sorted(transition.parties)[0]
    from_stage, oc.stage = oc.stage, transition.target
    oc.save(update_fields=["stage", "updated_at"])
    OrderClassStageChange.objects.create(
        consortium_id=oc.consortium_id,
        unit_id=oc.unit_id,
        order_class=oc,
        from_stage=from_stage,
        to_stage=oc.stage,
        party=party,
        reason="演示数据",
    )
    if action == "graduate":
        oc.enrolments.filter(status=EnrolmentStatus.ENROLLED).update(status=EnrolmentStatus.GRADUATED)
    return oc


def _advance(actor: Any, oc: OrderClass, target: str) -> None:
    if target == S.PROPOSED:
        return
    oc.school_confirmed_at = oc.enterprise_confirmed_at = CONFIRMED_AT
    oc.save(update_fields=["school_confirmed_at", "enterprise_confirmed_at"])
    order = list(STAGE_PATH)
    actions = {t.sources[0]: name for name, t in TRANSITIONS.items() if name != "cancel"}
    while order.index(oc.stage) < order.index(target):
        if oc.stage == S.ENROLLING:
            _enrol(actor, oc)
        if oc.stage == S.ASSESSING:
            _assess(actor, oc)
        oc = _step(actor, oc, actions[oc.stage])
    if oc.stage == S.ENROLLING:
        _enrol(actor, oc, share=0.5)
    if order.index(oc.stage) >= order.index(S.EMPLOYED):
        _employ(actor, oc)


def _enrol(actor: Any, oc: OrderClass, share: float = 1.0) -> None:
    eligible = list(
        Student.objects.for_consortium(oc.consortium_id)
        .filter(
            unit_id=oc.unit_id, offering__programme_id=oc.programme_id, cohort=oc.cohort, status=StudentStatus.STUDYING
        )
        .exclude(pk__in=OrderClassEnrolment.objects.for_consortium(oc.consortium_id).values("student_id"))
        .order_by("student_no")[: max(int(oc.quota * share), 1)]
    )
    if eligible:
        services.enrolments_create(
            actor=actor,
            order_class=oc,
            students=eligible,
            consent_on=dt.date(oc.cohort + 1, 7, 15),
            enrolled_on=dt.date(oc.cohort + 1, 9, 1),
        )


def _assess(actor: Any, oc: OrderClass) -> None:
    assessment = services.assessment_create(
        actor=actor, order_class=oc, title="岗位技能联合考核", held_on=dt.date(oc.cohort + 2, 6, 20), school_weight=50
    )
    for i, enrolment in enumerate(oc.enrolments.order_by("pk")):
        services.score_record(
            actor=actor,
            assessment=assessment,
            enrolment=enrolment,
            school_score=Decimal(75 + (i * 7) % 20),
            enterprise_score=Decimal(70 + (i * 11) % 25),
        )
    services.plan_item_create(
        actor=actor,
        order_class=oc,
        course="企业岗位认知与安全生产",
        hours=32,
        taught_by="enterprise",
        teacher_names="企业导师",
    )
    services.plan_item_create(actor=actor, order_class=oc, course="专业核心技能实训", hours=96, taught_by="both")
    services.resource_create(actor=actor, order_class=oc, title="企业标准作业指导书", kind="textbook")
    services.team_member_create(
        actor=actor, order_class=oc, side="enterprise", person_name="王工", person_unit=oc.partner_unit, role="企业导师"
    )


def _employ(actor: Any, oc: OrderClass) -> None:
    for i, enrolment in enumerate(oc.enrolments.filter(status=EnrolmentStatus.GRADUATED).order_by("pk")):
        employed_on = dt.date(oc.cohort + 3, 7, 1)
        services.employment_record(actor=actor, enrolment=enrolment, employed_on=employed_on, position="技术员")
        if oc.stage == S.RETENTION_TRACKING:
            services.retention_record(
                actor=actor,
                enrolment=enrolment,
                months=6,
                still_employed=i % 5 != 4,
                checked_on=dt.date(oc.cohort + 4, 1, 5),
            )


def _college(consortium: Any, secretariat: Any, units: Any, classes: list[OrderClass]) -> ModernIndustryCollege | None:
    existing = ModernIndustryCollege.objects.for_consortium(consortium.pk).filter(name=COLLEGE_NAME).first()
    if existing is not None:
        return existing
    lead = classes[0].unit
    college = services.college_create(
        actor=secretariat,
        unit=lead,
        name=COLLEGE_NAME,
        established_on=dt.date(2024, 3, 18),
        description="政府、行业协会、龙头企业、职业学校和科研院所共建，服务本地煤电化与装备制造产业链。",
        programmes=sorted({oc.programme for oc in classes}, key=lambda p: p.pk),
    )
    roles = {
        UnitKind.GOVERNMENT: CollegeRole.GOVERNMENT,
        UnitKind.ASSOCIATION: CollegeRole.INDUSTRY,
        UnitKind.ENTERPRISE: CollegeRole.ENTERPRISE,
        UnitKind.SCHOOL: CollegeRole.SCHOOL,
        UnitKind.RESEARCH: CollegeRole.RESEARCH,
    }
    members = {lead.pk: lead, classes[0].partner_unit.pk: classes[0].partner_unit}
    for kind in (UnitKind.GOVERNMENT, UnitKind.ASSOCIATION, UnitKind.RESEARCH):
        unit = units.filter(kind=kind).first()
        if unit is not None:
            members[unit.pk] = unit
    for unit in members.values():
        services.college_member_add(actor=secretariat, college=college, member_unit=unit, role=roles[unit.kind])
    services.college_governance_add(
        actor=secretariat,
        college=college,
        person_name="李院长",
        person_unit=lead,
        role="院长",
        term_start=dt.date(2024, 3, 18),
        term_end=dt.date(2027, 3, 17),
    )
    services.college_governance_add(
        actor=secretariat,
        college=college,
        person_name="赵总",
        person_unit=classes[0].partner_unit,
        role="理事长",
        term_start=dt.date(2024, 3, 18),
        term_end=dt.date(2027, 3, 17),
    )
    services.college_report_upsert(
        actor=secretariat,
        college=college,
        year=2025,
        students_trained=186,
        courses_developed=6,
        textbooks=2,
        projects=3,
        notes="新增订单班2个，企业导师授课420学时。",
    )
    for oc in classes[:2]:
        services.order_class_update(actor=secretariat, order_class=oc, college=college)
    return college
