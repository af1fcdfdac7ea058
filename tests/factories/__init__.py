"""Factories for every model, and the registry the isolation suite walks.

Contract: ``OWNED_FACTORIES[Model] = build(consortium, unit) -> instance`` creates one row of ``Model`` that lives in
``consortium`` and is owned by ``unit`` (a MemberUnit of that consortium) where the model has an owner, in its
normal "published" state. Every TenantModel exposed by a route must be registered here, or the isolation suite
fails and says which model is missing.
"""

from collections.abc import Callable
from typing import Any

OWNED_FACTORIES: dict[type, Callable[[Any, Any], Any]] = {}


def register(model: type) -> Callable[[Callable[[Any, Any], Any]], Callable[[Any, Any], Any]]:
    def decorator(build: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        OWNED_FACTORIES[model] = build
        return build

    return decorator


# Import the per-app modules so their @register calls run.
from . import (  # noqa: E402,F401
    council,
    enterprises_demands,
    enterprises_order_classes,
    enterprises_rnd,
    imports,
    leadership,
    matching,
    practice_center,
    schools,
    tenancy,
)
