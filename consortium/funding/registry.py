"""Which domain models a funding record may point at.

The kernel never imports a domain app (DESIGN.md §4): domain apps register their fundable models from their
``AppConfig.ready()`` (e.g. ``register_fundable(RnDProject)``), and ``FundingRecord`` points at them through a
generic relation that the services validate against this registry.
"""

from __future__ import annotations

from django.db import models

from consortium.tenancy.models import TenantModel

_FUNDABLE: dict[str, type[models.Model]] = {}


def register_fundable(model: type[models.Model]) -> type[models.Model]:
    """Allow funding records to point at rows of ``model`` (a TenantModel). Idempotent; usable as a decorator."""
    if not (isinstance(model, type) and issubclass(model, TenantModel)):
        raise TypeError(f"{model!r} is not a TenantModel: funding targets must belong to a consortium")
    _FUNDABLE[model._meta.label_lower] = model
    return model


def unregister_fundable(model: type[models.Model]) -> None:
    """For tests."""
    _FUNDABLE.pop(model._meta.label_lower, None)


def fundable_model(label: str) -> type[models.Model] | None:
    """The registered model for ``"app_label.modelname"`` (case-insensitive), else None."""
    return _FUNDABLE.get((label or "").strip().lower())


def is_fundable(model: type[models.Model]) -> bool:
    return _FUNDABLE.get(model._meta.label_lower) is model


def fundable_models() -> list[type[models.Model]]:
    return sorted(_FUNDABLE.values(), key=lambda m: m._meta.label_lower)
