"""Filtersets of the matching API. Model-choice filters are narrowed to what the user can see (TenantFilterSet)."""

from __future__ import annotations

import django_filters

from consortium.tenancy.api.base import TenantFilterSet

from .choices import CandidacyStatus, NeedKind, ProviderKind, RunStatus
from .models import Candidacy, MatchRun, NeedMatch, Recommendation


class MatchRunFilterSet(TenantFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=RunStatus.choices)

    class Meta:
        model = MatchRun
        fields = ["status", "cohort"]


class RecommendationFilterSet(TenantFilterSet):
    class Meta:
        model = Recommendation
        fields = ["run", "demand", "student", "school_unit", "enterprise_unit", "in_plan"]


class NeedMatchFilterSet(TenantFilterSet):
    need_kind = django_filters.ChoiceFilter(choices=NeedKind.choices)
    provider_kind = django_filters.ChoiceFilter(choices=ProviderKind.choices)

    class Meta:
        model = NeedMatch
        fields = ["run", "need_kind", "training_need", "technology_problem", "unit", "provider_kind", "provider_unit"]


class CandidacyFilterSet(TenantFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CandidacyStatus.choices)

    class Meta:
        model = Candidacy
        fields = ["status", "run", "demand", "student", "school_unit", "enterprise_unit"]
