"""Pages of order classes and modern industry colleges.

Every view derives from ScopedViewMixin (404 out of scope; 403 on ``write_view`` pages the user cannot change).
Party pages (joint plan / team / resources / assessments / grading / employment / retention, and the lifecycle
buttons) are readable by everyone who can see the class; their POST goes to a service that checks the acting
party (school admin, partner enterprise admin, secretariat) and answers 403 with the reason otherwise.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, View

from consortium.tenancy.mixins import ScopedViewMixin
from consortium.tenancy.models import MemberUnit
from consortium.tenancy.scoping import is_platform_admin, unit_roles

from ..choices.order_classes import STAGE_OWNERS, EnrolmentStatus, Party
from ..forms.order_classes import (
    AssessmentForm,
    CollegeForm,
    CollegeMemberForm,
    EmploymentForm,
    EnrolForm,
    GovernanceForm,
    OrderClassFilterForm,
    OrderClassForm,
    PlanItemForm,
    ReportForm,
    ResourceForm,
    RetentionForm,
    ScoreForm,
    TeamMemberForm,
    TransitionForm,
)
from ..models.order_classes import (
    Assessment,
    CollegeAnnualReport,
    CollegeGovernanceMember,
    CollegeMember,
    ModernIndustryCollege,
    OrderClass,
    OrderClassEnrolment,
    OrderClassStageChange,
    TeachingResource,
    TeamMember,
    TrainingPlanItem,
)
from ..selectors import order_classes as selectors
from ..services import order_classes as services

FORM_TEMPLATE = "enterprises/order_classes/form.html"


def _detail_url(obj: OrderClass) -> str:
    return reverse("enterprises:orderclass-detail", kwargs={"pk": obj.pk})


# --- order classes: list, detail, create, edit ----------------------------------------------------------------


class OrderClassListView(ScopedViewMixin, ListView):
    model = OrderClass
    template_name = "enterprises/order_classes/list.html"
    paginate_by = 25

    def scope_queryset(self, queryset):
        self.filter_form = OrderClassFilterForm(self.request.GET or None, user=self.request.user)
        params: dict[str, Any] = {}
        if self.filter_form.is_bound and self.filter_form.is_valid():
            data = self.filter_form.cleaned_data
            params = {
                "stage": data["stage"],
                "kind": data["kind"],
                "q": data["q"],
                "school": data["school"].pk if data["school"] else None,
                "enterprise": data["enterprise"].pk if data["enterprise"] else None,
            }
        return selectors.order_classes_for(self.request.user, **params).filter(pk__in=queryset.values("pk"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter_form=self.filter_form, querystring=query.urlencode(), can_create=_can_propose(self.request.user)
        )
        return context


def _can_propose(user: Any) -> bool:
    if is_platform_admin(user) or getattr(user, "role", "") == "secretariat":
        return True
    return "unit_admin" in unit_roles(user).values() if getattr(user, "role", "") == "member" else False


class OrderClassDetailView(ScopedViewMixin, DetailView):
    model = OrderClass
    template_name = "enterprises/order_classes/detail.html"

    def scope_queryset(self, queryset):
        return queryset.select_related(
            "unit", "partner_unit", "programme", "college", "school_confirmed_by", "enterprise_confirmed_by"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, obj = self.request.user, self.object
        changes = list(OrderClassStageChange.objects.visible_to(user).filter(order_class=obj).select_related("actor"))
        parties = services.parties_of(user, obj)
        context.update(
            dashboard=selectors.class_dashboard(user, obj),
            timeline=selectors.timeline(obj, changes),
            changes=changes,
            actions=selectors.allowed_actions(user, obj),
            parties=parties,
            can_confirm=obj.stage == "proposed" and bool(parties & {Party.SCHOOL, Party.ENTERPRISE}),
            can_edit=OrderClass.objects.editable_by(user).filter(pk=obj.pk).exists(),
            stage_owner=Party(STAGE_OWNERS[obj.stage]).label,
            enrolments=selectors.enrolments_for(user, obj),
            plan=TrainingPlanItem.objects.visible_to(user).filter(order_class=obj),
            team=TeamMember.objects.visible_to(user).filter(order_class=obj).select_related("teacher", "person_unit"),
            resources=TeachingResource.objects.visible_to(user).filter(order_class=obj),
        )
        return context


class OrderClassCreateView(ScopedViewMixin, FormView):
    model = OrderClass
    template_name = FORM_TEMPLATE

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not _can_propose(request.user):
            raise PermissionDenied(_("只有学校、企业的单位管理员或秘书处可以提议订单班。"))
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return OrderClassForm(self.request.POST or None, user=self.request.user)

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            obj = services.order_class_create(
                actor=self.request.user, unit=data.pop("unit"), partner_unit=data.pop("partner_unit"), **data
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已提议订单班“%(obj)s”。") % {"obj": obj})
        return HttpResponseRedirect(_detail_url(obj))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(page_title=_("提议订单班"), cancel_url=reverse("enterprises:orderclass-list"))
        return context


class _ObjectFormView(ScopedViewMixin, FormView):
    """A form page on one object (``pk``) whose submit calls a service."""

    template_name = FORM_TEMPLATE
    page_title: Any = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def build_form(self, data: Any) -> Any:
        raise NotImplementedError

    def get_form(self, form_class=None):
        return self.build_form(self.request.POST if self.request.method == "POST" else None)

    def save(self, form) -> Any:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            with transaction.atomic():
                saved = self.save(form)
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已保存。"))
        return HttpResponseRedirect(self.success_url_for(saved))

    def success_url_for(self, saved: Any) -> str:
        return _detail_url(self.object)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            page_title=self.page_title,
            cancel_url=self.success_url_for(None),
            **self.extra_context_data(),
        )
        return context

    def extra_context_data(self) -> dict[str, Any]:
        return {}


class OrderClassEditView(_ObjectFormView):
    model = OrderClass
    write_view = True
    page_title = _("编辑订单班")

    def build_form(self, data):
        return OrderClassForm(data, user=self.request.user, instance=self.object, with_units=False)

    def save(self, form):
        return services.order_class_update(actor=self.request.user, order_class=self.object, **form.cleaned_data)


class _PartyFormView(_ObjectFormView):
    """Readable by whoever sees the class; submitting needs a party (checked by the service: 403 otherwise)."""

    model = OrderClass
    allowed_parties = services.JOINT

    def extra_context_data(self) -> dict[str, Any]:
        return {"is_party": bool(services.parties_of(self.request.user, self.object) & set(self.allowed_parties))}

    def post(self, request, *args, **kwargs):
        if not services.parties_of(request.user, self.object) & set(self.allowed_parties):
            raise PermissionDenied(_("只有订单班的学校、合作企业或秘书处可以执行此操作。"))
        return super().post(request, *args, **kwargs)


class PlanItemCreateView(_PartyFormView):
    page_title = _("添加培养方案课程")

    def build_form(self, data):
        return PlanItemForm(data, user=self.request.user, consortium_id=self.object.consortium_id)

    def save(self, form):
        return services.plan_item_create(actor=self.request.user, order_class=self.object, **form.cleaned_data)


class TeamMemberCreateView(_PartyFormView):
    page_title = _("添加教学团队成员")

    def build_form(self, data):
        return TeamMemberForm(
            data, user=self.request.user, consortium_id=self.object.consortium_id, school_id=self.object.unit_id
        )

    def save(self, form):
        return services.team_member_create(actor=self.request.user, order_class=self.object, **form.cleaned_data)


class ResourceCreateView(_PartyFormView):
    page_title = _("添加共享教学资源")

    def build_form(self, data):
        return ResourceForm(data, user=self.request.user, consortium_id=self.object.consortium_id)

    def save(self, form):
        return services.resource_create(actor=self.request.user, order_class=self.object, **form.cleaned_data)


class AssessmentCreateView(_PartyFormView):
    page_title = _("添加联合考核")

    def build_form(self, data):
        return AssessmentForm(data, user=self.request.user, consortium_id=self.object.consortium_id)

    def save(self, form):
        return services.assessment_create(actor=self.request.user, order_class=self.object, **form.cleaned_data)


def _enrolments_and_labels(user: Any, obj: OrderClass):
    rows = OrderClassEnrolment.objects.visible_to(user).filter(order_class=obj).select_related("student")
    return rows, {e.pk: selectors.student_label(user, e) for e in rows}


class GradeView(_PartyFormView):
    page_title = _("联合评分")
    template_name = "enterprises/order_classes/grade.html"

    def build_form(self, data):
        enrolments, labels = _enrolments_and_labels(self.request.user, self.object)
        return ScoreForm(
            data,
            assessments=Assessment.objects.visible_to(self.request.user).filter(order_class=self.object),
            enrolments=enrolments.filter(status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.GRADUATED]),
            labels=labels,
        )

    def save(self, form):
        data = form.cleaned_data
        try:
            return services.score_record(actor=self.request.user, **data)
        except PermissionDenied as exc:
            raise ValidationError({"__all__": [str(exc)]})

    def success_url_for(self, saved):
        return reverse("enterprises:orderclass-grade", kwargs={"pk": self.object.pk})

    def extra_context_data(self):
        context = super().extra_context_data()
        context["dashboard"] = selectors.class_dashboard(self.request.user, self.object)
        return context


class EmploymentView(_PartyFormView):
    page_title = _("登记企业就业")

    def build_form(self, data):
        enrolments, labels = _enrolments_and_labels(self.request.user, self.object)
        return EmploymentForm(data, enrolments=enrolments, labels=labels)

    def save(self, form):
        return services.employment_record(actor=self.request.user, **form.cleaned_data)


class RetentionView(_PartyFormView):
    page_title = _("登记留任跟踪")

    def build_form(self, data):
        enrolments, labels = _enrolments_and_labels(self.request.user, self.object)
        return RetentionForm(data, enrolments=enrolments, labels=labels)

    def save(self, form):
        return services.retention_record(actor=self.request.user, **form.cleaned_data)


class EnrolView(_ObjectFormView):
    """Enrol students: the picker offers only eligible students of the school (programme, cohort, studying)."""

    model = OrderClass
    write_view = True
    page_title = _("招收学生")
    template_name = "enterprises/order_classes/enrol.html"

    def build_form(self, data):
        return EnrolForm(data, students=selectors.eligible_students(self.request.user, self.object))

    def save(self, form):
        data = form.cleaned_data
        return services.enrolments_create(
            actor=self.request.user,
            order_class=self.object,
            students=list(data["students"]),
            consent_on=data["consent_on"],
            enrolled_on=data["enrolled_on"],
        )

    def extra_context_data(self):
        dashboard = selectors.class_dashboard(self.request.user, self.object)
        return {"dashboard": dashboard}


class _PartyActionView(ScopedViewMixin, View):
    """POST-only lifecycle button: any reader reaches it; the service checks the party (403 with the reason)."""

    model = OrderClass
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        if not services.parties_of(request.user, obj):
            raise PermissionDenied(_("只有订单班的学校、合作企业的单位管理员或秘书处可以执行此操作。"))
        try:
            message = self.perform(obj)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("无权执行此操作。"))
        else:
            messages.success(request, message)
        return HttpResponseRedirect(_detail_url(obj))

    def perform(self, obj: OrderClass) -> str:
        raise NotImplementedError


class TransitionView(_PartyActionView):
    """POST ``action`` (and optional ``reason``): a lifecycle transition."""

    def perform(self, obj):
        form = TransitionForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError({"action": [_("请选择有效的操作。")]})
        services.order_class_transition(actor=self.request.user, order_class=obj, **form.cleaned_data)
        return _("订单班已进入下一阶段。")


class ConfirmView(_PartyActionView):
    def perform(self, obj):
        result = services.order_class_confirm(actor=self.request.user, order_class=obj)
        return _("三方协议已生效。") if result.stage == "agreed" else _("已确认协议，等待另一方确认。")


class ShareView(_PartyActionView):
    def perform(self, obj):
        count = services.order_class_share(actor=self.request.user, order_class=obj)
        return _("已共享给合作企业的%(n)d名用户。") % {"n": count}


# --- modern industry colleges ---------------------------------------------------------------------------------


class CollegeListView(ScopedViewMixin, ListView):
    model = ModernIndustryCollege
    template_name = "enterprises/order_classes/college_list.html"
    paginate_by = 25

    def scope_queryset(self, queryset):
        return selectors.colleges_for(self.request.user, q=self.request.GET.get("q", "")[:60]).filter(
            pk__in=queryset.values("pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = MemberUnit.objects.editable_by(self.request.user).exists()
        return context


class CollegeDetailView(ScopedViewMixin, DetailView):
    model = ModernIndustryCollege
    template_name = "enterprises/order_classes/college_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, obj = self.request.user, self.object
        context.update(
            members=CollegeMember.objects.visible_to(user).filter(college=obj).select_related("member_unit"),
            governance=CollegeGovernanceMember.objects.visible_to(user)
            .filter(college=obj)
            .select_related("person_unit"),
            reports=CollegeAnnualReport.objects.visible_to(user).filter(college=obj),
            programmes=obj.programmes.select_related("unit"),
            classes=selectors.order_classes_for(user).filter(college=obj),
            can_edit=ModernIndustryCollege.objects.editable_by(user).filter(pk=obj.pk).exists(),
        )
        return context


class CollegeCreateView(ScopedViewMixin, FormView):
    model = ModernIndustryCollege
    template_name = FORM_TEMPLATE

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not MemberUnit.objects.editable_by(request.user).exists():
            raise PermissionDenied(_("您没有可牵头的单位。"))
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return CollegeForm(self.request.POST or None, user=self.request.user)

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            obj = services.college_create(
                actor=self.request.user, unit=data.pop("unit"), programmes=data.pop("programmes"), **data
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        return HttpResponseRedirect(reverse("enterprises:college-detail", kwargs={"pk": obj.pk}))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(page_title=_("新建现代产业学院"), cancel_url=reverse("enterprises:college-list"))
        return context


class _CollegeFormView(_ObjectFormView):
    model = ModernIndustryCollege
    write_view = True

    def success_url_for(self, saved):
        return reverse("enterprises:college-detail", kwargs={"pk": self.object.pk})


class CollegeEditView(_CollegeFormView):
    page_title = _("编辑现代产业学院")

    def build_form(self, data):
        return CollegeForm(data, user=self.request.user, instance=self.object, with_unit=False)

    def save(self, form):
        data = dict(form.cleaned_data)
        return services.college_update(
            actor=self.request.user, college=self.object, programmes=data.pop("programmes"), **data
        )


class CollegeMemberCreateView(_CollegeFormView):
    page_title = _("添加成员单位")

    def build_form(self, data):
        return CollegeMemberForm(data, user=self.request.user)

    def save(self, form):
        return services.college_member_add(actor=self.request.user, college=self.object, **form.cleaned_data)


class CollegeGovernanceCreateView(_CollegeFormView):
    page_title = _("添加治理成员")

    def build_form(self, data):
        return GovernanceForm(data, user=self.request.user, consortium_id=self.object.consortium_id)

    def save(self, form):
        return services.college_governance_add(actor=self.request.user, college=self.object, **form.cleaned_data)


class CollegeReportCreateView(_CollegeFormView):
    page_title = _("填报年度成果")

    def build_form(self, data):
        return ReportForm(data, user=self.request.user, consortium_id=self.object.consortium_id)

    def save(self, form):
        data = dict(form.cleaned_data)
        return services.college_report_upsert(
            actor=self.request.user, college=self.object, year=data.pop("year"), **data
        )


urlpatterns = [
    path("order-classes/", OrderClassListView.as_view(), name="orderclass-list"),
    path("order-classes/new/", OrderClassCreateView.as_view(), name="orderclass-create"),
    path("order-classes/<int:pk>/", OrderClassDetailView.as_view(), name="orderclass-detail"),
    path("order-classes/<int:pk>/edit/", OrderClassEditView.as_view(), name="orderclass-edit"),
    path("order-classes/<int:pk>/transition/", TransitionView.as_view(), name="orderclass-transition"),
    path("order-classes/<int:pk>/confirm/", ConfirmView.as_view(), name="orderclass-confirm"),
    path("order-classes/<int:pk>/share/", ShareView.as_view(), name="orderclass-share"),
    path("order-classes/<int:pk>/enrol/", EnrolView.as_view(), name="orderclass-enrol"),
    path("order-classes/<int:pk>/plan/new/", PlanItemCreateView.as_view(), name="orderclass-plan-add"),
    path("order-classes/<int:pk>/team/new/", TeamMemberCreateView.as_view(), name="orderclass-team-add"),
    path("order-classes/<int:pk>/resources/new/", ResourceCreateView.as_view(), name="orderclass-resource-add"),
    path("order-classes/<int:pk>/assessments/new/", AssessmentCreateView.as_view(), name="orderclass-assessment-add"),
    path("order-classes/<int:pk>/grading/", GradeView.as_view(), name="orderclass-grade"),
    path("order-classes/<int:pk>/employment/", EmploymentView.as_view(), name="orderclass-employment"),
    path("order-classes/<int:pk>/retention/", RetentionView.as_view(), name="orderclass-retention"),
    path("industry-colleges/", CollegeListView.as_view(), name="college-list"),
    path("industry-colleges/new/", CollegeCreateView.as_view(), name="college-create"),
    path("industry-colleges/<int:pk>/", CollegeDetailView.as_view(), name="college-detail"),
    path("industry-colleges/<int:pk>/edit/", CollegeEditView.as_view(), name="college-edit"),
    path("industry-colleges/<int:pk>/members/new/", CollegeMemberCreateView.as_view(), name="college-member-add"),
    path(
        "industry-colleges/<int:pk>/governance/new/",
        CollegeGovernanceCreateView.as_view(),
        name="college-governance-add",
    ),
    path("industry-colleges/<int:pk>/reports/new/", CollegeReportCreateView.as_view(), name="college-report-add"),
]
