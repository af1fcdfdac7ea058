"""Factories of the matching app and their builders for the isolation registry.

Tenancy rule: rows take their consortium from the run (results) or from the demand (candidacies); the student must
live in the same consortium (``TenantFactory`` raises otherwise). The builders make the "normal published state":
a published run, its rows owned (enterprise side) by the given unit, the student at a fresh school of the same
consortium that no test actor belongs to.
"""

from __future__ import annotations

import factory
from django.utils import timezone

from consortium.tenancy.models import Consortium, MemberUnit
from matching.choices import CandidacyStatus, MatchKind, NeedKind, ProviderKind, RunStatus
from matching.models import Candidacy, CandidacyStatusChange, MatchRun, MatchSettings, NeedMatch, Recommendation

from . import register
from .enterprises_demands import StaffTrainingNeedFactory, TalentDemandFactory
from .schools import PoolExpertFactory, ProgrammeFactory, ProgrammeOfferingFactory, SchoolUnitFactory, StudentFactory
from .tenancy import ConsortiumFactory, TenantFactory


class MatchSettingsFactory(TenantFactory):
    class Meta:
        model = MatchSettings
        django_get_or_create = ("consortium",)

    consortium = factory.SubFactory(ConsortiumFactory)
    local_terms = "宝清\n七星泡"


class MatchRunFactory(TenantFactory):
    """A published talent run; ``status=`` for others."""

    class Meta:
        model = MatchRun

    consortium = factory.SubFactory(ConsortiumFactory)
    kinds = factory.LazyFunction(lambda: [MatchKind.TALENT.value])
    params = factory.LazyFunction(lambda: {"top_k": 10, "min_score": 0.2})
    input_hash = "0" * 64
    algorithm_version = "test"
    status = RunStatus.PUBLISHED
    progress = 100
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)
    published_at = factory.LazyFunction(timezone.now)


def student_in(consortium: Consortium, school: MemberUnit | None = None, **kwargs):
    """A student of ``school`` (default: a fresh school) in ``consortium``."""
    school = school or SchoolUnitFactory(consortium=consortium)
    return StudentFactory(offering=ProgrammeOfferingFactory(programme=ProgrammeFactory(unit=school)), **kwargs)


class RecommendationFactory(TenantFactory):
    _tenant_parents = ("run", "student", "demand")

    class Meta:
        model = Recommendation

    run = factory.SubFactory(MatchRunFactory)
    consortium = factory.SelfAttribute("run.consortium")
    demand = factory.LazyAttribute(lambda o: TalentDemandFactory(unit__consortium=o.run.consortium))
    student = factory.LazyAttribute(lambda o: student_in(o.run.consortium))
    school_unit = factory.SelfAttribute("student.unit")
    enterprise_unit = factory.SelfAttribute("demand.unit")
    score = 0.75
    components = factory.LazyFunction(lambda: [{"name": "programme", "value": 0.4, "detail": ""}])
    explanation = "专业对口 +0.40"
    missing_skills = factory.LazyFunction(list)
    rank_for_student = 1
    rank_for_demand = 1
    in_plan = True


class NeedMatchFactory(TenantFactory):
    """A pool expert recommended for a published staff-training need."""

    _tenant_parents = ("run", "training_need")

    class Meta:
        model = NeedMatch

    run = factory.SubFactory(MatchRunFactory, kinds=[MatchKind.TRAINING.value])
    consortium = factory.SelfAttribute("run.consortium")
    need_kind = NeedKind.TRAINING
    training_need = factory.LazyAttribute(lambda o: StaffTrainingNeedFactory(unit__consortium=o.run.consortium))
    technology_problem = None
    unit = factory.SelfAttribute("training_need.unit")
    provider_kind = ProviderKind.EXPERT
    provider_unit = factory.LazyAttribute(lambda o: SchoolUnitFactory(consortium=o.run.consortium))
    provider_id = factory.LazyAttribute(lambda o: PoolExpertFactory(unit=o.provider_unit).pk)
    provider_label = "测试专家"
    score = 0.6
    matched_terms = factory.LazyFunction(lambda: ["焊接"])
    components = factory.LazyFunction(list)
    explanation = "关键词 焊接"
    rank = 1


class CandidacyFactory(TenantFactory):
    """A recommended candidacy of a published run (no recommendation row attached unless given)."""

    _tenant_parents = ("demand", "student")

    class Meta:
        model = Candidacy

    demand = factory.SubFactory(TalentDemandFactory)
    consortium = factory.SelfAttribute("demand.consortium")
    student = factory.LazyAttribute(lambda o: student_in(o.demand.consortium))
    school_unit = factory.SelfAttribute("student.unit")
    enterprise_unit = factory.SelfAttribute("demand.unit")
    run = factory.LazyAttribute(lambda o: MatchRunFactory(consortium=o.demand.consortium))
    recommendation = None
    score = 0.7
    status = CandidacyStatus.RECOMMENDED


class CandidacyStatusChangeFactory(TenantFactory):
    _tenant_parents = ("candidacy",)

    class Meta:
        model = CandidacyStatusChange

    candidacy = factory.SubFactory(CandidacyFactory)
    consortium = factory.SelfAttribute("candidacy.consortium")
    school_unit = factory.SelfAttribute("candidacy.school_unit")
    enterprise_unit = factory.SelfAttribute("candidacy.enterprise_unit")
    from_status = ""
    to_status = CandidacyStatus.RECOMMENDED
    reason = "测试"


# --- builders for the isolation suite (contract in tests/factories/__init__.py) --------------------------------


@register(MatchSettings)
def build_match_settings(consortium: Consortium, unit: MemberUnit) -> MatchSettings:
    # One row per consortium: the A1 and A2 slots share it.
    return MatchSettingsFactory(consortium=consortium)


@register(MatchRun)
def build_match_run(consortium: Consortium, unit: MemberUnit) -> MatchRun:
    return MatchRunFactory(consortium=consortium)


@register(Recommendation)
def build_recommendation(consortium: Consortium, unit: MemberUnit) -> Recommendation:
    # The unit is the enterprise side; the school side is a fresh school no actor belongs to.
    return RecommendationFactory(run=MatchRunFactory(consortium=consortium), demand=TalentDemandFactory(unit=unit))


@register(NeedMatch)
def build_need_match(consortium: Consortium, unit: MemberUnit) -> NeedMatch:
    return NeedMatchFactory(
        run=MatchRunFactory(consortium=consortium, kinds=[MatchKind.TRAINING.value]),
        training_need=StaffTrainingNeedFactory(unit=unit),
    )


@register(Candidacy)
def build_candidacy(consortium: Consortium, unit: MemberUnit) -> Candidacy:
    return CandidacyFactory(demand=TalentDemandFactory(unit=unit))


@register(CandidacyStatusChange)
def build_candidacy_status_change(consortium: Consortium, unit: MemberUnit) -> CandidacyStatusChange:
    return CandidacyStatusChangeFactory(candidacy=CandidacyFactory(demand=TalentDemandFactory(unit=unit)))
