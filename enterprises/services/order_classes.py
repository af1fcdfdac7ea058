"""Writes of order classes and modern industry colleges: keyword-only, ``actor`` first, atomic.

Raise ``ValidationError({field: [msg]})`` / ``PermissionDenied`` (turned into 400/403 by the API and the pages).

Parties (``parties_of``): the school's unit admins act as "school", the partner enterprise's unit admins as
"enterprise", the secretariat (and platform admins) as "secretariat". Unit staff and officials are no party.
Writes on the class record itself need ``OrderClass.objects.editable_by`` (school admins, secretariat); the
partner's steps (agreement confirmation, its transitions, enterprise scores, employment, retention, the joint plan /
team / resources) are checked here per party.

Sharing: the class is shared with the partner unit's active users through guardian's direct-FK table when it is
proposed (the partner must read what it is asked to sign) and again when the agreement takes effect (users who
joined meanwhile); ``order_class_share`` re-shares on demand. Never a global permission.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium.tenancy.choices import UnitKind, UnitRole
from consortium.tenancy.models import MemberUnit, User
from consortium.tenancy.scoping import is_platform_admin, same_tenant_errors, unit_roles
from consortium.tenancy.sharing import share_with_unit
from consortium.tenancy.text import join_list

from ..choices.order_classes import (
    TRANSITIONS,
    EnrolmentStatus,
    OrderClassStage,
    Party,
    ProposedBy,
    cost_sharing_problem,
    quota_allows,
    quota_message,
    transition_problem,
)
from ..models.order_classes import (
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

ORDER_CLASS_FIELDS = (
    "kind",
    "name",
    "programme",
    "cohort",
    "quota",
    "cost_school_pct",
    "cost_enterprise_pct",
    "cost_government_pct",
    "cost_note",
    "employment_commitment",
    "committed_positions",
    "starts_on",
    "ends_on",
    "college",
)
#: Fields that make up the agreement: changing them before it takes effect withdraws both confirmations.
AGREEMENT_FIELDS = (
    "programme",
    "cohort",
    "quota",
    "cost_school_pct",
    "cost_enterprise_pct",
    "cost_government_pct",
    "employment_commitment",
    "committed_positions",
)
ENROLMENT_STAGES = (OrderClassStage.AGREED, OrderClassStage.ENROLLING, OrderClassStage.TRAINING)
PLAN_FIELDS = ("course", "hours", "taught_by", "teacher_names", "term")
TEAM_FIELDS = ("side", "teacher", "person_name", "person_unit", "role")
RESOURCE_FIELDS = ("title", "kind", "link", "description")
ASSESSMENT_FIELDS = ("title", "held_on", "school_weight")
COLLEGE_FIELDS = ("name", "description", "established_on")
GOVERNANCE_FIELDS = ("person_name", "person_unit", "role", "term_start", "term_end")
REPORT_FIELDS = ("students_trained", "courses_developed", "textbooks", "projects", "notes")
JOINT = frozenset({Party.SCHOOL, Party.ENTERPRISE, Party.SECRETARIAT})


# --- helpers --------------------------------------------------------------------------------------------------


def _pick(fields: dict[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(unknown)}")
    return dict(fields)


def _save(obj: Any) -> Any:
    obj.full_clean()
    obj.save()
    return obj


def _same_tenant(consortium_id: int, **related: Any) -> None:
    errors = same_tenant_errors({k: v for k, v in related.items() if v is not None}, consortium_id)
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})


def _active(actor: Any) -> bool:
    return bool(actor is not None and actor.is_authenticated and actor.is_active)


def parties_of(actor: Any, order_class: OrderClass) -> set[str]:
    """The parties ``actor`` acts for on ``order_class`` (empty: none)."""
    if not _active(actor):
        return set()
    if is_platform_admin(actor):
        return {Party.SECRETARIAT}
    if actor.consortium_id != order_class.consortium_id:
        return set()
    if actor.role == "secretariat":
        return {Party.SECRETARIAT}
    if actor.role != "member":
        return set()
    roles = unit_roles(actor)
    parties = set()
    if roles.get(order_class.unit_id) == UnitRole.UNIT_ADMIN:
        parties.add(Party.SCHOOL)
    if roles.get(order_class.partner_unit_id) == UnitRole.UNIT_ADMIN:
        parties.add(Party.ENTERPRISE)
    return parties


def _visible(actor: Any, order_class: OrderClass) -> None:
    """Out-of-scope classes look missing."""
    if not OrderClass.objects.visible_to(actor).filter(pk=order_class.pk).exists():
        raise PermissionDenied(_("记录不存在。"))


def _require_party(actor: Any, order_class: OrderClass, allowed: frozenset[str] | set[str]) -> set[str]:
    _visible(actor, order_class)
    parties = parties_of(actor, order_class) & set(allowed)
    if not parties:
        raise PermissionDenied(
            _("只有%(parties)s可以执行此操作。") % {"parties": join_list(str(Party(p).label) for p in sorted(allowed))}
        )
    return parties


def _require_editable(actor: Any, obj: Any) -> None:
    if not type(obj).objects.editable_by(actor).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("您无权修改该记录。"))


def _require_unit_writer(actor: Any, unit: MemberUnit | None) -> None:
    if unit is None or not MemberUnit.objects.editable_by(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("您无权为该单位登记或修改此类信息。"))


def _locked(order_class: OrderClass) -> OrderClass:
    return OrderClass.objects.select_for_update(of=("self",)).get(pk=order_class.pk)


def _record(order_class: OrderClass, *, actor: Any, from_stage: str, party: str, reason: str = "") -> None:
    OrderClassStageChange.objects.create(
        consortium_id=order_class.consortium_id,
        unit_id=order_class.unit_id,
        order_class=order_class,
        from_stage=from_stage,
        to_stage=order_class.stage,
        party=party,
        actor=actor if _active(actor) else None,
        reason=reason,
    )


def _share(order_class: OrderClass) -> int:
    return share_with_unit(order_class, unit_id=order_class.partner_unit_id)


# --- order classes --------------------------------------------------------------------------------------------


@transaction.atomic
def order_class_create(*, actor: User, unit: MemberUnit, partner_unit: MemberUnit, **fields: Any) -> OrderClass:
    """Propose a class. The school's admins (proposed by the school), the partner enterprise's admins (proposed by
    the enterprise) or the secretariat may propose; the proposal is shared with the partner at once."""
    fields = _pick(fields, ORDER_CLASS_FIELDS)
    errors: dict[str, list[str]] = {}
    if unit is None or unit.kind != UnitKind.SCHOOL:
        errors["unit"] = [_("请选择一所职业学校。")]
    if partner_unit is None or partner_unit.kind != UnitKind.ENTERPRISE:
        errors["partner_unit"] = [_("请选择一家企业。")]
    if errors:
        raise ValidationError(errors)
    if unit.consortium_id != partner_unit.consortium_id:
        raise ValidationError({"partner_unit": [_("所选对象属于其他产教联合体。")]})
    _same_tenant(unit.consortium_id, programme=fields.get("programme"), college=fields.get("college"))
    roles = unit_roles(actor) if _active(actor) and actor.role == "member" else {}
    if is_platform_admin(actor) or (
        _active(actor) and actor.role == "secretariat" and actor.consortium_id == unit.consortium_id
    ):
        proposed_by, party = ProposedBy.SCHOOL, Party.SECRETARIAT
    elif _active(actor) and actor.consortium_id == unit.consortium_id and roles.get(unit.pk) == UnitRole.UNIT_ADMIN:
        proposed_by, party = ProposedBy.SCHOOL, Party.SCHOOL
    elif (
        _active(actor)
        and actor.consortium_id == unit.consortium_id
        and roles.get(partner_unit.pk) == UnitRole.UNIT_ADMIN
    ):
        proposed_by, party = ProposedBy.ENTERPRISE, Party.ENTERPRISE
    else:
        raise PermissionDenied(_("只有学校或合作企业的单位管理员、秘书处可以提议订单班。"))
    obj = OrderClass(
        consortium_id=unit.consortium_id,
        unit=unit,
        partner_unit=partner_unit,
        proposed_by=proposed_by,
        stage=OrderClassStage.PROPOSED,
        created_by=actor,
        **fields,
    )
    _save(obj)
    _record(obj, actor=actor, from_stage="", party=party, reason=_("提议"))
    _share(obj)
    return obj


@transaction.atomic
def order_class_update(*, actor: User, order_class: OrderClass, **fields: Any) -> OrderClass:
    """Change the class record (school admins, secretariat). Agreement terms are frozen once it took effect;
    before that, changing them withdraws both confirmations."""
    fields = _pick(fields, ORDER_CLASS_FIELDS)
    _require_editable(actor, order_class)
    obj = _locked(order_class)
    _same_tenant(obj.consortium_id, programme=fields.get("programme"), college=fields.get("college"))
    changed = [name for name in AGREEMENT_FIELDS if name in fields and getattr(obj, name) != fields[name]]
    if changed and obj.stage != OrderClassStage.PROPOSED:
        frozen = [n for n in changed if n != "quota"]
        if frozen:
            raise ValidationError({frozen[0]: [_("三方协议已生效，协议条款不能再修改。")]})
    if "quota" in fields:
        enrolled = obj.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
        if fields["quota"] is not None and int(fields["quota"]) < enrolled:
            raise ValidationError({"quota": [_("名额不能少于已在班人数（%(n)d人）。") % {"n": enrolled}]})
    for name, value in fields.items():
        setattr(obj, name, value)
    if changed and obj.stage == OrderClassStage.PROPOSED:
        obj.school_confirmed_at = obj.school_confirmed_by = None
        obj.enterprise_confirmed_at = obj.enterprise_confirmed_by = None
    return _save(obj)


@transaction.atomic
def order_class_confirm(*, actor: User, order_class: OrderClass) -> OrderClass:
    """Record the school's or the enterprise's confirmation of the agreement; the second one makes it take effect."""
    parties = _require_party(actor, order_class, {Party.SCHOOL, Party.ENTERPRISE})
    obj = _locked(order_class)
    if obj.stage != OrderClassStage.PROPOSED:
        raise ValidationError({"stage": [_("只有提议阶段的订单班需要确认协议。")]})
    problem = cost_sharing_problem(obj.cost_school_pct, obj.cost_enterprise_pct, obj.cost_government_pct)
    if problem or not (obj.cost_school_pct + obj.cost_enterprise_pct + obj.cost_government_pct):
        raise ValidationError({"cost_school_pct": [problem or _("请先填写成本分担比例。")]})
    now = timezone.now()
    if Party.SCHOOL in parties:
        obj.school_confirmed_by, obj.school_confirmed_at = actor, now
    if Party.ENTERPRISE in parties:
        obj.enterprise_confirmed_by, obj.enterprise_confirmed_at = actor, now
    obj.save()
    if obj.agreement_confirmed:
        return order_class_transition(actor=actor, order_class=obj, action="agree")
    return obj


@transaction.atomic
def order_class_transition(*, actor: User, order_class: OrderClass, action: str, reason: str = "") -> OrderClass:
    """Move the class along its lifecycle. Wrong party: PermissionDenied with the reason; wrong stage or unmet
    guard: ValidationError on ``action``."""
    _visible(actor, order_class)
    obj = _locked(order_class)
    parties = parties_of(actor, obj)
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError({"action": [_("未知的操作：%(action)s。") % {"action": action}]})
    if not parties or not (parties & transition.parties):
        raise PermissionDenied(
            transition_problem(obj.stage, action, parties)
            if obj.stage in transition.sources
            else _("“%(action)s”只能由%(parties)s执行。")
            % {
                "action": transition.label,
                "parties": join_list(str(Party(p).label) for p in sorted(transition.parties)),
            }
        )
    enrolled = obj.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
    problem = transition_problem(
        obj.stage,
        action,
        parties,
        school_confirmed=bool(obj.school_confirmed_at),
        enterprise_confirmed=bool(obj.enterprise_confirmed_at),
        cost_problem=cost_sharing_problem(obj.cost_school_pct, obj.cost_enterprise_pct, obj.cost_government_pct),
        enrolled=enrolled,
    )
    if problem:
        raise ValidationError({"action": [problem]})
    from_stage = obj.stage
    obj.stage = transition.target
    obj.save(update_fields=["stage", "updated_at"])
    party = sorted(parties & transition.parties)[0]
    _record(obj, actor=actor, from_stage=from_stage, party=party, reason=reason)
    if action == "agree":
        _share(obj)
    if action == "graduate":
        obj.enrolments.filter(status=EnrolmentStatus.ENROLLED).update(status=EnrolmentStatus.GRADUATED)
    return obj


@transaction.atomic
def order_class_share(*, actor: User, order_class: OrderClass) -> int:
    """(Re-)share the class with every active user of the partner unit; returns the number of users covered."""
    _require_party(actor, order_class, JOINT)
    return _share(order_class)


@transaction.atomic
def order_class_delete(*, actor: User, order_class: OrderClass) -> None:
    _require_editable(actor, order_class)
    if order_class.stage != OrderClassStage.PROPOSED:
        raise ValidationError({"stage": [_("只能删除提议阶段的订单班；其他阶段请取消。")]})
    order_class.delete()


# --- enrolment ------------------------------------------------------------------------------------------------


def _check_enrolment_stage(obj: OrderClass) -> None:
    if obj.stage not in ENROLMENT_STAGES:
        raise ValidationError(
            {"order_class": [_("当前阶段为“%(stage)s”，不能招收学生。") % {"stage": obj.get_stage_display()}]}
        )


@transaction.atomic
def enrolments_create(
    *,
    actor: User,
    order_class: OrderClass,
    students: list[Any],
    consent_on: date | None,
    enrolled_on: date | None = None,
) -> list[OrderClassEnrolment]:
    """Enrol students of the school (all-or-nothing) up to the quota. Every student's consent date is required."""
    _require_editable(actor, order_class)
    if not consent_on:
        raise ValidationError({"consent_on": [_("必须记录学生本人同意的日期。")]})
    if not students:
        raise ValidationError({"students": [_("请选择学生。")]})
    obj = _locked(order_class)
    _check_enrolment_stage(obj)
    current = obj.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
    existing = set(obj.enrolments.values_list("student_id", flat=True))
    repeated = [s for s in students if s.pk in existing]
    if repeated:
        raise ValidationError({"students": [_("学生%(name)s已在本班。") % {"name": repeated[0]}]})
    if len({s.pk for s in students}) != len(students):
        raise ValidationError({"students": [_("同一学生只能选择一次。")]})
    if not quota_allows(obj.quota, current, len(students)):
        raise ValidationError({"students": [quota_message(obj.quota, current, len(students))]})
    created = []
    for student in students:
        enrolment = OrderClassEnrolment(
            consortium_id=obj.consortium_id,
            unit_id=obj.unit_id,
            order_class=obj,
            student=student,
            consent_on=consent_on,
            enrolled_on=enrolled_on or timezone.localdate(),
        )
        try:
            enrolment.full_clean()
        except ValidationError as exc:
            raise ValidationError({"students": [f"{student}: {m}" for m in exc.messages]})
        created.append(enrolment)
    OrderClassEnrolment.objects.bulk_create(created)
    return created


def enrolment_create(
    *, actor: User, order_class: OrderClass, student: Any, consent_on: date | None, enrolled_on: date | None = None
) -> OrderClassEnrolment:
    try:
        return enrolments_create(
            actor=actor, order_class=order_class, students=[student], consent_on=consent_on, enrolled_on=enrolled_on
        )[0]
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "students" in exc.error_dict:
            raise ValidationError({"student": exc.error_dict["students"]})
        raise


@transaction.atomic
def enrolment_withdraw(*, actor: User, enrolment: OrderClassEnrolment, note: str = "") -> OrderClassEnrolment:
    _require_editable(actor, enrolment)
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise ValidationError({"status": [_("只有在班学生可以退出。")]})
    enrolment.status = EnrolmentStatus.WITHDRAWN
    if note:
        enrolment.note = note
    enrolment.save(update_fields=["status", "note"])
    return enrolment


# --- joint plan, team, resources, assessments ---------------------------------------------------------------


def _child(
    model: type,
    *,
    actor: User,
    order_class: OrderClass,
    parties: frozenset[str] | set[str],
    allowed: Iterable[str],
    fields: dict[str, Any],
) -> Any:
    fields = _pick(fields, allowed)
    _require_party(actor, order_class, parties)
    _same_tenant(order_class.consortium_id, **{k: v for k, v in fields.items() if hasattr(v, "consortium_id")})
    obj = model(consortium_id=order_class.consortium_id, unit_id=order_class.unit_id, order_class=order_class, **fields)
    return _save(obj)


@transaction.atomic
def plan_item_create(*, actor: User, order_class: OrderClass, **fields: Any) -> TrainingPlanItem:
    """A course of the joint plan; school and enterprise both contribute (共商培养方案)."""
    return _child(
        TrainingPlanItem, actor=actor, order_class=order_class, parties=JOINT, allowed=PLAN_FIELDS, fields=fields
    )


@transaction.atomic
def team_member_create(*, actor: User, order_class: OrderClass, **fields: Any) -> TeamMember:
    return _child(TeamMember, actor=actor, order_class=order_class, parties=JOINT, allowed=TEAM_FIELDS, fields=fields)


@transaction.atomic
def resource_create(*, actor: User, order_class: OrderClass, **fields: Any) -> TeachingResource:
    return _child(
        TeachingResource, actor=actor, order_class=order_class, parties=JOINT, allowed=RESOURCE_FIELDS, fields=fields
    )


@transaction.atomic
def assessment_create(*, actor: User, order_class: OrderClass, **fields: Any) -> Assessment:
    return _child(
        Assessment, actor=actor, order_class=order_class, parties=JOINT, allowed=ASSESSMENT_FIELDS, fields=fields
    )


@transaction.atomic
def child_delete(*, actor: User, obj: Any) -> None:
    """Remove a plan item, team member, resource or assessment (either party, or the secretariat)."""
    order_class = obj.order_class
    _require_party(actor, order_class, JOINT)
    try:
        obj.delete()
    except ProtectedError:
        raise ValidationError({"__all__": [_("该记录仍被其他记录引用，不能删除。")]})


@transaction.atomic
def score_record(
    *,
    actor: User,
    assessment: Assessment,
    enrolment: OrderClassEnrolment,
    school_score: Any = None,
    enterprise_score: Any = None,
) -> AssessmentScore:
    """Joint grading: the school grades the school part, the enterprise the enterprise part (secretariat both).
    A part given by the wrong party is refused; omitted parts are kept."""
    parties = _require_party(actor, assessment.order_class, JOINT)
    if school_score is not None and not parties & {Party.SCHOOL, Party.SECRETARIAT}:
        raise PermissionDenied(_("学校评分只能由学校录入。"))
    if enterprise_score is not None and not parties & {Party.ENTERPRISE, Party.SECRETARIAT}:
        raise PermissionDenied(_("企业评分只能由企业录入。"))
    if enrolment.order_class_id != assessment.order_class_id:
        raise ValidationError({"enrolment": [_("学生不在该考核所属的订单班。")]})
    score = AssessmentScore.objects.filter(assessment=assessment, enrolment=enrolment).first() or AssessmentScore(
        consortium_id=assessment.consortium_id, unit_id=assessment.unit_id, assessment=assessment, enrolment=enrolment
    )
    if school_score is not None:
        score.school_score = school_score
    if enterprise_score is not None:
        score.enterprise_score = enterprise_score
    return _save(score)


# --- employment and retention ---------------------------------------------------------------------------------


@transaction.atomic
def employment_record(*, actor: User, enrolment: OrderClassEnrolment, employed_on: date, position: str) -> Employment:
    """A graduate of the class employed at the partner (recorded by the enterprise, the school or the secretariat)."""
    order_class = enrolment.order_class
    _require_party(actor, order_class, JOINT)
    if enrolment.status != EnrolmentStatus.GRADUATED:
        raise ValidationError({"enrolment": [_("只能为已毕业的学生登记就业。")]})
    employment = Employment.objects.filter(enrolment=enrolment).first() or Employment(
        consortium_id=order_class.consortium_id,
        unit_id=order_class.unit_id,
        order_class=order_class,
        enrolment=enrolment,
    )
    employment.employed_on, employment.position = employed_on, position
    return _save(employment)


@transaction.atomic
def retention_record(
    *, actor: User, enrolment: OrderClassEnrolment, months: int, still_employed: bool, checked_on: date
) -> RetentionCheck:
    order_class = enrolment.order_class
    _require_party(actor, order_class, JOINT)
    employment = Employment.objects.filter(enrolment=enrolment).first()
    if employment is None:
        raise ValidationError({"enrolment": [_("该学生尚未登记就业，不能跟踪留任。")]})
    if checked_on and employment.employed_on and checked_on < employment.employed_on:
        raise ValidationError({"checked_on": [_("核查日期不能早于入职日期。")]})
    check = RetentionCheck.objects.filter(enrolment=enrolment, months=months).first() or RetentionCheck(
        consortium_id=order_class.consortium_id,
        unit_id=order_class.unit_id,
        order_class=order_class,
        enrolment=enrolment,
        months=months,
    )
    check.still_employed, check.checked_on = bool(still_employed), checked_on
    return _save(check)


# --- modern industry colleges ---------------------------------------------------------------------------------


@transaction.atomic
def college_create(
    *, actor: User, unit: MemberUnit, programmes: Iterable[Any] = (), **fields: Any
) -> ModernIndustryCollege:
    fields = _pick(fields, COLLEGE_FIELDS)
    _require_unit_writer(actor, unit)
    programmes = list(programmes)
    _same_tenant(unit.consortium_id, programmes=programmes)
    college = _save(ModernIndustryCollege(consortium_id=unit.consortium_id, unit=unit, **fields))
    college.programmes.set(programmes)
    return college


@transaction.atomic
def college_update(
    *, actor: User, college: ModernIndustryCollege, programmes: Iterable[Any] | None = None, **fields: Any
) -> ModernIndustryCollege:
    fields = _pick(fields, COLLEGE_FIELDS)
    _require_editable(actor, college)
    for name, value in fields.items():
        setattr(college, name, value)
    _save(college)
    if programmes is not None:
        programmes = list(programmes)
        _same_tenant(college.consortium_id, programmes=programmes)
        college.programmes.set(programmes)
    return college


@transaction.atomic
def college_member_add(
    *, actor: User, college: ModernIndustryCollege, member_unit: MemberUnit, role: str, note: str = ""
) -> CollegeMember:
    _require_editable(actor, college)
    _same_tenant(college.consortium_id, member_unit=member_unit)
    return _save(
        CollegeMember(
            consortium_id=college.consortium_id,
            unit_id=college.unit_id,
            college=college,
            member_unit=member_unit,
            role=role,
            note=note,
        )
    )


@transaction.atomic
def college_governance_add(*, actor: User, college: ModernIndustryCollege, **fields: Any) -> CollegeGovernanceMember:
    fields = _pick(fields, GOVERNANCE_FIELDS)
    _require_editable(actor, college)
    _same_tenant(college.consortium_id, person_unit=fields.get("person_unit"))
    return _save(
        CollegeGovernanceMember(consortium_id=college.consortium_id, unit_id=college.unit_id, college=college, **fields)
    )


@transaction.atomic
def college_report_upsert(
    *, actor: User, college: ModernIndustryCollege, year: int, **fields: Any
) -> CollegeAnnualReport:
    fields = _pick(fields, REPORT_FIELDS)
    _require_editable(actor, college)
    report = CollegeAnnualReport.objects.filter(college=college, year=year).first() or CollegeAnnualReport(
        consortium_id=college.consortium_id, unit_id=college.unit_id, college=college, year=year
    )
    for name, value in fields.items():
        setattr(report, name, value)
    return _save(report)
