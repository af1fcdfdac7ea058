"""Pages of practice centres: list (filters), detail (services, opening hours, closures, resources, funding),
create/edit, opening hours (formset), closures, resources, and the week/month calendars of a centre or a resource.

Every view derives from ScopedViewMixin; pages addressed by a centre's pk that change its rows (hours, closures, new
resources) are write views of the centre. Writes call ``practice_center.services`` and their ValidationErrors become
form errors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView, UpdateView

from consortium.funding import selectors as funding_selectors
from consortium.tenancy.mixins import (
    ScopedActionMixin,
    ScopedParentMixin,
    ScopedViewMixin,
    ServiceFormMixin,
    atomic_scoped_save,
)
from consortium.tenancy.models import MemberUnit

from .. import calendar_grid, selectors, services
from ..choices import BookingPurpose, Weekday
from ..filtersets import CentreFilterSet
from ..forms import CentreForm, ClosureForm, OpeningHoursFormSet, ResourceForm, bookable_units, opening_rows
from ..models import CentreClosure, OpeningHours, PracticeCentre, Resource

FORM_TEMPLATE = "practice_center/form.html"


def editable(model: type, user: Any, pk: int) -> bool:
    return model.objects.editable_by(user).filter(pk=pk).exists()  # type: ignore[attr-defined]


def can_create_centre(user: Any) -> bool:
    return user.is_authenticated and MemberUnit.objects.editable_by(user).exists()


class FormMixin(ServiceFormMixin):
    """The practice-centre form pages (back to the centre list unless a view says otherwise)."""

    back_url_name = "practice_center:centre-list"


class CentreParentMixin(FormMixin, ScopedParentMixin):
    """Pages addressed by a centre's pk that change the centre's rows: the centre is fetched through the write
    scope before any handler runs (``self.centre``)."""

    model = PracticeCentre
    write_view = True
    parent_name = "centre"
    centre: PracticeCentre

    def get_back_url(self) -> str:
        return reverse("practice_center:centre-detail", kwargs={"pk": self.centre.pk})

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(centre=self.centre, **kwargs)


# --- centres ------------------------------------------------------------------------------------------------------


class CentreListView(ScopedViewMixin, ListView):
    model = PracticeCentre
    paginate_by = 30
    template_name = "practice_center/centre_list.html"
    context_object_name = "centres"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        self.filterset = CentreFilterSet(self.request.GET or None, queryset=queryset, request=self.request)
        for name, field in self.filterset.form.fields.items():
            css = "form-control form-control-sm" if name == "q" else "form-select form-select-sm"
            field.widget.attrs.update({"class": css, "aria-label": str(field.label)})
        self.filterset.form.fields["q"].widget.attrs["placeholder"] = _("按中心名称搜索")
        return (
            self.filterset.qs.select_related("owner_unit", "operator_unit")
            .annotate(resource_count=Count("resources", distinct=True))
            .order_by("name", "pk")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            tab="centres",
            filter_form=self.filterset.form,
            querystring=query.urlencode(),
            can_create=can_create_centre(self.request.user),
            **kwargs,
        )


def opening_by_weekday(rows: Any) -> list[tuple[str, list[Any]]]:
    by_day: dict[int, list[Any]] = {day: [] for day in Weekday.values}
    for row in rows:
        by_day[row.weekday].append(row)
    return [(Weekday(day).label, by_day[day]) for day in Weekday.values]


class CentreDetailView(ScopedViewMixin, DetailView):
    model = PracticeCentre
    template_name = "practice_center/centre_detail.html"
    context_object_name = "centre"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("owner_unit", "operator_unit")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user, centre = self.request.user, self.object
        purposes = dict(BookingPurpose.choices)
        can_edit = editable(PracticeCentre, user, centre.pk)
        return super().get_context_data(
            tab="centres",
            services_offered=[purposes[p] for p in centre.offered_purposes],
            opening=opening_by_weekday(selectors.opening_hours_for(user, centre)),
            closures=selectors.closures_for(user, centre, upcoming_only=True),
            resources=selectors.resources_for(user, centre=centre),
            funding=funding_selectors.totals_for_object(user, centre),
            funding_records=funding_selectors.records_for_object(user, centre),
            can_edit=can_edit,
            can_book=bookable_units(user).filter(consortium_id=centre.consortium_id).exists(),
            pending_count=(
                selectors.approval_queue(user).filter(centre=centre).count()
                if services.is_centre_admin(user, centre) else None
            ),
            **kwargs,
        )


class CentreCreateView(FormMixin, ScopedViewMixin, FormView):
    model = PracticeCentre
    form_class = CentreForm
    template_name = FORM_TEMPLATE
    heading = gettext_lazy("登记实践中心")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not can_create_centre(request.user):
            raise PermissionDenied(_("只有秘书处或成员单位管理员可以登记实践中心。"))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: CentreForm) -> HttpResponse:
        data = form.cleaned_data
        return self.run(
            form,
            lambda: services.centre_create(
                actor=self.request.user,
                owner_unit=data["owner_unit"],
                operator_unit=data.get("operator_unit"),
                **form.service_kwargs(),
            ),
            lambda obj: reverse("practice_center:centre-detail", kwargs={"pk": obj.pk}),
        )


class CentreEditView(FormMixin, ScopedViewMixin, UpdateView):
    model = PracticeCentre
    write_view = True
    form_class = CentreForm
    template_name = FORM_TEMPLATE
    heading = gettext_lazy("编辑实践中心")

    def get_back_url(self) -> str:
        return reverse("practice_center:centre-detail", kwargs={"pk": self.object.pk})

    def form_valid(self, form: CentreForm) -> HttpResponse:
        data = form.cleaned_data
        return self.run(
            form,
            lambda: services.centre_update(
                actor=self.request.user,
                centre=self.get_queryset().get(pk=self.object.pk),  # as stored (the form changed self.object)
                owner_unit=data["owner_unit"],
                operator_unit=data.get("operator_unit"),
                **form.service_kwargs(),
            ),
            reverse("practice_center:centre-detail", kwargs={"pk": self.object.pk}),
        )


# --- opening hours and closures -----------------------------------------------------------------------------------


class OpeningHoursView(CentreParentMixin, FormView):
    """Replace the weekly opening hours of a centre (a formset; empty rows are ignored)."""

    form_class = OpeningHoursFormSet
    template_name = "practice_center/opening_hours_form.html"
    heading = gettext_lazy("设置开放时间")
    form_takes_user = False

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.pop("initial", None)
        if self.request.method == "GET":
            kwargs["initial"] = [
                {"weekday": row.weekday, "opens": row.opens, "closes": row.closes}
                for row in OpeningHours.objects.visible_to(self.request.user).filter(centre=self.centre)
                .order_by("weekday", "opens")
            ]
        return kwargs

    def form_valid(self, form: Any) -> HttpResponse:
        def save() -> PracticeCentre:
            services.opening_hours_set(actor=self.request.user, centre=self.centre, rows=opening_rows(form))
            return self.centre  # the scope re-check applies to the centre whose hours changed

        try:
            atomic_scoped_save(self, save)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(form=form, service_errors=exc.messages))
        messages.success(self.request, _("开放时间已保存。"))
        return redirect("practice_center:centre-detail", pk=self.centre.pk)


class ClosureCreateView(CentreParentMixin, FormView):
    form_class = ClosureForm
    template_name = FORM_TEMPLATE
    heading = gettext_lazy("新增闭馆安排")
    form_takes_user = False

    def form_valid(self, form: ClosureForm) -> HttpResponse:
        data = form.cleaned_data
        return self.run(
            form,
            lambda: services.closure_create(
                actor=self.request.user,
                centre=self.centre,
                start=data["start"],
                end=data["end"],
                reason=data.get("reason", ""),
                cancel_conflicting=data.get("cancel_conflicting", False),
            ),
            reverse("practice_center:centre-detail", kwargs={"pk": self.centre.pk}),
            _("闭馆安排已保存。"),
        )


class ClosureDeleteView(ScopedActionMixin, DetailView):
    model = CentreClosure

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        closure = self.get_object()
        centre_id = closure.centre_id
        try:
            services.closure_delete(actor=request.user, closure=closure)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("闭馆安排已删除。"))
        return redirect("practice_center:centre-detail", pk=centre_id)


# --- resources ----------------------------------------------------------------------------------------------------


class ResourceCreateView(CentreParentMixin, FormView):
    form_class = ResourceForm
    template_name = FORM_TEMPLATE
    heading = gettext_lazy("新增实践资源")

    def form_valid(self, form: ResourceForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.resource_create(
                actor=self.request.user, centre=self.centre, **form.links(), **form.service_kwargs()
            ),
            lambda obj: reverse("practice_center:resource-calendar", kwargs={"pk": obj.pk}),
        )


class ResourceEditView(FormMixin, ScopedViewMixin, UpdateView):
    model = Resource
    write_view = True
    form_class = ResourceForm
    template_name = FORM_TEMPLATE
    heading = gettext_lazy("编辑实践资源")

    def get_back_url(self) -> str:
        return reverse("practice_center:resource-calendar", kwargs={"pk": self.object.pk})

    def form_valid(self, form: ResourceForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.resource_update(
                actor=self.request.user, resource=self.object, **form.links(), **form.service_kwargs()
            ),
            reverse("practice_center:resource-calendar", kwargs={"pk": self.object.pk}),
        )


# --- calendars ----------------------------------------------------------------------------------------------------


class CalendarMixin:
    """Week (default) or month view around ``?date=YYYY-MM-DD``; a bad date shows today and a message."""

    template_name = "practice_center/calendar.html"
    url_name = ""

    def calendar_context(self, *, centre: PracticeCentre, resource: Resource | None) -> dict[str, Any]:
        request = self.request  # type: ignore[attr-defined]
        tz = timezone.get_current_timezone()
        today = timezone.localdate()
        view = "month" if request.GET.get("view") == "month" else "week"
        day, date_error = calendar_grid.parse_date_param(request.GET.get("date"), today)
        start, end = calendar_grid.window_bounds(view, day, tz)
        events = selectors.calendar_events(request.user, centre=centre, resource=resource, start=start, end=end)
        if view == "month":
            grid: Any = calendar_grid.month_grid(events, day=day, tz=tz, today=today)
        else:
            windows = [(row.opens, row.closes) for row in selectors.opening_hours_for(request.user, centre)]
            grid = calendar_grid.week_grid(events, day=day, tz=tz, today=today, opening=windows)
        user = request.user
        return {
            "view": view,
            "day": day,
            "today": today,
            "date_error": date_error,
            "grid": grid,
            "events": events,
            "calendar_url": reverse(self.url_name, kwargs={"pk": self.object.pk}),  # type: ignore[attr-defined]
            "centre": centre,
            "resource": resource,
            "can_book": resource is not None
            and resource.is_active
            and bookable_units(user).filter(consortium_id=centre.consortium_id).exists(),
            "can_edit": editable(PracticeCentre, user, centre.pk),
        }


class CentreCalendarView(CalendarMixin, ScopedViewMixin, DetailView):
    model = PracticeCentre
    url_name = "practice_center:centre-calendar"
    context_object_name = "object"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(tab="centres", **kwargs)
        context.update(self.calendar_context(centre=self.object, resource=None))
        context["resources"] = selectors.resources_for(self.request.user, centre=self.object, active_only=True)
        return context


class ResourceCalendarView(CalendarMixin, ScopedViewMixin, DetailView):
    """The resource's page: its description, the "book" button and its calendar."""

    model = Resource
    url_name = "practice_center:resource-calendar"
    context_object_name = "object"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("centre").prefetch_related("programmes", "industries")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(tab="centres", **kwargs)
        context.update(self.calendar_context(centre=self.object.centre, resource=self.object))
        return context


urlpatterns = [
    path("centres/", CentreListView.as_view(), name="centre-list"),
    path("centres/new/", CentreCreateView.as_view(), name="centre-create"),
    path("centres/<int:pk>/", CentreDetailView.as_view(), name="centre-detail"),
    path("centres/<int:pk>/edit/", CentreEditView.as_view(), name="centre-edit"),
    path("centres/<int:pk>/hours/", OpeningHoursView.as_view(), name="centre-hours"),
    path("centres/<int:pk>/closures/new/", ClosureCreateView.as_view(), name="closure-create"),
    path("centres/<int:pk>/resources/new/", ResourceCreateView.as_view(), name="resource-create"),
    path("centres/<int:pk>/calendar/", CentreCalendarView.as_view(), name="centre-calendar"),
    path("closures/<int:pk>/delete/", ClosureDeleteView.as_view(), name="closure-delete"),
    path("resources/<int:pk>/", ResourceCalendarView.as_view(), name="resource-calendar"),
    path("resources/<int:pk>/edit/", ResourceEditView.as_view(), name="resource-edit"),
]
