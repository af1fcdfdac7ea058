"""Factories of the import framework, and its builder for the isolation registry."""

from __future__ import annotations

from typing import Any

import factory

from consortium.imports.choices import ImportStatus
from consortium.imports.models import ImportJob

from . import register
from .tenancy import MemberUnitFactory, TenantFactory, UserFactory


class ImportJobFactory(TenantFactory):
    """A validated job (no file on disk: pages and the API never read the file after the dry run)."""

    _tenant_parents = ("unit",)

    class Meta:
        model = ImportJob

    unit = factory.SubFactory(MemberUnitFactory)
    consortium = factory.SelfAttribute("unit.consortium")
    kind = "schools.students"
    file = "0/0/placeholder.xlsx"
    original_filename = "学生.xlsx"
    status = ImportStatus.VALIDATED
    rows_total = 1
    created_count = 1
    preview = factory.LazyFunction(lambda: {"headers": ["学号"], "rows": [["2024001"]]})
    created_by = factory.SubFactory(UserFactory, consortium=factory.SelfAttribute("..consortium"))


@register(ImportJob)
def build_import_job(consortium: Any, unit: Any) -> ImportJob:
    return ImportJobFactory(consortium=consortium, unit=unit, created_by=None)
