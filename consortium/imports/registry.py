"""The importer registry. Domain apps describe their Excel importers here; the kernel never imports a domain app.

A domain app subclasses ``Importer`` (key, Chinese title, sheet name, column spec, natural-key description) and
implements ``rows_to_service`` (calls its bulk service, all-or-nothing) and ``export_rows``; it registers the class
from its ``AppConfig.ready`` (``register(MyImporter)``).

Row-level errors of a service come back as a ``ValidationError`` with a ``row_errors`` attribute
(``{row key: {field: [messages]}}``, ``consortium.imports.bulk.BulkRowsError``): rows carry their Excel row number as
``"_row"``, and ``field_columns`` maps service field names onto column keys, so every message lands on a cell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from consortium.tenancy.models import MemberUnit
from consortium.tenancy.scoping import is_platform_admin, unit_roles

COLUMN_TYPES = ("str", "int", "date", "month", "bool", "choice", "list")


@dataclass(frozen=True)
class Column:
    """One column of an import sheet.

    ``type``: str | int | date (a day) | month (first day of the month) | bool (是/否) | choice (Chinese label or
    value → value) | list (comma/、-separated codes, passed on as a list).
    ``choices``: (value, label) pairs of a choice column; ``aliases``: extra accepted labels → value.
    ``list_name``: name of a dynamic list from ``Importer.lists(unit)`` offered as an in-cell drop-down (hidden sheet).
    ``validate``: optional ``value -> message | None`` for a cell-level check (e.g. an ID-number checksum).
    """

    key: str
    header: Any
    type: str = "str"
    required: bool = False
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    choices: Sequence[tuple[Any, Any]] = ()
    aliases: Mapping[str, Any] = field(default_factory=dict)
    list_name: str | None = None
    example: Any = ""
    help: Any = ""
    width: int = 16
    validate: Callable[[Any], Any] | None = None

    def __post_init__(self) -> None:
        if self.type not in COLUMN_TYPES:
            raise ImproperlyConfigured(f"column {self.key}: unknown type {self.type!r}")
        if self.type == "choice" and not self.choices:
            raise ImproperlyConfigured(f"choice column {self.key} needs choices")

    @property
    def labels(self) -> list[str]:
        return [str(label) for _value, label in self.choices]

    def label_for(self, value: Any) -> str:
        for choice_value, label in self.choices:
            if choice_value == value:
                return str(label)
        return "" if value is None else str(value)


class Importer:
    """Base class of a registered importer. Subclasses set the class attributes and implement the two hooks."""

    key: str = ""  # e.g. "schools.students"
    title: Any = ""  # Chinese, e.g. _("学生")
    sheet_name: str = ""  # the data sheet of the template
    columns: tuple[Column, ...] = ()
    natural_key: Any = ""  # e.g. _("学校 + 学号")
    unit_kinds: tuple[str, ...] = ()  # MemberUnit kinds that may import this (empty: any)
    #: service field name -> column key, for service errors whose field is not a column key.
    field_columns: Mapping[str, str] = {}
    max_rows: int = 20000
    description: Any = ""

    # -- hooks ----------------------------------------------------------------------------------------------------
    def rows_to_service(self, actor: Any, unit: MemberUnit, rows: Sequence[Mapping[str, Any]]) -> Any:
        """Write ``rows`` through the domain's bulk service (atomic, all-or-nothing) and return its result
        (with ``created`` / ``updated`` / ``unchanged`` attributes). Raise a ValidationError with ``row_errors``."""
        raise NotImplementedError

    def export_rows(self, user: Any, unit: MemberUnit) -> Iterable[Mapping[str, Any]]:
        """Rows of ``unit`` visible to ``user`` as {column key: value}, starting from ``visible_to(user)``."""
        raise NotImplementedError

    def lists(self, unit: MemberUnit | None) -> dict[str, list[tuple[str, str]]]:
        """Dynamic lists for drop-downs and the code sheet: {list name: [(code, description), ...]}."""
        return {}

    # -- permissions (override when a domain needs more) ------------------------------------------------------------
    def unit_allowed(self, unit: MemberUnit) -> bool:
        return not self.unit_kinds or unit.kind in self.unit_kinds

    def importable_units(self, user: Any):
        """Units ``user`` may import for: the units they can edit, of an allowed kind."""
        qs = MemberUnit.objects.editable_by(user)
        if self.unit_kinds:
            qs = qs.filter(kind__in=self.unit_kinds)
        return qs.order_by("name")

    def can_export(self, user: Any, unit: MemberUnit) -> bool:
        """Exports contain personal data: the unit's own users, the secretariat and platform admins only."""
        if is_platform_admin(user):
            return True
        if not (user and user.is_authenticated and user.is_active and user.consortium_id == unit.consortium_id):
            return False
        if user.role == "secretariat":
            return True
        return user.role == "member" and unit.pk in unit_roles(user)

    def exportable_units(self, user: Any):
        qs = MemberUnit.objects.visible_to(user)
        if self.unit_kinds:
            qs = qs.filter(kind__in=self.unit_kinds)
        if not (is_platform_admin(user) or getattr(user, "role", None) == "secretariat"):
            qs = qs.filter(pk__in=list(unit_roles(user))) if getattr(user, "role", None) == "member" else qs.none()
        return qs.order_by("name")

    # -- helpers --------------------------------------------------------------------------------------------------
    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    def column_for_field(self, field_name: str) -> Column | None:
        return self.column(self.field_columns.get(field_name, field_name))


_REGISTRY: dict[str, Importer] = {}


def register(importer_class: type[Importer]) -> type[Importer]:
    """Register an importer class (usable as a decorator). Registering the same key twice replaces it."""
    importer = importer_class()
    if not importer.key or not importer.sheet_name or not importer.columns:
        raise ImproperlyConfigured(f"{importer_class.__name__}: key, sheet_name and columns are required")
    keys = [c.key for c in importer.columns]
    headers = [str(c.header) for c in importer.columns]
    if len(set(keys)) != len(keys) or len(set(headers)) != len(headers):
        raise ImproperlyConfigured(f"{importer_class.__name__}: duplicate column keys or headers")
    _REGISTRY[importer.key] = importer
    return importer_class


def get_importer(key: str) -> Importer | None:
    return _REGISTRY.get(key)


def all_importers() -> list[Importer]:
    return sorted(_REGISTRY.values(), key=lambda i: i.key)


def kind_choices() -> list[tuple[str, str]]:
    return [(i.key, str(i.title)) for i in all_importers()]
