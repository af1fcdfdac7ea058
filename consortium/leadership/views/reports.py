"""Pages of the scheduled reports: the archive (filters kind / year / status), the HTML view of a report (rendered
from its content snapshot; printable), downloads of its Excel and PDF, "generate now" with htmx progress polling,
and the schedules (secretariat edits; officials read).

Reads go through ScopedViewMixin (``visible_to``): the secretariat and officials see every report of their
consortium, unit users the reports scoped to their own unit. Writes call ``reports.services``; their ValidationError
messages become field errors.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView, View
from django_htmx.http import HttpResponseClientRefresh

from consortium.tenancy.choices import UnitStatus
from consortium.tenancy.forms import BootstrapFormMixin
from consortium.tenancy.mixins import ScopedFileView, ScopedViewMixin
from consortium.tenancy.models import MemberUnit
from consortium.tenancy.scoping import is_platform_admin

from ..choices import ReportKind, ReportStatus
from ..models import GroupMember, Report, ReportSchedule
from ..reports import schedules as beat
from ..reports import services
from ..reports.periods import default_periods, period_containing, period_label
from ..reports.render import report_sections

PAGE_SIZE = 25


def is_manager(user: Any) -> bool:
    return is_platform_admin(user) or getattr(user, "role", "") == "secretariat"


def is_reader(user: Any) -> bool:
    return is_platform_admin(user) or getattr(user, "role", "") in ("secretariat", "official")


# --- forms (shape only; the services decide) ---------------------------------------------------------------------


class ReportFilterForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("报告类型"), required=False,
                             choices=[("", gettext_lazy("全部")), *ReportKind.choices])
    year = forms.IntegerField(label=gettext_lazy("年度"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False,
                               choices=[("", gettext_lazy("全部")), *ReportStatus.choices])


class ReportRequestForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("报告类型"), choices=ReportKind.choices)
    period = forms.DateField(
        label=gettext_lazy("报告周期（周期内任一日期）"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("留空：上一个完整周期（周报为上周，月报为上月，年度报告为上一年）。"),
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("报告范围"), queryset=MemberUnit.objects.none(), required=False,
        empty_label=gettext_lazy("全联合体"),
    )

    def __init__(self, *args: Any, user: Any, consortium_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            MemberUnit.objects.visible_to(user).filter(consortium_id=consortium_id, status=UnitStatus.ACTIVE)
            .order_by("kind", "name")
        )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        start = end = None
        if data.get("period"):
            start, end = period_containing(data["kind"], data["period"])
        return {"kind": data["kind"], "period_start": start, "period_end": end, "unit": data.get("unit")}

    def apply_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            mapped = {("period" if k in ("period_start", "period_end") else k): v for k, v in exc.message_dict.items()}
            exc = ValidationError(mapped)
        super().apply_service_errors(exc)


class ScheduleForm(BootstrapFormMixin, forms.Form):
    enabled = forms.BooleanField(label=gettext_lazy("启用"), required=False)
    minute = forms.CharField(label=gettext_lazy("分"), max_length=20, required=False)
    hour = forms.CharField(label=gettext_lazy("时"), max_length=20, required=False)
    day_of_week = forms.CharField(label=gettext_lazy("星期"), max_length=20, required=False,
                                  help_text=gettext_lazy("0为星期日，1为星期一；* 表示每天。"))
    day_of_month = forms.CharField(label=gettext_lazy("日"), max_length=20, required=False)
    month_of_year = forms.CharField(label=gettext_lazy("月"), max_length=20, required=False)
    recipients = forms.ModelMultipleChoiceField(
        label=gettext_lazy("收件人"), queryset=GroupMember.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("收件人按其“报告范围（单位）”接收全联合体报告或本单位报告。"),
    )

    def __init__(self, *args: Any, user: Any, consortium_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = (
            GroupMember.objects.visible_to(user).filter(consortium_id=consortium_id)
            .select_related("scope_unit").order_by("order", "pk")
        )
        self.fields["recipients"].label_from_instance = self.member_label

    @staticmethod
    def member_label(member: GroupMember) -> str:
        scope = member.scope_unit.name if member.scope_unit_id else _("全联合体")
        return f"{member.name}（{member.email or _('无邮箱')} · {scope}）"

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "enabled": data.get("enabled", False), "recipients": list(data.get("recipients") or []),
            **{field: data.get(field, "") for field in beat.CRON_FIELDS},
        }


# --- reports ------------------------------------------------------------------------------------------------------


def querystring(request: Any) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class ReportListView(ScopedViewMixin, ListView):
    model = Report
    template_name = "leadership/reports/report_list.html"
    paginate_by = PAGE_SIZE

    def scope_queryset(self, queryset):
        self.filter_form = ReportFilterForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("year"):
            queryset = queryset.filter(period_start__year=data["year"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        return queryset.select_related("unit", "requested_by").order_by("-period_start", "kind", "unit_id", "-version")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            filter_form=self.filter_form, querystring=querystring(self.request),
            can_create=is_manager(user) and bool(user.consortium_id), can_see_schedules=is_reader(user),
        )
        return context


class ReportCreateView(ScopedViewMixin, FormView):
    """Generate a report now (the secretariat): kind, a day of the period (default: the last complete period) and
    the scope; then the report page polls its progress."""

    model = Report
    form_class = ReportRequestForm
    template_name = "leadership/reports/report_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not (is_manager(request.user) and request.user.consortium_id):
            raise PermissionDenied(_("只有秘书处可以生成报告。"))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        kind = self.request.GET.get("kind")
        return {"kind": kind if kind in ReportKind.values else ReportKind.WEEKLY_TASKS}

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, consortium_id=self.request.user.consortium_id)
        return kwargs

    def form_valid(self, form):
        try:
            report = services.report_request(actor=self.request.user, **form.service_kwargs())
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("报告已提交，正在后台生成。"))
        return HttpResponseRedirect(reverse("leadership:report-detail", args=[report.pk]))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        defaults = default_periods(timezone.localdate())
        context["defaults"] = [
            (label, period_label(kind, *defaults[kind]), defaults[kind]) for kind, label in ReportKind.choices
        ]
        return context


class ReportMixin:
    def report_context(self, report: Report) -> dict[str, Any]:
        user = self.request.user  # type: ignore[attr-defined]
        return {
            "report": report,
            "is_active": report.status in (ReportStatus.QUEUED, ReportStatus.RUNNING),
            "can_request": is_manager(user) and bool(getattr(user, "consortium_id", None)),
        }


class ReportDetailView(ReportMixin, ScopedViewMixin, DetailView):
    """A report: its progress while it is generated, then the report itself (from ``content``) with downloads."""

    model = Report
    template_name = "leadership/reports/report_detail.html"
    context_object_name = "report"

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "requested_by", "schedule")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        report = self.object
        context.update(self.report_context(report))
        done = report.status == ReportStatus.DONE and bool(report.content)
        context.update(
            done=done, content=report.content if done else {},
            sections=report_sections(report.content) if done else [],
            period_label=period_label(report.kind, report.period_start, report.period_end),
            versions=list(
                Report.objects.visible_to(self.request.user)
                .filter(consortium_id=report.consortium_id, kind=report.kind, period_start=report.period_start,
                        unit_id=report.unit_id)
                .order_by("-version").only("pk", "version", "status", "created_at")
            ),
            deliveries=list(report.deliveries.order_by("email")) if is_reader(self.request.user) else [],
        )
        return context


class ReportProgressView(ReportMixin, ScopedViewMixin, DetailView):
    """The progress fragment, polled every 2 s while queued/running; once finished the page reloads (HX-Refresh)."""

    model = Report
    template_name = "leadership/reports/_progress.html"
    context_object_name = "report"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if getattr(request, "htmx", False) and request.GET.get("poll") and self.object.status not in (
            ReportStatus.QUEUED, ReportStatus.RUNNING
        ):
            return HttpResponseClientRefresh()
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.report_context(self.object))
        return context


class ReportXlsxView(ScopedFileView):
    model = Report
    file_field = "xlsx"


class ReportPdfView(ScopedFileView):
    model = Report
    file_field = "pdf"


# --- schedules ----------------------------------------------------------------------------------------------------


class ScheduleReadMixin:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()  # type: ignore[attr-defined]
        if not is_reader(request.user):
            raise PermissionDenied(_("只有秘书处和主管部门可以查看报告计划。"))
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class ScheduleListView(ScheduleReadMixin, ScopedViewMixin, ListView):
    model = ReportSchedule
    template_name = "leadership/reports/schedule_list.html"

    def scope_queryset(self, queryset):
        return queryset.select_related("periodic_task").prefetch_related("recipients__scope_unit").order_by(
            "consortium_id", "kind"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = list(context["object_list"])
        now = timezone.now()
        kinds = {s.kind for s in rows if s.consortium_id == user.consortium_id}
        context.update(
            rows=[(s, beat.next_run(s, now)) for s in rows],
            missing=[label for kind, label in ReportKind.choices if kind not in kinds],
            can_edit=is_manager(user) and bool(user.consortium_id),
        )
        return context


class ScheduleEditView(ScopedViewMixin, FormView):
    """Edit one schedule (the secretariat): crontab fields, enabled, recipients; saved through the service, which
    keeps the beat entry in sync. Out of scope: 404; visible but not editable (officials): 403."""

    model = ReportSchedule
    write_view = True
    form_class = ScheduleForm
    template_name = "leadership/reports/schedule_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, consortium_id=self.object.consortium_id)
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        schedule = self.object
        return {
            "enabled": schedule.enabled, "recipients": list(schedule.recipients.all()),
            **{field: getattr(schedule, field) for field in beat.CRON_FIELDS},
        }

    def form_valid(self, form):
        try:
            services.report_schedule_save(actor=self.request.user, schedule=self.object, **form.service_kwargs())
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("报告计划已保存。"))
        return HttpResponseRedirect(reverse("leadership:schedule-list"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(schedule=self.object, next_run=beat.next_run(self.object))
        return context


class ScheduleDefaultsView(ScopedViewMixin, View):
    """POST: create the missing default schedules of the secretariat's consortium."""

    model = ReportSchedule
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if not (is_manager(request.user) and request.user.consortium_id):
            raise PermissionDenied(_("只有秘书处可以修改报告计划。"))
        services.report_schedules_ensure(actor=request.user, consortium_id=request.user.consortium_id)
        messages.success(request, _("已创建默认报告计划。"))
        return HttpResponseRedirect(reverse("leadership:schedule-list"))


urlpatterns = [
    path("reports/", ReportListView.as_view(), name="report-list"),
    path("reports/new/", ReportCreateView.as_view(), name="report-create"),
    path("reports/<int:pk>/", ReportDetailView.as_view(), name="report-detail"),
    path("reports/<int:pk>/progress/", ReportProgressView.as_view(), name="report-progress"),
    path("reports/<int:pk>/xlsx/", ReportXlsxView.as_view(), name="report-xlsx"),
    path("reports/<int:pk>/pdf/", ReportPdfView.as_view(), name="report-pdf"),
    path("report-schedules/", ScheduleListView.as_view(), name="schedule-list"),
    path("report-schedules/defaults/", ScheduleDefaultsView.as_view(), name="schedule-defaults"),
    path("report-schedules/<int:pk>/edit/", ScheduleEditView.as_view(), name="schedule-edit"),
]
