"""Pages of social training (社会培训) and of production & technical-service records at practice centres.

Every view derives from ScopedViewMixin / ScopedParentMixin / ScopedActionMixin; writes call
``practice_center.services`` and their ValidationErrors become form errors (or messages on action pages).
Trainee rows (personal data) are read through ``Trainee.objects.visible_to``: the organising unit, the secretariat
and officials; everybody else sees only the counts of a session.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, UpdateView

from consortium.tenancy.mixins import ScopedActionMixin, ScopedParentMixin, ScopedViewMixin, atomic_scoped_save
from consortium.tenancy.models import MemberUnit
from consortium.tenancy.scoping import unit_roles

from .. import selectors, services
from ..choices import ProductionKind
from ..forms_training import (
    AttendanceForm,
    CertificateIssueForm,
    ProductionRecordForm,
    TraineeForm,
    TrainingFilterForm,
    TrainingSessionForm,
    can_see_trainee_personal,
    certificate_numbers,
    mask_personal,
)
from ..models import Booking, PracticeCentre, ProductionRecord, Trainee, TrainingSession
from ..stats import may_see_stats, production_totals

FORM_TEMPLATE = "practice_center/training/form.html"


def _editable(model: type, user: Any, pk: int) -> bool:
    return model.objects.editable_by(user).filter(pk=pk).exists()  # type: ignore[attr-defined]


def _can_organise(user: Any) -> bool:
    """Who may open a training session: a user who may write for some unit (unit admins, the secretariat)."""
    return user.is_authenticated and MemberUnit.objects.editable_by(user).exists()


def _can_record_production(user: Any) -> bool:
    return user.is_authenticated and PracticeCentre.objects.editable_by(user).exists()


class FormMixin:
    """Passes the user to the form; renders service ValidationErrors as form errors; common context."""

    heading = ""
    back_url_name = ""

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()  # type: ignore[misc]
        kwargs["user"] = self.request.user  # type: ignore[attr-defined]
        return kwargs

    def get_back_url(self) -> str:
        return reverse(self.back_url_name)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.setdefault("heading", self.heading)
        context.setdefault("back_url", self.get_back_url())
        return context

    def run(self, form: Any, call: Any, success: Any) -> HttpResponse:
        try:
            obj = atomic_scoped_save(self, call)  # type: ignore[arg-type]
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)  # type: ignore[attr-defined]
        messages.success(self.request, _("已保存。"))  # type: ignore[attr-defined]
        return HttpResponseRedirect(success(obj))


# --- training sessions ----------------------------------------------------------------------------------------------


def _session_list_queryset(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("centre", "unit", "trainer_teacher", "trainer_expert").annotate(
        trainee_count=Count("trainees", distinct=True),
        completed_count=Count("trainees", filter=Q(trainees__completed=True), distinct=True),
        certificate_count=Count("trainees", filter=~Q(trainees__certificate_no=""), distinct=True),
    )


class TrainingSessionListView(ScopedViewMixin, ListView):
    """社会培训班: filter by centre, status and year; counts of trainees, completions and certificates."""

    model = TrainingSession
    paginate_by = 30
    template_name = "practice_center/training/session_list.html"
    context_object_name = "sessions"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        user = self.request.user
        self.filter_form = TrainingFilterForm(self.request.GET or None)
        self.filter_form.fields["centre"].queryset = PracticeCentre.objects.visible_to(user).order_by("name")
        filters: dict[str, Any] = {}
        if self.filter_form.is_bound:  # invalid values are ignored, the valid ones still filter
            self.filter_form.is_valid()
            filters = {k: v for k, v in self.filter_form.cleaned_data.items() if v not in (None, "")}
        if "centre" in filters:
            queryset = queryset.filter(centre=filters["centre"])
        if "status" in filters:
            queryset = queryset.filter(status=filters["status"])
        if "year" in filters:
            queryset = queryset.filter(start_date__year=filters["year"])
        self.querystring = "&".join(f"{key}={getattr(value, 'pk', value)}" for key, value in filters.items())
        return _session_list_queryset(queryset).order_by("-start_date", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            tab="training",
            show_stats=may_see_stats(self.request.user),
            filter_form=self.filter_form,
            querystring=self.querystring,
            can_create=_can_organise(self.request.user),
            **kwargs,
        )


class TrainingSessionDetailView(ScopedViewMixin, DetailView):
    model = TrainingSession
    template_name = "practice_center/training/session_detail.html"
    context_object_name = "session"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return _session_list_queryset(queryset)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user, session = self.request.user, self.object
        trainees = list(selectors.trainees_for(user, session))
        personal = can_see_trainee_personal(user, session)
        for trainee in trainees:
            trainee.id_display = trainee.id_number if personal else mask_personal(trainee.id_number)
        can_edit = _editable(TrainingSession, user, session.pk)
        return super().get_context_data(
            tab="training",
            trainees=trainees,
            trainees_visible=bool(trainees) or can_edit or personal,
            show_personal=personal,
            bookings=Booking.objects.visible_to(user)
            .filter(training_session=session)
            .select_related("resource", "unit")
            .order_by("start", "pk"),
            can_edit=can_edit,
            can_issue=can_edit and any(t.completed and not t.certificate_no for t in trainees),
            **kwargs,
        )


class TrainingSessionCreateView(FormMixin, ScopedViewMixin, FormView):
    model = TrainingSession
    form_class = TrainingSessionForm
    template_name = FORM_TEMPLATE
    heading = _("新建社会培训班")
    back_url_name = "practice_center:training-list"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not _can_organise(request.user):
            raise PermissionDenied(_("只有成员单位管理员或秘书处可以开设培训班。"))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        centre = self.request.GET.get("centre", "")
        if centre.isdigit():
            initial["centre"] = centre
        return initial

    def recheck_in_scope(self, obj: Any) -> None:
        if not TrainingSession.objects.editable_by(self.request.user).filter(pk=obj.pk).exists():
            raise PermissionDenied(_("该操作会使记录超出您的权限范围，已撤销。"))

    def form_valid(self, form: TrainingSessionForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.training_session_create(
                actor=self.request.user,
                unit=form.cleaned_data["unit"],
                centre=form.cleaned_data["centre"],
                **form.service_kwargs(),
            ),
            lambda obj: reverse("practice_center:training-detail", kwargs={"pk": obj.pk}),
        )


class TrainingSessionEditView(FormMixin, ScopedViewMixin, UpdateView):
    model = TrainingSession
    write_view = True
    form_class = TrainingSessionForm
    template_name = FORM_TEMPLATE
    heading = _("编辑社会培训班")

    def get_back_url(self) -> str:
        return reverse("practice_center:training-detail", kwargs={"pk": self.object.pk})

    def form_valid(self, form: TrainingSessionForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.training_session_update(
                actor=self.request.user, session=self.object, **form.service_kwargs()
            ),
            lambda obj: reverse("practice_center:training-detail", kwargs={"pk": obj.pk}),
        )


# --- trainees -------------------------------------------------------------------------------------------------------


class SessionChildMixin(FormMixin, ScopedParentMixin):
    """Pages addressed by a session's pk that change its trainees (the organiser's admins, the secretariat)."""

    model = TrainingSession
    write_view = True
    parent_name = "session"
    template_name = FORM_TEMPLATE

    def get_back_url(self) -> str:
        return reverse("practice_center:training-detail", kwargs={"pk": self.session.pk})  # type: ignore[attr-defined]

    def detail_url(self, *_args: Any) -> str:
        return self.get_back_url()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(session=self.session, **kwargs)  # type: ignore[attr-defined]


class TraineeCreateView(SessionChildMixin, FormView):
    form_class = TraineeForm
    heading = _("添加培训学员")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["consortium_id"] = self.session.consortium_id
        return kwargs

    def recheck_in_scope(self, obj: Any) -> None:
        if not Trainee.objects.editable_by(self.request.user).filter(pk=obj.pk).exists():
            raise PermissionDenied(_("该操作会使记录超出您的权限范围，已撤销。"))

    def form_valid(self, form: TraineeForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.trainee_create(actor=self.request.user, session=self.session, **form.service_kwargs()),
            self.detail_url,
        )


class TraineeEditView(FormMixin, ScopedViewMixin, UpdateView):
    """A trainee's data, attendance, completion and certificate (each through its service, in one transaction)."""

    model = Trainee
    write_view = True
    form_class = TraineeForm
    template_name = FORM_TEMPLATE
    heading = _("编辑培训学员")

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("session")

    def get_back_url(self) -> str:
        return reverse("practice_center:training-detail", kwargs={"pk": self.object.session_id})

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(session=self.object.session, **kwargs)

    def _save(self, form: TraineeForm) -> Trainee:
        """The form has already written its values onto ``self.object``: the services start from the stored row,
        so each record field only changes through its own service (attendance, completion, certificate)."""
        user, data = self.request.user, form.cleaned_data
        before = Trainee.objects.visible_to(user).select_related("session").get(pk=self.object.pk)
        stored = Trainee.objects.visible_to(user).select_related("session").get(pk=self.object.pk)
        trainee = services.trainee_update(actor=user, trainee=stored, **form.service_kwargs())
        if data["attended_hours"] != before.attended_hours:
            trainee = services.trainee_record_attendance(
                actor=user, trainee=trainee, attended_hours=data["attended_hours"]
            )
        if data["completed"] != before.completed:
            trainee = services.trainee_set_completed(actor=user, trainee=trainee, completed=data["completed"])
        number = (data.get("certificate_no") or "").strip()
        issued_on = data.get("certificate_issued_on")
        if number and (number != before.certificate_no or issued_on != before.certificate_issued_on):
            trainee = services.trainee_issue_certificate(
                actor=user, trainee=trainee, certificate_no=number, issued_on=issued_on
            )
        elif not number and before.certificate_no:
            raise ValidationError({"certificate_no": [_("证书已发放，编号不能清空。")]})
        return trainee

    def form_valid(self, form: TraineeForm) -> HttpResponse:
        return self.run(
            form,
            lambda: self._save(form),
            lambda obj: reverse("practice_center:training-detail", kwargs={"pk": obj.session_id}),
        )


class AttendanceView(SessionChildMixin, FormView):
    """Attended hours and completion of every trainee of the session in one form."""

    form_class = AttendanceForm
    template_name = "practice_center/training/attendance.html"
    heading = _("登记出勤与结业")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super(FormMixin, self).get_form_kwargs()
        kwargs["session"] = self.session
        kwargs["trainees"] = list(
            Trainee.objects.visible_to(self.request.user).filter(session=self.session).order_by("name", "pk")
        )
        return kwargs

    def recheck_in_scope(self, obj: Any) -> None:
        if not TrainingSession.objects.editable_by(self.request.user).filter(pk=self.session.pk).exists():
            raise PermissionDenied(_("该操作会使记录超出您的权限范围，已撤销。"))

    def form_valid(self, form: AttendanceForm) -> HttpResponse:
        def save() -> TrainingSession:
            services.session_record_attendance(
                actor=self.request.user,
                session=self.session,
                attendance=form.attendance(),
                completed_ids=form.completed_ids(),
            )
            return self.session

        return self.run(form, save, self.detail_url)


class CertificateIssueView(SessionChildMixin, FormView):
    """Issue numbered certificates to the completed trainees of the session that have none yet."""

    form_class = CertificateIssueForm
    template_name = "practice_center/training/certificates.html"
    heading = _("发放结业证书")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super(FormMixin, self).get_form_kwargs()
        kwargs["session"] = self.session
        return kwargs

    def waiting(self) -> list[Trainee]:
        return list(
            Trainee.objects.visible_to(self.request.user)
            .filter(session=self.session, completed=True, certificate_no="")
            .order_by("name", "pk")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(waiting=self.waiting(), **kwargs)

    def recheck_in_scope(self, obj: Any) -> None:
        if not TrainingSession.objects.editable_by(self.request.user).filter(pk=self.session.pk).exists():
            raise PermissionDenied(_("该操作会使记录超出您的权限范围，已撤销。"))

    def form_valid(self, form: CertificateIssueForm) -> HttpResponse:
        waiting = self.waiting()
        if not waiting:
            form.add_error(None, _("没有待发证的已结业学员。"))
            return self.form_invalid(form)

        def save() -> TrainingSession:
            used = Trainee.objects.visible_to(self.request.user).filter(
                consortium_id=self.session.consortium_id, certificate_no__startswith=form.cleaned_data["prefix"]
            )
            numbers = certificate_numbers(
                form.cleaned_data["prefix"], len(waiting), used.values_list("certificate_no", flat=True)
            )
            for trainee, number in zip(waiting, numbers, strict=True):
                services.trainee_issue_certificate(
                    actor=self.request.user,
                    trainee=trainee,
                    certificate_no=number,
                    issued_on=form.cleaned_data["issued_on"],
                )
            return self.session

        return self.run(form, save, self.detail_url)


class TraineeDeleteView(ScopedActionMixin, DetailView):
    """POST: remove a trainee without a certificate (the organiser's admins)."""

    model = Trainee

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        trainee = self.get_object()
        try:
            with transaction.atomic():
                services.trainee_delete(actor=request.user, trainee=trainee)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已删除学员。"))
        return redirect("practice_center:training-detail", pk=trainee.session_id)


# --- production & technical-service records -------------------------------------------------------------------------


class ProductionListView(ScopedViewMixin, ListView):
    """生产与技术服务记录, with value totals per centre and year."""

    model = ProductionRecord
    paginate_by = 30
    template_name = "practice_center/training/production_list.html"
    context_object_name = "records"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        user, params = self.request.user, self.request.GET
        self.centres = PracticeCentre.objects.visible_to(user).order_by("name")
        self.centre = params.get("centre", "") if params.get("centre", "").isdigit() else ""
        self.kind = params.get("kind", "") if params.get("kind", "") in ProductionKind.values else ""
        year = params.get("year", "")
        self.year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None
        if self.centre:
            queryset = queryset.filter(centre_id=int(self.centre))
        if self.kind:
            queryset = queryset.filter(kind=self.kind)
        if self.year:
            queryset = queryset.filter(date__year=self.year)
        self.filtered = queryset
        parts = [f"centre={self.centre}" if self.centre else "", f"kind={self.kind}" if self.kind else ""]
        parts.append(f"year={self.year}" if self.year else "")
        self.querystring = "&".join(p for p in parts if p)
        return queryset.select_related("centre", "unit", "client_unit").order_by("-date", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            tab="production",
            show_stats=may_see_stats(self.request.user),
            centres=self.centres,
            centre=self.centre,
            kinds=ProductionKind.choices,
            kind=self.kind,
            year=self.year,
            querystring=self.querystring,
            totals=production_totals(self.filtered),
            can_create=_can_record_production(self.request.user),
            **kwargs,
        )


class ProductionDetailView(ScopedViewMixin, DetailView):
    model = ProductionRecord
    template_name = "practice_center/training/production_detail.html"
    context_object_name = "record"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("centre", "unit", "client_unit")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            tab="production", can_edit=_editable(ProductionRecord, self.request.user, self.object.pk), **kwargs
        )


def recording_unit(user: Any, centre: PracticeCentre) -> MemberUnit:
    """The unit a production record is booked to: the operator if the user administers it, else the owner if the
    user administers that; the secretariat records for the operator."""
    admin_units = {unit_id for unit_id, role in unit_roles(user).items() if role == "unit_admin"}
    if user.role == "member" and centre.operator_unit_id not in admin_units and centre.owner_unit_id in admin_units:
        return centre.owner_unit
    return centre.operator_unit


class ProductionCreateView(FormMixin, ScopedViewMixin, FormView):
    model = ProductionRecord
    form_class = ProductionRecordForm
    template_name = FORM_TEMPLATE
    heading = _("登记生产与技术服务")
    back_url_name = "practice_center:production-list"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not _can_record_production(request.user):
            raise PermissionDenied(_("只有实践中心的产权单位、运营单位管理员或秘书处可以登记。"))
        return super().dispatch(request, *args, **kwargs)

    def recheck_in_scope(self, obj: Any) -> None:
        if not ProductionRecord.objects.editable_by(self.request.user).filter(pk=obj.pk).exists():
            raise PermissionDenied(_("该操作会使记录超出您的权限范围，已撤销。"))

    def form_valid(self, form: ProductionRecordForm) -> HttpResponse:
        centre = form.cleaned_data["centre"]
        return self.run(
            form,
            lambda: services.production_record_create(
                actor=self.request.user,
                centre=centre,
                unit=recording_unit(self.request.user, centre),
                **form.service_kwargs(),
            ),
            lambda obj: reverse("practice_center:production-detail", kwargs={"pk": obj.pk}),
        )


class ProductionEditView(FormMixin, ScopedViewMixin, UpdateView):
    model = ProductionRecord
    write_view = True
    form_class = ProductionRecordForm
    template_name = FORM_TEMPLATE
    heading = _("编辑生产与技术服务记录")

    def get_back_url(self) -> str:
        return reverse("practice_center:production-detail", kwargs={"pk": self.object.pk})

    def form_valid(self, form: ProductionRecordForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.production_record_update(
                actor=self.request.user, record=self.object, **form.service_kwargs()
            ),
            lambda obj: reverse("practice_center:production-detail", kwargs={"pk": obj.pk}),
        )


urlpatterns = [
    path("training/", TrainingSessionListView.as_view(), name="training-list"),
    path("training/new/", TrainingSessionCreateView.as_view(), name="training-create"),
    path("training/<int:pk>/", TrainingSessionDetailView.as_view(), name="training-detail"),
    path("training/<int:pk>/edit/", TrainingSessionEditView.as_view(), name="training-edit"),
    path("training/<int:pk>/trainees/new/", TraineeCreateView.as_view(), name="trainee-create"),
    path("training/<int:pk>/attendance/", AttendanceView.as_view(), name="training-attendance"),
    path("training/<int:pk>/certificates/", CertificateIssueView.as_view(), name="training-certificates"),
    path("training/trainees/<int:pk>/edit/", TraineeEditView.as_view(), name="trainee-edit"),
    path("training/trainees/<int:pk>/delete/", TraineeDeleteView.as_view(), name="trainee-delete"),
    path("production/", ProductionListView.as_view(), name="production-list"),
    path("production/new/", ProductionCreateView.as_view(), name="production-create"),
    path("production/<int:pk>/", ProductionDetailView.as_view(), name="production-detail"),
    path("production/<int:pk>/edit/", ProductionEditView.as_view(), name="production-edit"),
]
