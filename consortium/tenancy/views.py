"""Pages of the tenancy kernel: home, member units, applications, invitations and the auth pages.

Every view that touches tenant data derives from ScopedViewMixin / ScopedActionMixin (objects come through
``visible_to`` / ``editable_by``); the few intentionally public or tenant-free views are listed in PUBLIC_VIEWS.
Views validate shape with forms and delegate to services (writes) and selectors (reads).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, DetailView, FormView, ListView, TemplateView, UpdateView, View

from . import selectors, services
from .choices import UnitStatus
from .forms import (
    BootstrapFormMixin,
    InvitationAcceptForm,
    InvitationForm,
    JoinForm,
    MemberUnitForm,
    UnitFilterForm,
    UnitTransitionForm,
)
from .mixins import ScopedActionMixin, ScopedViewMixin, atomic_scoped_save
from .models import Consortium, Invitation, MemberUnit
from .scoping import is_platform_admin


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def _is_secretariat(user: Any) -> bool:
    return user.is_authenticated and user.role == "secretariat"


# --- home -----------------------------------------------------------------------------------------------------


class HomeView(ScopedViewMixin, TemplateView):
    """The dashboard of the signed-in user's role; every figure comes from a selector that starts at visible_to."""

    model = MemberUnit
    template_name = "home/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["dashboard"] = selectors.home_dashboard(self.request.user)
        return context


# --- member units ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitAction:
    """A lifecycle action offered on the unit pages (the service enforces the rules; this is presentation)."""

    name: str
    to_status: str
    from_statuses: tuple[str, ...]
    label: Any
    icon: str
    style: str
    reason_required: bool


UNIT_ACTIONS: dict[str, UnitAction] = {
    action.name: action
    for action in (
        UnitAction("approve", UnitStatus.ACTIVE, (UnitStatus.APPLIED,), gettext_lazy("批准入会"),
                   "check-circle", "success", False),
        UnitAction("reject", UnitStatus.REJECTED, (UnitStatus.APPLIED,), gettext_lazy("驳回申请"),
                   "x-circle", "danger", True),
        UnitAction("suspend", UnitStatus.SUSPENDED, (UnitStatus.ACTIVE,), gettext_lazy("暂停成员资格"),
                   "pause-circle", "warning", True),
        UnitAction("reactivate", UnitStatus.ACTIVE, (UnitStatus.SUSPENDED,), gettext_lazy("恢复成员资格"),
                   "play-circle", "success", False),
        UnitAction("withdraw", UnitStatus.WITHDRAWN, (UnitStatus.ACTIVE, UnitStatus.SUSPENDED),
                   gettext_lazy("办理退出"), "box-arrow-right", "secondary", True),
    )
}


def unit_actions_for(user: Any, unit: MemberUnit) -> list[UnitAction]:
    """Actions the user may try on the unit (status changes are the secretariat's)."""
    if not (_is_secretariat(user) or is_platform_admin(user)):
        return []
    return [action for action in UNIT_ACTIONS.values() if unit.status in action.from_statuses]


class UnitListView(ScopedViewMixin, ListView):
    """The member directory: search, filters, pagination. Relations are prefetched (constant query count)."""

    model = MemberUnit
    paginate_by = 20
    template_name = "tenancy/unit_list.html"
    context_object_name = "units"

    def scope_queryset(self, queryset):
        self.filter_form = UnitFilterForm(self.request.GET or None, user=self.request.user)
        filters: dict[str, Any] = {}
        if self.filter_form.is_bound:
            # Invalid values (a foreign industry id, an unknown status) are dropped; the valid ones still apply.
            self.filter_form.is_valid()
            filters = self.filter_form.cleaned_data
        return selectors.unit_filter(queryset, filters)

    def get_template_names(self) -> list[str]:
        if getattr(self.request, "htmx", False) and not self.request.htmx.boosted:
            return ["tenancy/_unit_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter_form=self.filter_form,
            querystring=query.urlencode(),
            can_create=_is_secretariat(self.request.user),
        )
        return context


class UnitDetailView(ScopedViewMixin, DetailView):
    model = MemberUnit
    template_name = "tenancy/unit_detail.html"
    context_object_name = "unit"

    def scope_queryset(self, queryset):
        return queryset.select_related("consortium").prefetch_related("industries", "local_chains")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        context.update(
            history=selectors.unit_status_history(user, unit),
            can_see_members=selectors.unit_can_see_members(user, unit),
            members=selectors.unit_members(user, unit),
            can_edit=selectors.unit_is_editable(user, unit),
            actions=unit_actions_for(user, unit),
            transition_form=UnitTransitionForm(),
        )
        return context


class UnitFormMixin:
    form_class = MemberUnitForm
    template_name = "tenancy/unit_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()  # type: ignore[misc]
        kwargs["user"] = self.request.user  # type: ignore[attr-defined]
        return kwargs


class UnitUpdateView(UnitFormMixin, ScopedViewMixin, UpdateView):
    """Edit a unit's profile: the secretariat, or the unit's own administrators."""

    model = MemberUnit
    write_view = True

    def form_valid(self, form: MemberUnitForm) -> HttpResponse:
        try:
            unit = atomic_scoped_save(
                self, lambda: services.unit_update(actor=self.request.user, unit=self.object, **form.service_kwargs())
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已保存“%(unit)s”的资料。") % {"unit": unit.name})
        return HttpResponseRedirect(reverse("unit-detail", kwargs={"pk": unit.pk}))


class UnitCreateView(UnitFormMixin, ScopedViewMixin, CreateView):
    """The secretariat registers a unit directly (it starts as an active member)."""

    model = MemberUnit
    write_view = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not _is_secretariat(request.user):
            raise PermissionDenied(_("只有秘书处可以登记成员单位。"))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: MemberUnitForm) -> HttpResponse:
        consortium = Consortium.objects.visible_to(self.request.user).get(pk=self.request.user.consortium_id)
        try:
            unit = atomic_scoped_save(
                self,
                lambda: services.unit_create(actor=self.request.user, consortium=consortium, **form.service_kwargs()),
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已登记成员单位“%(unit)s”。") % {"unit": unit.name})
        return HttpResponseRedirect(reverse("unit-detail", kwargs={"pk": unit.pk}))


class UnitTransitionView(ScopedActionMixin, View):
    """POST: approve / reject / suspend / reactivate / withdraw a unit, with a reason. Errors become messages."""

    model = MemberUnit

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        spec = UNIT_ACTIONS.get(action)
        if spec is None:
            raise Http404(_("未知的操作。"))
        unit = self.get_object()
        back = _safe_next(request, reverse("unit-detail", kwargs={"pk": unit.pk}))
        form = UnitTransitionForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
            return redirect(back)
        if unit.status not in spec.from_statuses:
            messages.error(
                request,
                _("成员单位当前状态为“%(current)s”，不能执行“%(action)s”。")
                % {"current": unit.get_status_display(), "action": spec.label},
            )
            return redirect(back)
        try:
            atomic_scoped_save(
                self,
                lambda: services.unit_transition(
                    actor=request.user, unit=unit, to_status=spec.to_status, reason=form.cleaned_data["reason"]
                ),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(back)
        messages.success(request, _("已对“%(unit)s”执行“%(action)s”。") % {"unit": unit.name, "action": spec.label})
        return redirect(back)


class ApplicationListView(ScopedViewMixin, ListView):
    """Pending join applications: the secretariat decides, officials may look."""

    model = MemberUnit
    paginate_by = 20
    template_name = "tenancy/application_list.html"
    context_object_name = "applications"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not (is_platform_admin(user) or user.role in ("secretariat", "official")):
            raise PermissionDenied(_("只有秘书处可以审核入会申请。"))
        return super().dispatch(request, *args, **kwargs)

    def scope_queryset(self, queryset):
        return selectors.applications_refine(queryset, self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            can_decide=_is_secretariat(self.request.user) or is_platform_admin(self.request.user),
            approve=UNIT_ACTIONS["approve"],
            reject=UNIT_ACTIONS["reject"],
        )
        return context


# --- invitations ----------------------------------------------------------------------------------------------


class InvitationListView(ScopedViewMixin, ListView):
    """Unit admins (and the secretariat) invite people by e-mail and revoke open invitations."""

    model = Invitation
    paginate_by = 20
    template_name = "tenancy/invitation_list.html"
    context_object_name = "invitations"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not MemberUnit.objects.editable_by(user).exists():
            raise PermissionDenied(_("只有单位管理员可以邀请人员。"))
        return super().dispatch(request, *args, **kwargs)

    def scope_queryset(self, queryset):
        # Only invitations of units the user administers (visible_to alone would include the own unit's for staff).
        return queryset.filter(unit__in=MemberUnit.objects.editable_by(self.request.user)).select_related(
            "unit", "invited_by", "accepted_user"
        ).order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", InvitationForm(user=self.request.user))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = InvitationForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                invitation = services.invitation_create(
                    actor=request.user, unit=data["unit"], email=data["email"], role=data["role"],
                    full_name=data.get("full_name", ""),
                )
            except ValidationError as exc:
                form.apply_service_errors(exc)
            else:
                messages.success(request, _("已向 %(email)s 发出邀请。") % {"email": invitation.email})
                return redirect("invitation-list")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form))


class InvitationRevokeView(ScopedActionMixin, View):
    model = Invitation

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        invitation = self.get_object()
        try:
            services.invitation_revoke(actor=request.user, invitation=invitation)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已撤销对 %(email)s 的邀请。") % {"email": invitation.email})
        return redirect("invitation-list")


class InvitationAcceptView(FormView):
    """Public: the invited person sets up an account. The token in the URL is the credential."""

    form_class = InvitationAcceptForm
    template_name = "tenancy/invitation_accept.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.invitation = selectors.invitation_by_token(kwargs["token"])
        if self.invitation is None or not self.invitation.is_open:
            status = 404 if self.invitation is None else 410
            return render(request, "tenancy/invitation_invalid.html", {"invitation": self.invitation}, status=status)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        return {"full_name": self.invitation.full_name}

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["email"] = self.invitation.email
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["invitation"] = self.invitation
        return context

    def form_valid(self, form: InvitationAcceptForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            user = services.invitation_accept(
                token=self.kwargs["token"], username=data["username"], password=data["password1"],
                full_name=data["full_name"], phone=data.get("phone", ""),
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("账号 %(username)s 已创建，请登录。") % {"username": user.username})
        return redirect(f"{reverse('login')}?username={user.username}")


# --- join (public self-registration) --------------------------------------------------------------------------


class JoinView(FormView):
    """Public: a unit applies to join a consortium and creates its (inactive) administrator account."""

    form_class = JoinForm
    template_name = "tenancy/join.html"

    def form_valid(self, form: JoinForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            unit = services.unit_apply(
                consortium=data["consortium"], unit_fields=form.unit_fields(), industries=data.get("industries"),
                username=data["username"], password=data["password1"], email=data["contact_email"],
                full_name=data["full_name"], phone=data.get("contact_phone", ""),
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        self.request.session["joined"] = {"unit": unit.name, "consortium": data["consortium"].name}
        return redirect("join-done")


class JoinDoneView(TemplateView):
    template_name = "tenancy/join_done.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["joined"] = self.request.session.pop("joined", None)
        return context


# --- authentication -------------------------------------------------------------------------------------------


class LoginForm(BootstrapFormMixin, AuthenticationForm):
    pass


class PortalPasswordChangeForm(BootstrapFormMixin, PasswordChangeForm):
    pass


class PortalPasswordResetForm(BootstrapFormMixin, PasswordResetForm):
    pass


class PortalSetPasswordForm(BootstrapFormMixin, SetPasswordForm):
    pass


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_initial(self) -> dict[str, Any]:
        return {"username": self.request.GET.get("username", "")}


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5); says goodbye on the login page."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("您已安全退出。"))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PortalPasswordChangeForm


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PortalPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    pass


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = PortalSetPasswordForm


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    pass


#: Views that intentionally do not derive from ScopedViewMixin: they are public (anonymous visitors) or touch
#: only the requesting user's own account. The architecture test checks every other view is scoped.
PUBLIC_VIEWS: tuple[type[View], ...] = (
    LoginView,
    LogoutView,
    PasswordChangeView,
    PasswordChangeDoneView,
    PasswordResetView,
    PasswordResetDoneView,
    PasswordResetConfirmView,
    PasswordResetCompleteView,
    JoinView,
    JoinDoneView,
    InvitationAcceptView,
)
