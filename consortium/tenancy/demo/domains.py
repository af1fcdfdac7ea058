"""Demo data of the domain apps, discovered at run time so that the kernel never imports a domain app.

Protocol (DESIGN.md §4: the kernel imports no domain app): an installed app ``<app>`` may ship a module
``<app>.demo`` defining

    def load(*, consortium: Consortium, secretariat: User, stdout: OutputWrapper | None) -> Mapping[str, int] | None

``load_demo`` calls it once per demo consortium, after the kernel and council parts, inside the command's single
transaction, in ``INSTALLED_APPS`` order (so a layer that reads a lower one runs after it). The loader

* writes through the app's own services acting as ``secretariat`` (the demo secretariat of ``consortium``), so the
  data obeys the same rules as the UI;
* must be idempotent: natural keys / get-or-create, a rerun creates nothing and changes nothing;
* must be deterministic (seeded randomness, hashes), reaching tenant rows only through ``for_consortium``;
* decides itself what (if anything) to build for a consortium it does not know, and returns counts to print
  (label → number) or ``None``.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.apps import AppConfig, apps
from django.db import connection

from consortium.tenancy.models import Consortium, User

DEMO_MODULE = "demo"
# The kernel's own demo lives in this package (``consortium.tenancy.demo``) and is run by the command directly.
KERNEL_APPS = frozenset({"consortium.tenancy"})


class DemoLoader(Protocol):
    def __call__(
        self, *, consortium: Consortium, secretariat: User, stdout: Any = None
    ) -> Mapping[str, int] | None: ...


@dataclass(frozen=True)
class DomainDemo:
    app_label: str
    module: str
    load: DemoLoader


def _demo_spec(app_config: AppConfig) -> str | None:
    name = f"{app_config.name}.{DEMO_MODULE}"
    try:
        return name if importlib.util.find_spec(name) is not None else None
    except (ImportError, ValueError):  # the app is a plain module, not a package
        return None


def _migrated(app_config: AppConfig) -> bool:
    tables = set(connection.introspection.table_names())
    return all(model._meta.db_table in tables for model in app_config.get_models() if model._meta.managed)


def discover(*, stdout: Any = None) -> Iterator[DomainDemo]:
    """Yield the ``load`` of every installed app's ``demo`` module, in ``INSTALLED_APPS`` order.

    Apps without a demo module are ignored; an app whose tables do not exist yet is skipped with a notice."""
    for app_config in apps.get_app_configs():
        if app_config.name in KERNEL_APPS:
            continue
        module_name = _demo_spec(app_config)
        if module_name is None:
            continue
        module = importlib.import_module(module_name)
        load: Callable[..., Any] | None = getattr(module, "load", None)
        if not callable(load):
            continue
        if not _migrated(app_config):
            if stdout is not None:
                stdout.write(f"{app_config.label}: tables missing (run migrate): demo data skipped.")
            continue
        yield DomainDemo(app_label=app_config.label, module=module_name, load=load)
