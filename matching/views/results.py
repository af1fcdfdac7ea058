"""Pages of matching after a run is published: the enterprise's candidates per demand, the school's students and where
they stand, the candidacy list by status, one candidacy (card, explanation, history, workflow buttons).

Candidate cards come from ``matching.selectors.candidate_card``: non-identifying fields only, unless the user may
see the student in clear (the student's school, the secretariat, or a unit the school shared the record with).
Workflow buttons call ``matching.services.candidacy_transition``; the service decides which party may take which
step (the buttons shown are only a convenience). The other recommended students of a demand (not in the allocation
plan) can be shortlisted from the demand's page ("加入候选（入围）", ``services.candidacy_from_recommendation``).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.generic import DetailView, ListView, View

from consortium.tenancy.choices import UnitKind, UnitRole
from consortium.tenancy.mixins import ScopedActionMixin, ScopedViewMixin
from consortium.tenancy.models import MemberUnit
from consortium.tenancy.scoping import is_platform_admin, unit_roles
from enterprises.models.demands import TalentDemand
from schools.models import Student
from schools.selectors import can_see_personal, shared_student_ids

from .. import selectors, services
from ..choices import (
    CANDIDACY_ACTIONS,
    CANDIDACY_TRANSITIONS,
    ENTERPRISE_ACTIONS,
    SCHOOL_ACTIONS,
    CandidacyStatus,
    RunStatus,
)
from ..forms import CandidacyActionForm, CandidacyFilterForm
from ..models import Candidacy, Recommendation
from .runs import PAGE_SIZE, is_manager, querystring

#: Button label and Bootstrap style of each workflow verb, in the order they are shown.
ACTION_BUTTONS: dict[str, tuple[Any, str, str]] = {
    "shortlist": (pgettext_lazy("action", "入围"), "btn-primary", "star"),
    "interview": (gettext_lazy("安排面试"), "btn-primary", "chat-square-text"),
    "offer": (gettext_lazy("发出录用意向"), "btn-success", "envelope-check"),
    "hire": (gettext_lazy("确认录用"), "btn-success", "person-check"),
    "decline": (gettext_lazy("婉拒"), "btn-outline-danger", "x-circle"),
    "withdraw": (gettext_lazy("撤回"), "btn-outline-secondary", "arrow-counterclockwise"),
}
OTHER_RECOMMENDATIONS = 50


def admin_unit_ids(user: Any) -> set[int]:
    return {unit_id for unit_id, role in unit_roles(user).items() if role == UnitRole.UNIT_ADMIN} if getattr(
        user, "consortium_id", None
    ) else set()


def candidacy_actions(user: Any, candidacy: Candidacy, admin_units: set[int]) -> list[dict[str, Any]]:
    """The workflow buttons to offer ``user`` on ``candidacy`` (the service checks again)."""
    if is_manager(user):
        verbs = set(CANDIDACY_ACTIONS)
    else:
        verbs = set()
        if candidacy.enterprise_unit_id in admin_units:
            verbs |= ENTERPRISE_ACTIONS
        if candidacy.school_unit_id in admin_units:
            verbs |= SCHOOL_ACTIONS
    allowed = CANDIDACY_TRANSITIONS.get(candidacy.status, frozenset())
    return [
        {"name": verb, "label": label, "style": style, "icon": icon}
        for verb, (label, style, icon) in ACTION_BUTTONS.items()
        if verb in verbs and CANDIDACY_ACTIONS[verb] in allowed
    ]


def can_shortlist_recommendations(user: Any, demand: TalentDemand, admin_units: set[int]) -> bool:
    """Whether to offer "加入候选（入围）" on the demand's other recommended students: the demand is still open and the
    user is a unit admin of its enterprise or the secretariat (``services.candidacy_from_recommendation`` checks
    again)."""
    if demand.status not in services.OPEN_DEMAND_STATUSES:
        return False
    return is_manager(user) or (getattr(user, "role", "") == "member" and demand.unit_id in admin_units)


def decorate(user: Any, rows: list[Any], *, with_actions: bool = False) -> list[Any]:
    """Attach ``card`` (and ``actions``) to each recommendation/candidacy with one share lookup for the page."""
    shared = shared_student_ids(user)
    admin_units = admin_unit_ids(user) if with_actions else set()
    for row in rows:
        row.card = selectors.candidate_card(user, row, shared_ids=shared)
        if with_actions:
            row.actions = candidacy_actions(user, row, admin_units)
    return rows


def member_unit_ids(user: Any, kind: str) -> list[int]:
    """The user's own units of ``kind`` (enterprise / school)."""
    roles = unit_roles(user) if getattr(user, "consortium_id", None) else {}
    if not roles:
        return []
    return list(MemberUnit.objects.visible_to(user).filter(pk__in=list(roles), kind=kind).values_list("pk", flat=True))


def is_overseer(user: Any) -> bool:
    return is_platform_admin(user) or getattr(user, "role", "") in ("secretariat", "official")


def latest_published_run_id(user: Any, **row_filter: Any) -> int | None:
    """The newest published run with a visible recommendation matching ``row_filter`` (a demand, a student)."""
    return (
        Recommendation.objects.visible_to(user).filter(run__status=RunStatus.PUBLISHED, **row_filter)
        .order_by("-run__published_at", "-run_id").values_list("run_id", flat=True).first()
    )


def status_counts(queryset: Any) -> dict[str, int]:
    return dict(queryset.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n"))


def _safe_next(request: Any) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


# --- enterprise: candidates per demand ----------------------------------------------------------------------------


class CandidatesView(ScopedViewMixin, ListView):
    """The enterprise's demands that have candidates from published runs, with counts per workflow status. The
    secretariat and officials see every such demand of the consortium."""

    model = TalentDemand
    template_name = "matching/results/candidates.html"
    paginate_by = PAGE_SIZE

    def scope_queryset(self, queryset):
        user = self.request.user
        with_results = Q(pk__in=Candidacy.objects.visible_to(user).values("demand_id")) | Q(
            pk__in=Recommendation.objects.visible_to(user).filter(run__status=RunStatus.PUBLISHED).values("demand_id")
        )
        qs = queryset.filter(with_results)
        if not is_overseer(user):
            qs = qs.filter(unit_id__in=member_unit_ids(user, UnitKind.ENTERPRISE))
        return qs.select_related("unit").order_by("unit__name", "position", "pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        demands = list(context["object_list"])
        ids = [d.pk for d in demands]
        counts: dict[int, dict[str, int]] = {}
        for demand_id, status, n in (
            Candidacy.objects.visible_to(user).filter(demand_id__in=ids).order_by()
            .values_list("demand_id", "status").annotate(n=Count("pk"))
        ):
            counts.setdefault(demand_id, {})[status] = n
        recommended = dict(
            Recommendation.objects.visible_to(user).filter(demand_id__in=ids, run__status=RunStatus.PUBLISHED)
            .order_by().values("demand_id").annotate(n=Count("student_id", distinct=True))
            .values_list("demand_id", "n")
        )
        for demand in demands:
            by_status = counts.get(demand.pk, {})
            demand.status_counts = [(value, label, by_status.get(value, 0)) for value, label in CandidacyStatus.choices]
            demand.candidacy_total = sum(by_status.values())
            demand.recommended_total = recommended.get(demand.pk, 0)
        context.update(demands=demands, querystring=querystring(self.request))
        return context


class DemandCandidatesView(ScopedViewMixin, DetailView):
    """One demand: its candidacies (cards, explanation, missing skills, workflow buttons) and the other students the
    newest published run recommended for it. Another enterprise sees the demand but none of its candidates."""

    model = TalentDemand
    template_name = "matching/results/demand_candidates.html"
    context_object_name = "demand"

    def scope_queryset(self, queryset):
        return queryset.select_related("unit")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        demand, user = self.object, self.request.user
        self.filter_form = CandidacyFilterForm(self.request.GET or None)
        status = self.filter_form.cleaned_data.get("status") if self.filter_form.is_valid() else ""
        all_candidacies = selectors.candidacies_for(user, demand=demand)
        counts = status_counts(Candidacy.objects.visible_to(user).filter(demand_id=demand.pk))
        candidacies = list(all_candidacies.filter(status=status) if status else all_candidacies)
        run_id = latest_published_run_id(user, demand_id=demand.pk)
        others: list[Any] = []
        run = None
        if run_id is not None:
            run = selectors.runs_for(user).filter(pk=run_id).first()
            taken = set(Candidacy.objects.visible_to(user).filter(demand_id=demand.pk).values_list("student_id",
                                                                                                   flat=True))
            if run is not None:
                others = [
                    rec for rec in selectors.recommendations_for_demand(user, demand, run=run)[:OTHER_RECOMMENDATIONS]
                    if rec.student_id not in taken
                ]
        shared = shared_student_ids(user)
        admin_units = admin_unit_ids(user)
        for row in candidacies:
            row.card = selectors.candidate_card(user, row, shared_ids=shared)
            row.actions = candidacy_actions(user, row, admin_units)
        for row in others:
            row.card = selectors.candidate_card(user, row, shared_ids=shared)
        context.update(
            can_shortlist=bool(others) and can_shortlist_recommendations(user, demand, admin_units),
            candidacies=candidacies, others=others, run=run, filter_form=self.filter_form, status=status,
            status_tabs=[(value, label, counts.get(value, 0)) for value, label in CandidacyStatus.choices],
            total=sum(counts.values()), next_url=self.request.get_full_path(),
        )
        return context


class RecommendationShortlistView(ScopedViewMixin, View):
    """POST: shortlist a recommended student of a published run for the recommendation's demand (the demand's
    enterprise admins, the secretariat), also one outside the allocation plan; optional ``reason`` and ``next``.

    The recommendation is fetched through the read scope (out of scope: 404); it is not ``write_view`` because units
    never edit recommendations — ``services.candidacy_from_recommendation`` decides who may act (else 403) and
    reports a closed demand, an unpublished run or a hired student as a message."""

    model = Recommendation
    http_method_names = ["post"]

    def scope_queryset(self, queryset):
        return queryset.select_related("demand")

    def post(self, request, *args, **kwargs):
        recommendation = self.get_object()
        demand = recommendation.demand
        before = (
            Candidacy.objects.visible_to(request.user)
            .filter(student_id=recommendation.student_id, demand_id=recommendation.demand_id)
            .values_list("status", flat=True).first()
        )
        try:
            candidacy = services.candidacy_from_recommendation(
                actor=request.user, recommendation=recommendation, reason=request.POST.get("reason", ""),
            )
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            if before is not None and before != CandidacyStatus.RECOMMENDED:
                messages.info(request, _("该学生已是此岗位的候选人（当前状态：“%(s)s”）。")
                              % {"s": candidacy.get_status_display()})
            else:
                messages.success(request, _("已将该学生加入“%(p)s”的候选人，状态为“%(s)s”。")
                                 % {"p": demand.position, "s": candidacy.get_status_display()})
        return HttpResponseRedirect(
            _safe_next(request) or reverse("matching:demand-candidates", args=[recommendation.demand_id])
        )


# --- candidacies --------------------------------------------------------------------------------------------------


class CandidacyListView(ScopedViewMixin, ListView):
    """Candidacies the user may see by status: an enterprise its demands' candidates, a school its students."""

    model = Candidacy
    template_name = "matching/results/candidacy_list.html"
    paginate_by = PAGE_SIZE

    def scope_queryset(self, queryset):
        self.filter_form = CandidacyFilterForm(self.request.GET or None)
        self.status = self.filter_form.cleaned_data.get("status") if self.filter_form.is_valid() else ""
        rows = selectors.candidacies_for(self.request.user, status=self.status or None)
        return rows.filter(pk__in=queryset.values("pk")).order_by("-status_changed_at", "-pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = decorate(user, list(context["object_list"]), with_actions=True)
        counts = status_counts(Candidacy.objects.visible_to(user))
        context.update(
            rows=rows, status=self.status, querystring=querystring(self.request),
            status_tabs=[(value, label, counts.get(value, 0)) for value, label in CandidacyStatus.choices],
            total=sum(counts.values()), next_url=self.request.get_full_path(),
        )
        return context


class CandidacyDetailView(ScopedViewMixin, DetailView):
    model = Candidacy
    template_name = "matching/results/candidacy_detail.html"
    context_object_name = "candidacy"

    def scope_queryset(self, queryset):
        return queryset.select_related(
            "demand", "school_unit", "enterprise_unit", "run", "recommendation", "student__unit",
            "student__offering__programme",
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        candidacy, user = self.object, self.request.user
        decorate(user, [candidacy], with_actions=True)
        admin_units = admin_unit_ids(user)
        editable = Candidacy.objects.editable_by(user).filter(pk=candidacy.pk).exists()
        context.update(
            history=selectors.candidacy_history(user, candidacy),
            can_note=editable,
            # The school may share the full record with the enterprise from here (schools.services.student_share).
            can_share=candidacy.school_unit_id in admin_units or is_manager(user),
            next_url=self.request.get_full_path(),
        )
        return context


class CandidacyActionView(ScopedActionMixin, View):
    """POST ``action`` (shortlist / interview / offer / hire / decline / withdraw), optional ``reason`` and ``next``."""

    model = Candidacy

    def post(self, request, *args, **kwargs):
        candidacy = self.get_object()
        form = CandidacyActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请求无效。"))
        else:
            try:
                moved = services.candidacy_transition(
                    actor=request.user, candidacy=candidacy, action=form.cleaned_data["action"],
                    reason=form.cleaned_data.get("reason", ""),
                )
            except ValidationError as exc:
                for text in exc.messages:
                    messages.error(request, text)
            else:
                messages.success(request, _("候选人状态已变更为“%(s)s”。") % {"s": moved.get_status_display()})
        return HttpResponseRedirect(_safe_next(request) or reverse("matching:candidacy-detail", args=[candidacy.pk]))


class CandidacyNoteView(ScopedActionMixin, View):
    model = Candidacy

    def post(self, request, *args, **kwargs):
        candidacy = self.get_object()
        try:
            services.candidacy_note_update(actor=request.user, candidacy=candidacy, note=request.POST.get("note", ""))
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("备注已保存。"))
        return HttpResponseRedirect(reverse("matching:candidacy-detail", args=[candidacy.pk]))


class CandidacyShareView(ScopedActionMixin, View):
    """The student's school shares the full student record with the candidacy's enterprise (name, phone...)."""

    model = Candidacy

    def post(self, request, *args, **kwargs):
        from schools.services import student_share

        candidacy = self.get_object()
        student = Student.objects.visible_to(request.user).get(pk=candidacy.student_id)
        try:
            count = student_share(actor=request.user, student=student, unit=candidacy.enterprise_unit)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("已向“%(unit)s”共享学生完整信息（%(count)d位用户）。")
                             % {"unit": candidacy.enterprise_unit.name, "count": count})
        return HttpResponseRedirect(reverse("matching:candidacy-detail", args=[candidacy.pk]))


# --- school: its students -----------------------------------------------------------------------------------------


def _student_label(user: Any, student: Student, shared: set[int]) -> tuple[bool, str]:
    full = can_see_personal(user, student.unit_id, student.consortium_id) or student.pk in shared
    return full, (f"{student.name}（{student.student_no}）" if full else _("学生 #%(id)s") % {"id": student.pk})


class StudentsView(ScopedViewMixin, ListView):
    """A school's students with recommendations or candidacies from published runs: where each one stands. The
    secretariat and officials see every such student (officials without personal fields)."""

    model = Student
    template_name = "matching/results/students.html"
    paginate_by = PAGE_SIZE

    def scope_queryset(self, queryset):
        user = self.request.user
        self.filter_form = CandidacyFilterForm(self.request.GET or None)
        self.status = self.filter_form.cleaned_data.get("status") if self.filter_form.is_valid() else ""
        # The newest published run with results this user may see (a training-only run has none).
        self.run_id = (
            selectors.runs_for(user, status=RunStatus.PUBLISHED)
            .filter(Exists(Recommendation.objects.visible_to(user).filter(run_id=OuterRef("pk"))))
            .values_list("pk", flat=True).first()
        )
        candidacies = Candidacy.objects.visible_to(user)
        recommendations = Recommendation.objects.visible_to(user).filter(run_id=self.run_id)
        if self.status:
            qs = queryset.filter(pk__in=candidacies.filter(status=self.status).values("student_id"))
        else:
            qs = queryset.filter(
                Q(pk__in=candidacies.values("student_id")) | Q(pk__in=recommendations.values("student_id"))
            )
        if not is_overseer(user):
            qs = qs.filter(unit_id__in=member_unit_ids(user, UnitKind.SCHOOL))
        return (
            qs.select_related("unit", "offering__programme")
            .prefetch_related(
                Prefetch(
                    "candidacies",
                    queryset=candidacies.select_related("demand", "enterprise_unit").order_by("-status_changed_at"),
                    to_attr="visible_candidacies",
                ),
                Prefetch(
                    "recommendations",
                    queryset=recommendations.select_related("demand", "enterprise_unit")
                    .order_by("rank_for_student", "pk"),
                    to_attr="visible_recommendations",
                ),
            )
            .order_by("unit__name", "expected_graduation", "pk")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        shared = shared_student_ids(user)
        students = list(context["object_list"])
        for student in students:
            student.full, student.label = _student_label(user, student, shared)
            student.top_recommendations = student.visible_recommendations[:3]
        candidacies = Candidacy.objects.visible_to(user)
        if not is_overseer(user):
            candidacies = candidacies.filter(school_unit_id__in=member_unit_ids(user, UnitKind.SCHOOL))
        counts = status_counts(candidacies)
        context.update(
            students=students, status=self.status, querystring=querystring(self.request),
            run=selectors.runs_for(user).filter(pk=self.run_id).first() if self.run_id else None,
            status_tabs=[(value, label, counts.get(value, 0)) for value, label in CandidacyStatus.choices],
        )
        return context


class StudentMatchesView(ScopedViewMixin, DetailView):
    """Where one student stands: the card, the newest published run's recommended demands and the candidacies with
    their status (the school may withdraw). Others see only their own side (an enterprise: its demands)."""

    model = Student
    template_name = "matching/results/student_matches.html"
    context_object_name = "student"

    def scope_queryset(self, queryset):
        from schools.models import StudentCertificate

        return queryset.select_related("unit", "offering__programme").prefetch_related(
            Prefetch("certificates", queryset=StudentCertificate.objects.order_by("-issued_on", "pk"))
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        student, user = self.object, self.request.user
        shared = shared_student_ids(user)
        card = selectors.candidate_card(user, SimpleNamespace(student=student), shared_ids=shared)
        run_id = latest_published_run_id(user, student_id=student.pk)
        run = selectors.runs_for(user).filter(pk=run_id).first() if run_id else None
        recommendations = list(selectors.recommendations_for_student(user, student, run=run)) if run else []
        candidacies = list(selectors.candidacies_for(user, student=student))
        admin_units = admin_unit_ids(user)
        for row in candidacies:
            row.actions = candidacy_actions(user, row, admin_units)
        context.update(
            card=card, run=run, recommendations=recommendations, candidacies=candidacies,
            next_url=self.request.get_full_path(),
        )
        return context


urlpatterns = [
    path("candidates/", CandidatesView.as_view(), name="candidates"),
    path("demands/<int:pk>/candidates/", DemandCandidatesView.as_view(), name="demand-candidates"),
    path("recommendations/<int:pk>/shortlist/", RecommendationShortlistView.as_view(),
         name="recommendation-shortlist"),
    path("candidacies/", CandidacyListView.as_view(), name="candidacy-list"),
    path("candidacies/<int:pk>/", CandidacyDetailView.as_view(), name="candidacy-detail"),
    path("candidacies/<int:pk>/action/", CandidacyActionView.as_view(), name="candidacy-action"),
    path("candidacies/<int:pk>/note/", CandidacyNoteView.as_view(), name="candidacy-note"),
    path("candidacies/<int:pk>/share/", CandidacyShareView.as_view(), name="candidacy-share"),
    path("students/", StudentsView.as_view(), name="students"),
    path("students/<int:pk>/", StudentMatchesView.as_view(), name="student-matches"),
]
