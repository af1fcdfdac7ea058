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
from . import tenancy  # noqa: E402,F401

try:  # the council module is added by the council work
    from . import council  # noqa: F401
except ImportError:  # pragma: no cover
    pass

from . import schools  # noqa: E402,F401
from . import imports  # noqa: E402,F401
