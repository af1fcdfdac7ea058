"""Services of the demand side: every allowed and refused transition, roles, reasons, history, fills, expiry."""

# ruff: noqa: F811  (tests take the imported fixture "w" as a parameter)

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from enterprises.choices.demands import (
    DEMAND_ACTIONS,
    DEMAND_TRANSITIONS,
    NEED_TRANSITIONS,
    DemandStatus,
    NeedStatus,
    fill_status,
    transition_problem,
)
from enterprises.models.demands import DemandStatusChange, StaffTrainingNeed, TalentDemand, TechnologyProblem
from enterprises.services import demands as services
from enterprises.tasks import expire_demands, expire_demands_all
from tests.factories.enterprises_demands import (
    StaffTrainingNeedFactory,
    TalentDemandFactory,
    TechnologyProblemFactory,
)
from tests.factories.schools import ProgrammeFactory

from .test_demands_world import w  # noqa: F401  (the shared fixture)

pytestmark = pytest.mark.django_db

LABELS = dict(DemandStatus.choices)


def _fields(**extra):
    return {"position": "电工", "headcount": 4, "start_date": date(2027, 7, 1), **extra}


# --- pure workflow ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("current", list(DemandStatus.values))
@pytest.mark.parametrize("target", list(DemandStatus.values))
def test_transition_problem_matches_the_map(current, target):
    problem = transition_problem(DEMAND_TRANSITIONS, LABELS, current, target)
    assert (problem is None) == (target in DEMAND_TRANSITIONS[current])
    if problem:
        assert str(LABELS[current]) in problem and str(LABELS[target]) in problem


def test_fill_status_is_pure():
    assert fill_status(5, 0) == DemandStatus.APPROVED
    assert fill_status(5, 2) == DemandStatus.PARTLY_FILLED
    assert fill_status(5, 5) == DemandStatus.FILLED


# --- every allowed and refused transition through the service ------------------------------------------------------

ACTION_OF = {target: action for action, target in DEMAND_ACTIONS.items()}


@pytest.mark.parametrize("current", list(DemandStatus.values))
@pytest.mark.parametrize("action", list(DEMAND_ACTIONS))
def test_every_demand_action_from_every_status(w, current, action):
    row = TalentDemandFactory(unit=w.ent, status=current)
    target = DEMAND_ACTIONS[action]
    allowed = target in DEMAND_TRANSITIONS[current]
    if allowed:
        services.need_transition(actor=w.secretariat, need=row, action=action, reason="原因")
        row.refresh_from_db()
        assert row.status == target
        change = DemandStatusChange.objects.get(demand=row)
        assert (change.from_status, change.to_status, change.actor) == (current, target, w.secretariat)
    else:
        with pytest.raises(ValidationError) as exc:
            services.need_transition(actor=w.secretariat, need=row, action=action, reason="原因")
        message = exc.value.message_dict["status"][0]
        assert str(LABELS[current]) in message and str(LABELS[target]) in message
        row.refresh_from_db()
        assert row.status == current
        assert not DemandStatusChange.objects.filter(demand=row).exists()


@pytest.mark.parametrize("model_factory", [StaffTrainingNeedFactory, TechnologyProblemFactory])
@pytest.mark.parametrize("current", list(NeedStatus.values))
@pytest.mark.parametrize("action", ["submit", "approve", "return", "withdraw", "close"])
def test_every_need_action_from_every_status(w, model_factory, current, action):
    row = model_factory(unit=w.ent, status=current)
    target = {"submit": "submitted", "approve": "published", "return": "returned", "withdraw": "withdrawn",
              "close": "closed"}[action]
    if target in NEED_TRANSITIONS[current]:
        services.need_transition(actor=w.secretariat, need=row, action=action, reason="原因")
        row.refresh_from_db()
        assert row.status == target
        assert row.status_changes.get().to_status == target
    else:
        with pytest.raises(ValidationError):
            services.need_transition(actor=w.secretariat, need=row, action=action, reason="原因")
        row.refresh_from_db()
        assert row.status == current


def test_unknown_action_is_refused(w):
    row = TalentDemandFactory(unit=w.ent, draft=True)
    with pytest.raises(ValidationError) as exc:
        services.need_transition(actor=w.admin, need=row, action="close")
    assert "action" in exc.value.message_dict


# --- roles --------------------------------------------------------------------------------------------------------


def test_full_lifecycle_enterprise_submits_secretariat_publishes(w):
    programme = ProgrammeFactory(unit__consortium=w.consortium)
    row = services.talent_demand_create(
        actor=w.admin, unit=w.ent, programmes=[programme], skills="焊接:5, 识图:3", **_fields(salary_min=3000,
                                                                                          salary_max=5000)
    )
    assert row.status == DemandStatus.DRAFT
    assert sorted(row.skills.values_list("name", "importance")) == [("焊接", 5), ("识图", 3)]
    assert list(row.programmes.all()) == [programme]
    services.talent_demand_submit(actor=w.admin, demand=row)
    with pytest.raises(PermissionDenied):
        services.talent_demand_approve(actor=w.admin, demand=row)  # an enterprise never publishes itself
    services.talent_demand_approve(actor=w.secretariat, demand=row)
    row.refresh_from_db()
    assert row.status == DemandStatus.APPROVED and row.published_at is not None
    changes = DemandStatusChange.objects.filter(demand=row).order_by("at", "id")
    history = list(changes.values_list("to_status", flat=True))
    assert history == ["draft", "submitted", "approved"]


def test_only_secretariat_returns_and_reason_is_required(w):
    row = TalentDemandFactory(unit=w.ent, submitted=True)
    with pytest.raises(PermissionDenied):
        services.talent_demand_return(actor=w.admin, demand=row, reason="不完整")
    with pytest.raises(ValidationError) as exc:
        services.talent_demand_return(actor=w.secretariat, demand=row, reason="  ")
    assert "reason" in exc.value.message_dict
    services.talent_demand_return(actor=w.secretariat, demand=row, reason="请补充薪资")
    row.refresh_from_db()
    assert row.status == DemandStatus.RETURNED and row.return_reason == "请补充薪资"
    assert DemandStatusChange.objects.get(demand=row).reason == "请补充薪资"
    # Returned demands are editable again and can be resubmitted.
    services.talent_demand_update(actor=w.admin, demand=row, salary_min=4000, salary_max=5000)
    services.talent_demand_submit(actor=w.admin, demand=row)
    row.refresh_from_db()
    assert row.status == DemandStatus.SUBMITTED and row.return_reason == ""


@pytest.mark.parametrize("who", ["staff", "other_admin", "official", "foreign_secretariat"])
def test_others_cannot_move_a_demand(w, who):
    row = TalentDemandFactory(unit=w.ent, draft=True)
    with pytest.raises(PermissionDenied):
        services.talent_demand_submit(actor=getattr(w, who), demand=row)
    row.refresh_from_db()
    assert row.status == DemandStatus.DRAFT


def test_create_refused_for_non_enterprise_and_for_others(w):
    from tests.factories.schools import SchoolUnitFactory

    school = SchoolUnitFactory(consortium=w.consortium)
    with pytest.raises(ValidationError) as exc:
        services.talent_demand_create(actor=w.secretariat, unit=school, **_fields())
    assert "unit" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.talent_demand_create(actor=w.other_admin, unit=w.ent, **_fields())
    assert not TalentDemand.objects.exists()


def test_update_only_in_draft_or_returned(w):
    row = TalentDemandFactory(unit=w.ent)  # approved
    with pytest.raises(ValidationError) as exc:
        services.talent_demand_update(actor=w.admin, demand=row, headcount=9)
    assert "status" in exc.value.message_dict
    row.refresh_from_db()
    assert row.headcount == 5


def test_salary_range_and_skill_importance_validated(w):
    with pytest.raises(ValidationError) as exc:
        services.talent_demand_create(actor=w.admin, unit=w.ent, **_fields(salary_min=6000, salary_max=5000))
    assert "salary_max" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.talent_demand_create(actor=w.admin, unit=w.ent, skills="焊接:9", **_fields())
    assert "skills" in exc.value.message_dict
    assert not TalentDemand.objects.exists()


def test_foreign_programme_refused(w):
    foreign_programme = ProgrammeFactory(unit__consortium=w.foreign)
    with pytest.raises(ValidationError) as exc:
        services.talent_demand_create(actor=w.admin, unit=w.ent, programmes=[foreign_programme], **_fields())
    assert "programmes" in exc.value.message_dict
    assert not TalentDemand.objects.exists()


# --- fills --------------------------------------------------------------------------------------------------------


def test_fill_counts_move_to_partly_filled_then_filled(w):
    row = TalentDemandFactory(unit=w.ent, headcount=4)
    services.talent_demand_record_fill(actor=w.admin, demand=row, filled_count=2)
    row.refresh_from_db()
    assert (row.status, row.filled_count) == (DemandStatus.PARTLY_FILLED, 2)
    services.talent_demand_record_fill(actor=w.admin, demand=row, filled_count=3)
    row.refresh_from_db()
    assert (row.status, row.filled_count) == (DemandStatus.PARTLY_FILLED, 3)
    with pytest.raises(ValidationError):
        services.talent_demand_record_fill(actor=w.admin, demand=row, filled_count=5)
    with pytest.raises(ValidationError):
        services.talent_demand_record_fill(actor=w.admin, demand=row, filled_count=1)
    services.talent_demand_record_fill(actor=w.admin, demand=row, filled_count=4)
    row.refresh_from_db()
    assert (row.status, row.filled_count) == (DemandStatus.FILLED, 4)
    assert list(row.status_changes.order_by("at", "id").values_list("to_status", flat=True)) == [
        "partly_filled", "filled"]


def test_fill_refused_on_unpublished_demand(w):
    row = TalentDemandFactory(unit=w.ent, draft=True)
    with pytest.raises(ValidationError):
        services.talent_demand_record_fill(actor=w.admin, demand=row, filled_count=1)
    row.refresh_from_db()
    assert row.filled_count == 0


# --- expiry -------------------------------------------------------------------------------------------------------


def test_expiry_task_is_idempotent_and_tenant_bound(w):
    yesterday = timezone.localdate() - timedelta(days=1)
    past = TalentDemandFactory(unit=w.ent, valid_until=yesterday)
    partly = TalentDemandFactory(unit=w.ent, valid_until=yesterday, status=DemandStatus.PARTLY_FILLED, filled_count=1)
    current = TalentDemandFactory(unit=w.ent)
    draft_past = TalentDemandFactory(unit=w.ent, valid_until=yesterday, draft=True)
    foreign_past = TalentDemandFactory(unit=w.foreign_ent, valid_until=yesterday)
    assert expire_demands(w.consortium.pk) == 2
    assert expire_demands(w.consortium.pk) == 0
    for row, status in ((past, "expired"), (partly, "expired"), (current, "approved"), (draft_past, "draft"),
                        (foreign_past, "approved")):
        row.refresh_from_db()
        assert row.status == status
    assert DemandStatusChange.objects.filter(to_status="expired").count() == 2
    assert DemandStatusChange.objects.get(demand=past).actor is None


def test_expiry_fan_out(w, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    TalentDemandFactory(unit=w.foreign_ent, valid_until=timezone.localdate() - timedelta(days=3))
    assert expire_demands_all() >= 2
    assert TalentDemand.objects.filter(status="expired").count() == 1


# --- training needs and technology problems ------------------------------------------------------------------------


def test_training_need_review_workflow(w):
    need = services.training_need_create(
        actor=w.admin, unit=w.ent, topic="安全培训", trainees=30, period_start=date(2027, 3, 1),
        period_end=date(2027, 3, 5), content="", budget=None,
    )
    services.training_need_transition(actor=w.admin, need=need, action="submit")
    with pytest.raises(PermissionDenied):
        services.training_need_transition(actor=w.admin, need=need, action="approve")
    services.training_need_transition(actor=w.secretariat, need=need, action="approve")
    need.refresh_from_db()
    assert need.status == NeedStatus.PUBLISHED
    services.training_need_transition(actor=w.admin, need=need, action="close")
    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED
    assert list(need.status_changes.order_by("at", "id").values_list("to_status", flat=True)) == [
        "draft", "submitted", "published", "closed"]


def test_training_need_period_checked(w):
    with pytest.raises(ValidationError) as exc:
        services.training_need_create(
            actor=w.admin, unit=w.ent, topic="x", trainees=3, period_start=date(2027, 3, 5),
            period_end=date(2027, 3, 1),
        )
    assert "period_end" in exc.value.message_dict
    assert not StaffTrainingNeed.objects.exists()


def test_technology_problem_return_and_resubmit(w):
    problem = services.technology_problem_create(actor=w.admin, unit=w.ent, title="锅炉优化", description="热效率低")
    services.technology_problem_transition(actor=w.admin, problem=problem, action="submit")
    services.technology_problem_transition(actor=w.secretariat, problem=problem, action="return", reason="补充预算")
    services.technology_problem_update(actor=w.admin, problem=problem, budget=50)
    services.technology_problem_transition(actor=w.admin, problem=problem, action="submit")
    problem.refresh_from_db()
    assert problem.status == NeedStatus.SUBMITTED and problem.budget == 50
    assert TechnologyProblem.objects.get().status_changes.count() == 4


# --- visibility ---------------------------------------------------------------------------------------------------


def test_visibility_of_drafts_and_published(w):
    draft = TalentDemandFactory(unit=w.ent, draft=True)
    published = TalentDemandFactory(unit=w.ent)
    foreign = TalentDemandFactory(unit=w.foreign_ent)
    assert set(TalentDemand.objects.visible_to(w.admin)) == {draft, published}
    assert set(TalentDemand.objects.visible_to(w.other_admin)) == {published}
    assert set(TalentDemand.objects.visible_to(w.secretariat)) == {draft, published}
    assert set(TalentDemand.objects.visible_to(w.official)) == {draft, published}
    assert set(TalentDemand.objects.visible_to(w.foreign_secretariat)) == {foreign}
    assert set(TalentDemand.objects.editable_by(w.staff)) == set()
    assert set(TalentDemand.objects.editable_by(w.admin)) == {draft, published}
