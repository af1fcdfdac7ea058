"""Reads of the matching app. Every selector takes the acting user and starts from the scoped queryset
(``visible_to``), with the ``select_related`` / ``prefetch_related`` a list page needs, so a page runs a constant
number of queries whatever the number of rows.

Candidate cards: an enterprise sees a recommended student's non-identifying fields (programme, level, graduation
month, skills, certificates, local willingness, preferred places, school) until the school shares the student record
with it (``schools.services.student_share``); then, and for the student's own school and the secretariat, also the
name, gender, phone and student number (``schools.selectors.student_view_mode``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet

from consortium.tenancy.models import User

from .choices import RunStatus
from .models import Candidacy, CandidacyStatusChange, MatchRun, MatchSettings, NeedMatch, Recommendation

__all__ = [
    "candidacies_for",
    "candidacy_history",
    "candidate_card",
    "candidate_cards",
    "latest_run_for",
    "match_settings_for",
    "need_matches_for",
    "recommendations_for_demand",
    "recommendations_for_run",
    "recommendations_for_student",
    "runs_for",
]

_STUDENT_RELATED = ("student__unit", "student__offering__programme", "student__offering__programme__major_category")


def _certificates_prefetch(prefix: str = "student__") -> Prefetch:
    from schools.models import StudentCertificate

    return Prefetch(f"{prefix}certificates", queryset=StudentCertificate.objects.order_by("-issued_on", "pk"))


def match_settings_for(user: User) -> MatchSettings | None:
    """The settings of the user's consortium (None before the secretariat first saves or runs)."""
    return MatchSettings.objects.visible_to(user).filter(consortium_id=user.consortium_id).first()


def runs_for(user: User, *, status: str | None = None) -> QuerySet[MatchRun]:
    """Runs the user may see (secretariat/officials: all of the consortium; units: published ones), newest first."""
    qs = MatchRun.objects.visible_to(user).select_related("created_by", "published_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def latest_run_for(user: User, *, published_only: bool = False) -> MatchRun | None:
    """The newest run the user may see with results (succeeded or published)."""
    statuses = [RunStatus.PUBLISHED] if published_only else [RunStatus.SUCCEEDED, RunStatus.PUBLISHED]
    return runs_for(user).filter(status__in=statuses).first()


def _run_filter(qs: QuerySet, user: User, run: MatchRun | None) -> QuerySet:
    if run is not None:
        return qs.filter(run_id=run.pk)
    latest = latest_run_for(user)
    return qs.filter(run_id=latest.pk) if latest is not None else qs.none()


def recommendations_for_demand(user: User, demand: Any, *, run: MatchRun | None = None) -> QuerySet[Recommendation]:
    """Recommended students for ``demand`` in ``run`` (default: the newest run the user may see), best first."""
    qs = Recommendation.objects.visible_to(user).filter(demand_id=demand.pk)
    return (
        _run_filter(qs, user, run)
        .select_related("run", "school_unit", *_STUDENT_RELATED)
        .prefetch_related(_certificates_prefetch())
        .order_by("rank_for_demand", "-score", "pk")
    )


def recommendations_for_student(user: User, student: Any, *, run: MatchRun | None = None) -> QuerySet[Recommendation]:
    """Recommended demands for ``student`` in ``run`` (default: the newest run the user may see), best first."""
    qs = Recommendation.objects.visible_to(user).filter(student_id=student.pk)
    return (
        _run_filter(qs, user, run)
        .select_related("run", "demand", "enterprise_unit")
        .order_by("rank_for_student", "-score", "pk")
    )


def recommendations_for_run(
    user: User, run: MatchRun, *, in_plan: bool | None = None, school_unit: Any = None, enterprise_unit: Any = None
) -> QuerySet[Recommendation]:
    """All visible recommendations of a run (a unit sees its own side only), by demand then rank."""
    qs = Recommendation.objects.visible_to(user).filter(run_id=run.pk)
    if in_plan is not None:
        qs = qs.filter(in_plan=in_plan)
    if school_unit is not None:
        qs = qs.filter(school_unit_id=school_unit.pk)
    if enterprise_unit is not None:
        qs = qs.filter(enterprise_unit_id=enterprise_unit.pk)
    return qs.select_related("demand", "school_unit", "enterprise_unit", *_STUDENT_RELATED).order_by(
        "demand_id", "rank_for_demand", "pk"
    )


def candidacies_for(
    user: User, *, demand: Any = None, student: Any = None, status: str | Iterable[str] | None = None,
    school_unit: Any = None, enterprise_unit: Any = None, run: MatchRun | None = None,
) -> QuerySet[Candidacy]:
    """Candidacies the user may see (their school's students, their enterprise's demands; everything for the
    secretariat and officials), optionally filtered; best score first."""
    qs = Candidacy.objects.visible_to(user)
    if demand is not None:
        qs = qs.filter(demand_id=demand.pk)
    if student is not None:
        qs = qs.filter(student_id=student.pk)
    if status:
        qs = qs.filter(status=status) if isinstance(status, str) else qs.filter(status__in=list(status))
    if school_unit is not None:
        qs = qs.filter(school_unit_id=school_unit.pk)
    if enterprise_unit is not None:
        qs = qs.filter(enterprise_unit_id=enterprise_unit.pk)
    if run is not None:
        qs = qs.filter(run_id=run.pk)
    return (
        qs.select_related("demand", "school_unit", "enterprise_unit", "run", "recommendation", *_STUDENT_RELATED)
        .prefetch_related(_certificates_prefetch())
        .order_by("-score", "pk")
    )


def candidacy_history(user: User, candidacy: Candidacy) -> QuerySet[CandidacyStatusChange]:
    return (
        CandidacyStatusChange.objects.visible_to(user).filter(candidacy_id=candidacy.pk)
        .select_related("actor").order_by("at", "pk")
    )


def need_matches_for(
    user: User, *, run: MatchRun | None = None, need_kind: str | None = None, need: Any = None,
) -> QuerySet[NeedMatch]:
    """Provider recommendations for training needs / technology problems (default run: the newest visible)."""
    qs = _run_filter(NeedMatch.objects.visible_to(user), user, run)
    if need_kind:
        qs = qs.filter(need_kind=need_kind)
    if need is not None:
        from enterprises.models.demands import StaffTrainingNeed

        field = "training_need_id" if isinstance(need, StaffTrainingNeed) else "technology_problem_id"
        qs = qs.filter(**{field: need.pk})
    return qs.select_related("run", "training_need", "technology_problem", "unit", "provider_unit").order_by(
        "need_kind", "training_need_id", "technology_problem_id", "rank", "pk"
    )


# --- candidate cards ----------------------------------------------------------------------------------------------


def candidate_card(user: User, row: Recommendation | Candidacy, *, shared_ids: set[int] | None = None) -> dict:
    """What ``user`` may see of the student of a recommendation or candidacy, as a plain dict.

    Always: ``student_id``, ``school``, ``programme``, ``programme_code``, ``level`` (label), ``graduation``
    ("YYYY-MM"), ``status`` (label), ``skills`` (list), ``certificates`` (list of names), ``willing_local``,
    ``preferred_places``, ``full`` (bool). With ``full`` also ``name``, ``gender``, ``phone``, ``student_no``.
    Pass ``shared_ids=schools.selectors.shared_student_ids(user)`` when rendering a list (``candidate_cards``
    does) so the share check costs one query for the whole page."""
    from schools.selectors import student_view_mode

    from .snapshot import split_phrases

    student = row.student
    programme = student.offering.programme
    card: dict[str, Any] = {
        "student_id": student.pk,
        "school": student.unit.name,
        "programme": programme.name,
        "programme_code": programme.code,
        "level": programme.get_level_display(),
        "graduation": student.expected_graduation.strftime("%Y-%m") if student.expected_graduation else "",
        "status": student.get_status_display(),
        "skills": list(split_phrases(student.skills)),
        "certificates": [c.name for c in student.certificates.all()],
        "willing_local": student.willing_to_work_locally,
        "preferred_places": student.preferred_places,
        "full": student_view_mode(user, student, shared_ids) == "full",
    }
    if card["full"]:
        card.update(
            name=student.name, gender=student.get_gender_display(), phone=student.phone, student_no=student.student_no
        )
    return card


def candidate_cards(user: User, rows: Iterable[Recommendation | Candidacy]) -> list[dict]:
    """``candidate_card`` for every row with one share lookup (rows from the selectors above: no per-row query)."""
    from schools.selectors import shared_student_ids

    shared = shared_student_ids(user)
    return [candidate_card(user, row, shared_ids=shared) for row in rows]

