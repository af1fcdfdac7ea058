"""Pages of bookings: "book this resource", the booking list (my units' bookings by default), the booking detail
with its status history and buttons, the centre operators' approval queue (approve, refuse with a reason, no-show,
complete), and the iCalendar export.

Decisions are POST actions through ScopedActionMixin (object fetched through the write scope: out of scope 404,
visible but not changeable 403); the service then checks the specific party (a booking unit cannot approve its own
booking: 403)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from consortium.tenancy.choices import UnitRole
from consortium.tenancy.mixins import ScopedActionMixin, ScopedParentMixin, ScopedViewMixin, atomic_scoped_save
from consortium.tenancy.models import MemberUnit
from consortium.tenancy.scoping import is_platform_admin, unit_roles

from .. import ics, selectors, services
from ..choices import BookingPurpose, BookingStatus
from ..forms import BookingForm, DecisionForm, RefuseForm
from ..models import Booking, Resource
from .centres import FormMixin

ACTION_LABELS = {
    services.ACTION_APPROVE: gettext_lazy("批准"),
    services.ACTION_REFUSE: gettext_lazy("拒绝"),
    services.ACTION_CANCEL: gettext_lazy("取消预约"),
    services.ACTION_NO_SHOW: gettext_lazy("登记未到场"),
    services.ACTION_COMPLETE: gettext_lazy("登记已完成"),
}


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


def administered_centre_q(user: Any) -> Q:
    """Bookings of the centres whose owner or operator unit the user administers (the secretariat: all)."""
    if is_platform_admin(user) or getattr(user, "role", "") == "secretariat":
        return Q()
    if getattr(user, "role", "") != "member":
        return Q(pk__in=[])
    admin = [unit_id for unit_id, role in unit_roles(user).items() if role == UnitRole.UNIT_ADMIN]
    return Q(centre__owner_unit_id__in=admin) | Q(centre__operator_unit_id__in=admin)


def _status_message(booking: Booking) -> str:
    if booking.status == BookingStatus.APPROVED:
        return _("预约成功，已自动批准。")
    if booking.status == BookingStatus.WAITLISTED:
        return _("该时段已满，已加入候补名单；有空位时将按申请先后自动转正。")
    return _("预约已提交，等待实践中心审批。")


# --- booking a resource -------------------------------------------------------------------------------------------


class BookingCreateView(FormMixin, ScopedParentMixin, FormView):
    """Book a resource (pk = Resource pk; any user who can see the resource opens the page, booking needs a unit
    the user may book for)."""

    model = Resource
    parent_name = "resource"
    form_class = BookingForm
    template_name = "practice_center/booking_form.html"
    heading = gettext_lazy("预约资源")
    resource: Resource

    def get_back_url(self) -> str:
        return reverse("practice_center:resource-calendar", kwargs={"pk": self.resource.pk})

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["resource"] = self.resource
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        start = self.request.GET.get("start", "")[:20]
        try:
            moment = dt.datetime.fromisoformat(start) if start else None
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is None and 1970 <= moment.year <= 2100:
            initial["start"] = moment
            initial["end"] = moment + dt.timedelta(hours=2)
        return initial

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(resource=self.resource, centre=self.resource.centre, **kwargs)

    def form_valid(self, form: BookingForm) -> HttpResponse:
        try:
            booking = atomic_scoped_save(
                self,
                lambda: services.booking_request(
                    actor=self.request.user, resource=self.resource, **form.service_kwargs()
                ),
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        messages.success(self.request, _status_message(booking))
        return redirect("practice_center:booking-detail", pk=booking.pk)


# --- lists --------------------------------------------------------------------------------------------------------


class BookingListView(ScopedViewMixin, ListView):
    """Bookings the user sees; members see their own units' bookings unless ``?scope=all`` (which adds the
    bookings of the centres their units run)."""

    model = Booking
    paginate_by = 30
    template_name = "practice_center/booking_list.html"
    context_object_name = "bookings"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        get = self.request.GET
        self.my_units = list(unit_roles(self.request.user)) if self.request.user.consortium_id else []
        self.scope = "all" if (get.get("scope") == "all" or not self.my_units) else "mine"
        self.status = get.get("status", "") if get.get("status", "") in BookingStatus.values else ""
        self.purpose = get.get("purpose", "") if get.get("purpose", "") in BookingPurpose.values else ""
        if self.scope == "mine":
            queryset = queryset.filter(unit_id__in=self.my_units)
        if self.status:
            queryset = queryset.filter(status=self.status)
        if self.purpose:
            queryset = queryset.filter(purpose=self.purpose)
        return queryset.select_related("unit", "centre", "resource").order_by("-start", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(tab="bookings", **kwargs)
        user = self.request.user
        for booking in context["bookings"]:
            booking.can_cancel = services.ACTION_CANCEL in services.booking_allowed_actions(user, booking)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            scope=self.scope,
            has_units=bool(self.my_units),
            status=self.status,
            purpose=self.purpose,
            statuses=BookingStatus.choices,
            purposes=BookingPurpose.choices,
            querystring=query.urlencode(),
            my_units=MemberUnit.objects.visible_to(user).filter(pk__in=self.my_units).order_by("name"),
        )
        return context


class ApprovalQueueView(ScopedViewMixin, ListView):
    """Pending bookings of the centres the user's units own or operate (the secretariat: all), oldest start first;
    below, approved bookings that ended and still wait for the attendance record."""

    model = Booking
    paginate_by = 50
    template_name = "practice_center/approval_queue.html"
    context_object_name = "bookings"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        queue = selectors.approval_queue(self.request.user)
        return queryset.filter(pk__in=queue.values("pk")).select_related(
            "unit", "centre", "resource", "requested_by"
        ).order_by("start", "id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        ended = (
            Booking.objects.visible_to(user)
            .filter(administered_centre_q(user), status=BookingStatus.APPROVED, end__lte=timezone.now())
            .select_related("unit", "centre", "resource")
            .order_by("end", "id")[:50]
        )
        return super().get_context_data(tab="approvals", ended=ended, refuse_form=RefuseForm(), **kwargs)


# --- one booking --------------------------------------------------------------------------------------------------


class BookingDetailView(ScopedViewMixin, DetailView):
    model = Booking
    template_name = "practice_center/booking_detail.html"
    context_object_name = "booking"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related(
            "unit", "centre", "resource", "order_class", "training_session", "requested_by", "decided_by"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user, booking = self.request.user, self.object
        actions = selectors.booking_actions(user, booking)
        return super().get_context_data(
            tab="bookings",
            history=selectors.booking_history(user, booking),
            actions=[(a, ACTION_LABELS[a]) for a in actions if a != services.ACTION_REFUSE],
            can_refuse=services.ACTION_REFUSE in actions,
            refuse_form=RefuseForm(),
            **kwargs,
        )


class BookingActionView(ScopedActionMixin, DetailView):
    """POST (optional ``reason``, ``next``): approve / cancel / no-show / complete through the service."""

    model = Booking
    action = ""
    done_message: Any = ""

    def call(self, booking: Booking, reason: str) -> Booking:
        service = {
            services.ACTION_APPROVE: services.booking_approve,
            services.ACTION_CANCEL: services.booking_cancel,
            services.ACTION_NO_SHOW: services.booking_mark_no_show,
            services.ACTION_COMPLETE: services.booking_complete,
        }[self.action]
        return service(actor=self.request.user, booking=booking, reason=reason)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        booking = self.get_object()
        form = DecisionForm(request.POST)
        target = _safe_next(request, reverse("practice_center:booking-detail", kwargs={"pk": booking.pk}))
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(errors))
            return redirect(target)
        try:
            self.call(booking, form.cleaned_data["reason"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, str(self.done_message))
        return redirect(target)


class BookingApproveView(BookingActionView):
    action = services.ACTION_APPROVE
    done_message = gettext_lazy("预约已批准。")


class BookingCancelView(BookingActionView):
    action = services.ACTION_CANCEL
    done_message = gettext_lazy("预约已取消。")


class BookingNoShowView(BookingActionView):
    action = services.ACTION_NO_SHOW
    done_message = gettext_lazy("已登记为未到场。")


class BookingCompleteView(BookingActionView):
    action = services.ACTION_COMPLETE
    done_message = gettext_lazy("已登记为已完成。")


class BookingRefuseView(ScopedParentMixin, FormView):
    """Refuse a booking: the reason is required (GET shows the form; a POST without a reason shows it again with
    the error)."""

    model = Booking
    write_view = True
    parent_name = "booking"
    form_class = RefuseForm
    template_name = "practice_center/refuse_form.html"
    booking: Booking

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            booking=self.booking,
            next=_safe_next(self.request, ""),
            back_url=_safe_next(
                self.request, reverse("practice_center:booking-detail", kwargs={"pk": self.booking.pk})
            ),
            **kwargs,
        )

    def form_valid(self, form: RefuseForm) -> HttpResponse:
        try:
            services.booking_refuse(actor=self.request.user, booking=self.booking, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已拒绝该预约。"))
        return redirect(_safe_next(self.request, reverse("practice_center:booking-detail",
                                                          kwargs={"pk": self.booking.pk})))


# --- iCalendar export ---------------------------------------------------------------------------------------------


class BookingExportView(ScopedViewMixin, View):
    """``GET bookings/export.ics[?unit=<id>]``: the bookings of one unit (a unit the user belongs to; the
    secretariat and officials: any unit of the consortium) or, by default, every booking the user sees."""

    model = Booking

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        bookings = self.get_queryset().select_related("unit", "centre", "resource").order_by("start", "id")
        name = _("实践中心预约")
        filename = "practice-bookings.ics"
        raw = request.GET.get("unit")
        if raw is not None:
            unit = self._unit(raw)
            bookings = bookings.filter(unit=unit)
            name = _("%(unit)s的实践中心预约") % {"unit": unit.name}
            filename = f"practice-bookings-unit-{unit.pk}.ics"
        calendar = ics.bookings_calendar(bookings, name=name, stamp=timezone.now())
        return ics.ics_response(calendar, filename=filename)

    def _unit(self, raw: str) -> MemberUnit:
        user = self.request.user
        try:
            unit_id = int(raw)
            if not 0 < unit_id < 2**63:
                raise ValueError
        except (TypeError, ValueError):
            raise Http404(_("单位不存在。"))
        units = MemberUnit.objects.visible_to(user)
        if not (is_platform_admin(user) or user.role in ("secretariat", "official")):
            units = units.filter(pk__in=list(unit_roles(user)))
        unit = units.filter(pk=unit_id).first()
        if unit is None:
            raise Http404(_("单位不存在。"))
        return unit


urlpatterns = [
    path("resources/<int:pk>/book/", BookingCreateView.as_view(), name="booking-create"),
    path("bookings/", BookingListView.as_view(), name="booking-list"),
    path("bookings/export.ics", BookingExportView.as_view(), name="booking-export"),
    path("bookings/<int:pk>/", BookingDetailView.as_view(), name="booking-detail"),
    path("bookings/<int:pk>/approve/", BookingApproveView.as_view(), name="booking-approve"),
    path("bookings/<int:pk>/refuse/", BookingRefuseView.as_view(), name="booking-refuse"),
    path("bookings/<int:pk>/cancel/", BookingCancelView.as_view(), name="booking-cancel"),
    path("bookings/<int:pk>/no-show/", BookingNoShowView.as_view(), name="booking-no-show"),
    path("bookings/<int:pk>/complete/", BookingCompleteView.as_view(), name="booking-complete"),
    path("approvals/", ApprovalQueueView.as_view(), name="approval-queue"),
]
