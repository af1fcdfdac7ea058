"""Pages of the demand side (issue 4): enterprises and their profiles, talent demands (search, detail with history,
create/edit, workflow buttons, fill counts), the secretariat's review queue, staff-training needs and technology
problems.

Every view derives from ScopedViewMixin / ScopedActionMixin (objects come through ``visible_to`` / ``editable_by``:
404 out of scope, 403 visible-but-not-changeable); writes call ``enterprises.services.demands`` and show their
ValidationError messages as form errors or page messages. Every object URL kwarg is ``pk`` of the view's ``model``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView, TemplateView, View

from consortium.tenancy.choices import UnitKind
from consortium.tenancy.mixins import ScopedActionMixin, ScopedViewMixin
from consortium.tenancy.models import MemberUnit

from ..choices.demands import DEMAND_PUBLISHED, NEED_PUBLISHED, DemandStatus, NeedStatus
from ..forms.demands import (
    DemandFilterForm,
    EnterpriseProfileForm,
    FillForm,
    ReasonForm,
    TalentDemandForm,
    TechnologyProblemForm,
    TrainingNeedForm,
    enterprise_units,
)
from ..models.demands import (
    DemandSkill,
    DemandStatusChange,
    EnterpriseProfile,
    StaffTrainingNeed,
    TalentDemand,
    TechnologyProblem,
)
from ..selectors import demands as selectors
from ..services import demands as services

PAGE_SIZE = 25


def _querystring(request: Any) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _can_edit(model: Any, user: Any, obj: Any) -> bool:
    return model.objects.editable_by(user).filter(pk=obj.pk).exists()


# --- enterprises --------------------------------------------------------------------------------------------------


class EnterpriseListView(ScopedViewMixin, ListView):
    model = MemberUnit
    template_name = "enterprises/demands/enterprise_list.html"
    paginate_by = PAGE_SIZE

    def scope_queryset(self, queryset):
        qs = queryset.filter(kind=UnitKind.ENTERPRISE).select_related("enterprise_profile").prefetch_related(
            "local_chains"
        )
        q = (self.request.GET.get("q") or "").strip()[:100]
        if q:
            qs = qs.filter(name__icontains=q)
        return qs.order_by("name")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(q=(self.request.GET.get("q") or "")[:100], querystring=_querystring(self.request))
        return context


class EnterpriseDetailView(ScopedViewMixin, DetailView):
    """An enterprise's page: its profile and its demands visible to the user. ``pk`` is the member unit."""

    model = MemberUnit
    template_name = "enterprises/demands/enterprise_detail.html"
    context_object_name = "unit"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        unit = self.object
        user = self.request.user
        context.update(
            profile=EnterpriseProfile.objects.visible_to(user).filter(unit=unit).first(),
            demands=selectors.demand_list(user, unit=unit)[:50],
            training_needs=StaffTrainingNeed.objects.visible_to(user).filter(unit=unit).order_by("-created_at")[:20],
            problems=TechnologyProblem.objects.visible_to(user).filter(unit=unit).order_by("-created_at")[:20],
            can_edit=unit.kind == UnitKind.ENTERPRISE and _can_edit(MemberUnit, user, unit),
        )
        return context


class ServiceFormView(ScopedViewMixin, FormView):
    """A form page whose submit calls a service; ``needs_object``: the URL's pk names a row of ``model``."""

    write_view = True
    needs_object = True
    template_name = "enterprises/demands/form.html"
    page_title: Any = ""
    object: Any = None
    instance_of_object = True
    list_url_name = "enterprises:demand-list"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.needs_object:
            self.object = self.get_object()
        elif not enterprise_units(request.user).exists():
            raise PermissionDenied(_("您没有可登记此类信息的企业。"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if self.object is not None:
            kwargs["consortium_id"] = self.object.consortium_id
            if self.instance_of_object:
                kwargs["instance"] = self.object
        else:
            kwargs["create"] = True
        return kwargs

    def save(self, form) -> Any:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            with transaction.atomic():
                saved = self.save(form)
                if not type(saved).objects.editable_by(self.request.user).filter(pk=saved.pk).exists():
                    raise PermissionDenied(_("该操作会使记录超出您的权限范围，已撤销。"))
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        self.saved = saved
        messages.success(self.request, _("已保存“%(obj)s”。") % {"obj": saved})
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self) -> str:
        return self.saved.get_absolute_url() if hasattr(self.saved, "get_absolute_url") else reverse(self.list_url_name)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        cancel = reverse(self.detail_url_name, args=[self.object.pk]) if self.object is not None else reverse(
            self.list_url_name
        )
        context.update(object=self.object, page_title=self.page_title, cancel_url=cancel)
        return context

    detail_url_name = "enterprises:demand-detail"


class EnterpriseEditView(ServiceFormView):
    """Create or update the enterprise profile of a member unit (``pk`` is the unit)."""

    model = MemberUnit
    form_class = EnterpriseProfileForm
    page_title = gettext_lazy("编辑企业概况")
    instance_of_object = False
    detail_url_name = "enterprises:enterprise-detail"
    list_url_name = "enterprises:enterprise-list"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.pop("create", None)
        profile = EnterpriseProfile.objects.filter(unit=self.object).first()
        kwargs["instance"] = profile or EnterpriseProfile(consortium_id=self.object.consortium_id, unit=self.object)
        return kwargs

    def save(self, form) -> Any:
        services.enterprise_profile_upsert(
            actor=self.request.user, unit=self.object, **{k: form.cleaned_data[k] for k in form.Meta.fields}
        )
        return self.object

    def get_success_url(self) -> str:
        return reverse("enterprises:enterprise-detail", args=[self.object.pk])


# --- talent demands -----------------------------------------------------------------------------------------------


class DemandListView(ScopedViewMixin, ListView):
    """Published demands for everyone; an enterprise also sees its own drafts; the secretariat sees all."""

    model = TalentDemand
    template_name = "enterprises/demands/demand_list.html"
    paginate_by = PAGE_SIZE

    def scope_queryset(self, queryset):
        self.filter_form = DemandFilterForm(self.request.GET or None, user=self.request.user)
        filters: dict[str, Any] = {}
        if self.filter_form.is_valid():
            filters = {k: v for k, v in self.filter_form.cleaned_data.items() if v}
        # The selector starts from visible_to(user) again; intersect with the mixin's scoped queryset.
        return selectors.demand_list(self.request.user, **filters).filter(pk__in=queryset.values("pk"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            filter_form=self.filter_form,
            querystring=_querystring(self.request),
            can_create=enterprise_units(self.request.user).exists(),
            chain_summary=selectors.demand_summary_by_chain(self.request.user),
        )
        return context


class DemandDetailView(ScopedViewMixin, DetailView):
    model = TalentDemand
    template_name = "enterprises/demands/demand_detail.html"
    context_object_name = "demand"

    def scope_queryset(self, queryset):
        return queryset.select_related("unit").prefetch_related(
            "programmes__unit", Prefetch("skills", queryset=DemandSkill.objects.order_by("-importance", "name"))
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        demand, user = self.object, self.request.user
        editable = _can_edit(TalentDemand, user, demand)
        reviewer = selectors.is_reviewer(user)
        context.update(
            history=DemandStatusChange.objects.visible_to(user).filter(demand=demand).select_related("actor"),
            can_edit=editable and demand.status in (DemandStatus.DRAFT, DemandStatus.RETURNED),
            can_submit=editable and demand.status in (DemandStatus.DRAFT, DemandStatus.RETURNED),
            can_withdraw=editable and demand.status not in (
                DemandStatus.WITHDRAWN, DemandStatus.EXPIRED, DemandStatus.FILLED
            ),
            can_fill=editable and demand.status in (DemandStatus.APPROVED, DemandStatus.PARTLY_FILLED),
            can_review=editable and reviewer and demand.status == DemandStatus.SUBMITTED,
            transition_url=reverse("enterprises:demand-transition", args=[demand.pk]),
            fill_form=FillForm(initial={"filled_count": demand.filled_count}),
            published=demand.status in DEMAND_PUBLISHED,
        )
        return context


class DemandCreateView(ServiceFormView):
    model = TalentDemand
    form_class = TalentDemandForm
    needs_object = False
    page_title = gettext_lazy("登记人才需求")

    def save(self, form) -> Any:
        return services.talent_demand_create(
            actor=self.request.user, unit=form.cleaned_data["unit"], **form.service_kwargs()
        )

    def get_success_url(self) -> str:
        return reverse("enterprises:demand-detail", args=[self.saved.pk])


class DemandEditView(ServiceFormView):
    model = TalentDemand
    form_class = TalentDemandForm
    page_title = gettext_lazy("修改人才需求")

    def save(self, form) -> Any:
        return services.talent_demand_update(actor=self.request.user, demand=self.object, **form.service_kwargs())

    def get_success_url(self) -> str:
        return reverse("enterprises:demand-detail", args=[self.saved.pk])


class TransitionView(ScopedActionMixin, View):
    """POST ``action`` (submit / approve / return / withdraw / close) and optional ``reason``: one workflow service."""

    detail_url_name = "enterprises:demand-detail"

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请求无效。"))
        else:
            try:
                moved = services.need_transition(
                    actor=request.user, need=obj, action=form.cleaned_data["action"],
                    reason=form.cleaned_data.get("reason", ""),
                )
            except ValidationError as exc:
                for text in exc.messages:
                    messages.error(request, text)
            else:
                messages.success(request, _("状态已变更为“%(s)s”。") % {"s": moved.get_status_display()})
        next_url = request.POST.get("next", "")
        if next_url == "review-queue":
            return HttpResponseRedirect(reverse("enterprises:review-queue"))
        return HttpResponseRedirect(reverse(self.detail_url_name, args=[obj.pk]))


class DemandTransitionView(TransitionView):
    model = TalentDemand


class DemandFillView(ScopedActionMixin, View):
    model = TalentDemand

    def post(self, request, *args, **kwargs):
        demand = self.get_object()
        form = FillForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for text in errors:
                    messages.error(request, text)
        else:
            try:
                services.talent_demand_record_fill(
                    actor=request.user, demand=demand, filled_count=form.cleaned_data["filled_count"]
                )
            except ValidationError as exc:
                for text in exc.messages:
                    messages.error(request, text)
            else:
                messages.success(request, _("已登记满足人数。"))
        return HttpResponseRedirect(reverse("enterprises:demand-detail", args=[demand.pk]))


class ReviewQueueView(ScopedViewMixin, TemplateView):
    """The secretariat's review queue: counts per type and status, and the submitted rows with approve/return."""

    model = TalentDemand
    template_name = "enterprises/demands/review_queue.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        counts = selectors.review_counts(user)
        queues = selectors.review_queue(user)
        sections = [
            (_("人才需求"), "demand", counts["talent_demand"], DemandStatus, queues["talent_demand"][:100]),
            (_("员工培训需求"), "trainingneed", counts["training_need"], NeedStatus, queues["training_need"][:100]),
            (_("技术攻关需求"), "techproblem", counts["technology_problem"], NeedStatus,
             queues["technology_problem"][:100]),
        ]
        context.update(
            reviewer=selectors.is_reviewer(user),
            sections=[
                {"title": title, "prefix": prefix, "rows": list(rows),
                 "counts": [(label, counts_.get(value, 0)) for value, label in choices.choices]}
                for title, prefix, counts_, choices, rows in sections
            ],
        )
        return context


# --- staff-training needs and technology problems -----------------------------------------------------------------


class NeedListView(ScopedViewMixin, ListView):
    template_name = "enterprises/demands/need_list.html"
    paginate_by = PAGE_SIZE
    prefix = ""
    title: Any = ""

    def scope_queryset(self, queryset):
        qs = queryset.select_related("unit")
        status = self.request.GET.get("status", "")
        if status in NeedStatus.values:
            qs = qs.filter(status=status)
        return qs.order_by("-created_at", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            prefix=self.prefix, title=self.title, statuses=NeedStatus.choices,
            status=self.request.GET.get("status", ""), querystring=_querystring(self.request),
            can_create=enterprise_units(self.request.user).exists(),
            create_url=reverse(f"enterprises:{self.prefix}-create"),
        )
        return context


class NeedDetailView(ScopedViewMixin, DetailView):
    template_name = "enterprises/demands/need_detail.html"
    context_object_name = "need"
    prefix = ""
    history_field = ""

    def scope_queryset(self, queryset):
        return queryset.select_related("unit")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        need, user = self.object, self.request.user
        editable = _can_edit(self.model, user, need)
        context.update(
            prefix=self.prefix,
            history=DemandStatusChange.objects.visible_to(user).filter(**{self.history_field: need})
            .select_related("actor"),
            can_edit=editable and need.status in (NeedStatus.DRAFT, NeedStatus.RETURNED),
            can_submit=editable and need.status in (NeedStatus.DRAFT, NeedStatus.RETURNED),
            can_withdraw=editable and need.status not in (NeedStatus.WITHDRAWN, NeedStatus.CLOSED),
            can_close=editable and need.status == NeedStatus.PUBLISHED,
            can_review=editable and selectors.is_reviewer(user) and need.status == NeedStatus.SUBMITTED,
            transition_url=reverse(f"enterprises:{self.prefix}-transition", args=[need.pk]),
            edit_url=reverse(f"enterprises:{self.prefix}-edit", args=[need.pk]),
            published=need.status in NEED_PUBLISHED,
        )
        return context


class TrainingNeedListView(NeedListView):
    model = StaffTrainingNeed
    prefix = "trainingneed"
    title = gettext_lazy("员工培训需求")


class TrainingNeedDetailView(NeedDetailView):
    model = StaffTrainingNeed
    prefix = "trainingneed"
    history_field = "training_need"


class TrainingNeedCreateView(ServiceFormView):
    model = StaffTrainingNeed
    form_class = TrainingNeedForm
    needs_object = False
    page_title = gettext_lazy("登记员工培训需求")
    list_url_name = "enterprises:trainingneed-list"

    def save(self, form) -> Any:
        return services.training_need_create(
            actor=self.request.user, unit=form.cleaned_data["unit"], **form.service_kwargs()
        )

    def get_success_url(self) -> str:
        return reverse("enterprises:trainingneed-detail", args=[self.saved.pk])


class TrainingNeedEditView(ServiceFormView):
    model = StaffTrainingNeed
    form_class = TrainingNeedForm
    page_title = gettext_lazy("修改员工培训需求")
    list_url_name = "enterprises:trainingneed-list"
    detail_url_name = "enterprises:trainingneed-detail"

    def save(self, form) -> Any:
        return services.training_need_update(actor=self.request.user, need=self.object, **form.service_kwargs())

    def get_success_url(self) -> str:
        return reverse("enterprises:trainingneed-detail", args=[self.saved.pk])


class TrainingNeedTransitionView(TransitionView):
    model = StaffTrainingNeed
    detail_url_name = "enterprises:trainingneed-detail"


class TechProblemListView(NeedListView):
    model = TechnologyProblem
    prefix = "techproblem"
    title = gettext_lazy("技术攻关需求")


class TechProblemDetailView(NeedDetailView):
    model = TechnologyProblem
    prefix = "techproblem"
    history_field = "technology_problem"

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "field")


class TechProblemCreateView(ServiceFormView):
    model = TechnologyProblem
    form_class = TechnologyProblemForm
    needs_object = False
    page_title = gettext_lazy("登记技术攻关需求")
    list_url_name = "enterprises:techproblem-list"

    def save(self, form) -> Any:
        return services.technology_problem_create(
            actor=self.request.user, unit=form.cleaned_data["unit"], **form.service_kwargs()
        )

    def get_success_url(self) -> str:
        return reverse("enterprises:techproblem-detail", args=[self.saved.pk])


class TechProblemEditView(ServiceFormView):
    model = TechnologyProblem
    form_class = TechnologyProblemForm
    page_title = gettext_lazy("修改技术攻关需求")
    list_url_name = "enterprises:techproblem-list"
    detail_url_name = "enterprises:techproblem-detail"

    def save(self, form) -> Any:
        return services.technology_problem_update(actor=self.request.user, problem=self.object, **form.service_kwargs())

    def get_success_url(self) -> str:
        return reverse("enterprises:techproblem-detail", args=[self.saved.pk])


class TechProblemTransitionView(TransitionView):
    model = TechnologyProblem
    detail_url_name = "enterprises:techproblem-detail"


urlpatterns = [
    path("", EnterpriseListView.as_view(), name="enterprise-list"),
    path("units/<int:pk>/", EnterpriseDetailView.as_view(), name="enterprise-detail"),
    path("units/<int:pk>/edit/", EnterpriseEditView.as_view(), name="enterprise-edit"),
    path("demands/", DemandListView.as_view(), name="demand-list"),
    path("demands/new/", DemandCreateView.as_view(), name="demand-create"),
    path("demands/<int:pk>/", DemandDetailView.as_view(), name="demand-detail"),
    path("demands/<int:pk>/edit/", DemandEditView.as_view(), name="demand-edit"),
    path("demands/<int:pk>/transition/", DemandTransitionView.as_view(), name="demand-transition"),
    path("demands/<int:pk>/fill/", DemandFillView.as_view(), name="demand-fill"),
    path("review/", ReviewQueueView.as_view(), name="review-queue"),
    path("training-needs/", TrainingNeedListView.as_view(), name="trainingneed-list"),
    path("training-needs/new/", TrainingNeedCreateView.as_view(), name="trainingneed-create"),
    path("training-needs/<int:pk>/", TrainingNeedDetailView.as_view(), name="trainingneed-detail"),
    path("training-needs/<int:pk>/edit/", TrainingNeedEditView.as_view(), name="trainingneed-edit"),
    path("training-needs/<int:pk>/transition/", TrainingNeedTransitionView.as_view(), name="trainingneed-transition"),
    path("tech-problems/", TechProblemListView.as_view(), name="techproblem-list"),
    path("tech-problems/new/", TechProblemCreateView.as_view(), name="techproblem-create"),
    path("tech-problems/<int:pk>/", TechProblemDetailView.as_view(), name="techproblem-detail"),
    path("tech-problems/<int:pk>/edit/", TechProblemEditView.as_view(), name="techproblem-edit"),
    path("tech-problems/<int:pk>/transition/", TechProblemTransitionView.as_view(), name="techproblem-transition"),
]
