"""Filtersets whose model-choice filters only offer what the user can see (part of the chokepoint)."""

from typing import Any

import django_filters
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend

MAX_DB_INTEGER = 2**63 - 1


def fits_db_integer(value: Any) -> bool:
    """True unless ``value`` is an integer literal no database column could hold (SQLite raises OverflowError)."""
    text = str(value).strip()
    return not (text.lstrip("+-").isdigit() and abs(int(text)) > MAX_DB_INTEGER)


class TenantFilterSet(django_filters.FilterSet):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        oversized: list[str] = []
        for name, flt in self.filters.items():
            queryset = getattr(flt, "queryset", None)
            if isinstance(queryset, models.QuerySet) and hasattr(queryset, "visible_to"):
                flt.queryset = queryset.visible_to(user) if user is not None else queryset.none()
            if isinstance(flt, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter):
                if any(not fits_db_integer(v) for v in self._values(name)):
                    oversized.append(name)
        if oversized:
            # An id no column can hold is simply not a valid choice (400), never a database error.
            self.data = self.data.copy()
            for name in oversized:
                self.data.setlist(name, ["invalid"])

    def _values(self, name: str) -> list[Any]:
        getlist = getattr(self.data, "getlist", None)
        return getlist(name) if getlist else ([self.data[name]] if name in self.data else [])


class TenantFilterBackend(DjangoFilterBackend):
    """Auto-generated filtersets (``filterset_fields``) are built on TenantFilterSet too."""

    filterset_base = TenantFilterSet
