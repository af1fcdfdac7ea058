"""Reads of order classes and modern industry colleges; every selector takes the acting user and starts from
``visible_to`` (DESIGN.md §3)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from schools.selectors import can_see_personal, mask_name

from ..choices.order_classes import (
    STAGE_PATH,
    EnrolmentStatus,
    OrderClassStage,
    average,
    final_score,
    next_actions,
    quota_headroom,
    rate,
    retention_rates,
)
from ..models.order_classes import (
    Assessment,
    AssessmentScore,
    ModernIndustryCollege,
    OrderClass,
    OrderClassEnrolment,
    RetentionCheck,
)
from ..services.order_classes import parties_of


def order_classes_for(
    user: Any, *, stage: str = "", kind: str = "", school: int | None = None, enterprise: int | None = None, q: str = ""
) -> QuerySet[OrderClass]:
    """Visible classes with ``enrolled_count`` (one query, whatever the number of rows)."""
    qs = (
        OrderClass.objects.visible_to(user)
        .select_related("unit", "partner_unit", "programme", "college")
        .annotate(enrolled_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)))
    )
    if stage:
        qs = qs.filter(stage=stage)
    if kind:
        qs = qs.filter(kind=kind)
    if school:
        qs = qs.filter(unit_id=school)
    if enterprise:
        qs = qs.filter(partner_unit_id=enterprise)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by("-cohort", "name", "id")


def enrolments_for(user: Any, order_class: OrderClass) -> list[dict[str, Any]]:
    """Enrolments of a visible class, each with ``student_label`` masked unless the user may see personal data."""
    full = can_see_personal(user, order_class.unit_id, order_class.consortium_id)
    rows = []
    qs = (
        OrderClassEnrolment.objects.visible_to(user)
        .filter(order_class=order_class)
        .select_related("student__offering__programme", "employment")
    )
    for enrolment in qs:
        student = enrolment.student
        rows.append(
            {
                "enrolment": enrolment,
                "student_label": str(student) if full else mask_name(student.name),
                "student_no": student.student_no if full else "",
                "cohort": student.cohort,
                "programme": student.offering.programme.name,
                "status": enrolment.get_status_display(),
                "employment": getattr(enrolment, "employment", None),
            }
        )
    return rows


def student_label(user: Any, enrolment: OrderClassEnrolment) -> str:
    if can_see_personal(user, enrolment.unit_id, enrolment.consortium_id):
        return str(enrolment.student)
    return mask_name(enrolment.student.name)


def eligible_students(user: Any, order_class: OrderClass):
    """Students of the class's school, programme and cohort, still studying, not yet in the class (for the picker;
    only users who may edit the class get any)."""
    from schools.choices import StudentStatus
    from schools.models import Student

    if not OrderClass.objects.editable_by(user).filter(pk=order_class.pk).exists():
        return Student.objects.none()
    return (
        Student.objects.visible_to(user)
        .filter(
            unit_id=order_class.unit_id,
            offering__programme_id=order_class.programme_id,
            cohort=order_class.cohort,
            status=StudentStatus.STUDYING,
        )
        .exclude(pk__in=order_class.enrolments.values("student_id"))
        .select_related("offering__programme")
        .order_by("student_no")
    )


def class_dashboard(user: Any, order_class: OrderClass) -> dict[str, Any]:
    """Enrolled / quota, stage, assessment averages, employment and retention rates of one visible class."""
    enrolments = OrderClassEnrolment.objects.visible_to(user).filter(order_class=order_class)
    counts = enrolments.aggregate(
        enrolled=Count("id", filter=Q(status=EnrolmentStatus.ENROLLED)),
        graduated=Count("id", filter=Q(status=EnrolmentStatus.GRADUATED)),
        withdrawn=Count("id", filter=Q(status=EnrolmentStatus.WITHDRAWN)),
        employed=Count("employment"),
    )
    assessments = []
    scores = AssessmentScore.objects.visible_to(user).filter(assessment__order_class=order_class)
    by_assessment: dict[int, list] = {}
    for s in scores.select_related("assessment"):
        by_assessment.setdefault(s.assessment_id, []).append(s)
    for a in Assessment.objects.visible_to(user).filter(order_class=order_class):
        rows = by_assessment.get(a.pk, [])
        assessments.append(
            {
                "assessment": a,
                "school_avg": average([r.school_score for r in rows]),
                "enterprise_avg": average([r.enterprise_score for r in rows]),
                "final_avg": average([final_score(r.school_score, r.enterprise_score, a.school_weight) for r in rows]),
                "graded": len(rows),
            }
        )
    checks = list(
        RetentionCheck.objects.visible_to(user).filter(order_class=order_class).values_list("months", "still_employed")
    )
    retention = retention_rates(checks)
    in_class = counts["enrolled"] + counts["graduated"]
    return {
        "quota": order_class.quota,
        "headroom": quota_headroom(order_class.quota, counts["enrolled"]),
        **counts,
        "employment_rate": rate(counts["employed"], counts["graduated"]),
        "retention_6": retention[6],
        "retention_12": retention[12],
        "assessments": assessments,
        "in_class": in_class,
    }


def timeline(order_class: OrderClass, changes: list) -> list[dict[str, Any]]:
    """The main path with, for each stage, whether it is done / current / ahead and when it was reached."""
    reached = {c.to_stage: c for c in changes}
    position = STAGE_PATH.index(order_class.stage) if order_class.stage in STAGE_PATH else -1
    rows = []
    for index, stage in enumerate(STAGE_PATH):
        state = "done" if index < position else ("current" if index == position else "ahead")
        rows.append(
            {"stage": stage, "label": OrderClassStage(stage).label, "state": state, "change": reached.get(stage)}
        )
    return rows


def allowed_actions(user: Any, order_class: OrderClass):
    """Transitions the user's parties may attempt from the current stage (for the next-step buttons)."""
    return next_actions(order_class.stage, parties_of(user, order_class))


def colleges_for(user: Any, *, q: str = "") -> QuerySet[ModernIndustryCollege]:
    qs = (
        ModernIndustryCollege.objects.visible_to(user)
        .select_related("unit")
        .annotate(member_count=Count("members", distinct=True), programme_count=Count("programmes", distinct=True))
    )
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by("name", "id")
