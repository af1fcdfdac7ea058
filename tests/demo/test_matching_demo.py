"""The matching part of ``manage.py load_demo`` (``matching/demo.py``): settings, a published run with results and a
hiring workflow in progress, a later unpublished run; idempotent, Baoqing only.

The demo is loaded once for the class the way the command does it (kernel, council, then every domain demo in
``INSTALLED_APPS`` order per demo consortium), stopping just before the matching demo to record the students' and
demands' state the matching demo starts from; the idempotency test then runs the real command again.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.test import TestCase

from consortium.tenancy.demo import council, domains, kernel
from consortium.tenancy.demo.data import DEMO_SETS
from consortium.tenancy.management.commands.load_demo import demo_secretariat
from consortium.tenancy.models import Consortium, MemberUnit, User
from enterprises.choices.demands import DemandKind, fill_status
from enterprises.models.demands import TalentDemand
from matching import demo as matching_demo
from matching.choices import CandidacyStatus, RunStatus
from matching.models import (
    Candidacy,
    CandidacyStatusChange,
    MatchRun,
    MatchSettings,
    NeedMatch,
    Recommendation,
)
from matching.snapshot import parse_synonyms, parse_terms
from schools.choices import StudentStatus
from schools.models import Student

MATCHING_MODELS = (MatchSettings, MatchRun, Recommendation, NeedMatch, Candidacy, CandidacyStatusChange)


def _load_like_the_command() -> tuple[dict[int, str], dict[int, tuple[int, str]]]:
    """Run the demo loaders in the command's order; return the students' statuses and the demands' (filled count,
    status) as they were just before the matching demo ran."""
    context = kernel.load_kernel()
    council.load_council(context)
    loaders = list(domains.discover())
    labels = [loader.app_label for loader in loaders]
    assert labels.index("matching") > max(labels.index(app) for app in ("schools", "enterprises", "practice_center"))
    loaders = loaders[: labels.index("matching") + 1]  # what runs after matching (leadership) only reads its data
    before: tuple[dict[int, str], dict[int, tuple[int, str]]] | None = None
    for loader in loaders:
        if loader.app_label == "matching":
            before = (
                dict(Student.objects.values_list("pk", "status")),
                {pk: (filled, status) for pk, filled, status in
                 TalentDemand.objects.values_list("pk", "filled_count", "status")},
            )
        for spec in DEMO_SETS:
            key = spec.consortium.key
            loader.load(consortium=context.consortia[key], secretariat=demo_secretariat(context, key), stdout=None)
    assert before is not None
    return before


def _state() -> dict[str, Any]:
    """Every row the matching demo writes or changes, with its last change."""
    state: dict[str, Any] = {}
    for model in MATCHING_MODELS:
        fields = ["pk"] + [f for f in ("status", "updated_at", "progress", "task_id", "published_at", "score")
                           if any(field.name == f for field in model._meta.fields)]
        state[model.__name__] = sorted(model.objects.values_list(*fields))
    state["students"] = sorted(Student.objects.values_list("pk", "status", "updated_at"))
    state["demands"] = sorted(TalentDemand.objects.values_list("pk", "filled_count", "status", "updated_at"))
    return state


class MatchingDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.student_status_before, cls.demand_before = _load_like_the_command()
        cls.baoqing = Consortium.objects.get(name="宝清县产教联合体")
        cls.raohe = Consortium.objects.get(name="饶河县产教联合体")
        runs = MatchRun.objects.for_consortium(cls.baoqing.pk)
        cls.published = runs.get(status=RunStatus.PUBLISHED)
        cls.later = runs.get(status=RunStatus.SUCCEEDED)

    def _candidacies(self):
        return Candidacy.objects.for_consortium(self.baoqing.pk).filter(run=self.published)

    def test_discovered_after_the_data_it_matches(self):
        labels = [demo.app_label for demo in domains.discover()]
        before = set(labels[: labels.index("matching")])
        assert {"schools", "enterprises", "practice_center"} <= before
        found = {demo.app_label: demo for demo in domains.discover()}
        assert found["matching"].load is matching_demo.load

    def test_settings_name_the_county_towns_and_synonyms(self):
        row = MatchSettings.objects.for_consortium(self.baoqing.pk).get()
        terms = parse_terms(row.local_terms)
        assert {"宝清", "宝清镇", "七星泡镇", "青原镇", "夹信子镇", "龙头镇", "小城子镇"} <= set(terms)
        synonyms, bad = parse_synonyms(row.synonyms)
        assert not bad and synonyms["高处作业"] == "高空作业" and len(synonyms) >= 5
        assert self.published.params["local_terms"] == terms  # the run copied the settings
        assert self.published.params["synonyms"] == synonyms

    def test_published_run_with_recommendations_plan_and_provider_matches(self):
        run = self.published
        assert sorted(run.kinds) == ["talent", "technology", "training"]
        assert run.cohort is None and run.progress == 100 and not run.error
        assert len(run.input_hash) == 64 and run.algorithm_version
        assert run.published_at and run.published_by.username == "secretariat"
        assert run.student_count >= 200 and run.demand_count >= 40
        recommendations = Recommendation.objects.for_consortium(self.baoqing.pk).filter(run=run)
        assert recommendations.count() == run.recommendation_count > run.student_count
        assert recommendations.filter(in_plan=True).count() == run.assignment_count > 50
        sample = recommendations.order_by("-score", "pk").first()
        assert sample.explanation and sample.components and 0 < sample.score <= 1
        assert {c["name"] for c in sample.components} <= set(run.params["weights"])
        needs = NeedMatch.objects.for_consortium(self.baoqing.pk).filter(run=run)
        assert needs.count() == run.need_match_count > 0
        assert {"training", "technology"} == set(needs.values_list("need_kind", flat=True))

    def test_plan_respects_capacity_and_one_place_per_student(self):
        plan = Recommendation.objects.for_consortium(self.baoqing.pk).filter(run=self.published, in_plan=True)
        per_student = Counter(plan.values_list("student_id", flat=True))
        assert per_student and max(per_student.values()) == 1
        headcount = dict(TalentDemand.objects.values_list("pk", "headcount"))
        for demand_id, placed in Counter(plan.values_list("demand_id", flat=True)).items():
            filled_before = self.demand_before[demand_id][0]
            assert placed <= headcount[demand_id] - filled_before, demand_id
        # every student of the plan was available (studying or graduated) when the run was made
        assert {self.student_status_before[s] for s in per_student} <= {StudentStatus.STUDYING, StudentStatus.GRADUATED}

    def test_every_plan_pair_became_a_candidacy_in_several_statuses(self):
        plan = set(
            Recommendation.objects.for_consortium(self.baoqing.pk)
            .filter(run=self.published, in_plan=True).values_list("student_id", "demand_id")
        )
        candidacies = self._candidacies()
        assert set(candidacies.values_list("student_id", "demand_id")) == plan
        statuses = Counter(candidacies.values_list("status", flat=True))
        assert 2 <= statuses[CandidacyStatus.HIRED] <= 3, statuses
        assert statuses[CandidacyStatus.OFFER] >= 2 and statuses[CandidacyStatus.INTERVIEW] >= 2, statuses
        assert statuses[CandidacyStatus.SHORTLISTED] >= 2, statuses
        assert statuses[CandidacyStatus.DECLINED] == 1 and statuses[CandidacyStatus.WITHDRAWN] == 1, statuses
        assert statuses[CandidacyStatus.RECOMMENDED] > len(plan) // 2, statuses

    def test_each_step_was_taken_by_its_party_and_recorded(self):
        changes = defaultdict(list)
        for change in CandidacyStatusChange.objects.for_consortium(self.baoqing.pk).select_related("actor").order_by(
            "candidacy_id", "at", "pk"
        ):
            changes[change.candidacy_id].append(change)
        enterprise_admin = User.objects.get(username="enterprise_admin")
        own_unit = enterprise_admin.memberships.get().unit_id
        school_admin = User.objects.get(username="school_admin")
        school_unit = school_admin.memberships.get().unit_id
        for candidacy in self._candidacies():
            trail = changes[candidacy.pk]
            assert trail[0].from_status == "" and trail[0].to_status == CandidacyStatus.RECOMMENDED
            assert [c.to_status for c in trail[:-1]] == [c.from_status for c in trail[1:]]
            assert trail[-1].to_status == candidacy.status
            for change in trail[1:]:
                if change.to_status == CandidacyStatus.WITHDRAWN:
                    assert change.actor == school_admin and candidacy.school_unit_id == school_unit
                elif candidacy.enterprise_unit_id == own_unit:
                    assert change.actor == enterprise_admin
                else:
                    assert change.actor.username == "secretariat"
                assert change.reason
        moved_by_enterprise = CandidacyStatusChange.objects.filter(actor=enterprise_admin)
        assert moved_by_enterprise.filter(to_status=CandidacyStatus.HIRED).exists()
        # the enterprise admin sees its own candidates only
        visible = Candidacy.objects.visible_to(enterprise_admin)
        assert visible.exists() and set(visible.values_list("enterprise_unit_id", flat=True)) == {own_unit}

    def test_hires_set_the_student_status_and_count_on_the_demand(self):
        hired = list(self._candidacies().filter(status=CandidacyStatus.HIRED).select_related("student", "demand"))
        assert len({c.student_id for c in hired}) == len(hired)
        for candidacy in hired:
            internship = candidacy.demand.kind == DemandKind.INTERNSHIP
            assert candidacy.student.status == (StudentStatus.INTERNSHIP if internship else StudentStatus.EMPLOYED)
        changed = {pk for pk, status in Student.objects.values_list("pk", "status")
                   if status != self.student_status_before[pk]}
        assert changed == {c.student_id for c in hired}  # nobody else's status moved
        hires = Counter(c.demand_id for c in hired)
        for demand in TalentDemand.objects.filter(pk__in=self.demand_before):
            filled_before, _status = self.demand_before[demand.pk]
            assert demand.filled_count == filled_before + hires.get(demand.pk, 0), demand.pk
            if demand.pk in hires:
                assert demand.status == fill_status(demand.headcount, demand.filled_count)

    def test_a_later_run_is_left_unpublished(self):
        later = self.later
        assert later.created_at > self.published.created_at
        assert later.kinds == ["talent"] and later.cohort == matching_demo.LATER_COHORT
        assert later.params["weights"]["skills"] == 0.40 and later.input_hash != self.published.input_hash
        assert Recommendation.objects.filter(run=later).count() == later.recommendation_count > 0
        assert not Candidacy.objects.filter(run=later).exists()
        secretariat = User.objects.get(username="secretariat")
        assert set(MatchRun.objects.visible_to(secretariat)) == {self.published, later}
        for username in ("enterprise_admin", "school_admin"):
            user = User.objects.get(username=username)
            assert list(MatchRun.objects.visible_to(user)) == [self.published], username
            assert not Recommendation.objects.visible_to(user).filter(run=later).exists(), username

    def test_raohe_gets_no_matching_demo(self):
        for model in MATCHING_MODELS:
            assert not model.objects.for_consortium(self.raohe.pk).exists(), model.__name__
        other = User.objects.get(username="other_secretariat")
        assert not MatchRun.objects.visible_to(other).exists()
        assert not Candidacy.objects.visible_to(other).exists()

    def test_second_load_creates_and_changes_nothing(self):
        before = _state()
        out = StringIO()
        call_command("load_demo", stdout=out)
        assert _state() == before
        assert "baoqing: 已发布匹配: 1" in out.getvalue()
        assert MemberUnit.objects.for_consortium(self.baoqing.pk).exists()
