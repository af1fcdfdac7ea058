"""People pages of the schools app: teachers (certifications, enterprise practice), industry professors, studios,
the shared part-time teacher pool and its engagement requests, training bases, students.

Every view derives from ScopedViewMixin / ScopedActionMixin (objects come through ``visible_to`` /
``editable_by``: 404 out of scope, 403 visible-but-not-changeable); writes call ``schools.services`` and show their
ValidationError messages as form errors; personal fields follow ``selectors.can_see_personal`` /
``student_view_mode``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView, TemplateView, View

from consortium.tenancy.mixins import ScopedActionMixin, ScopedFileView, ScopedViewMixin
from consortium.tenancy.models import MemberUnit
from consortium.tenancy.scoping import is_platform_admin, unit_roles

from .. import selectors, services
from ..choices import EngagementStatus, ProfessorKind, StudioKind, TrainingBaseKind
from ..forms.people import (
    DualQualificationForm,
    EngagementDecisionForm,
    EngagementRequestForm,
    ExpiringFilterForm,
    PoolExpertForm,
    PoolFilterForm,
    PracticeForm,
    PracticeTotalsFilterForm,
    ProfessorForm,
    StudentCertificateForm,
    StudentFilterForm,
    StudentForm,
    StudentShareForm,
    StudioForm,
    TeacherFilterForm,
    TeacherForm,
    TrainingBaseForm,
    UnitKindFilterForm,
    writable_units,
)
from ..models import (
    DualQualification,
    EngagementRequest,
    EnterprisePractice,
    IndustryProfessor,
    PoolExpert,
    Student,
    StudentCertificate,
    Studio,
    Teacher,
    TrainingBase,
)

EXPIRY_WARNING_DAYS = 90


# --- helpers --------------------------------------------------------------------------------------------------------


def _editable_ids(model: type[models.Model], user: Any, rows: Any) -> set[int]:
    """Ids among ``rows`` the user may change (one query, whatever the number of rows)."""
    ids = [row.pk for row in rows]
    if not ids:
        return set()
    return set(model.objects.editable_by(user).filter(pk__in=ids).values_list("pk", flat=True))  # type: ignore[attr-defined]


def _querystring(request: Any) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _is_writer(user: Any) -> bool:
    """Officials and unit staff never write; the services decide the rest."""
    if is_platform_admin(user) or getattr(user, "role", "") == "secretariat":
        return True
    return "unit_admin" in unit_roles(user).values()


def expiry_state(expires_on: Any, today: Any = None) -> str:
    """``expired`` / ``expiring`` (within 90 days) / ``valid`` / ``open`` (no expiry date) — for badges."""
    if expires_on is None:
        return "open"
    today = today or timezone.localdate()
    if expires_on < today:
        return "expired"
    if expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS):
        return "expiring"
    return "valid"


class ServiceFormView(ScopedViewMixin, FormView):
    """A form page whose submit calls a service.

    ``needs_object``: the URL's ``pk`` names a row of ``model`` fetched through the chokepoint (edit, or create under a
    parent); otherwise a create page, refused (403) to users with no unit to write for."""

    write_view = True
    needs_object = True
    template_name = "schools/people/form.html"
    page_title: Any = ""
    multipart = False
    schools_only = True
    object: Any = None
    instance_of_object = False  # edit views: the form edits ``self.object``

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.needs_object:
            self.object = self.get_object()
        elif not writable_units(request.user, schools_only=self.schools_only).exists():
            raise PermissionDenied(_("您没有可登记此类信息的单位。"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if self.object is not None:
            kwargs["consortium_id"] = self.object.consortium_id
        if self.instance_of_object:
            kwargs["instance"] = self.object
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

    def cancel_url(self) -> str:
        return self.get_success_url() if self.object is not None else reverse("schools:teacher-list")

    def side_context(self) -> dict[str, Any]:
        return {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            page_title=self.page_title,
            multipart=self.multipart,
            cancel_url=self.cancel_url(),
            **self.side_context(),
        )
        return context


class ServiceActionView(ScopedActionMixin, View):
    """POST-only button: runs a service on the object; errors become a message on the page it came from."""

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            with transaction.atomic():
                message = self.perform(self.object)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            messages.success(request, message)
        return HttpResponseRedirect(self.redirect_url())

    def perform(self, obj: Any) -> str:
        raise NotImplementedError

    def redirect_url(self) -> str:
        raise NotImplementedError


def _cap_cards(user: Any, units: Any) -> list[dict[str, Any]]:
    """Part-time cap figures of up to 5 schools (2 queries per school; never per teacher row)."""
    cards = []
    for unit in list(units)[:5]:
        status = selectors.part_time_status(user, unit)
        if status is not None:
            cards.append({"unit": unit, **status})
    return cards


# --- teachers -------------------------------------------------------------------------------------------------------


def _teacher_display(user: Any, teacher: Teacher) -> None:
    """Personal fields in clear for the owning school and the secretariat, masked for everyone else."""
    teacher.show_personal = selectors.can_see_personal(user, teacher.unit_id, teacher.consortium_id)
    teacher.id_display = teacher.id_number if teacher.show_personal else selectors.mask_id_number(teacher.id_number)
    teacher.phone_display = teacher.phone if teacher.show_personal else selectors.mask_phone(teacher.phone)


class TeacherListView(ScopedViewMixin, ListView):
    model = Teacher
    paginate_by = 25
    template_name = "schools/people/teacher_list.html"
    context_object_name = "teachers"

    def scope_queryset(self, queryset):
        self.filter_form = TeacherFilterForm(self.request.GET or None, user=self.request.user)
        f = self.filter_form.values()
        today = timezone.localdate()
        valid_dual = DualQualification.objects.filter(teacher=OuterRef("pk")).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=today)
        )
        qs = queryset.select_related("unit", "source_unit").annotate(has_dual=Exists(valid_dual))
        if f.get("q"):
            q = f["q"]
            qs = qs.filter(Q(name__icontains=q) | Q(title__icontains=q) | Q(expertise__icontains=q))
        if f.get("unit"):
            qs = qs.filter(unit=f["unit"])
        if f.get("employment"):
            qs = qs.filter(employment=f["employment"])
        if f.get("dual"):
            qs = qs.filter(has_dual=f["dual"] == "yes")
        if f.get("active"):
            qs = qs.filter(is_active=f["active"] == "yes")
        return qs.order_by("unit__name", "name", "id")

    def get_template_names(self) -> list[str]:
        if getattr(self.request, "htmx", False) and not self.request.htmx.boosted:
            return ["schools/people/_teacher_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        for teacher in context["teachers"]:
            _teacher_display(user, teacher)
        units = writable_units(user)
        selected = self.filter_form.values().get("unit")
        context.update(
            filter_form=self.filter_form,
            querystring=_querystring(self.request),
            can_create=_is_writer(user) and units.exists(),
            cap_cards=_cap_cards(user, [selected] if selected else units) if _is_writer(user) or selected else [],
        )
        return context


class TeacherDetailView(ScopedViewMixin, DetailView):
    model = Teacher
    template_name = "schools/people/teacher_detail.html"
    context_object_name = "teacher"

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "source_unit").prefetch_related("programmes")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, teacher = self.request.user, self.object
        today = timezone.localdate()
        certifications = list(
            DualQualification.objects.visible_to(user).filter(teacher=teacher).order_by("-certified_on", "id")
        )
        for cert in certifications:
            cert.state = expiry_state(cert.expires_on, today)
        practices = list(
            EnterprisePractice.objects.visible_to(user)
            .filter(teacher=teacher)
            .select_related("host_unit")
            .order_by("-start_date", "id")
        )
        can_edit = Teacher.objects.editable_by(user).filter(pk=teacher.pk).exists()
        _teacher_display(user, teacher)
        context.update(
            certifications=certifications,
            practices=practices,
            practice_hours=sum(p.hours for p in practices),
            pool_entry=PoolExpert.objects.visible_to(user).filter(teacher=teacher).first(),
            can_edit=can_edit,
            cap_cards=_cap_cards(user, [teacher.unit]) if can_edit else [],
        )
        return context


class TeacherFormMixin:
    form_class = TeacherForm

    def side_context(self) -> dict[str, Any]:
        user = self.request.user  # type: ignore[attr-defined]
        units = [self.object.unit] if self.object is not None else writable_units(user)  # type: ignore[attr-defined]
        return {"cap_cards": _cap_cards(user, units)}

    @staticmethod
    def teacher_fields(form) -> dict[str, Any]:
        return form.service_fields("programmes")


class TeacherCreateView(TeacherFormMixin, ServiceFormView):
    model = Teacher
    needs_object = False
    page_title = gettext_lazy("登记教师")

    def save(self, form):
        return services.teacher_create(
            actor=self.request.user,
            unit=form.cleaned_data["unit"],
            programmes=form.cleaned_data["programmes"],
            **self.teacher_fields(form),
        )

    def get_success_url(self):
        return reverse("schools:teacher-detail", kwargs={"pk": self.saved.pk})

    def cancel_url(self):
        return reverse("schools:teacher-list")


class TeacherEditView(TeacherFormMixin, ServiceFormView):
    model = Teacher
    instance_of_object = True
    page_title = gettext_lazy("编辑教师")

    def save(self, form):
        return services.teacher_update(
            actor=self.request.user,
            teacher=self.object,
            programmes=form.cleaned_data["programmes"],
            **self.teacher_fields(form),
        )

    def get_success_url(self):
        return reverse("schools:teacher-detail", kwargs={"pk": self.object.pk})


class TeacherDeactivateView(ServiceActionView):
    model = Teacher

    def perform(self, obj):
        services.teacher_deactivate(actor=self.request.user, teacher=obj)
        return _("已将“%(name)s”标记为离职。") % {"name": obj.name}

    def redirect_url(self):
        return reverse("schools:teacher-detail", kwargs={"pk": self.object.pk})


class DualQualificationCreateView(ServiceFormView):
    """Create under a teacher: the URL's pk is the teacher's."""

    model = Teacher
    form_class = DualQualificationForm
    multipart = True
    page_title = gettext_lazy("登记双师型认定")

    def save(self, form):
        return services.dual_qualification_create(actor=self.request.user, teacher=self.object, **form.cleaned_data)

    def get_success_url(self):
        return reverse("schools:teacher-detail", kwargs={"pk": self.object.pk})


class DualQualificationEditView(ServiceFormView):
    model = DualQualification
    form_class = DualQualificationForm
    instance_of_object = True
    multipart = True
    page_title = gettext_lazy("编辑双师型认定")

    def save(self, form):
        fields = dict(form.cleaned_data)
        if fields.get("evidence_file") is None:  # no new upload: keep the stored file
            fields.pop("evidence_file", None)
        elif fields.get("evidence_file") is False:  # "clear" ticked
            fields["evidence_file"] = ""
        return services.dual_qualification_update(actor=self.request.user, certification=self.object, **fields)

    def get_success_url(self):
        return reverse("schools:teacher-detail", kwargs={"pk": self.object.teacher_id})


class CertificationExpiringView(ScopedViewMixin, ListView):
    model = DualQualification
    paginate_by = 50
    template_name = "schools/people/certification_expiring.html"
    context_object_name = "certifications"

    def scope_queryset(self, queryset):
        form = ExpiringFilterForm(self.request.GET or None)
        self.days = (form.cleaned_data.get("days") if form.is_valid() else None) or EXPIRY_WARNING_DAYS
        self.filter_form = form if form.is_bound else ExpiringFilterForm(initial={"days": self.days})
        # The selector starts from DualQualification.objects.visible_to(user), like ``queryset``.
        return selectors.certifications_expiring(self.request.user, within_days=self.days)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        rows = context["certifications"]
        editable = _editable_ids(DualQualification, self.request.user, rows)
        for cert in rows:
            cert.days_left = (cert.expires_on - today).days
            cert.can_edit = cert.pk in editable
        context.update(filter_form=self.filter_form, days=self.days, querystring=_querystring(self.request))
        return context


class PracticeCreateView(ServiceFormView):
    model = Teacher
    form_class = PracticeForm
    page_title = gettext_lazy("登记企业实践")

    def save(self, form):
        return services.practice_create(actor=self.request.user, teacher=self.object, **form.cleaned_data)

    def get_success_url(self):
        return reverse("schools:teacher-detail", kwargs={"pk": self.object.pk})


class PracticeEditView(ServiceFormView):
    model = EnterprisePractice
    form_class = PracticeForm
    instance_of_object = True
    page_title = gettext_lazy("编辑企业实践")

    def save(self, form):
        return services.practice_update(actor=self.request.user, practice=self.object, **form.cleaned_data)

    def get_success_url(self):
        return reverse("schools:teacher-detail", kwargs={"pk": self.object.teacher_id})


class PracticeTotalsView(ScopedViewMixin, TemplateView):
    """Enterprise-practice hours per school and per teacher (two aggregate queries + pagination)."""

    model = EnterprisePractice
    template_name = "schools/people/practice_totals.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = PracticeTotalsFilterForm(self.request.GET or None, user=user)
        f = form.values()
        by_school = selectors.practice_totals_by_school(user, since=f.get("since"), until=f.get("until"))
        if f.get("unit"):
            by_school = [row for row in by_school if row["unit_id"] == f["unit"].pk]
        teachers = selectors.practice_totals_by_teacher(
            user, unit=f.get("unit"), since=f.get("since"), until=f.get("until")
        )
        if f.get("q"):
            teachers = teachers.filter(name__icontains=f["q"])
        page = Paginator(teachers, 50).get_page(self.request.GET.get("page"))
        context.update(
            filter_form=form,
            by_school=by_school,
            school_total=sum(row["hours"] or 0 for row in by_school),
            page_obj=page,
            teachers=page.object_list,
            querystring=_querystring(self.request),
        )
        return context


# --- industry professors, studios, training bases -------------------------------------------------------------------


class SimpleListView(ScopedViewMixin, ListView):
    """List with search, unit and kind filters and per-row edit buttons (one query for the editable ids)."""

    paginate_by = 25
    kind_choices: Any = ()
    search_fields: tuple[str, ...] = ("name",)
    create_schools_only = True

    def scope_queryset(self, queryset):
        self.filter_form = UnitKindFilterForm(
            self.request.GET or None, user=self.request.user, kind_choices=self.kind_choices
        )
        f = self.filter_form.values()
        qs = queryset.select_related("unit")
        if f.get("q"):
            condition = Q()
            for name in self.search_fields:
                condition |= Q(**{f"{name}__icontains": f["q"]})
            qs = qs.filter(condition)
        if f.get("unit"):
            qs = qs.filter(unit=f["unit"])
        if f.get("kind"):
            qs = qs.filter(kind=f["kind"])
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        editable = _editable_ids(self.model, user, context["object_list"])
        for row in context["object_list"]:
            row.can_edit = row.pk in editable
        context.update(
            filter_form=self.filter_form,
            querystring=_querystring(self.request),
            can_create=_is_writer(user) and writable_units(user, schools_only=self.create_schools_only).exists(),
        )
        return context


class ProfessorListView(SimpleListView):
    model = IndustryProfessor
    template_name = "schools/people/professor_list.html"
    kind_choices = ProfessorKind.choices
    search_fields = ("person_name", "outputs")

    def scope_queryset(self, queryset):
        return super().scope_queryset(queryset).select_related("from_unit")


class StudioListView(SimpleListView):
    model = Studio
    template_name = "schools/people/studio_list.html"
    kind_choices = StudioKind.choices
    search_fields = ("name", "lead_name", "description")
    create_schools_only = False

    def scope_queryset(self, queryset):
        return super().scope_queryset(queryset).select_related("partner_unit")


class TrainingBaseListView(SimpleListView):
    model = TrainingBase
    template_name = "schools/people/trainingbase_list.html"
    kind_choices = TrainingBaseKind.choices
    search_fields = ("name", "address", "description")
    create_schools_only = False


def _simple_form_views(model, form_class, service_create, service_update, kwarg, list_name, titles, schools_only):
    """Create/edit views of a unit-owned row whose page is its list (professors, studios, training bases)."""

    class Create(ServiceFormView):
        needs_object = False
        page_title = titles[0]

        def save(self, form):
            return service_create(actor=self.request.user, unit=form.cleaned_data["unit"], **form.service_fields())

        def get_success_url(self):
            return reverse(f"schools:{list_name}")

        cancel_url = get_success_url

    class Edit(ServiceFormView):
        instance_of_object = True
        page_title = titles[1]

        def save(self, form):
            return service_update(actor=self.request.user, **{kwarg: self.object}, **form.service_fields())

        def get_success_url(self):
            return reverse(f"schools:{list_name}")

        cancel_url = get_success_url

    for cls, suffix in ((Create, "CreateView"), (Edit, "EditView")):
        cls.model, cls.form_class, cls.schools_only = model, form_class, schools_only
        cls.__name__ = cls.__qualname__ = model.__name__ + suffix
    return Create, Edit


ProfessorCreateView, ProfessorEditView = _simple_form_views(
    IndustryProfessor,
    ProfessorForm,
    services.professor_create,
    services.professor_update,
    "professor",
    "professor-list",
    (gettext_lazy("聘任产业教授"), gettext_lazy("编辑产业教授")),
    True,
)
StudioCreateView, StudioEditView = _simple_form_views(
    Studio,
    StudioForm,
    services.studio_create,
    services.studio_update,
    "studio",
    "studio-list",
    (gettext_lazy("设立工作室"), gettext_lazy("编辑工作室")),
    False,
)
TrainingBaseCreateView, TrainingBaseEditView = _simple_form_views(
    TrainingBase,
    TrainingBaseForm,
    services.training_base_create,
    services.training_base_update,
    "base",
    "trainingbase-list",
    (gettext_lazy("登记教师培训基地"), gettext_lazy("编辑教师培训基地")),
    False,
)


# --- shared part-time teacher pool ----------------------------------------------------------------------------------


class PoolView(ScopedViewMixin, ListView):
    """The consortium-wide pool search: non-personal fields only (PoolExpert holds nothing else)."""

    model = PoolExpert
    paginate_by = 24
    template_name = "schools/people/pool.html"
    context_object_name = "experts"

    def scope_queryset(self, queryset):
        self.filter_form = PoolFilterForm(self.request.GET or None, user=self.request.user)
        f = self.filter_form.values()
        found = selectors.pool_experts_search(
            self.request.user, q=f.get("q", ""), industry_id=f["industry"].pk if f.get("industry") else None
        )
        return found.prefetch_related("industries")  # the selector starts from visible_to, like ``queryset``

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        school_ids = set(writable_units(user).values_list("pk", flat=True)) if _is_writer(user) else set()
        editable = _editable_ids(PoolExpert, user, context["experts"])
        for expert in context["experts"]:
            expert.can_edit = expert.pk in editable
            expert.can_request = expert.is_listed and bool(school_ids - {expert.unit_id})
        context.update(
            filter_form=self.filter_form,
            querystring=_querystring(self.request),
            can_create=_is_writer(user) and writable_units(user, schools_only=False).exists(),
        )
        return context


class PoolExpertCreateView(ServiceFormView):
    model = PoolExpert
    needs_object = False
    schools_only = False
    form_class = PoolExpertForm
    page_title = gettext_lazy("加入兼职教师库")

    def save(self, form):
        return services.pool_expert_create(
            actor=self.request.user,
            unit=form.cleaned_data["unit"],
            industries=form.cleaned_data["industries"],
            **form.service_fields("industries"),
        )

    def get_success_url(self):
        return reverse("schools:pool")

    cancel_url = get_success_url


class PoolExpertEditView(ServiceFormView):
    model = PoolExpert
    form_class = PoolExpertForm
    instance_of_object = True
    page_title = gettext_lazy("编辑兼职教师库条目")

    def save(self, form):
        return services.pool_expert_update(
            actor=self.request.user,
            expert=self.object,
            industries=form.cleaned_data["industries"],
            **form.service_fields("industries"),
        )

    def get_success_url(self):
        return reverse("schools:pool")

    cancel_url = get_success_url


class EngagementRequestView(ScopedViewMixin, FormView):
    """A school asks to engage a pool expert (pk = the expert). Readable by whoever sees the expert; only an admin of
    another school can submit (the form offers only such schools; the service re-checks)."""

    model = PoolExpert
    form_class = EngagementRequestForm
    template_name = "schools/people/engagement_request.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.request.user, "expert": self.object}

    def post(self, request, *args, **kwargs):
        if not (_is_writer(request.user) and self.get_form().fields["school_unit"].queryset.exists()):
            raise PermissionDenied(_("只有联合体内其他职业学校的管理员可以提出聘用申请。"))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            services.engagement_request(actor=self.request.user, expert=self.object, **data)
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已向“%(unit)s”提交聘用申请，等待审批。") % {"unit": self.object.unit.name})
        return HttpResponseRedirect(reverse("schools:engagement-list"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context.update(
            expert=self.object,
            can_request=_is_writer(self.request.user)
            and self.object.is_listed
            and form.fields["school_unit"].queryset.exists(),
        )
        return context


class EngagementListView(ScopedViewMixin, ListView):
    """Engagement requests of both sides: received (the expert's unit decides) and sent (the school withdraws)."""

    model = EngagementRequest
    paginate_by = 25
    template_name = "schools/people/engagement_list.html"
    context_object_name = "engagements"

    def scope_queryset(self, queryset):
        self.status = self.request.GET.get("status", "")
        if self.status not in EngagementStatus.values:
            self.status = ""
        found = selectors.engagements_for(self.request.user, status=self.status)
        qs = found.select_related("requested_by", "decided_by")  # the selector starts from visible_to
        self.side = self.request.GET.get("side", "")
        mine = list(unit_roles(self.request.user))
        if self.side == "received":
            qs = qs.filter(unit_id__in=mine)
        elif self.side == "sent":
            qs = qs.filter(school_unit_id__in=mine)
        return qs.order_by("-created_at", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        writable = set(MemberUnit.objects.editable_by(user).values_list("pk", flat=True)) if _is_writer(user) else set()
        for row in context["engagements"]:
            pending = row.status == EngagementStatus.REQUESTED
            row.can_decide = pending and row.unit_id in writable
            row.can_withdraw = pending and row.school_unit_id in writable
        context.update(
            status=self.status,
            side=self.side,
            statuses=EngagementStatus.choices,
            querystring=_querystring(self.request),
            has_units=bool(unit_roles(user)),
        )
        return context


class EngagementDecideView(ServiceActionView):
    model = EngagementRequest

    def perform(self, obj):
        form = EngagementDecisionForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError({"decision": [_("请选择同意或拒绝。")]})
        approve = form.cleaned_data["decision"] == "approve"
        services.engagement_decide(
            actor=self.request.user, engagement=obj, approve=approve, reason=form.cleaned_data["reason"]
        )
        return _("已同意聘用申请，已在申请学校登记为兼职教师。") if approve else _("已拒绝聘用申请。")

    def redirect_url(self):
        return reverse("schools:engagement-list")


class EngagementWithdrawView(ServiceActionView):
    model = EngagementRequest

    def perform(self, obj):
        services.engagement_withdraw(actor=self.request.user, engagement=obj)
        return _("已撤回聘用申请。")

    def redirect_url(self):
        return reverse("schools:engagement-list")


# --- students -------------------------------------------------------------------------------------------------------


class StudentListView(ScopedViewMixin, ListView):
    """Students of the consortium. Personal fields only where ``student_view_mode`` says "full"; the shared ids are
    read once per request."""

    model = Student
    paginate_by = 25
    template_name = "schools/people/student_list.html"
    context_object_name = "students"

    def scope_queryset(self, queryset):
        user = self.request.user
        self.shared_ids = selectors.shared_student_ids(user)
        self.filter_form = StudentFilterForm(self.request.GET or None, user=user)
        f = self.filter_form.values()
        qs = queryset.select_related("unit", "offering__programme")
        if f.get("q"):
            q = f["q"]
            condition = Q(skills__icontains=q) | Q(preferred_places__icontains=q)
            personal = Q(student_no__icontains=q) | Q(name__icontains=q)
            if not (is_platform_admin(user) or user.role == "secretariat"):
                # Names and numbers are searchable only where the user may read them (no inference by search).
                personal &= Q(unit_id__in=list(unit_roles(user))) | Q(pk__in=self.shared_ids)
            qs = qs.filter(condition | personal)
        if f.get("unit"):
            qs = qs.filter(unit=f["unit"])
        if f.get("programme"):
            qs = qs.filter(offering__programme=f["programme"])
        if f.get("cohort"):
            qs = qs.filter(cohort=f["cohort"])
        if f.get("status"):
            qs = qs.filter(status=f["status"])
        if f.get("graduation"):
            qs = qs.filter(expected_graduation__year=f["graduation"])
        if f.get("local"):
            qs = qs.filter(willing_to_work_locally=f["local"] == "yes")
        return qs.order_by("unit__name", "-cohort", "student_no", "id")

    def get_template_names(self) -> list[str]:
        if getattr(self.request, "htmx", False) and not self.request.htmx.boosted:
            return ["schools/people/_student_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        for student in context["students"]:
            student.mode = selectors.student_view_mode(user, student, self.shared_ids)
        context.update(
            filter_form=self.filter_form,
            querystring=_querystring(self.request),
            can_create=_is_writer(user) and writable_units(user).exists(),
        )
        return context


class StudentDetailView(ScopedViewMixin, DetailView):
    model = Student
    template_name = "schools/people/student_detail.html"
    context_object_name = "student"

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "offering__programme").prefetch_related("preferred_industries")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, student = self.request.user, self.object
        can_edit = Student.objects.editable_by(user).filter(pk=student.pk).exists()
        shared_units = []
        if can_edit:
            shared_units = list(
                MemberUnit.objects.visible_to(user)
                .filter(
                    memberships__is_active=True,
                    memberships__user__studentuserobjectpermission__content_object=student,
                )
                .distinct()
                .order_by("name")
            )
        context.update(
            mode=selectors.student_view_mode(user, student),
            certificates=StudentCertificate.objects.visible_to(user).filter(student=student).order_by("-issued_on"),
            can_edit=can_edit,
            shared_units=shared_units,
            share_form=StudentShareForm(user=user, student=student) if can_edit else None,
        )
        return context


class StudentCreateView(ServiceFormView):
    model = Student
    needs_object = False
    form_class = StudentForm
    page_title = gettext_lazy("登记学生")

    def save(self, form):
        return services.student_create(
            actor=self.request.user,
            unit=form.cleaned_data["unit"],
            preferred_industries=form.cleaned_data["preferred_industries"],
            **form.service_fields("preferred_industries"),
        )

    def get_success_url(self):
        return reverse("schools:student-detail", kwargs={"pk": self.saved.pk})

    def cancel_url(self):
        return reverse("schools:student-list")


class StudentEditView(ServiceFormView):
    model = Student
    form_class = StudentForm
    instance_of_object = True
    page_title = gettext_lazy("编辑学生")

    def save(self, form):
        return services.student_update(
            actor=self.request.user,
            student=self.object,
            preferred_industries=form.cleaned_data["preferred_industries"],
            **form.service_fields("preferred_industries"),
        )

    def get_success_url(self):
        return reverse("schools:student-detail", kwargs={"pk": self.object.pk})


class CertificateCreateView(ServiceFormView):
    model = Student
    form_class = StudentCertificateForm
    page_title = gettext_lazy("登记学生证书")

    def save(self, form):
        return services.student_certificate_create(actor=self.request.user, student=self.object, **form.cleaned_data)

    def get_success_url(self):
        return reverse("schools:student-detail", kwargs={"pk": self.object.pk})


class _StudentShareBase(ServiceActionView):
    model = Student

    def unit(self, obj):
        form = StudentShareForm(self.request.POST, user=self.request.user, student=obj)
        if not form.is_valid():
            raise ValidationError({"unit": [_("请选择本联合体的其他成员单位。")]})
        return form.cleaned_data["unit"]

    def redirect_url(self):
        return reverse("schools:student-detail", kwargs={"pk": self.object.pk})


class StudentShareView(_StudentShareBase):
    def perform(self, obj):
        unit = self.unit(obj)
        count = services.student_share(actor=self.request.user, student=obj, unit=unit)
        return _("已向“%(unit)s”共享完整信息（%(count)d位用户）。") % {"unit": unit.name, "count": count}


class StudentUnshareView(_StudentShareBase):
    def perform(self, obj):
        unit = self.unit(obj)
        services.student_unshare(actor=self.request.user, student=obj, unit=unit)
        return _("已取消向“%(unit)s”的共享。") % {"unit": unit.name}


class DualQualificationEvidenceView(ScopedFileView):
    """The evidence file of a certification, for those who may read the teacher's record."""

    model = DualQualification
    file_field = "evidence_file"


urlpatterns = [
    path("teachers/", TeacherListView.as_view(), name="teacher-list"),
    path("teachers/new/", TeacherCreateView.as_view(), name="teacher-create"),
    path("teachers/<int:pk>/", TeacherDetailView.as_view(), name="teacher-detail"),
    path("teachers/<int:pk>/edit/", TeacherEditView.as_view(), name="teacher-edit"),
    path("teachers/<int:pk>/deactivate/", TeacherDeactivateView.as_view(), name="teacher-deactivate"),
    path("teachers/<int:pk>/certifications/new/", DualQualificationCreateView.as_view(), name="dualqual-create"),
    path("certifications/<int:pk>/edit/", DualQualificationEditView.as_view(), name="dualqual-edit"),
    path("certifications/<int:pk>/evidence/", DualQualificationEvidenceView.as_view(), name="dualqual-evidence"),
    path("certifications/expiring/", CertificationExpiringView.as_view(), name="certification-expiring"),
    path("teachers/<int:pk>/practice/new/", PracticeCreateView.as_view(), name="practice-create"),
    path("practice/<int:pk>/edit/", PracticeEditView.as_view(), name="practice-edit"),
    path("practice/totals/", PracticeTotalsView.as_view(), name="practice-totals"),
    path("professors/", ProfessorListView.as_view(), name="professor-list"),
    path("professors/new/", ProfessorCreateView.as_view(), name="professor-create"),
    path("professors/<int:pk>/edit/", ProfessorEditView.as_view(), name="professor-edit"),
    path("studios/", StudioListView.as_view(), name="studio-list"),
    path("studios/new/", StudioCreateView.as_view(), name="studio-create"),
    path("studios/<int:pk>/edit/", StudioEditView.as_view(), name="studio-edit"),
    path("pool/", PoolView.as_view(), name="pool"),
    path("pool/new/", PoolExpertCreateView.as_view(), name="pool-expert-create"),
    path("pool/<int:pk>/edit/", PoolExpertEditView.as_view(), name="pool-expert-edit"),
    path("pool/<int:pk>/engage/", EngagementRequestView.as_view(), name="engagement-request"),
    path("engagements/", EngagementListView.as_view(), name="engagement-list"),
    path("engagements/<int:pk>/decide/", EngagementDecideView.as_view(), name="engagement-decide"),
    path("engagements/<int:pk>/withdraw/", EngagementWithdrawView.as_view(), name="engagement-withdraw"),
    path("training-bases/", TrainingBaseListView.as_view(), name="trainingbase-list"),
    path("training-bases/new/", TrainingBaseCreateView.as_view(), name="trainingbase-create"),
    path("training-bases/<int:pk>/edit/", TrainingBaseEditView.as_view(), name="trainingbase-edit"),
    path("students/", StudentListView.as_view(), name="student-list"),
    path("students/new/", StudentCreateView.as_view(), name="student-create"),
    path("students/<int:pk>/", StudentDetailView.as_view(), name="student-detail"),
    path("students/<int:pk>/edit/", StudentEditView.as_view(), name="student-edit"),
    path("students/<int:pk>/certificates/new/", CertificateCreateView.as_view(), name="certificate-create"),
    path("students/<int:pk>/share/", StudentShareView.as_view(), name="student-share"),
    path("students/<int:pk>/unshare/", StudentUnshareView.as_view(), name="student-unshare"),
]
