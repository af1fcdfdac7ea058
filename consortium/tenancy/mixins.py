"""HTML side of the tenancy chokepoint: the view mixin, the form base and the admin base.

Every page that shows or changes tenant data derives from ``ScopedViewMixin``: its ``get_queryset`` and
``get_object`` cannot be overridden (``__init_subclass__`` refuses); refine with ``scope_queryset``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from .models import TenantModel
from .scoping import is_platform_admin, same_tenant_errors

PROTECTED_VIEW_METHODS = ("get_queryset", "get_object")


class ScopedViewMixin(LoginRequiredMixin):
    """For list/detail/update/delete views of a tenant model. ``write_view = True`` on views that change data."""

    model: type[models.Model]
    write_view = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__module__ != __name__:
            overridden = [name for name in PROTECTED_VIEW_METHODS if name in cls.__dict__]
            if overridden:
                raise TypeError(f"{cls.__name__} may not override {', '.join(overridden)}: use scope_queryset")

    def scope_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset

    def get_queryset(self) -> models.QuerySet:
        return self.scope_queryset(self.model.objects.visible_to(self.request.user))  # type: ignore[attr-defined]

    def get_object(self, queryset: models.QuerySet | None = None) -> models.Model:
        queryset = self.get_queryset() if queryset is None else queryset
        pk = self.kwargs.get("pk")  # type: ignore[attr-defined]
        try:
            obj = queryset.get(pk=pk)
        except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404(_("记录不存在。"))
        if self.write_view:
            self.require_editable(obj)
        return obj

    def require_editable(self, obj: models.Model) -> None:
        if not self.model.objects.editable_by(self.request.user).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
            raise PermissionDenied(_("您可以查看此记录，但无权修改。"))

    def recheck_in_scope(self, obj: models.Model) -> None:
        """Call inside the write's transaction: the saved object must still be editable by the actor."""
        if not self.model.objects.editable_by(self.request.user).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
            raise PermissionDenied(_("该操作会使记录超出您的权限范围，已撤销。"))


class ScopedParentMixin(ScopedViewMixin):
    """For pages addressed by a parent's pk (create-under-parent pages, editors of a parent's rows): the parent is
    fetched through the scope before any handler runs and kept as ``self.<parent_name>``."""

    parent_name = "parent"

    def dispatch(self, request, *args: Any, **kwargs: Any):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        setattr(self, self.parent_name, self.get_object())
        return super().dispatch(request, *args, **kwargs)


class ScopedFileView(ScopedViewMixin, View):
    """Downloads an uploaded file of a tenant row through the scope (MEDIA_ROOT is never served publicly)."""

    file_field: str

    def get(self, request, *args: Any, **kwargs: Any) -> FileResponse:
        obj = self.get_object()
        stored = getattr(obj, self.file_field)
        if not stored:
            raise Http404(_("该记录没有附件。"))
        try:
            handle = stored.open("rb")
        except FileNotFoundError:
            raise Http404(_("附件文件不存在。"))
        return FileResponse(handle, as_attachment=True, filename=stored.name.rsplit("/", 1)[-1])


class ScopedActionMixin(ScopedViewMixin):
    """A POST-only action on one object (approve, close, ...): object fetched through the chokepoint, then a service."""

    write_view = True
    http_method_names = ["post"]


class TenantModelForm(forms.ModelForm):
    """ModelForm whose model-choice fields only offer what the user can see; related rows stay in one tenant."""

    def __init__(self, *args: Any, user: Any, consortium_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.consortium_id = consortium_id or getattr(self.instance, "consortium_id", None) or user.consortium_id
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if isinstance(queryset, models.QuerySet) and hasattr(queryset, "visible_to"):
                scoped = queryset.visible_to(user)
                if issubclass(scoped.model, TenantModel) and self.consortium_id:
                    scoped = scoped.filter(consortium_id=self.consortium_id)
                field.queryset = scoped

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.consortium_id:
            for field, message in same_tenant_errors(cleaned, self.consortium_id).items():
                self.add_error(field, message)
        return cleaned


def atomic_scoped_save(view: ScopedViewMixin, save: Any) -> Any:
    """Run ``save()`` in a transaction and re-check scope before committing."""
    with transaction.atomic():
        obj = save()
        view.recheck_in_scope(obj)
    return obj


class ServiceFormMixin:
    """Form pages whose write is a service call: the user goes to the form, ``run`` saves through
    ``atomic_scoped_save`` (the written row's scope, whatever its model, re-checked inside the transaction) and turns
    the service's ValidationError into form errors."""

    heading: Any = ""
    back_url_name = ""
    form_takes_user = True

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()  # type: ignore[misc]
        if self.form_takes_user:
            kwargs["user"] = self.request.user  # type: ignore[attr-defined]
        return kwargs

    def get_back_url(self) -> str:
        return reverse(self.back_url_name)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.setdefault("heading", self.heading)
        context.setdefault("back_url", self.get_back_url())
        return context

    def recheck_in_scope(self, obj: Any) -> None:
        if not type(obj).objects.editable_by(self.request.user).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
            raise PermissionDenied(_("该操作会使记录超出您的权限范围，已撤销。"))

    def run(self, form: Any, call: Any, success: Any, message: str = "") -> HttpResponse:
        try:
            obj = atomic_scoped_save(self, call)  # type: ignore[arg-type]
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)  # type: ignore[attr-defined]
        messages.success(self.request, message or _("已保存。"))  # type: ignore[attr-defined]
        return HttpResponseRedirect(success(obj) if callable(success) else success)


class ScopedInline(admin.TabularInline):
    """Inline of a tenant model inside a ScopedAdmin: related choices scoped, tenant and owner taken from the parent."""

    exclude = ("consortium", "unit")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field.queryset, "visible_to"):
            field.queryset = field.queryset.visible_to(request.user)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field.queryset, "visible_to"):
            field.queryset = field.queryset.visible_to(request.user)
        return field


class ScopedAdmin(admin.ModelAdmin):
    """Admin for tenant models: superusers and platform admins see every tenant, staff only their own scope."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_platform_admin(request.user):
            return qs
        return qs.visible_to(request.user) if hasattr(qs, "visible_to") else qs.none()

    # Permissions follow the portal roles, not Django's global model permissions (which would span tenants):
    # secretariat manages its own consortium, officials read it, unit users use the portal pages instead.
    def _role(self, request) -> str:
        user = request.user
        if is_platform_admin(user):
            return "platform_admin"
        return getattr(user, "role", "") if user.is_active and user.is_staff else ""

    def has_module_permission(self, request):
        return self._role(request) in ("platform_admin", "secretariat", "official")

    def has_view_permission(self, request, obj=None):
        if not self.has_module_permission(request):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request, obj=None):
        return self._role(request) in ("platform_admin", "secretariat")

    def _editable(self, request, obj) -> bool:
        role = self._role(request)
        if role == "platform_admin":
            return True
        if role != "secretariat":
            return False
        return obj is None or self.model.objects.editable_by(request.user).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field.queryset, "visible_to"):
            field.queryset = field.queryset.visible_to(request.user)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field.queryset, "visible_to"):
            field.queryset = field.queryset.visible_to(request.user)
        return field

    def save_formset(self, request, form, formset, change):
        # Inline rows belong to their parent's tenant (and owning unit): never chosen in the form.
        parent = form.instance
        for instance in formset.save(commit=False):
            for field in ("consortium_id", "unit_id"):
                if hasattr(instance, field) and getattr(instance, field, None) is None:
                    setattr(instance, field, getattr(parent, field, None))
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()

    def save_model(self, request, obj, form, change):
        # Outside the platform admin, a row always lives in the actor's own consortium.
        if not is_platform_admin(request.user) and any(f.name == "consortium" for f in obj._meta.fields):
            obj.consortium_id = request.user.consortium_id
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if not is_platform_admin(request.user) and not self._editable(request, obj):
                raise PermissionDenied(_("该操作会使记录超出您的权限范围，已撤销。"))
