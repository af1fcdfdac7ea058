"""Council pages. Every view fetches through ScopedViewMixin (404 for foreign rows) and writes through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView, TemplateView, View

from consortium.tenancy.mixins import ScopedActionMixin, ScopedFileView, ScopedViewMixin
from consortium.tenancy.scoping import is_platform_admin

from . import selectors, services
from .choices import (
    ATTENDING_STATUSES,
    DEFAULT_PASS_RULE,
    DEFAULT_QUORUM_DENOMINATOR,
    DEFAULT_QUORUM_NUMERATOR,
    ResolutionStatus,
    VersionStatus,
)
from .forms import (
    AdoptForm,
    AgendaItemForm,
    AttendanceForm,
    CloseForm,
    CouncilForm,
    DocumentForm,
    MeetingForm,
    ResolutionForm,
    SeatEndForm,
    SeatForm,
    ShareForm,
    VersionForm,
    VoteForm,
    apply_service_errors,
)
from .models import (
    AgendaItem,
    Council,
    CouncilSeat,
    DocumentVersion,
    GovernanceDocument,
    GovernanceDocumentUserObjectPermission,
    Meeting,
    Resolution,
)


def _can_write(user: Any) -> bool:
    return is_platform_admin(user) or getattr(user, "role", None) == "secretariat"


def _in_scope_after_write(user: Any, obj: Any) -> None:
    """Inside the write's transaction: the saved row must still be editable by the actor, else roll back."""
    if not type(obj).objects.editable_by(user).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("该操作会使记录超出您的权限范围，已撤销。"))


def default_rules_context() -> dict[str, Any]:
    from .choices import PassRule

    return {
        "default_quorum": f"{DEFAULT_QUORUM_NUMERATOR}/{DEFAULT_QUORUM_DENOMINATOR}",
        "default_pass_rule": PassRule(DEFAULT_PASS_RULE).label,
    }


class ServiceFormView(ScopedViewMixin, FormView):
    """A form page whose submit calls a service. ``needs_object``: the URL's ``pk`` names a row of ``model``."""

    write_view = True
    needs_object = True
    template_name = "council/form.html"
    page_title = ""
    multipart = False
    object: Any = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.needs_object:
            self.object = self.get_object()
        elif not _can_write(request.user):
            raise PermissionDenied(_("只有秘书处可以执行此操作。"))
        return super().dispatch(request, *args, **kwargs)

    def form_extra_kwargs(self) -> dict[str, Any]:
        return {"user": self.request.user, "consortium_id": self.consortium_id()}

    def consortium_id(self) -> int | None:
        return self.object.consortium_id if self.object is not None else self.request.user.consortium_id

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.update(self.form_extra_kwargs())
        return kwargs

    def save(self, form) -> Any:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            with transaction.atomic():
                obj = self.save(form)
                if obj is not None:
                    _in_scope_after_write(self.request.user, obj)
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        self.saved = obj
        messages.success(self.request, _("已保存。"))
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "object": self.object,
                "page_title": self.page_title,
                "multipart": self.multipart,
                "cancel_url": self.cancel_url(),
            }
        )
        return context

    def cancel_url(self) -> str:
        return reverse("council:overview")


class ServiceActionView(ScopedActionMixin, View):
    """POST-only button: runs a service on the object; errors become a message on the page it came from."""

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            with transaction.atomic():
                self.perform(self.object)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, self.success_message())
        return HttpResponseRedirect(self.redirect_url())

    def perform(self, obj: Any) -> None:
        raise NotImplementedError

    def success_message(self) -> str:
        return _("操作成功。")

    def redirect_url(self) -> str:
        return reverse("council:overview")


# --- council --------------------------------------------------------------------------------------------------


class OverviewView(ScopedViewMixin, TemplateView):
    """The council of the user's consortium; platform admins get the list of councils."""

    model = Council
    template_name = "council/overview.html"

    def get(self, request, *args, **kwargs):
        council = selectors.council_for_user(request.user)
        if council is not None:
            return redirect("council:council-detail", pk=council.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["councils"] = self.get_queryset().select_related("consortium")
        return context


class CouncilDetailView(ScopedViewMixin, DetailView):
    model = Council
    template_name = "council/council_detail.html"
    context_object_name = "council"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        council = self.object
        context["seats_by_role"] = selectors.seats_by_role(user, council)
        all_seats = selectors.seats_by_role(user, council, include_past=True)
        current_ids = {s.pk for seats in context["seats_by_role"].values() for s in seats}
        context["past_seats"] = [s for seats in all_seats.values() for s in seats if s.pk not in current_ids]
        context["meetings"] = selectors.meeting_list(user).filter(council=council)[:5]
        context["documents"] = _documents_with_adopted(
            selectors.document_list(user).filter(consortium_id=council.consortium_id)
        )
        context["can_write"] = _can_write(user)
        return context


class CouncilCreateView(ServiceFormView):
    model = Council
    needs_object = False
    form_class = CouncilForm
    page_title = gettext_lazy("设立理事会")

    def save(self, form):
        from consortium.tenancy.models import Consortium

        consortium = Consortium.objects.visible_to(self.request.user).filter(pk=self.request.user.consortium_id).first()
        if consortium is None:
            raise ValidationError({"name": [_("平台管理员请在管理后台为指定的产教联合体设立理事会。")]})
        return services.council_create(actor=self.request.user, consortium=consortium, **form.cleaned_data)

    def get_success_url(self):
        return reverse("council:council-detail", kwargs={"pk": self.saved.pk})


class CouncilEditView(ServiceFormView):
    model = Council
    form_class = CouncilForm
    page_title = gettext_lazy("编辑理事会")

    def form_extra_kwargs(self):
        return {**super().form_extra_kwargs(), "instance": self.object}

    def save(self, form):
        return services.council_update(actor=self.request.user, council=self.object, **form.cleaned_data)

    def get_success_url(self):
        return reverse("council:council-detail", kwargs={"pk": self.object.pk})

    cancel_url = get_success_url


class SeatCreateView(ServiceFormView):
    """pk = the council."""

    model = Council
    form_class = SeatForm
    page_title = gettext_lazy("新增理事席位")

    def save(self, form):
        return services.seat_create(actor=self.request.user, council=self.object, **form.cleaned_data)

    def get_success_url(self):
        return reverse("council:council-detail", kwargs={"pk": self.object.pk})

    cancel_url = get_success_url


class SeatEditView(ServiceFormView):
    model = CouncilSeat
    form_class = SeatForm
    page_title = gettext_lazy("编辑理事席位")

    def form_extra_kwargs(self):
        return {**super().form_extra_kwargs(), "instance": self.object}

    def save(self, form):
        return services.seat_update(actor=self.request.user, seat=self.object, **form.cleaned_data)

    def get_success_url(self):
        return reverse("council:council-detail", kwargs={"pk": self.object.council_id})

    cancel_url = get_success_url


class SeatEndView(ServiceActionView):
    model = CouncilSeat

    def perform(self, obj):
        form = SeatEndForm(self.request.POST)
        on = form.cleaned_data.get("on") if form.is_valid() else None
        services.seat_end(actor=self.request.user, seat=obj, on=on)

    def success_message(self):
        return _("任期已结束。")

    def redirect_url(self):
        return reverse("council:council-detail", kwargs={"pk": self.object.council_id})


# --- documents ------------------------------------------------------------------------------------------------


def _documents_with_adopted(queryset):
    adopted = DocumentVersion.objects.filter(document=OuterRef("pk"), status=VersionStatus.ADOPTED)
    return queryset.annotate(
        adopted_version_no=Subquery(adopted.values("version_no")[:1]),
        adopted_on=Subquery(adopted.values("adopted_on")[:1]),
    )


class DocumentListView(ScopedViewMixin, ListView):
    model = GovernanceDocument
    template_name = "council/document_list.html"
    context_object_name = "documents"
    paginate_by = 50

    def scope_queryset(self, queryset):
        return _documents_with_adopted(queryset.order_by("kind", "title"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["council"] = selectors.council_for_user(self.request.user)
        return context


class DocumentCreateView(ServiceFormView):
    """pk = the council (the document belongs to its consortium)."""

    model = Council
    form_class = DocumentForm
    page_title = gettext_lazy("新建治理文件")

    def save(self, form):
        return services.document_create(actor=self.request.user, consortium=self.object.consortium, **form.cleaned_data)

    def get_success_url(self):
        return reverse("council:document-detail", kwargs={"pk": self.saved.pk})

    def cancel_url(self):
        return reverse("council:document-list")


class DocumentEditView(ServiceFormView):
    model = GovernanceDocument
    form_class = DocumentForm
    page_title = gettext_lazy("编辑治理文件")

    def form_extra_kwargs(self):
        return {**super().form_extra_kwargs(), "instance": self.object}

    def save(self, form):
        return services.document_update(actor=self.request.user, document=self.object, title=form.cleaned_data["title"])

    def get_success_url(self):
        return reverse("council:document-detail", kwargs={"pk": self.object.pk})

    cancel_url = get_success_url


class DocumentDetailView(ScopedViewMixin, DetailView):
    model = GovernanceDocument
    template_name = "council/document_detail.html"
    context_object_name = "document"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, document = self.request.user, self.object
        context["versions"] = selectors.document_versions(user, document)
        context["can_write"] = _can_write(user)
        if context["can_write"]:
            context["adopt_form"] = AdoptForm(user=user, consortium_id=document.consortium_id)
            context["share_form"] = ShareForm(user=user, consortium_id=document.consortium_id)
            context["shared_with"] = (
                GovernanceDocumentUserObjectPermission.objects.filter(content_object=document)
                .select_related("user")
                .order_by("user__username")
            )
        return context


class DocumentShareView(ServiceActionView):
    model = GovernanceDocument

    def perform(self, obj):
        form = ShareForm(self.request.POST, user=self.request.user, consortium_id=obj.consortium_id)
        if not form.is_valid():
            raise ValidationError({"user": form.errors.get("user", [_("请选择用户。")])})
        services.document_share(actor=self.request.user, document=obj, user=form.cleaned_data["user"])

    def success_message(self):
        return _("已共享。")

    def redirect_url(self):
        return reverse("council:document-detail", kwargs={"pk": self.object.pk})


class VersionCreateView(ServiceFormView):
    """pk = the document."""

    model = GovernanceDocument
    form_class = VersionForm
    page_title = gettext_lazy("新增版本（草案）")
    multipart = True

    def form_extra_kwargs(self):
        return {**super().form_extra_kwargs(), "document": self.object}

    def save(self, form):
        return services.version_create(actor=self.request.user, document=self.object, **form.cleaned_data)

    def get_success_url(self):
        return reverse("council:document-detail", kwargs={"pk": self.object.pk})

    cancel_url = get_success_url


class VersionEditView(ServiceFormView):
    model = DocumentVersion
    form_class = VersionForm
    page_title = gettext_lazy("编辑版本（草案）")
    multipart = True

    def form_extra_kwargs(self):
        return {**super().form_extra_kwargs(), "instance": self.object, "document": self.object.document}

    def save(self, form):
        data = dict(form.cleaned_data)
        if data.get("attachment") is None:
            data.pop("attachment", None)
        elif data["attachment"] is False:  # "clear" ticked
            data["attachment"] = ""
        return services.version_update(actor=self.request.user, version=self.object, **data)

    def get_success_url(self):
        return reverse("council:document-detail", kwargs={"pk": self.object.document_id})

    cancel_url = get_success_url


class VersionAdoptView(ServiceActionView):
    model = DocumentVersion

    def perform(self, obj):
        form = AdoptForm(self.request.POST, user=self.request.user, consortium_id=obj.consortium_id)
        if not form.is_valid():
            raise ValidationError({k: v for k, v in form.errors.items()})
        services.version_adopt(
            actor=self.request.user,
            version=obj,
            meeting=form.cleaned_data.get("meeting"),
            adopted_on=form.cleaned_data.get("adopted_on"),
        )

    def success_message(self):
        return _("版本已通过，原有效版本已废止。")

    def redirect_url(self):
        return reverse("council:document-detail", kwargs={"pk": self.object.document_id})


class VersionAttachmentView(ScopedFileView):
    """Attachments are served through the scope (drafts stay private), never from a public media URL."""

    model = DocumentVersion
    file_field = "attachment"


# --- meetings -------------------------------------------------------------------------------------------------


class MeetingListView(ScopedViewMixin, ListView):
    model = Meeting
    template_name = "council/meeting_list.html"
    context_object_name = "meetings"
    paginate_by = 50

    def scope_queryset(self, queryset):
        return selectors.meeting_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["council"] = selectors.council_for_user(self.request.user)
        return context


class MeetingCreateView(ServiceFormView):
    """pk = the council."""

    model = Council
    form_class = MeetingForm
    page_title = gettext_lazy("新建会议")

    def save(self, form):
        return services.meeting_create(actor=self.request.user, council=self.object, **form.cleaned_data)

    def get_success_url(self):
        return reverse("council:meeting-detail", kwargs={"pk": self.saved.pk})

    def cancel_url(self):
        return reverse("council:meeting-list")


class MeetingEditView(ServiceFormView):
    model = Meeting
    form_class = MeetingForm
    page_title = gettext_lazy("编辑会议")

    def form_extra_kwargs(self):
        return {**super().form_extra_kwargs(), "instance": self.object}

    def save(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if not form.fields[k].disabled}
        return services.meeting_update(actor=self.request.user, meeting=self.object, **data)

    def get_success_url(self):
        return reverse("council:meeting-detail", kwargs={"pk": self.object.pk})

    cancel_url = get_success_url


class MeetingDetailView(ScopedViewMixin, DetailView):
    model = Meeting
    template_name = "council/meeting_detail.html"
    context_object_name = "meeting"

    def scope_queryset(self, queryset):
        return queryset.select_related("council", "rules_version__document")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, meeting = self.request.user, self.object
        seats = list(selectors.meeting_seats(meeting))
        records = {a.seat_id: a for a in meeting.attendances.all()}
        context["attendance_rows"] = [(seat, records.get(seat.pk)) for seat in seats]
        context["quorum"] = selectors.meeting_quorum(meeting)
        context["agenda_items"] = AgendaItem.objects.visible_to(user).filter(meeting=meeting)
        context["resolutions"] = selectors.resolution_list(user).filter(meeting=meeting).order_by("id")
        context["can_write"] = _can_write(user)
        context["close_form"] = CloseForm(initial={"minutes": meeting.minutes})
        context.update(default_rules_context())
        return context


class MeetingTransitionView(ServiceActionView):
    model = Meeting
    service_name = ""
    message = ""

    def perform(self, obj):
        getattr(services, self.service_name)(actor=self.request.user, meeting=obj)

    def success_message(self):
        return str(self.message)

    def redirect_url(self):
        return reverse("council:meeting-detail", kwargs={"pk": self.object.pk})


class MeetingNoticeView(MeetingTransitionView):
    service_name = "meeting_notice"
    message = gettext_lazy("会议通知已发出。")


class MeetingHoldView(MeetingTransitionView):
    service_name = "meeting_hold"
    message = gettext_lazy("会议已标记为召开。")


class MeetingCancelView(MeetingTransitionView):
    service_name = "meeting_cancel"
    message = gettext_lazy("会议已取消。")


class MeetingCloseView(ServiceFormView):
    model = Meeting
    form_class = CloseForm
    page_title = gettext_lazy("结束会议")

    def form_extra_kwargs(self):
        return {}

    def get_initial(self):
        return {"minutes": self.object.minutes}

    def save(self, form):
        return services.meeting_close(
            actor=self.request.user, meeting=self.object, minutes=form.cleaned_data["minutes"]
        )

    def get_success_url(self):
        return reverse("council:meeting-detail", kwargs={"pk": self.object.pk})

    cancel_url = get_success_url


class AttendanceRecordView(ServiceFormView):
    """pk = the meeting. One row per seat whose term covers the meeting day."""

    model = Meeting
    form_class = AttendanceForm
    template_name = "council/attendance_form.html"
    page_title = gettext_lazy("登记出席")

    def form_extra_kwargs(self):
        seats = list(selectors.meeting_seats(self.object))
        current = {a.seat_id: a for a in self.object.attendances.all()}
        return {"seats": seats, "current": current}

    def save(self, form):
        services.attendance_record(actor=self.request.user, meeting=self.object, entries=form.entries())
        return self.object

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["quorum"] = selectors.meeting_quorum(self.object)
        return context

    def get_success_url(self):
        return reverse("council:meeting-detail", kwargs={"pk": self.object.pk})

    cancel_url = get_success_url


class AgendaItemCreateView(ServiceFormView):
    """pk = the meeting."""

    model = Meeting
    form_class = AgendaItemForm
    page_title = gettext_lazy("新增议程")

    def get_initial(self):
        last = self.object.agenda_items.order_by("-position").values_list("position", flat=True).first() or 0
        return {"position": last + 1}

    def save(self, form):
        return services.agenda_item_create(actor=self.request.user, meeting=self.object, **form.cleaned_data)

    def get_success_url(self):
        return reverse("council:meeting-detail", kwargs={"pk": self.object.pk})

    cancel_url = get_success_url


class AgendaItemEditView(ServiceFormView):
    model = AgendaItem
    form_class = AgendaItemForm
    page_title = gettext_lazy("编辑议程")

    def form_extra_kwargs(self):
        return {**super().form_extra_kwargs(), "instance": self.object}

    def save(self, form):
        return services.agenda_item_update(actor=self.request.user, item=self.object, **form.cleaned_data)

    def get_success_url(self):
        return reverse("council:meeting-detail", kwargs={"pk": self.object.meeting_id})

    cancel_url = get_success_url


class AgendaItemDeleteView(ServiceActionView):
    model = AgendaItem

    def perform(self, obj):
        services.agenda_item_delete(actor=self.request.user, item=obj)

    def success_message(self):
        return _("议程已删除。")

    def redirect_url(self):
        return reverse("council:meeting-detail", kwargs={"pk": self.object.meeting_id})


# --- resolutions ----------------------------------------------------------------------------------------------


class ResolutionCreateView(ServiceFormView):
    """pk = the meeting."""

    model = Meeting
    form_class = ResolutionForm
    page_title = gettext_lazy("提出决议")

    def form_extra_kwargs(self):
        return {**super().form_extra_kwargs(), "meeting": self.object}

    def save(self, form):
        return services.resolution_propose(actor=self.request.user, meeting=self.object, **form.cleaned_data)

    def get_success_url(self):
        return reverse("council:meeting-detail", kwargs={"pk": self.object.pk})

    cancel_url = get_success_url


class ResolutionDetailView(ScopedViewMixin, DetailView):
    model = Resolution
    template_name = "council/resolution_detail.html"
    context_object_name = "resolution"

    def scope_queryset(self, queryset):
        return queryset.select_related("meeting", "agenda_item").annotate(**selectors.tally_annotations())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["votes"] = self.object.votes.select_related("seat__unit").order_by("seat__role", "seat__person_name")
        context["quorum"] = selectors.meeting_quorum(self.object.meeting)
        context["can_write"] = _can_write(self.request.user)
        return context


class VoteRecordView(ServiceFormView):
    """pk = the resolution. One choice per seat present or represented by proxy."""

    model = Resolution
    form_class = VoteForm
    template_name = "council/vote_form.html"
    page_title = gettext_lazy("登记表决")

    def form_extra_kwargs(self):
        meeting = self.object.meeting
        attending = meeting.attendances.filter(status__in=ATTENDING_STATUSES).select_related("seat__unit")
        seats = [a.seat for a in attending]
        current = dict(self.object.votes.values_list("seat_id", "choice"))
        return {"seats": seats, "current": current}

    def save(self, form):
        services.vote_record(actor=self.request.user, resolution=self.object, votes=form.votes())
        return self.object

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["quorum"] = selectors.meeting_quorum(self.object.meeting)
        return context

    def get_success_url(self):
        return reverse("council:meeting-detail", kwargs={"pk": self.object.meeting_id})

    cancel_url = get_success_url


class ResolutionDecideView(ServiceActionView):
    model = Resolution

    def perform(self, obj):
        self.decided = services.resolution_decide(actor=self.request.user, resolution=obj)

    def success_message(self):
        if self.decided.status == ResolutionStatus.ADOPTED:
            return _("决议已通过，编号 %(number)s。") % {"number": self.decided.number}
        return _("决议未通过。")

    def redirect_url(self):
        return reverse("council:meeting-detail", kwargs={"pk": self.object.meeting_id})


class RegisterView(ScopedViewMixin, ListView):
    """The resolutions register (决议登记簿): adopted resolutions ordered by number."""

    model = Resolution
    template_name = "council/register.html"
    context_object_name = "resolutions"
    paginate_by = 100

    def scope_queryset(self, queryset):
        queryset = selectors.resolution_register(self.request.user)
        year = self.request.GET.get("year", "")
        if year.isdigit():
            queryset = queryset.filter(number__startswith=f"{year}-")
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["year"] = self.request.GET.get("year", "")
        return context
