"""API side of the tenancy chokepoint: the base viewsets, serializer and filterset every tenant route uses.

Subclasses supply ``model``, ``serializer_class`` and optionally ``scope_queryset`` (select_related, annotations)
and ``perform_scoped_create/update/destroy`` (which call services). They cannot override the protected methods:
``__init_subclass__`` refuses, so a viewset cannot forget the scope.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied

from ..models import Consortium, TenantModel
from ..scoping import is_platform_admin, same_tenant_errors
from .filters import TenantFilterBackend, TenantFilterSet, fits_db_integer  # noqa: F401  (re-exported)

PROTECTED_METHODS = (
    "initial", "get_queryset", "get_object", "get_visible_object", "perform_create", "perform_update",
    "perform_destroy",
)


class ScopedViewSetMixin:
    """Applies ``visible_to`` / ``editable_by`` before any handler runs."""

    model: type[models.Model]
    #: roles allowed to create; None means "whoever passes the serializer and the post-save scope re-check".
    read_only_roles = ("official",)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__module__ != __name__:
            overridden = [name for name in PROTECTED_METHODS if name in cls.__dict__]
            if overridden:
                raise TypeError(f"{cls.__name__} may not override {', '.join(overridden)}: use the scope_* hooks")

    def initial(self, request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        # Read-only roles are refused before any input is validated. Requests on one object are left to
        # get_object, so a foreign object still answers 404 exactly like a missing one.
        method = request.method.lower()
        if (
            request.method not in permissions.SAFE_METHODS
            and method in self.http_method_names  # type: ignore[attr-defined]
            and hasattr(self, method)  # unsupported methods still answer 405
            and (self.lookup_url_kwarg or self.lookup_field) not in self.kwargs  # type: ignore[attr-defined]
            and not is_platform_admin(request.user)
            and getattr(request.user, "role", None) in self.read_only_roles
        ):
            raise PermissionDenied(_("您的角色为只读，不能修改数据。"))

    # -- reading -----------------------------------------------------------------------------------------------
    def scope_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        """Hook: refine the already-scoped queryset (select_related, annotations, ordering)."""
        return queryset

    def get_queryset(self) -> models.QuerySet:
        user = self.request.user  # type: ignore[attr-defined]
        return self.scope_queryset(self.model.objects.visible_to(user))

    def get_object(self) -> models.Model:
        obj = self.get_visible_object()
        if self.request.method not in permissions.SAFE_METHODS:  # type: ignore[attr-defined]
            self.require_editable(obj)
        return obj

    def get_visible_object(self) -> models.Model:
        """The route's object through the visible scope only: for actions whose service checks the acting party
        itself (e.g. a partner confirming an agreement). Missing, foreign and malformed ids all answer 404."""
        queryset = self.filter_queryset(self.get_queryset())  # type: ignore[attr-defined]
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field  # type: ignore[attr-defined]
        try:
            obj = get_object_or_404(queryset, **{self.lookup_field: self.kwargs[lookup_url_kwarg]})  # type: ignore[attr-defined]
        except (ValueError, TypeError, OverflowError):
            raise NotFound()
        self.check_object_permissions(self.request, obj)  # type: ignore[attr-defined]
        return obj

    def require_editable(self, obj: models.Model) -> None:
        user = self.request.user  # type: ignore[attr-defined]
        if not self.model.objects.editable_by(user).filter(pk=obj.pk).exists():
            raise PermissionDenied(_("您可以查看此记录，但无权修改。"))

    # -- writing -----------------------------------------------------------------------------------------------
    def perform_scoped_create(self, serializer: serializers.BaseSerializer) -> models.Model:
        return serializer.save()

    def perform_scoped_update(self, serializer: serializers.BaseSerializer) -> models.Model:
        return serializer.save()

    def perform_scoped_destroy(self, instance: models.Model) -> None:
        instance.delete()

    def _recheck(self, instance: models.Model) -> None:
        """After a write the object must still be in the actor's scope, else the transaction rolls back."""
        user = self.request.user  # type: ignore[attr-defined]
        if not self.model.objects.editable_by(user).filter(pk=instance.pk).exists():
            raise PermissionDenied(_("该操作会使记录超出您的权限范围，已撤销。"))

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        with transaction.atomic():
            instance = self.perform_scoped_create(serializer)
            self._recheck(instance)
        serializer.instance = instance

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        with transaction.atomic():
            instance = self.perform_scoped_update(serializer)
            self._recheck(instance)
        serializer.instance = instance

    def perform_destroy(self, instance: models.Model) -> None:
        with transaction.atomic():
            self.perform_scoped_destroy(instance)


class TenantModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]


class TenantReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


# --- serializers ----------------------------------------------------------------------------------------------


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key that only accepts objects the requesting user can see (same 'does not exist' otherwise)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, bool) and not fits_db_integer(data):
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)

    def get_queryset(self) -> models.QuerySet:
        queryset = super().get_queryset()
        request = self.context.get("request")
        if queryset is None:
            return queryset
        if hasattr(queryset, "visible_to"):
            user = getattr(request, "user", None)
            return queryset.visible_to(user) if user is not None else queryset.none()
        return queryset


def scoped_field(model: type[models.Model], **kwargs: Any) -> ScopedPrimaryKeyRelatedField:
    return ScopedPrimaryKeyRelatedField(queryset=model.objects.all(), **kwargs)


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$", "example": "08:30"})
class WallClockTimeField(serializers.TimeField):
    """A local wall-clock time ("08:30", "18:00:00"). The OpenAPI "time" format means RFC 3339 with a UTC offset,
    which a centre's opening hour does not have, so the schema describes it by pattern instead."""


class TenantModelSerializer(serializers.ModelSerializer):
    """Base of every tenant serializer: scoped foreign keys, the consortium set from the actor, one tenant per row.

    Non platform admins never choose the consortium: it is their own. Platform admins must name it on create.
    """

    serializer_related_field = ScopedPrimaryKeyRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.TimeField: WallClockTimeField,
    }
    consortium = ScopedPrimaryKeyRelatedField(queryset=Consortium.objects.all(), required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        model = self.Meta.model
        if issubclass(model, TenantModel):
            if self.instance is not None:
                attrs.pop("consortium", None)  # a row never moves between tenants
                consortium_id = self.instance.consortium_id
            elif is_platform_admin(user):
                if not attrs.get("consortium"):
                    raise serializers.ValidationError({"consortium": _("平台管理员新建记录时必须指定产教联合体。")})
                consortium_id = attrs["consortium"].pk
            else:
                attrs["consortium"] = Consortium.objects.get(pk=user.consortium_id)
                consortium_id = user.consortium_id
            errors = same_tenant_errors(attrs, consortium_id)
            if errors:
                raise serializers.ValidationError(errors)
        return attrs
