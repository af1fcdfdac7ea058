"""Filtersets whose model-choice filters only offer what the user can see (part of the chokepoint)."""

from typing import Any

import django_filters
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend


class TenantFilterSet(django_filters.FilterSet):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        for flt in self.filters.values():
            queryset = getattr(flt, "queryset", None)
            if isinstance(queryset, models.QuerySet) and hasattr(queryset, "visible_to"):
                flt.queryset = queryset.visible_to(user) if user is not None else queryset.none()


class TenantFilterBackend(DjangoFilterBackend):
    """Auto-generated filtersets (``filterset_fields``) are built on TenantFilterSet too."""

    filterset_base = TenantFilterSet
