"""Pages of matching: settings, runs (start, list, detail with live progress, cancel / publish / retry) and the
results of a run in tabs (allocation plan, per demand, per student, training/technology needs → providers).

Every view derives from ScopedViewMixin / ScopedActionMixin: runs come through ``visible_to`` (the secretariat and
officials see every run of the consortium, units the published ones), actions through ``editable_by`` (the
secretariat). Writes call ``matching.services``; their ValidationError messages become form errors or page messages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView, RedirectView, View
from django_htmx.http import HttpResponseClientRefresh

from consortium.tenancy.choices import UnitKind
from consortium.tenancy.mixins import ScopedActionMixin, ScopedViewMixin
from consortium.tenancy.models import MemberUnit
from consortium.tenancy.scoping import is_platform_admin, unit_roles
from enterprises.choices.demands import DemandKind

from .. import selectors, services
from ..choices import MatchKind, RunStatus
from ..engine.types import COMPONENTS
from ..forms import WEIGHT_LABELS, MatchSettingsForm, RunCreateForm, RunFilterForm
from ..models import MatchRun, MatchSettings

PAGE_SIZE = 25
RESULT_PAGE_SIZE = 50
RESULT_TABS = ("plan", "demands", "students", "needs")


def querystring(request: Any, *drop: str) -> str:
    query = request.GET.copy()
    for key in ("page", *drop):
        query.pop(key, None)
    return query.urlencode()


def is_manager(user: Any) -> bool:
    """The secretariat (or a platform admin) manages settings and runs; the services check it again."""
    return is_platform_admin(user) or getattr(user, "role", "") == "secretariat"


def weight_rows(weights: Any) -> list[tuple[Any, float]]:
    weights = weights if isinstance(weights, dict) else {}
    return [(WEIGHT_LABELS.get(name, name), float(weights.get(name, 0.0))) for name in COMPONENTS]


def certificates_prefetch() -> Prefetch:
    """Certificates of the row's student, for candidate cards (one query per page)."""
    from schools.models import StudentCertificate

    return Prefetch("student__certificates", queryset=StudentCertificate.objects.order_by("-issued_on", "pk"))


def with_certificates(rows: Any) -> Any:
    """Add the certificates prefetch unless the selector already does (a second one would clash)."""
    seen = {getattr(p, "prefetch_through", p) for p in rows._prefetch_related_lookups}
    return rows if "student__certificates" in seen else rows.prefetch_related(certificates_prefetch())


def page_of(request: Any, rows: Any, size: int = RESULT_PAGE_SIZE) -> Any:
    return Paginator(rows, size).get_page(request.GET.get("page"))


# --- entry --------------------------------------------------------------------------------------------------------


class MatchingIndexView(ScopedViewMixin, RedirectView):
    """/matching/: the secretariat and officials land on the runs, enterprises on their candidates, schools on their
    students (the link in the publish e-mail)."""

    model = MatchRun

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        user = self.request.user
        roles = unit_roles(user) if getattr(user, "consortium_id", None) else {}
        if roles and not is_platform_admin(user) and user.role == "member":
            kinds = set(MemberUnit.objects.visible_to(user).filter(pk__in=list(roles)).values_list("kind", flat=True))
            if UnitKind.ENTERPRISE in kinds:
                return reverse("matching:candidates")
            if UnitKind.SCHOOL in kinds:
                return reverse("matching:students")
        return reverse("matching:run-list")


# --- settings -----------------------------------------------------------------------------------------------------


class SettingsView(ScopedViewMixin, FormView):
    """The consortium's matching parameters: everyone in the consortium may read them (they explain the scores);
    the secretariat changes them."""

    model = MatchSettings
    form_class = MatchSettingsForm
    template_name = "matching/settings.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.consortium_id:
            raise Http404(_("您不属于任何产教联合体。"))
        self.can_edit = is_manager(request.user)
        if request.method == "POST" and not self.can_edit:
            raise PermissionDenied(_("只有秘书处可以修改匹配设置。"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        user = self.request.user
        instance = selectors.match_settings_for(user) or MatchSettings(consortium_id=user.consortium_id)
        kwargs.update(user=user, instance=instance)
        return kwargs

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not self.can_edit:
            for field in form.fields.values():
                field.disabled = True
        return form

    def form_valid(self, form):
        try:
            services.match_settings_update(
                actor=self.request.user, consortium_id=self.request.user.consortium_id, **form.service_kwargs()
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("匹配设置已保存，下次运行起生效。"))
        return HttpResponseRedirect(reverse("matching:settings"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(can_edit=self.can_edit)
        return context


# --- runs ---------------------------------------------------------------------------------------------------------


class RunListView(ScopedViewMixin, ListView):
    model = MatchRun
    template_name = "matching/runs/run_list.html"
    paginate_by = PAGE_SIZE

    def scope_queryset(self, queryset):
        self.filter_form = RunFilterForm(self.request.GET or None)
        status = self.filter_form.cleaned_data.get("status") if self.filter_form.is_valid() else ""
        # The selector starts from visible_to(user) again; intersect with the mixin's scoped queryset.
        return selectors.runs_for(self.request.user, status=status or None).filter(pk__in=queryset.values("pk"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            filter_form=self.filter_form, querystring=querystring(self.request),
            can_create=is_manager(self.request.user) and bool(self.request.user.consortium_id),
            kind_labels=dict(MatchKind.choices),
        )
        return context


class RunCreateView(ScopedViewMixin, FormView):
    """Start a run (the secretariat): scope and the consortium's current weights; the task is queued on commit."""

    model = MatchRun
    form_class = RunCreateForm
    template_name = "matching/runs/run_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not (is_manager(request.user) and request.user.consortium_id):
            raise PermissionDenied(_("只有秘书处可以发起匹配。"))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            with transaction.atomic():
                run = services.match_run_create(actor=self.request.user, **form.service_kwargs())
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("匹配已提交，正在后台运行。"))
        return HttpResponseRedirect(reverse("matching:run-detail", args=[run.pk]))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        settings_row = selectors.match_settings_for(user) or MatchSettings(consortium_id=user.consortium_id)
        context.update(
            settings=settings_row, weights=weight_rows(settings_row.weights),
            busy=selectors.runs_for(user).filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first(),
        )
        return context


class RunMixin:
    """What the detail page and the progress fragment both show."""

    def run_context(self, run: MatchRun) -> dict[str, Any]:
        user = self.request.user  # type: ignore[attr-defined]
        can_manage = MatchRun.objects.editable_by(user).filter(pk=run.pk).exists()
        return {
            "run": run,
            "can_manage": can_manage,
            "can_cancel": can_manage and run.status in (RunStatus.QUEUED, RunStatus.RUNNING)
            and not run.cancel_requested,
            "can_publish": can_manage and run.status == RunStatus.SUCCEEDED,
            "can_retry": can_manage and run.status in (RunStatus.FAILED, RunStatus.CANCELLED),
        }


class RunDetailView(RunMixin, ScopedViewMixin, DetailView):
    """A run: progress while it runs, then its counts, parameters and results in tabs (``?tab=``)."""

    model = MatchRun
    template_name = "matching/runs/run_detail.html"
    context_object_name = "run"

    def scope_queryset(self, queryset):
        return queryset.select_related("created_by", "published_by")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run, user, request = self.object, self.request.user, self.request
        context.update(self.run_context(run))
        params = run.params if isinstance(run.params, dict) else {}
        synonyms = params.get("synonyms") or {}
        context.update(
            weights=weight_rows(params.get("weights")), params=params,
            synonyms=sorted(synonyms.items()) if isinstance(synonyms, dict) else [],
            local_terms=params.get("local_terms") or [],
            kind_labels=dict(MatchKind.choices), stats=sorted((run.stats or {}).items()),
            demand_kind_labels=[label for value, label in DemandKind.choices if value in (run.demand_kinds or [])],
        )
        has_results = run.status in (RunStatus.SUCCEEDED, RunStatus.PUBLISHED)
        kinds = set(run.kinds or [])
        tabs = [t for t in RESULT_TABS if t == "needs" and kinds - {MatchKind.TALENT}
                or t != "needs" and MatchKind.TALENT in kinds]
        tab = request.GET.get("tab") or (tabs[0] if tabs else "")
        if tab not in tabs:
            tab = tabs[0] if tabs else ""
        context.update(has_results=has_results, tabs=tabs, tab=tab, querystring=querystring(request))
        if not has_results or not tab:
            return context
        if tab == "needs":
            page = page_of(request, selectors.need_matches_for(user, run=run))
            context.update(page_obj=page, rows=list(page.object_list))
            return context
        if tab == "plan":
            rows = selectors.recommendations_for_run(user, run, in_plan=True)
        elif tab == "demands":
            rows = selectors.recommendations_for_run(user, run)
        else:
            rows = selectors.recommendations_for_run(user, run).order_by("student_id", "rank_for_student", "pk")
        page = page_of(request, with_certificates(rows))
        rows = list(page.object_list)
        context.update(page_obj=page, rows=list(zip(rows, selectors.candidate_cards(user, rows), strict=True)))
        return context


class RunProgressView(RunMixin, ScopedViewMixin, DetailView):
    """The progress fragment, polled every 2 s by htmx while the run is queued or running. When a polled run has
    finished, the page is reloaded (HX-Refresh) so that its counts, results and buttons appear."""

    model = MatchRun
    template_name = "matching/runs/_progress.html"
    context_object_name = "run"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if getattr(request, "htmx", False) and request.GET.get("poll") and not self.object.is_active:
            return HttpResponseClientRefresh()
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.run_context(self.object))
        return context


class RunActionView(ScopedActionMixin, View):
    """POST: one secretariat action on a run through its service."""

    model = MatchRun
    service_name = ""
    done_message: Any = ""

    def post(self, request, *args, **kwargs):
        run = self.get_object()
        try:
            getattr(services, self.service_name)(actor=request.user, run=run)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            messages.success(request, str(self.done_message))
        return HttpResponseRedirect(reverse("matching:run-detail", args=[run.pk]))


class RunCancelView(RunActionView):
    service_name = "match_run_cancel"
    done_message = gettext_lazy("已请求取消该匹配。")


class RunPublishView(RunActionView):
    service_name = "match_run_publish"
    done_message = gettext_lazy("匹配结果已发布，已通知相关学校和企业。")


class RunRetryView(RunActionView):
    service_name = "match_run_retry"
    done_message = gettext_lazy("已重新提交该匹配。")


urlpatterns = [
    path("", MatchingIndexView.as_view(), name="index"),
    path("settings/", SettingsView.as_view(), name="settings"),
    path("runs/", RunListView.as_view(), name="run-list"),
    path("runs/new/", RunCreateView.as_view(), name="run-create"),
    path("runs/<int:pk>/", RunDetailView.as_view(), name="run-detail"),
    path("runs/<int:pk>/progress/", RunProgressView.as_view(), name="run-progress"),
    path("runs/<int:pk>/cancel/", RunCancelView.as_view(), name="run-cancel"),
    path("runs/<int:pk>/publish/", RunPublishView.as_view(), name="run-publish"),
    path("runs/<int:pk>/retry/", RunRetryView.as_view(), name="run-retry"),
]
