"""Pages of the school STRUCTURE side (issue 3): schools, campuses, programmes, programme groups, yearly offerings,
the programme ↔ industry mapping and the alignment page "专业与产业对接".

Every view derives from ScopedViewMixin (objects come through ``visible_to`` / ``editable_by``; write views answer
403 on a visible-but-not-editable object before anything runs). Writes call ``schools.services``; their
ValidationErrors become form errors. Creating views are addressed by the PARENT's pk (``model`` = the parent model),
so the isolation suite checks them like any object page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, TemplateView, UpdateView

from consortium.tenancy.choices import UnitKind
from consortium.tenancy.mixins import ScopedParentMixin, ScopedViewMixin, atomic_scoped_save
from consortium.tenancy.models import Industry, LocalChain, MemberUnit
from consortium.tenancy.scoping import is_platform_admin, unit_roles

from .. import selectors, services
from ..choices import StudentStatus
from ..forms.programmes import (
    AlignmentYearForm,
    CampusForm,
    OfferingForm,
    ProgrammeFilterForm,
    ProgrammeForm,
    ProgrammeGroupForm,
    ProgrammeLinkFormSet,
    SchoolFilterForm,
    SchoolProfileForm,
)
from ..models import (
    Campus,
    Programme,
    ProgrammeGroup,
    ProgrammeIndustryLink,
    ProgrammeOffering,
    SchoolProfile,
)

# --- helpers ------------------------------------------------------------------------------------------------------


def _is_consortium_wide(user: Any) -> bool:
    return is_platform_admin(user) or getattr(user, "role", "") in ("secretariat", "official")


def can_see_cap(user: Any, unit_id: int) -> bool:
    """The part-time status card: the school itself, the secretariat, officials (and platform admins)."""
    return _is_consortium_wide(user) or unit_id in unit_roles(user)


def _editable(model: type, user: Any, pk: int) -> bool:
    return model.objects.editable_by(user).filter(pk=pk).exists()  # type: ignore[attr-defined]


def _back(request: HttpRequest, fallback: str) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


ACTIVE_STUDENT_STATUSES = (StudentStatus.STUDYING.value, StudentStatus.INTERNSHIP.value)


def supply_by_programme(rows: Iterable[Mapping[str, Any]]) -> dict[int, dict[str, int]]:
    """Pure: fold ``selectors.supply_by_offering`` rows into per-programme totals (students, in school, expected
    graduates)."""
    totals: dict[int, dict[str, int]] = defaultdict(lambda: {"total": 0, "in_school": 0, "expected_graduates": 0})
    for row in rows:
        bucket = totals[row["programme_id"]]
        bucket["total"] += row["total"]
        bucket["in_school"] += sum(row.get(s, 0) for s in ACTIVE_STUDENT_STATUSES)
        bucket["expected_graduates"] += row["expected_graduates"]
    return dict(totals)


def alignment_table(
    links: Iterable[Mapping[str, Any]], supply: Mapping[int, Mapping[str, int]], targets: Iterable[tuple[int, str]]
) -> list[dict[str, Any]]:
    """Pure: per target (industry or chain id, label), the weighted programme count (Σ weight/100), the number of
    programmes linked, and the weighted expected graduates / students in school of the linked programmes.

    ``links``: {"target": id, "programme_id", "weight"}; ``supply``: programme id → supply_by_programme bucket."""
    rows: dict[int, dict[str, Any]] = {
        pk: {"id": pk, "name": name, "programmes": 0, "weighted": 0.0, "graduates": 0.0, "in_school": 0.0}
        for pk, name in targets
    }
    for link in links:
        row = rows.get(link["target"])
        if row is None:
            continue
        share = link["weight"] / 100
        figures = supply.get(link["programme_id"], {})
        row["programmes"] += 1
        row["weighted"] += share
        row["graduates"] += share * figures.get("expected_graduates", 0)
        row["in_school"] += share * figures.get("in_school", 0)
    result = list(rows.values())
    for row in result:
        row["weighted"] = round(row["weighted"], 2)
        row["graduates"] = round(row["graduates"], 1)
        row["in_school"] = round(row["in_school"], 1)
    return result


def _programme_count(user: Any) -> Subquery:
    visible = Programme.objects.visible_to(user).filter(unit_id=OuterRef("unit_id"))
    return Subquery(
        visible.order_by().values("unit_id").annotate(n=Count("pk")).values("n"), output_field=IntegerField()
    )


class SchoolFormViewMixin:
    """Form views: pass the user to TenantModelForm and render service ValidationErrors as form errors."""

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()  # type: ignore[misc]
        kwargs["user"] = self.request.user  # type: ignore[attr-defined]
        return kwargs

    def service_call(self, form: Any, call: Any) -> Any:
        """Run ``call()``; on ValidationError put the messages on the form and return None."""
        try:
            return call()
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return None


# --- schools ------------------------------------------------------------------------------------------------------


class SchoolListView(ScopedViewMixin, ListView):
    """Schools of the consortium with level, staffing quota, programmes, campuses and enrolment."""

    model = SchoolProfile
    paginate_by = 30
    template_name = "schools/programmes/school_list.html"
    context_object_name = "schools"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        self.filter_form = SchoolFilterForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_bound and self.filter_form.is_valid() else {}
        if data.get("q"):
            queryset = queryset.filter(unit__name__icontains=data["q"])
        if data.get("level"):
            queryset = queryset.filter(level=data["level"])
        campuses = Campus.objects.visible_to(self.request.user).filter(school_id=OuterRef("pk"))
        return (
            queryset.select_related("unit")
            .annotate(
                programme_count=Coalesce(_programme_count(self.request.user), Value(0)),
                campus_count=Coalesce(
                    Subquery(
                        campuses.order_by().values("school_id").annotate(n=Count("pk")).values("n"),
                        output_field=IntegerField(),
                    ),
                    Value(0),
                ),
            )
            .order_by("unit__name", "pk")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        # School units the user may give a profile to, but which have none yet (secretariat: all; unit admin: own).
        missing = (
            MemberUnit.objects.editable_by(user)
            .filter(kind=UnitKind.SCHOOL, school_profile__isnull=True)
            .order_by("name")
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(filter_form=self.filter_form, querystring=query.urlencode(), missing_profiles=list(missing))
        return context


class SchoolDetailView(ScopedViewMixin, DetailView):
    """A school's profile: campuses, programme groups, programmes (with their mapping), offerings by year and the
    part-time status card."""

    model = SchoolProfile
    template_name = "schools/programmes/school_detail.html"
    context_object_name = "school"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("unit")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, school = self.request.user, self.object
        unit = school.unit
        programmes = list(
            selectors.programmes_for(user, unit=unit)
            .prefetch_related(
                Prefetch(
                    "industry_links",
                    queryset=ProgrammeIndustryLink.objects.visible_to(user).select_related("industry", "local_chain"),
                ),
            )
            .order_by("code")
        )
        offerings = list(
            ProgrammeOffering.objects.visible_to(user)
            .filter(unit=unit)
            .select_related("programme")
            .order_by("-year", "programme__code")
        )
        supply = {row["offering_id"]: row for row in selectors.supply_by_offering(user, unit=unit)}
        for offering in offerings:
            offering.supply = supply.get(offering.pk)
        groups = (
            ProgrammeGroup.objects.visible_to(user)
            .filter(unit=unit)
            .select_related("lead_programme")
            .prefetch_related(Prefetch("programmes", queryset=Programme.objects.visible_to(user).order_by("code")))
            .order_by("name")
        )
        context.update(
            unit=unit,
            campuses=Campus.objects.visible_to(user).filter(school=school).order_by("name"),
            programmes=programmes,
            groups=groups,
            offerings=offerings,
            can_edit=_editable(SchoolProfile, user, school.pk),
            show_cap=can_see_cap(user, unit.pk),
        )
        if context["show_cap"]:
            context["cap"] = selectors.part_time_status(user, unit)
        return context


class SchoolEditView(SchoolFormViewMixin, ScopedViewMixin, UpdateView):
    model = SchoolProfile
    write_view = True
    form_class = SchoolProfileForm
    template_name = "schools/programmes/school_form.html"
    context_object_name = "school"

    def form_valid(self, form: SchoolProfileForm) -> HttpResponse:
        profile = self.service_call(
            form,
            lambda: atomic_scoped_save(
                self,
                lambda: services.school_profile_update(
                    actor=self.request.user, profile=self.object, **form.service_kwargs()
                ),
            ),
        )
        if profile is None:
            return self.form_invalid(form)
        messages.success(self.request, _("已保存“%(school)s”的学校概况。") % {"school": profile.unit.name})
        return HttpResponseRedirect(reverse("schools:school-detail", kwargs={"pk": profile.pk}))


class SchoolCreateProfileView(SchoolFormViewMixin, ScopedParentMixin, FormView):
    """Register (or complete) the profile of a school unit (pk = MemberUnit pk): an upsert through the service."""

    model = MemberUnit
    parent_name = "unit"
    write_view = True
    form_class = SchoolProfileForm
    template_name = "schools/programmes/school_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        existing = SchoolProfile.objects.visible_to(self.request.user).filter(unit=self.unit).first()
        kwargs["instance"] = existing or SchoolProfile(consortium_id=self.unit.consortium_id, unit=self.unit)
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(unit=self.unit, creating=True, not_school=self.unit.kind != UnitKind.SCHOOL)
        return context

    def form_valid(self, form: SchoolProfileForm) -> HttpResponse:
        profile = self.service_call(
            form,
            lambda: services.school_profile_upsert(actor=self.request.user, unit=self.unit, **form.service_kwargs()),
        )
        if profile is None:
            return self.form_invalid(form)
        messages.success(self.request, _("已登记“%(school)s”的学校概况。") % {"school": self.unit.name})
        return HttpResponseRedirect(reverse("schools:school-detail", kwargs={"pk": profile.pk}))


# --- campuses -----------------------------------------------------------------------------------------------------


class CampusCreateView(SchoolFormViewMixin, ScopedParentMixin, FormView):
    """Add a campus to a school (pk = SchoolProfile pk)."""

    model = SchoolProfile
    parent_name = "school"
    write_view = True
    form_class = CampusForm
    template_name = "schools/programmes/campus_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(school=self.school, **kwargs)

    def form_valid(self, form: CampusForm) -> HttpResponse:
        campus = self.service_call(
            form,
            lambda: services.campus_create(actor=self.request.user, unit=self.school.unit, **form.service_kwargs()),
        )
        if campus is None:
            return self.form_invalid(form)
        messages.success(self.request, _("已添加校区“%(name)s”。") % {"name": campus.name})
        return HttpResponseRedirect(reverse("schools:school-detail", kwargs={"pk": self.school.pk}) + "#campuses")


class CampusEditView(SchoolFormViewMixin, ScopedViewMixin, UpdateView):
    model = Campus
    write_view = True
    form_class = CampusForm
    template_name = "schools/programmes/campus_form.html"
    context_object_name = "campus"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("school__unit")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(school=self.object.school, **kwargs)

    def form_valid(self, form: CampusForm) -> HttpResponse:
        campus = self.service_call(
            form,
            lambda: atomic_scoped_save(
                self,
                lambda: services.campus_update(actor=self.request.user, campus=self.object, **form.service_kwargs()),
            ),
        )
        if campus is None:
            return self.form_invalid(form)
        messages.success(self.request, _("已保存校区“%(name)s”。") % {"name": campus.name})
        return HttpResponseRedirect(reverse("schools:school-detail", kwargs={"pk": campus.school_id}) + "#campuses")


class CampusDeleteView(ScopedViewMixin, DetailView):
    """GET: confirmation; POST: delete through the service."""

    model = Campus
    write_view = True
    template_name = "schools/programmes/campus_confirm_delete.html"
    context_object_name = "campus"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("school__unit")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        campus = self.get_object()
        target = reverse("schools:school-detail", kwargs={"pk": campus.school_id}) + "#campuses"
        try:
            services.campus_delete(actor=request.user, campus=campus)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(target)
        messages.success(request, _("已删除校区“%(name)s”。") % {"name": campus.name})
        return redirect(target)


# --- programmes ---------------------------------------------------------------------------------------------------


class ProgrammeListView(ScopedViewMixin, ListView):
    """Programmes across the consortium: search by name/code; filters school, level, major category, priority class
    and status (of any offering year), local chain. Relations are prefetched: the query count does not grow."""

    model = Programme
    paginate_by = 30
    template_name = "schools/programmes/programme_list.html"
    context_object_name = "programmes"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        user = self.request.user
        self.filter_form = ProgrammeFilterForm(self.request.GET or None, user=user)
        data: dict[str, Any] = {}
        if self.filter_form.is_bound:
            self.filter_form.is_valid()  # invalid values are dropped, the valid ones still apply
            data = self.filter_form.cleaned_data
        q = (data.get("q") or "").strip()
        if q:
            queryset = queryset.filter(Q(name__icontains=q) | Q(code__startswith=q))
        if data.get("school"):
            queryset = queryset.filter(unit_id=data["school"].unit_id)
        if data.get("level"):
            queryset = queryset.filter(level=data["level"])
        if data.get("major_category"):
            queryset = queryset.filter(major_category=data["major_category"])
        offerings = ProgrammeOffering.objects.visible_to(user)
        if data.get("priority"):
            queryset = queryset.filter(pk__in=offerings.filter(priority_class=data["priority"]).values("programme_id"))
        if data.get("status"):
            queryset = queryset.filter(pk__in=offerings.filter(status=data["status"]).values("programme_id"))
        if data.get("chain"):
            links = ProgrammeIndustryLink.objects.visible_to(user).filter(local_chain=data["chain"])
            queryset = queryset.filter(pk__in=links.values("programme_id"))
        return (
            queryset.select_related("unit", "major_category")
            .prefetch_related(
                Prefetch(
                    "industry_links",
                    queryset=ProgrammeIndustryLink.objects.visible_to(user).select_related("industry", "local_chain"),
                ),
                Prefetch("offerings", queryset=offerings.order_by("-year"), to_attr="offerings_desc"),
            )
            .order_by("unit__name", "code", "pk")
        )

    def get_template_names(self) -> list[str]:
        if getattr(self.request, "htmx", False) and not self.request.htmx.boosted:
            return ["schools/programmes/_programme_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        # Schools where the user may add a programme (unit admins: their own; the secretariat: all with a profile).
        create_targets = list(
            SchoolProfile.objects.editable_by(self.request.user).select_related("unit").order_by("unit__name")[:50]
        )
        context.update(filter_form=self.filter_form, querystring=query.urlencode(), create_targets=create_targets)
        return context


class ProgrammeDetailView(ScopedViewMixin, DetailView):
    model = Programme
    template_name = "schools/programmes/programme_detail.html"
    context_object_name = "programme"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("unit", "major_category")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, programme = self.request.user, self.object
        supply = {
            row["offering_id"]: row
            for row in selectors.supply_by_offering(user, unit=programme.unit)
            if row["programme_id"] == programme.pk
        }
        offerings = list(ProgrammeOffering.objects.visible_to(user).filter(programme=programme).order_by("-year"))
        for offering in offerings:
            offering.supply = supply.get(offering.pk)
        links = list(
            ProgrammeIndustryLink.objects.visible_to(user)
            .filter(programme=programme)
            .select_related("industry", "local_chain")
            .order_by("-weight", "pk")
        )
        context.update(
            offerings=offerings,
            links=links,
            groups=ProgrammeGroup.objects.visible_to(user).filter(programmes=programme).order_by("name"),
            school=SchoolProfile.objects.visible_to(user).filter(unit_id=programme.unit_id).first(),
            can_edit=_editable(Programme, user, programme.pk),
            graduation_year=timezone.localdate().year,
        )
        return context


class ProgrammeCreateView(SchoolFormViewMixin, ScopedParentMixin, FormView):
    """Register a programme of a school (pk = SchoolProfile pk)."""

    model = SchoolProfile
    parent_name = "school"
    write_view = True
    form_class = ProgrammeForm
    template_name = "schools/programmes/programme_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(school=self.school, **kwargs)

    def form_valid(self, form: ProgrammeForm) -> HttpResponse:
        programme = self.service_call(
            form,
            lambda: services.programme_create(actor=self.request.user, unit=self.school.unit, **form.service_kwargs()),
        )
        if programme is None:
            return self.form_invalid(form)
        messages.success(self.request, _("已登记专业“%(programme)s”。") % {"programme": programme})
        return HttpResponseRedirect(reverse("schools:programme-detail", kwargs={"pk": programme.pk}))


class ProgrammeEditView(SchoolFormViewMixin, ScopedViewMixin, UpdateView):
    model = Programme
    write_view = True
    form_class = ProgrammeForm
    template_name = "schools/programmes/programme_form.html"
    context_object_name = "programme"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("unit", "major_category")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        school = SchoolProfile.objects.visible_to(self.request.user).filter(unit_id=self.object.unit_id).first()
        return super().get_context_data(school=school, **kwargs)

    def form_valid(self, form: ProgrammeForm) -> HttpResponse:
        fields = form.service_kwargs()
        if fields.get("major_category") is None:
            fields.pop("major_category", None)
            category = services.catalogue_category_for(fields.get("code", ""), fields.get("level", ""))
            if category is None:
                form.add_error("code", _("专业代码前两位不是该层次任何专业大类的代码。"))
                return self.form_invalid(form)
            fields["major_category"] = category
        programme = self.service_call(
            form,
            lambda: atomic_scoped_save(
                self, lambda: services.programme_update(actor=self.request.user, programme=self.object, **fields)
            ),
        )
        if programme is None:
            return self.form_invalid(form)
        messages.success(self.request, _("已保存专业“%(programme)s”。") % {"programme": programme})
        return HttpResponseRedirect(reverse("schools:programme-detail", kwargs={"pk": programme.pk}))


class ProgrammeLinksView(ScopedParentMixin, TemplateView):
    """The industry mapping editor: a formset of (industry | local chain, weight 1–100), replaced as a whole by
    ``services.programme_link_set``."""

    model = Programme
    parent_name = "programme"
    write_view = True
    template_name = "schools/programmes/programme_links.html"

    def _formset(self, data: Any = None) -> Any:
        user = self.request.user
        initial = [
            {"industry": link.industry_id, "local_chain": link.local_chain_id, "weight": link.weight}
            for link in ProgrammeIndustryLink.objects.visible_to(user)
            .filter(programme=self.programme)
            .order_by("-weight", "pk")
        ]
        return ProgrammeLinkFormSet(
            data,
            initial=initial,
            prefix="links",
            form_kwargs={"user": user, "consortium_id": self.programme.consortium_id},
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("formset", self._formset())
        context.update(programme=self.programme, service_errors=kwargs.get("service_errors", []))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        formset = self._formset(request.POST)
        if not formset.is_valid():
            return self.render_to_response(self.get_context_data(formset=formset), status=200)
        links = [
            form.link_value()
            for form in formset.forms
            if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            services.programme_link_set(actor=request.user, programme=self.programme, links=links)
        except ValidationError as exc:
            errors = exc.message_dict.get("links", exc.messages) if hasattr(exc, "error_dict") else exc.messages
            return self.render_to_response(self.get_context_data(formset=formset, service_errors=errors))
        messages.success(request, _("已保存“%(programme)s”的产业对应关系。") % {"programme": self.programme})
        return redirect(reverse("schools:programme-detail", kwargs={"pk": self.programme.pk}) + "#links")


# --- offerings ----------------------------------------------------------------------------------------------------


class OfferingCreateView(SchoolFormViewMixin, ScopedParentMixin, FormView):
    """Add a year of a programme (pk = Programme pk)."""

    model = Programme
    parent_name = "programme"
    write_view = True
    form_class = OfferingForm
    template_name = "schools/programmes/offering_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(programme=self.programme, **kwargs)

    def form_valid(self, form: OfferingForm) -> HttpResponse:
        year = form.cleaned_data["year"]
        if ProgrammeOffering.objects.visible_to(self.request.user).filter(programme=self.programme, year=year).exists():
            form.add_error("year", _("该专业本年度的开设记录已存在，请直接编辑。"))
            return self.form_invalid(form)
        result = self.service_call(
            form,
            lambda: services.offering_upsert(
                actor=self.request.user, programme=self.programme, year=year, **form.service_kwargs()
            ),
        )
        if result is None:
            return self.form_invalid(form)
        messages.success(self.request, _("已添加%(year)s年度的开设记录。") % {"year": year})
        return HttpResponseRedirect(reverse("schools:programme-detail", kwargs={"pk": self.programme.pk}))


class OfferingEditView(SchoolFormViewMixin, ScopedViewMixin, UpdateView):
    model = ProgrammeOffering
    write_view = True
    form_class = OfferingForm
    template_name = "schools/programmes/offering_form.html"
    context_object_name = "offering"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("programme")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(programme=self.object.programme, **kwargs)

    def form_valid(self, form: OfferingForm) -> HttpResponse:
        offering = self.object
        result = self.service_call(
            form,
            lambda: atomic_scoped_save(
                self,
                lambda: services.offering_upsert(
                    actor=self.request.user, programme=offering.programme, year=offering.year, **form.service_kwargs()
                )[0],
            ),
        )
        if result is None:
            return self.form_invalid(form)
        messages.success(self.request, _("已保存%(year)s年度的开设记录。") % {"year": offering.year})
        return HttpResponseRedirect(reverse("schools:programme-detail", kwargs={"pk": offering.programme_id}))


# --- programme groups ---------------------------------------------------------------------------------------------


class GroupCreateView(SchoolFormViewMixin, ScopedParentMixin, FormView):
    """Create a programme group of a school (pk = SchoolProfile pk)."""

    model = SchoolProfile
    parent_name = "school"
    write_view = True
    form_class = ProgrammeGroupForm
    template_name = "schools/programmes/group_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "unit": self.school.unit}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(school=self.school, **kwargs)

    def form_valid(self, form: ProgrammeGroupForm) -> HttpResponse:
        group = self.service_call(
            form,
            lambda: services.programme_group_create(
                actor=self.request.user,
                unit=self.school.unit,
                programmes=form.cleaned_data.get("programmes", []),
                **form.service_kwargs(),
            ),
        )
        if group is None:
            return self.form_invalid(form)
        messages.success(self.request, _("已创建专业群“%(name)s”。") % {"name": group.name})
        return HttpResponseRedirect(reverse("schools:school-detail", kwargs={"pk": self.school.pk}) + "#groups")


class GroupEditView(SchoolFormViewMixin, ScopedViewMixin, UpdateView):
    model = ProgrammeGroup
    write_view = True
    form_class = ProgrammeGroupForm
    template_name = "schools/programmes/group_form.html"
    context_object_name = "group"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("unit")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "unit": self.object.unit}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        school = SchoolProfile.objects.visible_to(self.request.user).filter(unit_id=self.object.unit_id).first()
        return super().get_context_data(school=school, **kwargs)

    def form_valid(self, form: ProgrammeGroupForm) -> HttpResponse:
        group = self.service_call(
            form,
            lambda: atomic_scoped_save(
                self,
                lambda: services.programme_group_update(
                    actor=self.request.user,
                    group=self.object,
                    programmes=form.cleaned_data.get("programmes", []),
                    **form.service_kwargs(),
                ),
            ),
        )
        if group is None:
            return self.form_invalid(form)
        messages.success(self.request, _("已保存专业群“%(name)s”。") % {"name": group.name})
        school = SchoolProfile.objects.visible_to(self.request.user).filter(unit_id=group.unit_id).first()
        if school is None:
            return HttpResponseRedirect(reverse("schools:programme-list"))
        return HttpResponseRedirect(reverse("schools:school-detail", kwargs={"pk": school.pk}) + "#groups")


# --- alignment ----------------------------------------------------------------------------------------------------


class AlignmentView(ScopedViewMixin, TemplateView):
    """专业与产业对接: per local chain and per 4567 industry, the weighted number of programmes mapped to it and the
    weighted expected graduates of those programmes (derived from student records, never typed twice)."""

    model = ProgrammeIndustryLink
    template_name = "schools/programmes/alignment.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not (
            _is_consortium_wide(user)
            or MemberUnit.objects.visible_to(user).filter(pk__in=list(unit_roles(user)), kind=UnitKind.SCHOOL).exists()
        ):
            raise PermissionDenied(_("专业与产业对接分析面向秘书处、政府部门和职业学校。"))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = AlignmentYearForm(self.request.GET or None)
        year = timezone.localdate().year
        if form.is_bound and form.is_valid() and form.cleaned_data.get("year"):
            year = form.cleaned_data["year"]
        links = list(
            self.get_queryset()
            .filter(programme__is_active=True)
            .values("programme_id", "industry_id", "local_chain_id", "weight")
        )
        supply = supply_by_programme(selectors.supply_by_offering(user, graduation_year=year))
        chains = list(LocalChain.objects.visible_to(user).order_by("position", "name").values_list("pk", "name"))
        industries = list(
            Industry.objects.visible_to(user).order_by("position", "code").values_list("pk", "group_name", "name")
        )
        chain_rows = alignment_table(
            ({"target": link["local_chain_id"], **link} for link in links if link["local_chain_id"]), supply, chains
        )
        industry_rows = alignment_table(
            ({"target": link["industry_id"], **link} for link in links if link["industry_id"]),
            supply,
            [(pk, name) for pk, _group, name in industries],
        )
        groups = {pk: group for pk, group, _name in industries}
        for row in industry_rows:
            row["group"] = groups.get(row["id"], "")
        programme_ids = {link["programme_id"] for link in links}
        unmapped = Programme.objects.visible_to(user).filter(is_active=True).exclude(pk__in=programme_ids).count()
        context.update(
            year=year,
            year_form=form,
            has_links=bool(links),
            chain_rows=chain_rows,
            industry_rows=industry_rows,
            mapped_programmes=len(programme_ids),
            unmapped_programmes=unmapped,
            has_supply=any(row["total"] for row in supply.values()),
            chain_chart={
                "names": [row["name"] for row in chain_rows],
                "weighted": [row["weighted"] for row in chain_rows],
                "graduates": [row["graduates"] for row in chain_rows],
            },
            industry_chart={
                "names": [row["name"] for row in industry_rows if row["programmes"]],
                "weighted": [row["weighted"] for row in industry_rows if row["programmes"]],
                "graduates": [row["graduates"] for row in industry_rows if row["programmes"]],
            },
        )
        return context


urlpatterns = [
    path("", SchoolListView.as_view(), name="school-list"),
    path("<int:pk>/", SchoolDetailView.as_view(), name="school-detail"),
    path("<int:pk>/edit/", SchoolEditView.as_view(), name="school-edit"),
    path("units/<int:pk>/profile/", SchoolCreateProfileView.as_view(), name="school-create-profile"),
    path("<int:pk>/campuses/new/", CampusCreateView.as_view(), name="campus-create"),
    path("campuses/<int:pk>/edit/", CampusEditView.as_view(), name="campus-edit"),
    path("campuses/<int:pk>/delete/", CampusDeleteView.as_view(), name="campus-delete"),
    path("<int:pk>/programmes/new/", ProgrammeCreateView.as_view(), name="programme-create"),
    path("<int:pk>/groups/new/", GroupCreateView.as_view(), name="group-create"),
    path("groups/<int:pk>/edit/", GroupEditView.as_view(), name="group-edit"),
    path("programmes/", ProgrammeListView.as_view(), name="programme-list"),
    path("programmes/<int:pk>/", ProgrammeDetailView.as_view(), name="programme-detail"),
    path("programmes/<int:pk>/edit/", ProgrammeEditView.as_view(), name="programme-edit"),
    path("programmes/<int:pk>/links/", ProgrammeLinksView.as_view(), name="programme-links"),
    path("programmes/<int:pk>/offerings/new/", OfferingCreateView.as_view(), name="offering-create"),
    path("offerings/<int:pk>/edit/", OfferingEditView.as_view(), name="offering-edit"),
    path("alignment/", AlignmentView.as_view(), name="alignment"),
]
