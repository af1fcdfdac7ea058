"""Pages of policy and funding: the funding overview (totals per source and year, records), funding record create /
edit, and the policy library. Every view goes through ScopedViewMixin; writes call ``consortium.funding.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, UpdateView

from consortium.tenancy.mixins import ScopedFileView, ScopedViewMixin, atomic_scoped_save
from consortium.tenancy.scoping import is_platform_admin

from . import selectors, services
from .choices import FundingSource, PolicyStatus
from .forms import FundingRecordForm, PolicyDocumentForm
from .models import FundingRecord, PolicyDocument


def is_secretariat(user: Any) -> bool:
    return bool(user.is_authenticated and getattr(user, "role", "") == "secretariat" and user.consortium_id)


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 2000 <= number <= 2100 else None


class FormServiceMixin:
    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()  # type: ignore[misc]
        kwargs["user"] = self.request.user  # type: ignore[attr-defined]
        return kwargs

    def service_call(self, form: Any, call: Any) -> Any:
        try:
            return call()
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return None


class FundingOverviewView(ScopedViewMixin, ListView):
    """Totals per source and per year (ECharts) and the records list."""

    model = FundingRecord
    paginate_by = 30
    template_name = "funding/overview.html"
    context_object_name = "records"

    def scope_queryset(self, queryset):
        self.year = _int(self.request.GET.get("year"))
        source = self.request.GET.get("source", "")
        self.source = source if source in FundingSource.values else ""
        if self.year:
            queryset = queryset.filter(year=self.year)
        if self.source:
            queryset = queryset.filter(source=self.source)
        return queryset.select_related("recipient", "target_type").order_by("-year", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        selectors.attach_targets(list(context["records"]), user)
        by_source = selectors.totals_by_source(user, year=self.year)
        by_year = selectors.totals_by_year(user, source=self.source or None)
        context.update(
            by_source=by_source,
            by_year=by_year,
            grand_total=sum((row["total"] for row in by_source), 0),
            chart_source={"data": [{"name": r["label"], "value": float(r["total"])} for r in by_source]},
            chart_year={"years": [str(r["year"]) for r in by_year], "totals": [float(r["total"]) for r in by_year]},
            sources=FundingSource.choices,
            year=self.year,
            source=self.source,
            can_write=is_secretariat(user) or is_platform_admin(user),
        )
        return context


class FundingCreateView(FormServiceMixin, ScopedViewMixin, FormView):
    model = FundingRecord
    form_class = FundingRecordForm
    template_name = "funding/form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not is_secretariat(request.user):
            raise PermissionDenied(_("只有秘书处可以登记经费。"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = FundingRecord(consortium_id=self.request.user.consortium_id)
        return kwargs

    def form_valid(self, form: FundingRecordForm) -> HttpResponse:
        user = self.request.user

        def save():
            label, pk = form.target_parts()
            target = services.resolve_target(
                actor=user, consortium_id=user.consortium_id, target_type=label, target_id=pk or None
            )
            return services.funding_record_create(
                actor=user, consortium_id=user.consortium_id, target=target, **form.service_kwargs()
            )

        record = self.service_call(form, lambda: atomic_scoped_save(self, save))
        if record is None:
            return self.form_invalid(form)
        messages.success(self.request, _("经费记录已保存。"))
        return HttpResponseRedirect(reverse("funding:funding-overview"))


class FundingEditView(FormServiceMixin, ScopedViewMixin, UpdateView):
    model = FundingRecord
    write_view = True
    form_class = FundingRecordForm
    template_name = "funding/form.html"
    context_object_name = "record"

    def form_valid(self, form: FundingRecordForm) -> HttpResponse:
        user = self.request.user

        def save():
            label, pk = form.target_parts()
            target = services.resolve_target(
                actor=user, consortium_id=self.object.consortium_id, target_type=label, target_id=pk or None
            )
            return services.funding_record_update(
                actor=user, record=self.object, target=target, **form.service_kwargs()
            )

        record = self.service_call(form, lambda: atomic_scoped_save(self, save))
        if record is None:
            return self.form_invalid(form)
        messages.success(self.request, _("经费记录已保存。"))
        return HttpResponseRedirect(reverse("funding:funding-overview"))


class PolicyListView(ScopedViewMixin, ListView):
    model = PolicyDocument
    paginate_by = 30
    template_name = "funding/policy_list.html"
    context_object_name = "policies"

    def scope_queryset(self, queryset):
        q = (self.request.GET.get("q") or "").strip()[:60]
        self.q = q
        if q:
            queryset = queryset.filter(title__icontains=q) | queryset.filter(issuer__icontains=q)
        return queryset.order_by("-issued_on", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            q=self.q, can_write=is_secretariat(self.request.user), published=PolicyStatus.PUBLISHED, **kwargs
        )


class PolicyDetailView(ScopedViewMixin, DetailView):
    model = PolicyDocument
    template_name = "funding/policy_detail.html"
    context_object_name = "policy"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from consortium.tenancy.models import MemberUnit

        user = self.request.user
        units = MemberUnit.objects.visible_to(user).filter(benefiting_policies=self.object).order_by("name")
        editable = PolicyDocument.objects.editable_by(user).filter(pk=self.object.pk).exists()
        return super().get_context_data(units=units, can_edit=editable, **kwargs)


class PolicyCreateView(FormServiceMixin, ScopedViewMixin, FormView):
    model = PolicyDocument
    form_class = PolicyDocumentForm
    template_name = "funding/policy_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not is_secretariat(request.user):
            raise PermissionDenied(_("只有秘书处可以维护政策库。"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = PolicyDocument(consortium_id=self.request.user.consortium_id)
        return kwargs

    def form_valid(self, form: PolicyDocumentForm) -> HttpResponse:
        user = self.request.user
        policy = self.service_call(
            form,
            lambda: atomic_scoped_save(
                self,
                lambda: services.policy_create(
                    actor=user,
                    consortium_id=user.consortium_id,
                    benefiting_units=form.cleaned_data.get("benefiting_units") or [],
                    **form.service_kwargs(),
                ),
            ),
        )
        if policy is None:
            return self.form_invalid(form)
        messages.success(self.request, _("政策文件已保存。"))
        return HttpResponseRedirect(reverse("funding:policy-detail", kwargs={"pk": policy.pk}))


class PolicyEditView(FormServiceMixin, ScopedViewMixin, UpdateView):
    model = PolicyDocument
    write_view = True
    form_class = PolicyDocumentForm
    template_name = "funding/policy_form.html"
    context_object_name = "policy"

    def form_valid(self, form: PolicyDocumentForm) -> HttpResponse:
        kwargs = form.service_kwargs()
        if form.cleaned_data.get("attachment") is False:
            kwargs["attachment"] = None  # "clear" ticked
        policy = self.service_call(
            form,
            lambda: atomic_scoped_save(
                self,
                lambda: services.policy_update(
                    actor=self.request.user,
                    policy=self.object,
                    benefiting_units=form.cleaned_data.get("benefiting_units") or [],
                    **kwargs,
                ),
            ),
        )
        if policy is None:
            return self.form_invalid(form)
        messages.success(self.request, _("政策文件已保存。"))
        return HttpResponseRedirect(reverse("funding:policy-detail", kwargs={"pk": policy.pk}))


class PolicyDownloadView(ScopedFileView):
    model = PolicyDocument
    file_field = "attachment"


urlpatterns = [
    path("", FundingOverviewView.as_view(), name="funding-overview"),
    path("records/new/", FundingCreateView.as_view(), name="funding-create"),
    path("records/<int:pk>/edit/", FundingEditView.as_view(), name="funding-edit"),
    path("policies/", PolicyListView.as_view(), name="policy-list"),
    path("policies/new/", PolicyCreateView.as_view(), name="policy-create"),
    path("policies/<int:pk>/", PolicyDetailView.as_view(), name="policy-detail"),
    path("policies/<int:pk>/edit/", PolicyEditView.as_view(), name="policy-edit"),
    path("policies/<int:pk>/file/", PolicyDownloadView.as_view(), name="policy-download"),
]
