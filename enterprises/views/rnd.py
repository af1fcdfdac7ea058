"""Pages of R&D (plan §三(七)): platforms, projects (with milestones, history, funding and transition buttons),
technical services and achievements (with transfers). Every view derives from ScopedViewMixin; writes call
``enterprises.services.rnd`` and their ValidationErrors become form errors. Child create pages are addressed by
the parent's pk (``model`` = the parent), so the isolation suite checks them like any object page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, UpdateView

from consortium.funding import selectors as funding_selectors
from consortium.tenancy.mixins import ScopedActionMixin, ScopedViewMixin, atomic_scoped_save
from consortium.tenancy.models import MemberUnit

from ..choices.rnd import ProjectAction, ProjectStatus
from ..forms.rnd import (
    AchievementForm,
    MilestoneForm,
    PlatformForm,
    ProjectForm,
    TechnicalServiceForm,
    TransferForm,
    TransitionForm,
)
from ..models.rnd import Achievement, AchievementTransfer, ProjectMilestone, RnDPlatform, RnDProject, TechnicalService
from ..selectors import rnd as selectors
from ..services import rnd as services

FORM_TEMPLATE = "enterprises/rnd/form.html"


def _editable(model: type, user: Any, pk: int) -> bool:
    return model.objects.editable_by(user).filter(pk=pk).exists()  # type: ignore[attr-defined]


def _can_create(user: Any) -> bool:
    return user.is_authenticated and MemberUnit.objects.editable_by(user).exists()


class FormMixin:
    """Passes the user to the form; renders service ValidationErrors as form errors; common context."""

    heading = ""
    back_url_name = ""

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()  # type: ignore[misc]
        kwargs["user"] = self.request.user  # type: ignore[attr-defined]
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.setdefault("heading", self.heading)
        context.setdefault("back_url", reverse(self.back_url_name))
        return context

    def run(self, form: Any, call: Any, success: str) -> HttpResponse:
        try:
            obj = atomic_scoped_save(self, call)  # type: ignore[arg-type]
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)  # type: ignore[attr-defined]
        messages.success(self.request, _("已保存。"))  # type: ignore[attr-defined]
        return HttpResponseRedirect(success.format(pk=obj.pk))


class CreateMixin(FormMixin):
    """Create pages without a parent: 403 for users who may not write for any unit."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not _can_create(request.user):
            raise PermissionDenied(_("您无权新增此类记录。"))
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def recheck_in_scope(self, obj: Any) -> None:  # the new row must be editable by its creator
        if not type(obj).objects.editable_by(self.request.user).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
            raise PermissionDenied(_("该操作会使记录超出您的权限范围，已撤销。"))


# --- platforms ----------------------------------------------------------------------------------------------------


class PlatformListView(ScopedViewMixin, ListView):
    model = RnDPlatform
    paginate_by = 30
    template_name = "enterprises/rnd/platform_list.html"
    context_object_name = "platforms"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("unit").order_by("name", "pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(tab="platform", can_create=_can_create(self.request.user), **kwargs)


class PlatformDetailView(ScopedViewMixin, DetailView):
    model = RnDPlatform
    template_name = "enterprises/rnd/platform_detail.html"
    context_object_name = "platform"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user, platform = self.request.user, self.object
        return super().get_context_data(
            tab="platform",
            links=platform.co_builder_links.select_related("unit").order_by("role", "unit__name"),
            projects=selectors.projects(user).filter(platform=platform),
            can_edit=_editable(RnDPlatform, user, platform.pk),
            **kwargs,
        )


class PlatformCreateView(CreateMixin, ScopedViewMixin, FormView):
    model = RnDPlatform
    form_class = PlatformForm
    template_name = FORM_TEMPLATE
    heading = _("新增研发平台")
    back_url_name = "enterprises:platform-list"

    def form_valid(self, form: PlatformForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.platform_create(
                actor=self.request.user,
                unit=form.cleaned_data["unit"],
                co_builders=form.co_builder_pairs(),
                **form.service_kwargs(),
            ),
            reverse("enterprises:platform-detail", kwargs={"pk": 0}).replace("/0/", "/{pk}/"),
        )


class PlatformEditView(FormMixin, ScopedViewMixin, UpdateView):
    model = RnDPlatform
    write_view = True
    form_class = PlatformForm
    template_name = FORM_TEMPLATE
    heading = _("编辑研发平台")
    back_url_name = "enterprises:platform-list"

    def form_valid(self, form: PlatformForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.platform_update(
                actor=self.request.user,
                platform=self.object,
                co_builders=form.co_builder_pairs(),
                **form.service_kwargs(),
            ),
            reverse("enterprises:platform-detail", kwargs={"pk": self.object.pk}),
        )


# --- projects -----------------------------------------------------------------------------------------------------


class ProjectListView(ScopedViewMixin, ListView):
    model = RnDProject
    paginate_by = 30
    template_name = "enterprises/rnd/project_list.html"
    context_object_name = "projects"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        status = self.request.GET.get("status", "")
        self.status = status if status in ProjectStatus.values else ""
        self.q = (self.request.GET.get("q") or "").strip()[:60]
        if self.status:
            queryset = queryset.filter(status=self.status)
        if self.q:
            queryset = queryset.filter(title__icontains=self.q)
        return queryset.select_related("unit", "platform").prefetch_related("partners").order_by("-start_on", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(tab="project", can_create=_can_create(self.request.user), **kwargs)
        totals = funding_selectors.totals_by_target(self.request.user, RnDProject)
        for project in context["projects"]:
            project.funding_total = totals.get(project.pk)
        context.update(statuses=ProjectStatus.choices, status=self.status, q=self.q)
        return context


class ProjectDetailView(ScopedViewMixin, DetailView):
    model = RnDProject
    template_name = "enterprises/rnd/project_detail.html"
    context_object_name = "project"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("unit", "platform", "field")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user, project = self.request.user, self.object
        actions = selectors.project_actions(user, project)
        return super().get_context_data(
            tab="project",
            partners=project.partners.order_by("name"),
            milestones=selectors.project_milestones(user, project),
            history=selectors.project_history(user, project),
            actions=[(a, ProjectAction(a).label) for a in actions],
            transition_form=TransitionForm(),
            can_edit=_editable(RnDProject, user, project.pk),
            funding=funding_selectors.totals_for_object(user, project),
            funding_records=funding_selectors.records_for_object(user, project),
            **kwargs,
        )


class ProjectCreateView(CreateMixin, ScopedViewMixin, FormView):
    model = RnDProject
    form_class = ProjectForm
    template_name = FORM_TEMPLATE
    heading = _("申报研发项目")
    back_url_name = "enterprises:project-list"

    def form_valid(self, form: ProjectForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.project_create(
                actor=self.request.user,
                unit=form.cleaned_data["unit"],
                partners=form.cleaned_data.get("partners") or [],
                **form.service_kwargs(),
            ),
            reverse("enterprises:project-detail", kwargs={"pk": 0}).replace("/0/", "/{pk}/"),
        )


class ProjectEditView(FormMixin, ScopedViewMixin, UpdateView):
    model = RnDProject
    write_view = True
    form_class = ProjectForm
    template_name = FORM_TEMPLATE
    heading = _("编辑研发项目")
    back_url_name = "enterprises:project-list"

    def form_valid(self, form: ProjectForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.project_update(
                actor=self.request.user,
                project=self.object,
                partners=form.cleaned_data.get("partners") or [],
                **form.service_kwargs(),
            ),
            reverse("enterprises:project-detail", kwargs={"pk": self.object.pk}),
        )


class ProjectTransitionView(ScopedActionMixin, DetailView):
    """POST ``action`` (+ ``reason``): the service decides whether the actor's party may take it."""

    model = RnDProject

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        project = self.get_object()
        form = TransitionForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("enterprises:project-detail", pk=project.pk)
        try:
            services.project_transition(
                actor=request.user,
                project=project,
                action=form.cleaned_data["action"],
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("项目状态已更新。"))
        return redirect("enterprises:project-detail", pk=project.pk)


class MilestoneCreateView(FormMixin, ScopedViewMixin, FormView):
    """Add a milestone to a project (pk = RnDProject pk)."""

    model = RnDProject
    write_view = True
    form_class = MilestoneForm
    template_name = FORM_TEMPLATE
    heading = _("添加里程碑")
    back_url_name = "enterprises:project-list"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.project = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            back_url=reverse("enterprises:project-detail", kwargs={"pk": self.project.pk}), **kwargs
        )

    def recheck_in_scope(self, obj: Any) -> None:
        if not ProjectMilestone.objects.editable_by(self.request.user).filter(pk=obj.pk).exists():
            raise PermissionDenied(_("该操作会使记录超出您的权限范围，已撤销。"))

    def form_valid(self, form: MilestoneForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.milestone_create(actor=self.request.user, project=self.project, **form.service_kwargs()),
            reverse("enterprises:project-detail", kwargs={"pk": self.project.pk}),
        )


class MilestoneEditView(FormMixin, ScopedViewMixin, UpdateView):
    model = ProjectMilestone
    write_view = True
    form_class = MilestoneForm
    template_name = FORM_TEMPLATE
    heading = _("编辑里程碑")
    back_url_name = "enterprises:project-list"

    def form_valid(self, form: MilestoneForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.milestone_update(actor=self.request.user, milestone=self.object, **form.service_kwargs()),
            reverse("enterprises:project-detail", kwargs={"pk": self.object.project_id}),
        )


# --- technical services -------------------------------------------------------------------------------------------


class TechnicalServiceListView(ScopedViewMixin, ListView):
    model = TechnicalService
    paginate_by = 30
    template_name = "enterprises/rnd/techservice_list.html"
    context_object_name = "services"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("unit", "client_unit").order_by("-delivered_on", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            tab="techservice",
            can_create=_can_create(self.request.user),
            totals=selectors.technical_service_totals(self.request.user),
            **kwargs,
        )


class TechnicalServiceDetailView(ScopedViewMixin, DetailView):
    model = TechnicalService
    template_name = "enterprises/rnd/techservice_detail.html"
    context_object_name = "service"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("unit", "client_unit", "project")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            tab="techservice", can_edit=_editable(TechnicalService, self.request.user, self.object.pk), **kwargs
        )


class TechnicalServiceCreateView(CreateMixin, ScopedViewMixin, FormView):
    model = TechnicalService
    form_class = TechnicalServiceForm
    template_name = FORM_TEMPLATE
    heading = _("登记技术服务")
    back_url_name = "enterprises:techservice-list"

    def form_valid(self, form: TechnicalServiceForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.technical_service_create(
                actor=self.request.user, unit=form.cleaned_data["unit"], **form.service_kwargs()
            ),
            reverse("enterprises:techservice-detail", kwargs={"pk": 0}).replace("/0/", "/{pk}/"),
        )


class TechnicalServiceEditView(FormMixin, ScopedViewMixin, UpdateView):
    model = TechnicalService
    write_view = True
    form_class = TechnicalServiceForm
    template_name = FORM_TEMPLATE
    heading = _("编辑技术服务")
    back_url_name = "enterprises:techservice-list"

    def form_valid(self, form: TechnicalServiceForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.technical_service_update(
                actor=self.request.user, service=self.object, **form.service_kwargs()
            ),
            reverse("enterprises:techservice-detail", kwargs={"pk": self.object.pk}),
        )


# --- achievements -------------------------------------------------------------------------------------------------


class AchievementListView(ScopedViewMixin, ListView):
    model = Achievement
    paginate_by = 30
    template_name = "enterprises/rnd/achievement_list.html"
    context_object_name = "achievements"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("unit", "project").order_by("-obtained_on", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            tab="achievement",
            can_create=_can_create(self.request.user),
            totals=selectors.transfer_totals(self.request.user),
            **kwargs,
        )


class AchievementDetailView(ScopedViewMixin, DetailView):
    model = Achievement
    template_name = "enterprises/rnd/achievement_detail.html"
    context_object_name = "achievement"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("unit", "project")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        transfers = (
            AchievementTransfer.objects.visible_to(user).filter(achievement=self.object).select_related("licensee_unit")
        )
        return super().get_context_data(
            tab="achievement",
            transfers=transfers,
            can_edit=_editable(Achievement, user, self.object.pk),
            **kwargs,
        )


class AchievementCreateView(CreateMixin, ScopedViewMixin, FormView):
    model = Achievement
    form_class = AchievementForm
    template_name = FORM_TEMPLATE
    heading = _("登记科技成果")
    back_url_name = "enterprises:achievement-list"

    def form_valid(self, form: AchievementForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.achievement_create(
                actor=self.request.user, unit=form.cleaned_data["unit"], **form.service_kwargs()
            ),
            reverse("enterprises:achievement-detail", kwargs={"pk": 0}).replace("/0/", "/{pk}/"),
        )


class AchievementEditView(FormMixin, ScopedViewMixin, UpdateView):
    model = Achievement
    write_view = True
    form_class = AchievementForm
    template_name = FORM_TEMPLATE
    heading = _("编辑科技成果")
    back_url_name = "enterprises:achievement-list"

    def form_valid(self, form: AchievementForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.achievement_update(
                actor=self.request.user, achievement=self.object, **form.service_kwargs()
            ),
            reverse("enterprises:achievement-detail", kwargs={"pk": self.object.pk}),
        )


class TransferCreateView(FormMixin, ScopedViewMixin, FormView):
    """Record a transfer of an achievement (pk = Achievement pk)."""

    model = Achievement
    write_view = True
    form_class = TransferForm
    template_name = FORM_TEMPLATE
    heading = _("登记成果转化")
    back_url_name = "enterprises:achievement-list"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.achievement = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def recheck_in_scope(self, obj: Any) -> None:
        if not AchievementTransfer.objects.editable_by(self.request.user).filter(pk=obj.pk).exists():
            raise PermissionDenied(_("该操作会使记录超出您的权限范围，已撤销。"))

    def form_valid(self, form: TransferForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.transfer_create(
                actor=self.request.user, achievement=self.achievement, **form.service_kwargs()
            ),
            reverse("enterprises:achievement-detail", kwargs={"pk": self.achievement.pk}),
        )


urlpatterns = [
    path("rnd/platforms/", PlatformListView.as_view(), name="platform-list"),
    path("rnd/platforms/new/", PlatformCreateView.as_view(), name="platform-create"),
    path("rnd/platforms/<int:pk>/", PlatformDetailView.as_view(), name="platform-detail"),
    path("rnd/platforms/<int:pk>/edit/", PlatformEditView.as_view(), name="platform-edit"),
    path("rnd/projects/", ProjectListView.as_view(), name="project-list"),
    path("rnd/projects/new/", ProjectCreateView.as_view(), name="project-create"),
    path("rnd/projects/<int:pk>/", ProjectDetailView.as_view(), name="project-detail"),
    path("rnd/projects/<int:pk>/edit/", ProjectEditView.as_view(), name="project-edit"),
    path("rnd/projects/<int:pk>/transition/", ProjectTransitionView.as_view(), name="project-transition"),
    path("rnd/projects/<int:pk>/milestones/new/", MilestoneCreateView.as_view(), name="milestone-create"),
    path("rnd/milestones/<int:pk>/edit/", MilestoneEditView.as_view(), name="milestone-edit"),
    path("rnd/services/", TechnicalServiceListView.as_view(), name="techservice-list"),
    path("rnd/services/new/", TechnicalServiceCreateView.as_view(), name="techservice-create"),
    path("rnd/services/<int:pk>/", TechnicalServiceDetailView.as_view(), name="techservice-detail"),
    path("rnd/services/<int:pk>/edit/", TechnicalServiceEditView.as_view(), name="techservice-edit"),
    path("rnd/achievements/", AchievementListView.as_view(), name="achievement-list"),
    path("rnd/achievements/new/", AchievementCreateView.as_view(), name="achievement-create"),
    path("rnd/achievements/<int:pk>/", AchievementDetailView.as_view(), name="achievement-detail"),
    path("rnd/achievements/<int:pk>/edit/", AchievementEditView.as_view(), name="achievement-edit"),
    path("rnd/achievements/<int:pk>/transfers/new/", TransferCreateView.as_view(), name="transfer-create"),
]
