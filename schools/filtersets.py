"""Filtersets of the schools lists (API). Model-choice filters only offer what the user can see (TenantFilterSet).

Filters that encode domain semantics (certifications expiring, the shared-pool search) delegate to
``schools.selectors`` so pages and API agree on what they mean.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from consortium.tenancy.api.filters import TenantFilterSet
from consortium.tenancy.models import Industry, MemberUnit

from . import selectors
from .choices import (
    CatalogueLevel,
    DualLevel,
    Employment,
    EngagementStatus,
    OfferingStatus,
    PriorityClass,
    SchoolLevel,
    StudentStatus,
)
from .models import (
    DualQualification,
    EngagementRequest,
    EnterprisePractice,
    PoolExpert,
    Programme,
    ProgrammeOffering,
    SchoolProfile,
    Student,
    Teacher,
)


def _visible(model: type) -> Any:
    """A ``queryset`` callable for model-choice filters: only rows the requesting user can see."""

    def queryset(request: Any) -> QuerySet:
        return model.objects.visible_to(getattr(request, "user", None))

    return queryset


def _units() -> Any:
    return _visible(MemberUnit)


class SchoolProfileFilterSet(TenantFilterSet):
    unit = django_filters.ModelChoiceFilter(queryset=_units(), label=_("学校"))
    level = django_filters.ChoiceFilter(choices=SchoolLevel.choices, label=_("办学层次"))

    class Meta:
        model = SchoolProfile
        fields = ["unit", "level"]


class ProgrammeFilterSet(TenantFilterSet):
    unit = django_filters.ModelChoiceFilter(queryset=_units(), label=_("学校"))
    level = django_filters.ChoiceFilter(choices=CatalogueLevel.choices, label=_("层次"))

    class Meta:
        model = Programme
        fields = ["unit", "level", "major_category", "is_active"]


class ProgrammeOfferingFilterSet(TenantFilterSet):
    unit = django_filters.ModelChoiceFilter(queryset=_units(), label=_("学校"))
    status = django_filters.ChoiceFilter(choices=OfferingStatus.choices, label=_("专业状态"))
    priority_class = django_filters.ChoiceFilter(choices=PriorityClass.choices, label=_("重点类别"))

    class Meta:
        model = ProgrammeOffering
        fields = ["unit", "programme", "year", "status", "priority_class"]


class TeacherFilterSet(TenantFilterSet):
    unit = django_filters.ModelChoiceFilter(queryset=_units(), label=_("学校"))
    employment = django_filters.ChoiceFilter(choices=Employment.choices, label=_("聘用方式"))

    class Meta:
        model = Teacher
        fields = ["unit", "employment", "is_active", "in_shared_pool", "programmes"]


class DualQualificationFilterSet(TenantFilterSet):
    unit = django_filters.ModelChoiceFilter(queryset=_units(), label=_("学校"))
    level = django_filters.ChoiceFilter(choices=DualLevel.choices, label=_("认定等级"))
    expiring_within = django_filters.NumberFilter(
        method="filter_expiring_within",
        min_value=0,
        max_value=3650,
        label=_("在多少天内到期（含已过期）"),
    )

    class Meta:
        model = DualQualification
        fields = ["unit", "teacher", "level", "expiring_within"]

    def filter_expiring_within(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if value is None:
            return queryset
        expiring = selectors.certifications_expiring(self.request.user, within_days=int(value))
        return queryset.filter(pk__in=expiring.values("pk"))


class PoolExpertFilterSet(TenantFilterSet):
    """The consortium-wide pool search (``selectors.pool_experts_search``)."""

    unit = django_filters.ModelChoiceFilter(queryset=_units(), label=_("所属单位"))
    q = django_filters.CharFilter(method="filter_search", max_length=100, label=_("关键词"))
    industry = django_filters.ModelChoiceFilter(
        queryset=_visible(Industry), method="filter_industry", label=_("擅长产业")
    )

    class Meta:
        model = PoolExpert
        fields = ["unit", "is_listed", "q", "industry"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        found = selectors.pool_experts_search(self.request.user, q=value)
        return queryset.filter(pk__in=found.values("pk"))

    def filter_industry(self, queryset: QuerySet, name: str, value: Industry | None) -> QuerySet:
        if value is None:
            return queryset
        found = selectors.pool_experts_search(self.request.user, industry_id=value.pk)
        return queryset.filter(pk__in=found.values("pk"))


class EngagementRequestFilterSet(TenantFilterSet):
    status = django_filters.ChoiceFilter(choices=EngagementStatus.choices, label=_("状态"))
    school_unit = django_filters.ModelChoiceFilter(queryset=_units(), label=_("申请学校"))
    unit = django_filters.ModelChoiceFilter(queryset=_units(), label=_("专家所属单位"))

    class Meta:
        model = EngagementRequest
        fields = ["status", "school_unit", "unit", "expert"]


class EnterprisePracticeFilterSet(TenantFilterSet):
    unit = django_filters.ModelChoiceFilter(queryset=_units(), label=_("学校"))
    start_date = django_filters.DateFromToRangeFilter(label=_("开始日期"))

    class Meta:
        model = EnterprisePractice
        fields = ["unit", "teacher", "host_unit", "start_date"]


class StudentFilterSet(TenantFilterSet):
    unit = django_filters.ModelChoiceFilter(queryset=_units(), label=_("学校"))
    status = django_filters.ChoiceFilter(choices=StudentStatus.choices, label=_("状态"))
    cohort = django_filters.NumberFilter(min_value=2000, max_value=2100, label=_("入学年级"))
    graduation_year = django_filters.NumberFilter(
        field_name="expected_graduation", lookup_expr="year", min_value=2000, max_value=2100, label=_("预计毕业年份")
    )
    programme = django_filters.ModelChoiceFilter(
        field_name="offering__programme", queryset=_visible(Programme), label=_("专业")
    )

    class Meta:
        model = Student
        fields = ["unit", "offering", "programme", "status", "cohort", "graduation_year", "willing_to_work_locally"]
