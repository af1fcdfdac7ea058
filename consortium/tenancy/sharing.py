"""Explicit object-level sharing across units (DESIGN.md §3): django-guardian's direct-FK tables, never global perms.

A model opts in with ``OBJECT_PERMISSION_MODEL`` (see scoping.py); ``visible_to`` then includes rows shared with the
user, always within the user's own consortium.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import TenantModel, UnitMembership, User


def _grant_table(model: type[TenantModel]) -> type[models.Model]:
    return apps.get_model(model.OBJECT_PERMISSION_MODEL)


def _permission(model: type[TenantModel], action: str) -> Permission:
    content_type = ContentType.objects.get_for_model(model)
    return Permission.objects.get(content_type=content_type, codename=f"{action}_{model._meta.model_name}")


def unit_user_ids(*, unit_id: int, consortium_id: int) -> list[int]:
    """Active users of a unit, in the given consortium only."""
    return list(
        User.objects.filter(
            is_active=True,
            consortium_id=consortium_id,
            pk__in=UnitMembership.objects.filter(unit_id=unit_id, is_active=True).values("user_id"),
        ).values_list("pk", flat=True)
    )


def share_with_unit(obj: TenantModel, *, unit_id: int, action: str = "view") -> int:
    """Grant ``action`` on ``obj`` to every active user of ``unit_id`` (same consortium); idempotent.
    Returns the number of users covered. Users who join the unit later need a new share."""
    model = type(obj)
    table, permission = _grant_table(model), _permission(model, action)
    users = unit_user_ids(unit_id=unit_id, consortium_id=obj.consortium_id)
    table.objects.bulk_create(
        [table(user_id=pk, permission=permission, content_object=obj) for pk in users], ignore_conflicts=True
    )
    return len(users)


def unshare_with_unit(obj: TenantModel, *, unit_id: int, action: str = "view") -> int:
    """Withdraw the grants of every user of ``unit_id`` on ``obj``; returns the number removed."""
    model = type(obj)
    users = UnitMembership.objects.filter(unit_id=unit_id).values("user_id")
    deleted, _by_model = (
        _grant_table(model)
        .objects.filter(content_object=obj, permission=_permission(model, action), user_id__in=users)
        .delete()
    )
    return deleted
