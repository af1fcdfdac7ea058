"""Matching models: database constraints and the scoping policy (who sees which runs, results and candidacies)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from matching.choices import CandidacyStatus, RunStatus
from matching.models import Candidacy, CandidacyStatusChange, MatchRun, MatchSettings, NeedMatch, Recommendation
from tests.factories.enterprises_demands import StaffTrainingNeedFactory, TalentDemandFactory
from tests.factories.matching import (
    CandidacyFactory,
    CandidacyStatusChangeFactory,
    MatchRunFactory,
    MatchSettingsFactory,
    NeedMatchFactory,
    RecommendationFactory,
)
from tests.factories.tenancy import UnitMembershipFactory

from .scenario import build_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_scenario(students_per_school=2)


def _ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


# --- constraints --------------------------------------------------------------------------------------------------


def test_progress_must_stay_within_0_and_100(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchRunFactory(consortium=world.consortium, progress=101)


def test_one_settings_row_per_consortium(world):
    MatchSettings.objects.create(consortium=world.consortium)
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchSettings.objects.create(consortium=world.consortium)


def test_a_pair_is_recommended_once_per_run(world):
    run = MatchRunFactory(consortium=world.consortium)
    student, demand = world.students1[0], world.demand1
    RecommendationFactory(run=run, student=student, demand=demand)
    with pytest.raises(IntegrityError), transaction.atomic():
        RecommendationFactory(run=run, student=student, demand=demand)
    # ...but the same pair may appear in another run.
    RecommendationFactory(run=MatchRunFactory(consortium=world.consortium), student=student, demand=demand)


def test_candidacy_is_unique_per_student_and_demand(world):
    student = world.students1[0]
    CandidacyFactory(student=student, demand=world.demand1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CandidacyFactory(student=student, demand=world.demand1)


def test_at_most_one_hire_per_student(world):
    student = world.students1[0]
    CandidacyFactory(student=student, demand=world.demand1, status=CandidacyStatus.HIRED)
    other_demand = TalentDemandFactory(unit=world.ent2)
    with pytest.raises(IntegrityError), transaction.atomic():
        CandidacyFactory(student=student, demand=other_demand, status=CandidacyStatus.HIRED)
    CandidacyFactory(student=student, demand=other_demand, status=CandidacyStatus.WITHDRAWN)


def test_need_match_has_exactly_the_subject_of_its_kind(world):
    good = NeedMatchFactory(run=MatchRunFactory(consortium=world.consortium),
                            training_need=StaffTrainingNeedFactory(unit=world.ent1))
    with pytest.raises(IntegrityError), transaction.atomic():
        NeedMatch.objects.create(
            consortium=world.consortium, run=good.run, need_kind="technology", training_need=good.training_need,
            unit=world.ent1, provider_kind="expert", provider_id=1, provider_label="x", score=0.5,
        )


def test_verbose_names_are_chinese():
    assert str(MatchRun._meta.verbose_name) == "匹配运行"
    assert str(Candidacy._meta.get_field("status").verbose_name) == "状态"
    assert str(CandidacyStatus.OFFER.label) == "录用意向"
    assert str(RunStatus.QUEUED.label) == "排队中"


# --- scoping ------------------------------------------------------------------------------------------------------


def test_units_see_published_runs_only_and_the_secretariat_sees_all(world):
    published = MatchRunFactory(consortium=world.consortium)
    succeeded = MatchRunFactory(consortium=world.consortium, status=RunStatus.SUCCEEDED, published_at=None)
    foreign = MatchRunFactory(consortium=world.other)
    everything = {published.pk, succeeded.pk}
    assert _ids(MatchRun.objects.visible_to(world.secretariat)) == everything
    assert _ids(MatchRun.objects.visible_to(world.official)) == everything
    assert _ids(MatchRun.objects.visible_to(world.ent1_admin)) == {published.pk}
    assert _ids(MatchRun.objects.visible_to(world.school1_admin)) == {published.pk}
    assert _ids(MatchRun.objects.visible_to(world.other_secretariat)) == {foreign.pk}
    # Only the secretariat changes runs.
    assert _ids(MatchRun.objects.editable_by(world.secretariat)) == everything
    assert _ids(MatchRun.objects.editable_by(world.ent1_admin)) == set()
    assert _ids(MatchRun.objects.editable_by(world.official)) == set()


def test_recommendations_are_seen_by_their_school_and_enterprise_once_published(world):
    published = MatchRunFactory(consortium=world.consortium)
    draft = MatchRunFactory(consortium=world.consortium, status=RunStatus.SUCCEEDED, published_at=None)
    r11 = RecommendationFactory(run=published, student=world.students1[0], demand=world.demand1)
    r12 = RecommendationFactory(run=published, student=world.students1[1], demand=world.demand2)
    r21 = RecommendationFactory(run=published, student=world.students2[0], demand=world.demand2)
    hidden = RecommendationFactory(run=draft, student=world.students1[0], demand=world.demand1)
    foreign = RecommendationFactory(run=MatchRunFactory(consortium=world.other))
    assert _ids(Recommendation.objects.visible_to(world.ent1_admin)) == {r11.pk}
    assert _ids(Recommendation.objects.visible_to(world.ent1_staff)) == {r11.pk}
    assert _ids(Recommendation.objects.visible_to(world.ent2_admin)) == {r12.pk, r21.pk}
    assert _ids(Recommendation.objects.visible_to(world.school1_admin)) == {r11.pk, r12.pk}
    assert _ids(Recommendation.objects.visible_to(world.school2_admin)) == {r21.pk}
    assert _ids(Recommendation.objects.visible_to(world.secretariat)) == {r11.pk, r12.pk, r21.pk, hidden.pk}
    assert _ids(Recommendation.objects.visible_to(world.official)) == {r11.pk, r12.pk, r21.pk, hidden.pk}
    assert _ids(Recommendation.objects.visible_to(world.other_secretariat)) == {foreign.pk}
    # Results are read-only for units.
    assert _ids(Recommendation.objects.editable_by(world.ent1_admin)) == set()


def test_need_matches_are_seen_by_the_need_owner_and_the_provider_unit(world):
    run = MatchRunFactory(consortium=world.consortium, kinds=["training"])
    match = NeedMatchFactory(run=run, training_need=StaffTrainingNeedFactory(unit=world.ent1),
                             provider_unit=world.school2)
    draft = NeedMatchFactory(
        run=MatchRunFactory(consortium=world.consortium, status=RunStatus.SUCCEEDED, kinds=["training"]),
        training_need=StaffTrainingNeedFactory(unit=world.ent1), provider_unit=world.school2,
    )
    assert _ids(NeedMatch.objects.visible_to(world.ent1_admin)) == {match.pk}
    assert _ids(NeedMatch.objects.visible_to(world.school2_admin)) == {match.pk}
    assert _ids(NeedMatch.objects.visible_to(world.ent2_admin)) == set()
    assert _ids(NeedMatch.objects.visible_to(world.secretariat)) == {match.pk, draft.pk}


def test_candidacies_are_seen_by_both_parties_and_changed_by_their_admins(world):
    mine = CandidacyFactory(student=world.students1[0], demand=world.demand1)
    theirs = CandidacyFactory(student=world.students2[0], demand=world.demand2)
    foreign = CandidacyFactory(demand=TalentDemandFactory(unit__consortium=world.other))
    history = CandidacyStatusChangeFactory(candidacy=mine)
    assert _ids(Candidacy.objects.visible_to(world.ent1_admin)) == {mine.pk}
    assert _ids(Candidacy.objects.visible_to(world.school1_admin)) == {mine.pk}
    assert _ids(Candidacy.objects.visible_to(world.ent2_admin)) == {theirs.pk}
    assert _ids(Candidacy.objects.visible_to(world.secretariat)) == {mine.pk, theirs.pk}
    assert _ids(Candidacy.objects.visible_to(world.other_secretariat)) == {foreign.pk}
    assert _ids(Candidacy.objects.editable_by(world.ent1_admin)) == {mine.pk}
    assert _ids(Candidacy.objects.editable_by(world.school1_admin)) == {mine.pk}
    assert _ids(Candidacy.objects.editable_by(world.ent1_staff)) == set()
    assert _ids(Candidacy.objects.editable_by(world.official)) == set()
    assert _ids(CandidacyStatusChange.objects.visible_to(world.school1_admin)) == {history.pk}
    assert _ids(CandidacyStatusChange.objects.visible_to(world.ent2_admin)) == set()
    assert _ids(CandidacyStatusChange.objects.editable_by(world.ent1_admin)) == set()


def test_settings_are_readable_consortium_wide_and_written_by_the_secretariat(world):
    settings_row = MatchSettingsFactory(consortium=world.consortium)
    MatchSettingsFactory(consortium=world.other)
    assert _ids(MatchSettings.objects.visible_to(world.ent1_staff)) == {settings_row.pk}
    assert _ids(MatchSettings.objects.visible_to(world.official)) == {settings_row.pk}
    assert _ids(MatchSettings.objects.editable_by(world.secretariat)) == {settings_row.pk}
    assert _ids(MatchSettings.objects.editable_by(world.school1_admin)) == set()


def test_a_member_of_no_unit_sees_no_results(world):
    RecommendationFactory(run=MatchRunFactory(consortium=world.consortium), student=world.students1[0],
                          demand=world.demand1)
    loner = UnitMembershipFactory(unit=world.ent1, is_active=False).user
    assert _ids(Recommendation.objects.visible_to(loner)) == set()
