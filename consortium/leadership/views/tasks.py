"""Pages of the plan and task supervision (mounted at /leadership/, namespace "leadership").

* ``plan``: phases with goals and dates, key tasks with their sub-task counts and RAG mix;
* ``task-list``: the task board (``?scope=mine|all&phase=&key_task=&unit=&rag=&overdue=1``; unit users land on
  "my tasks"; invalid filter values are reported and ignored);
* ``subtask-detail``: requirements, returns timeline with evidence downloads, evaluations; POST submits a progress
  return (lead unit and co-units only); sub-task create/edit/status for the secretariat;
* ``group`` (members, roles, departments, joint meeting rules), member editing; ``meeting-list``/detail/create;
  ``evaluation-list`` (unit users see their own unit's evaluations) and create for the secretariat.

Every view derives from ScopedViewMixin; writes call ``leadership.services``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView, TemplateView, UpdateView

from consortium.tenancy.api.filters import fits_db_integer
from consortium.tenancy.mixins import (
    ScopedActionMixin,
    ScopedFileView,
    ScopedViewMixin,
    ServiceFormMixin,
)
from consortium.tenancy.models import MemberUnit
from consortium.tenancy.scoping import is_platform_admin

from .. import selectors, services
from ..choices import EvaluationGrade, Rag, TaskStatus
from ..forms import (
    EvaluationForm,
    GroupForm,
    GroupMemberForm,
    JointMeetingForm,
    KeyTaskForm,
    PlanPhaseForm,
    ProgressReturnForm,
    SubTaskForm,
    SubTaskStatusForm,
    TaskFilterForm,
)
from ..models import (
    GroupMember,
    JointMeeting,
    KeyTask,
    LeadershipGroup,
    PlanPhase,
    ProgressEvidence,
    SubTask,
    SupervisionEvaluation,
)

FORM_TEMPLATE = "leadership/tasks/form.html"


def is_manager(user: Any, consortium_id: int | None = None) -> bool:
    """Secretariat of the consortium (default: the user's own) or a platform admin."""
    if is_platform_admin(user):
        return True
    consortium_id = consortium_id or getattr(user, "consortium_id", None)
    return bool(consortium_id) and services.is_secretariat(user, consortium_id)


def require_manager(user: Any, *, needs_consortium: bool = True) -> None:
    if not user.is_authenticated:
        return
    if needs_consortium and is_platform_admin(user) and not user.consortium_id:
        raise PermissionDenied(_("平台管理员请在管理后台维护各联合体的数据。"))
    if not is_manager(user):
        raise PermissionDenied(_("只有秘书处可以执行此操作。"))


class FormMixin(ServiceFormMixin):
    """The plan/task form pages: secretariat only (``needs_manager``) unless a view relaxes it."""

    back_url_name = "leadership:plan"
    needs_manager = True
    needs_consortium = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.needs_manager and request.user.is_authenticated and not getattr(self, "write_view", False):
            require_manager(request.user, needs_consortium=self.needs_consortium)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and fits_db_integer(value) else None


# --- plan overview ------------------------------------------------------------------------------------------------


class PlanView(ScopedViewMixin, TemplateView):
    model = KeyTask
    template_name = "leadership/tasks/plan.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        return super().get_context_data(
            tab="plan",
            can_manage=is_manager(user),
            **selectors.plan_overview(user, today=timezone.localdate()),
            **kwargs,
        )


# --- task board ---------------------------------------------------------------------------------------------------


class TaskBoardView(ScopedViewMixin, TemplateView):
    model = SubTask
    template_name = "leadership/tasks/board.html"
    paginate_by = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        request, user = self.request, self.request.user
        form = TaskFilterForm(request.GET or None, user=user)
        data: dict[str, Any] = {}
        if form.is_bound:
            if form.is_valid():
                data = form.cleaned_data
            else:
                messages.warning(request, _("部分筛选条件无效，已忽略：%(fields)s") % {
                    "fields": "、".join(str(form.fields[name].label) for name in form.errors if name in form.fields)
                })
                data = {name: form.cleaned_data.get(name) for name in form.fields if name not in form.errors}
        my_units = selectors.my_unit_ids(user)
        scope = data.get("scope") or ("mine" if my_units else "all")
        filters = selectors.TaskFilters(
            phase_id=getattr(data.get("phase"), "pk", None),
            key_task_id=getattr(data.get("key_task"), "pk", None),
            unit_id=getattr(data.get("unit"), "pk", None),
            rag=data.get("rag") or None,
            overdue=bool(data.get("overdue")),
            mine=scope == "mine" and bool(my_units),
        )
        today = timezone.localdate()
        rows = selectors.subtask_rows(user, today=today, filters=filters)
        page = Paginator(rows, self.paginate_by).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        totals: dict[str, int] = {}
        for row in rows:
            totals[row.rag] = totals.get(row.rag, 0) + 1
        return super().get_context_data(
            tab="tasks",
            filter_form=form,
            scope=scope,
            has_units=bool(my_units),
            rows=page.object_list,
            object_list=[row.task for row in page.object_list],
            page_obj=page,
            querystring=query.urlencode(),
            total=len(rows),
            overdue_count=sum(row.overdue for row in rows),
            rag_totals=[
                (value, label, selectors.RAG_CSS[value], totals.get(value, 0))
                for value, label in Rag.choices
            ],
            summaries=selectors.task_summary_by_unit(user, today=today, rows=rows) if not filters.mine else [],
            can_manage=is_manager(user),
            today=today,
            **kwargs,
        )


# --- sub-tasks ----------------------------------------------------------------------------------------------------


class SubTaskDetailView(ScopedViewMixin, DetailView):
    """GET: the sub-task; POST: a progress return by the lead unit or a co-unit (others: 403)."""

    model = SubTask
    template_name = "leadership/tasks/subtask_detail.html"
    context_object_name = "subtask"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("key_task", "phase", "lead_unit", "responsible_user").prefetch_related(
            "co_units"
        )

    def return_form(self, data: Any = None, files: Any = None) -> ProgressReturnForm | None:
        units = services.return_units(self.request.user, self.object)
        if not units:
            return None
        initial = {"reported_on": timezone.localdate(), "progress": self.object.progress}
        return ProgressReturnForm(
            data, files, units=MemberUnit.objects.filter(pk__in=units).order_by("name"), initial=initial
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user, task = self.request.user, self.object
        today = timezone.localdate()
        if "return_form" not in kwargs and task.status not in (TaskStatus.SUSPENDED, TaskStatus.COMPLETED):
            kwargs["return_form"] = self.return_form()
        manager = is_manager(user, task.consortium_id)
        return super().get_context_data(
            tab="tasks",
            row=selectors.row_for(task, today),
            returns=selectors.returns_for(user, task),
            evaluations=list(selectors.evaluations_for(user, subtask=task)),
            meetings=list(JointMeeting.objects.visible_to(user).filter(subtasks=task).order_by("-held_on", "-id")),
            can_manage=manager,
            status_form=SubTaskStatusForm(initial={"status": task.status}) if manager else None,
            **kwargs,
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        form = self.return_form(request.POST, request.FILES)
        if form is None:
            raise PermissionDenied(_("只有该任务的牵头单位或配合单位可以报送进度。"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.progress_return_submit(
                    actor=request.user, subtask=self.object, unit=data["unit"], reported_on=data["reported_on"],
                    progress=data["progress"], text=data["text"], problems=data.get("problems", ""),
                    next_steps=data.get("next_steps", ""), files=data.get("files") or [],
                )
            except ValidationError as exc:
                form.apply_service_errors(exc)
            else:
                messages.success(request, _("进度已报送。"))
                return redirect("leadership:subtask-detail", pk=self.object.pk)
        return self.render_to_response(self.get_context_data(return_form=form))


class SubTaskCreateView(FormMixin, ScopedViewMixin, FormView):
    model = SubTask
    form_class = SubTaskForm
    template_name = FORM_TEMPLATE
    heading = gettext_lazy("新增子任务")
    back_url_name = "leadership:task-list"
    needs_consortium = False

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        for name in ("key_task", "phase"):
            value = _int_param(self.request, name)
            if value:
                initial[name] = value
        return initial

    def form_valid(self, form: SubTaskForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.subtask_create(
                actor=self.request.user, co_units=list(form.cleaned_data["co_units"]), **form.service_kwargs()
            ),
            lambda obj: reverse("leadership:subtask-detail", kwargs={"pk": obj.pk}),
            _("子任务已创建。"),
        )


class SubTaskEditView(FormMixin, ScopedViewMixin, UpdateView):
    model = SubTask
    write_view = True
    form_class = SubTaskForm
    template_name = FORM_TEMPLATE
    heading = gettext_lazy("编辑子任务")

    def get_back_url(self) -> str:
        return reverse("leadership:subtask-detail", kwargs={"pk": self.object.pk})

    def form_valid(self, form: SubTaskForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.subtask_update(
                actor=self.request.user, subtask=self.object, co_units=list(form.cleaned_data["co_units"]),
                **form.service_kwargs(),
            ),
            self.get_back_url(),
        )


class SubTaskStatusView(ScopedActionMixin, DetailView):
    model = SubTask

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        task = self.get_object()
        form = SubTaskStatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择有效的状态。"))
        else:
            try:
                services.subtask_set_status(actor=request.user, subtask=task, status=form.cleaned_data["status"])
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("任务状态已更新。"))
        return redirect("leadership:subtask-detail", pk=task.pk)


class EvidenceDownloadView(ScopedFileView):
    """Evidence files are served through the scope (reporting unit, lead unit, secretariat, officials)."""

    model = ProgressEvidence
    file_field = "file"


# --- phases and key tasks -----------------------------------------------------------------------------------------


class PhaseCreateView(FormMixin, ScopedViewMixin, FormView):
    model = PlanPhase
    form_class = PlanPhaseForm
    template_name = FORM_TEMPLATE
    heading = gettext_lazy("新增实施阶段")

    def form_valid(self, form: PlanPhaseForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.phase_create(
                actor=self.request.user, consortium_id=self.request.user.consortium_id, **form.service_kwargs()
            ),
            reverse("leadership:plan"),
        )


class PhaseEditView(FormMixin, ScopedViewMixin, UpdateView):
    model = PlanPhase
    write_view = True
    form_class = PlanPhaseForm
    template_name = FORM_TEMPLATE
    heading = gettext_lazy("编辑实施阶段")

    def form_valid(self, form: PlanPhaseForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.phase_update(actor=self.request.user, phase=self.object, **form.service_kwargs()),
            reverse("leadership:plan"),
        )


class KeyTaskCreateView(FormMixin, ScopedViewMixin, FormView):
    model = KeyTask
    form_class = KeyTaskForm
    template_name = FORM_TEMPLATE
    heading = gettext_lazy("新增重点任务")

    def form_valid(self, form: KeyTaskForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.key_task_create(
                actor=self.request.user, consortium_id=self.request.user.consortium_id, **form.service_kwargs()
            ),
            reverse("leadership:plan"),
        )


class KeyTaskEditView(FormMixin, ScopedViewMixin, UpdateView):
    model = KeyTask
    write_view = True
    form_class = KeyTaskForm
    template_name = FORM_TEMPLATE
    heading = gettext_lazy("编辑重点任务")

    def form_valid(self, form: KeyTaskForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.key_task_update(actor=self.request.user, key_task=self.object, **form.service_kwargs()),
            reverse("leadership:plan"),
        )


# --- leadership group ---------------------------------------------------------------------------------------------


class GroupView(ScopedViewMixin, TemplateView):
    model = LeadershipGroup
    template_name = "leadership/tasks/group.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        group = selectors.group_for(user)
        return super().get_context_data(
            tab="group",
            group=group,
            members=list(selectors.members_of(user, group)) if group else [],
            recent_meetings=list(selectors.meetings_for(user).filter(group=group)[:5]) if group else [],
            can_manage=is_manager(user, group.consortium_id if group else None),
            **kwargs,
        )


class GroupEditView(FormMixin, ScopedViewMixin, FormView):
    """Create the consortium's leadership group, or edit it."""

    model = LeadershipGroup
    form_class = GroupForm
    template_name = FORM_TEMPLATE
    back_url_name = "leadership:group"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.group = selectors.group_for(request.user) if request.user.is_authenticated else None

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.group}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        heading = _("编辑领导小组") if self.group else _("成立领导小组")
        return super().get_context_data(heading=heading, **kwargs)

    def form_valid(self, form: GroupForm) -> HttpResponse:
        user = self.request.user
        if self.group is None:
            call = lambda: services.group_create(  # noqa: E731
                actor=user, consortium_id=user.consortium_id, **form.service_kwargs()
            )
        else:
            call = lambda: services.group_update(actor=user, group=self.group, **form.service_kwargs())  # noqa: E731
        return self.run(form, call, reverse("leadership:group"))


class MemberCreateView(FormMixin, ScopedViewMixin, FormView):
    model = GroupMember
    form_class = GroupMemberForm
    template_name = FORM_TEMPLATE
    heading = gettext_lazy("新增领导小组成员")
    back_url_name = "leadership:group"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and is_manager(request.user) and selectors.group_for(request.user) is None:
            messages.info(request, _("请先成立领导小组。"))
            return redirect("leadership:group-edit")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: GroupMemberForm) -> HttpResponse:
        group = selectors.group_for(self.request.user)
        return self.run(
            form,
            lambda: services.member_create(actor=self.request.user, group=group, **form.service_kwargs()),
            reverse("leadership:group"),
        )


class MemberEditView(FormMixin, ScopedViewMixin, UpdateView):
    model = GroupMember
    write_view = True
    form_class = GroupMemberForm
    template_name = FORM_TEMPLATE
    heading = gettext_lazy("编辑领导小组成员")
    back_url_name = "leadership:group"

    def form_valid(self, form: GroupMemberForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.member_update(actor=self.request.user, member=self.object, **form.service_kwargs()),
            reverse("leadership:group"),
        )


class MemberDeleteView(ScopedActionMixin, DetailView):
    model = GroupMember

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        member = self.get_object()
        services.member_delete(actor=request.user, member=member)
        messages.success(request, _("成员已移除。"))
        return redirect("leadership:group")


# --- joint meetings -----------------------------------------------------------------------------------------------


class MeetingListView(ScopedViewMixin, ListView):
    model = JointMeeting
    template_name = "leadership/tasks/meeting_list.html"
    context_object_name = "meetings"
    paginate_by = 30

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return selectors.meetings_for(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        group = selectors.group_for(user)
        return super().get_context_data(
            tab="meetings", group=group, can_manage=bool(group) and is_manager(user, group.consortium_id), **kwargs
        )


class MeetingDetailView(ScopedViewMixin, DetailView):
    model = JointMeeting
    template_name = "leadership/tasks/meeting_detail.html"
    context_object_name = "meeting"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("group", "convener")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user, meeting = self.request.user, self.object
        return super().get_context_data(
            tab="meetings",
            attendees=list(GroupMember.objects.visible_to(user).filter(meetings=meeting).order_by("order", "id")),
            subtasks=list(
                SubTask.objects.visible_to(user).filter(meetings=meeting).select_related("key_task", "lead_unit")
            ),
            can_manage=is_manager(user, meeting.consortium_id),
            **kwargs,
        )


class MeetingFormMixin(FormMixin):
    form_class = JointMeetingForm
    template_name = FORM_TEMPLATE
    back_url_name = "leadership:meeting-list"

    def meeting_group(self) -> LeadershipGroup | None:
        return selectors.group_for(self.request.user)  # type: ignore[attr-defined]

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "group": self.meeting_group()}


class MeetingCreateView(MeetingFormMixin, ScopedViewMixin, FormView):
    model = JointMeeting
    heading = gettext_lazy("登记联席会议")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and is_manager(request.user) and selectors.group_for(request.user) is None:
            messages.info(request, _("请先成立领导小组。"))
            return redirect("leadership:group-edit")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: JointMeetingForm) -> HttpResponse:
        group = self.meeting_group()
        return self.run(
            form,
            lambda: services.meeting_create(
                actor=self.request.user, group=group, **form.relations(), **form.service_kwargs()
            ),
            lambda obj: reverse("leadership:meeting-detail", kwargs={"pk": obj.pk}),
        )


class MeetingEditView(MeetingFormMixin, ScopedViewMixin, UpdateView):
    model = JointMeeting
    write_view = True
    heading = gettext_lazy("编辑联席会议")

    def meeting_group(self) -> LeadershipGroup | None:
        return self.object.group

    def form_valid(self, form: JointMeetingForm) -> HttpResponse:
        return self.run(
            form,
            lambda: services.meeting_update(
                actor=self.request.user, meeting=self.object, **form.relations(), **form.service_kwargs()
            ),
            reverse("leadership:meeting-detail", kwargs={"pk": self.object.pk}),
        )


# --- supervision evaluations ----------------------------------------------------------------------------------------


class EvaluationListView(ScopedViewMixin, ListView):
    """Evaluations the user may read: secretariat and officials all of their consortium, unit users their own
    unit's (that is what ``visible_to`` gives). ``?unit=`` and ``?grade=`` narrow the list."""

    model = SupervisionEvaluation
    template_name = "leadership/tasks/evaluation_list.html"
    context_object_name = "evaluations"
    paginate_by = 50

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = queryset.select_related("unit", "subtask", "subtask__key_task", "evaluator")
        unit = _int_param(self.request, "unit")
        if unit:
            queryset = queryset.filter(unit_id=unit)
        grade = self.request.GET.get("grade", "")
        if grade in EvaluationGrade.values:
            queryset = queryset.filter(grade=grade)
        return queryset.order_by("-evaluated_on", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            tab="evaluations",
            grades=EvaluationGrade.choices,
            grade=self.request.GET.get("grade", ""),
            querystring=query.urlencode(),
            can_manage=is_manager(self.request.user),
            **kwargs,
        )


class EvaluationCreateView(FormMixin, ScopedViewMixin, FormView):
    model = SupervisionEvaluation
    form_class = EvaluationForm
    template_name = FORM_TEMPLATE
    heading = gettext_lazy("登记督导评价")
    back_url_name = "leadership:evaluation-list"
    needs_consortium = False

    def get_initial(self) -> dict[str, Any]:
        initial = {**super().get_initial(), "evaluated_on": timezone.localdate()}
        for name in ("unit", "subtask"):
            value = _int_param(self.request, name)
            if value:
                initial[name] = value
        return initial

    def form_valid(self, form: EvaluationForm) -> HttpResponse:
        data = form.cleaned_data
        return self.run(
            form,
            lambda: services.evaluation_create(
                actor=self.request.user, unit=data["unit"], subtask=data.get("subtask"),
                period_label=data["period_label"], evaluated_on=data["evaluated_on"], score=data["score"],
                comments=data.get("comments", ""),
            ),
            reverse("leadership:evaluation-list"),
            _("督导评价已登记。"),
        )


urlpatterns = [
    path("plan/", PlanView.as_view(), name="plan"),
    path("plan/phases/new/", PhaseCreateView.as_view(), name="phase-create"),
    path("plan/phases/<int:pk>/edit/", PhaseEditView.as_view(), name="phase-edit"),
    path("plan/key-tasks/new/", KeyTaskCreateView.as_view(), name="keytask-create"),
    path("plan/key-tasks/<int:pk>/edit/", KeyTaskEditView.as_view(), name="keytask-edit"),
    path("tasks/", TaskBoardView.as_view(), name="task-list"),
    path("tasks/new/", SubTaskCreateView.as_view(), name="subtask-create"),
    path("tasks/<int:pk>/", SubTaskDetailView.as_view(), name="subtask-detail"),
    path("tasks/<int:pk>/edit/", SubTaskEditView.as_view(), name="subtask-edit"),
    path("tasks/<int:pk>/status/", SubTaskStatusView.as_view(), name="subtask-status"),
    path("evidence/<int:pk>/", EvidenceDownloadView.as_view(), name="evidence-download"),
    path("group/", GroupView.as_view(), name="group"),
    path("group/edit/", GroupEditView.as_view(), name="group-edit"),
    path("group/members/new/", MemberCreateView.as_view(), name="member-create"),
    path("group/members/<int:pk>/edit/", MemberEditView.as_view(), name="member-edit"),
    path("group/members/<int:pk>/delete/", MemberDeleteView.as_view(), name="member-delete"),
    path("meetings/", MeetingListView.as_view(), name="meeting-list"),
    path("meetings/new/", MeetingCreateView.as_view(), name="meeting-create"),
    path("meetings/<int:pk>/", MeetingDetailView.as_view(), name="meeting-detail"),
    path("meetings/<int:pk>/edit/", MeetingEditView.as_view(), name="meeting-edit"),
    path("evaluations/", EvaluationListView.as_view(), name="evaluation-list"),
    path("evaluations/new/", EvaluationCreateView.as_view(), name="evaluation-create"),
]
