"""The one tenancy chokepoint (DESIGN.md §3).

Every read of tenant data in request code goes through ``Model.objects.visible_to(user)`` and every write through
``Model.objects.editable_by(user)``. The API base viewset, the HTML-view mixin, the serializer/form foreign-key
fields and the admin all call these two methods and nothing else.

A model describes its own policy with three class attributes (see ``TenantModel``):

* ``SCOPE_UNIT_FIELD`` – lookup from the row to the owning member unit's id ("unit", "pk", ...) or None;
* ``shared_read_q(user)`` – rows every member of the consortium may read (published items) or None;
* ``UNIT_WRITE_ROLES`` – unit roles that may change their own unit's rows (empty: secretariat only).

Explicit cross-unit sharing goes through django-guardian's direct-foreign-key tables (``OBJECT_PERMISSION_MODEL``),
and only ever inside the user's own consortium.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

if TYPE_CHECKING:  # pragma: no cover
    from .models import User


def is_platform_admin(user: Any) -> bool:
    return bool(
        user and user.is_authenticated and user.is_active and (user.is_superuser or user.role == "platform_admin")
    )


def unit_roles(user: Any) -> dict[int, str]:
    """{unit_id: unit_role} for the user's memberships in their own consortium; memoised on the user object."""
    cached = getattr(user, "_unit_roles_cache", None)
    if cached is None:
        from .models import UnitMembership

        cached = dict(
            UnitMembership.objects.filter(
                user_id=user.pk, consortium_id=user.consortium_id, is_active=True
            ).values_list("unit_id", "role")
        )
        user._unit_roles_cache = cached
    return cached


def require_secretariat(actor: Any, consortium_id: int) -> None:
    """Services' guard for secretariat-only writes (platform admins pass); raises PermissionDenied."""
    from django.core.exceptions import PermissionDenied

    if is_platform_admin(actor):
        return
    if not (_active_tenant_user(actor) and actor.role == "secretariat" and actor.consortium_id == consortium_id):
        raise PermissionDenied(_("只有秘书处可以执行此操作。"))


def _active_tenant_user(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.consortium_id)


class TenantQuerySet(models.QuerySet):
    """Queryset of a tenant-owned model. The default manager does not filter implicitly."""

    def for_consortium(self, consortium_id: int) -> TenantQuerySet:
        """For tasks and commands, which carry an explicit consortium id (never ``.all()``)."""
        return self.filter(consortium_id=consortium_id)

    def visible_to(self, user: User) -> TenantQuerySet:
        model = self.model
        if is_platform_admin(user):
            return self
        if not _active_tenant_user(user):
            return self.none()
        qs = self.filter(consortium_id=user.consortium_id)
        if user.role in ("secretariat", "official"):
            return qs
        condition = Q(pk__in=[])
        roles = unit_roles(user)
        if roles:
            condition |= _unit_q(model, list(roles))
        shared = model.shared_read_q(user) if hasattr(model, "shared_read_q") else None
        if shared is not None:
            if not shared:  # an empty Q() means "every row of the consortium" (OR-ing it would drop it)
                return qs
            condition |= shared
        condition |= _guardian_q(model, user, "view")
        return qs.filter(condition)

    def editable_by(self, user: User) -> TenantQuerySet:
        model = self.model
        if is_platform_admin(user):
            return self
        if not _active_tenant_user(user):
            return self.none()
        qs = self.filter(consortium_id=user.consortium_id)
        if user.role == "secretariat":
            return qs
        if user.role != "member":
            return self.none()
        condition = Q(pk__in=[])
        write_roles = getattr(model, "UNIT_WRITE_ROLES", frozenset())
        units = [unit_id for unit_id, role in unit_roles(user).items() if role in write_roles]
        if units:
            condition |= _unit_q(model, units, write=True)
        condition |= _guardian_q(model, user, "change")
        return qs.filter(condition)


def _unit_q(model: type[models.Model], unit_ids: list[int], *, write: bool = False) -> Q:
    """Rows owned by one of ``unit_ids``; a model may override with ``unit_scope_q`` (e.g. to use a subquery) and,
    where the units that write are fewer than those that read, with ``unit_write_scope_q`` for writes."""
    if write and hasattr(model, "unit_write_scope_q"):
        return model.unit_write_scope_q(unit_ids)
    if hasattr(model, "unit_scope_q"):
        return model.unit_scope_q(unit_ids)
    unit_field = getattr(model, "SCOPE_UNIT_FIELD", None)
    if not unit_field:
        return Q(pk__in=[])
    return Q(**{f"{unit_field}__in": unit_ids})


def _guardian_q(model: type[models.Model], user: Any, action: str) -> Q:
    """Rows shared with the user through the model's direct-FK guardian table (never global perms)."""
    perm_model = getattr(model, "OBJECT_PERMISSION_MODEL", None)
    if not perm_model:
        return Q(pk__in=[])
    from django.apps import apps

    perm_cls = apps.get_model(perm_model)
    codename = f"{action}_{model._meta.model_name}"
    shared_ids = perm_cls.objects.filter(user_id=user.pk, permission__codename=codename).values("content_object_id")
    return Q(pk__in=shared_ids)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):  # type: ignore[misc]
    pass


def same_tenant_errors(values: dict[str, Any], consortium_id: int) -> dict[str, str]:
    """Field errors for related objects that belong to another consortium (platform admins see all tenants)."""
    errors: dict[str, str] = {}
    for field, value in values.items():
        related = list(value) if isinstance(value, list | tuple | set | models.QuerySet) else [value]
        for obj in related:
            owner = getattr(obj, "consortium_id", None) if isinstance(obj, models.Model) else None
            if owner is not None and owner != consortium_id:
                errors[field] = _("所选对象属于其他产教联合体。")
    return errors
