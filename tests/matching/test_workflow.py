"""After a run: publishing (candidacies, notifications), the hiring workflow and its permissions, hire effects, and
what each party reads through the selectors (isolation, masked candidate cards, constant query counts)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from enterprises.choices.demands import DemandKind, DemandStatus
from matching import selectors, services
from matching.choices import CandidacyStatus, RunStatus
from matching.models import Candidacy, CandidacyStatusChange, MatchRun, Recommendation
from matching.tasks import notify_run_published
from schools.choices import StudentStatus
from schools.services import student_share
from tests.factories.enterprises_demands import TalentDemandFactory
from tests.factories.matching import CandidacyFactory, MatchRunFactory, RecommendationFactory
from tests.factories.tenancy import UnitMembershipFactory

from .scenario import build_scenario, graduate

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_scenario(students_per_school=3)


def _published_run(world, django_capture_on_commit_callbacks) -> MatchRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = services.match_run_create(actor=world.secretariat, kinds=["talent"])
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    with django_capture_on_commit_callbacks(execute=True):
        services.match_run_publish(actor=world.secretariat, run=run)
    run.refresh_from_db()
    return run


def _candidacy(world, student, demand, **kwargs) -> Candidacy:
    return CandidacyFactory(student=student, demand=demand, run=MatchRunFactory(consortium=world.consortium), **kwargs)


# --- publish ------------------------------------------------------------------------------------------------------


def test_publishing_creates_one_candidacy_per_plan_pair_and_notifies_the_units(
    world, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    run = _published_run(world, django_capture_on_commit_callbacks)

    assert run.status == RunStatus.PUBLISHED and run.published_by == world.secretariat and run.notified_at
    plan = set(Recommendation.objects.filter(run=run, in_plan=True).values_list("student_id", "demand_id"))
    candidacies = Candidacy.objects.filter(run=run)
    assert set(candidacies.values_list("student_id", "demand_id")) == plan and len(plan) == 4
    for candidacy in candidacies:
        assert candidacy.status == CandidacyStatus.RECOMMENDED
        assert candidacy.recommendation.run_id == run.pk and candidacy.score == candidacy.recommendation.score
        assert candidacy.status_changes.get().to_status == CandidacyStatus.RECOMMENDED

    # One e-mail per involved unit, to its admins; every unit of the plan is involved here.
    recipients = {tuple(m.to) for m in mail.outbox}
    assert recipients == {
        (world.school1_admin.email,), (world.school2_admin.email,), (world.ent1_admin.email,),
        (world.ent2_admin.email,),
    }
    body = next(m.body for m in mail.outbox if m.to == [world.ent1_admin.email])
    assert "1 个岗位收到 2 名推荐候选人" in body
    # A repeated delivery sends nothing.
    assert notify_run_published.delay(run.pk, world.consortium.pk).get() == 0
    assert len(mail.outbox) == 4


def test_publishing_again_never_duplicates_candidacies(world, django_capture_on_commit_callbacks):
    first = _published_run(world, django_capture_on_commit_callbacks)
    shortlisted = Candidacy.objects.filter(run=first, enterprise_unit=world.ent1).first()
    services.candidacy_shortlist(actor=world.ent1_admin, candidacy=shortlisted)
    count = Candidacy.objects.count()

    second = _published_run(world, django_capture_on_commit_callbacks)
    assert Candidacy.objects.count() == count  # the same pairs: re-linked, not duplicated
    shortlisted.refresh_from_db()
    assert shortlisted.run_id == second.pk and shortlisted.status == CandidacyStatus.SHORTLISTED
    assert shortlisted.recommendation.run_id == second.pk


def test_only_succeeded_runs_are_published_by_the_secretariat(world):
    queued = MatchRun.objects.create(consortium=world.consortium, kinds=["talent"])
    with pytest.raises(ValidationError):
        services.match_run_publish(actor=world.secretariat, run=queued)
    done = MatchRunFactory(consortium=world.consortium, status=RunStatus.SUCCEEDED, published_at=None)
    for actor in (world.ent1_admin, world.official, world.other_secretariat):
        with pytest.raises(PermissionDenied):
            services.match_run_publish(actor=actor, run=done)
    done.refresh_from_db()
    assert done.status == RunStatus.SUCCEEDED and not Candidacy.objects.exists()


def test_publish_skips_students_already_hired_and_demands_no_longer_open(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.match_run_create(actor=world.secretariat, kinds=["talent"])
    plan = list(Recommendation.objects.filter(run=run, in_plan=True).order_by("pk"))
    hired_student = plan[0].student
    _candidacy(world, hired_student, TalentDemandFactory(unit=world.ent2), status=CandidacyStatus.HIRED)
    closed = next(r.demand for r in plan if r.demand_id != plan[0].demand_id)
    closed.status = DemandStatus.WITHDRAWN
    closed.save()
    services.match_run_publish(actor=world.secretariat, run=run)
    created = set(Candidacy.objects.filter(run=run).values_list("student_id", "demand_id"))
    expected = {(r.student_id, r.demand_id) for r in plan if r.student_id != hired_student.pk and r.demand != closed}
    assert created == expected


# --- the workflow and who may move it -----------------------------------------------------------------------------


def test_the_enterprise_moves_its_candidate_to_hire(world):
    candidacy = _candidacy(world, world.students1[0], world.demand1)
    for action in ("shortlist", "interview", "offer", "hire"):
        services.candidacy_transition(actor=world.ent1_admin, candidacy=candidacy, action=action, reason=action)
    candidacy.refresh_from_db()
    assert candidacy.status == CandidacyStatus.HIRED
    history = list(candidacy.status_changes.order_by("at", "pk").values_list("from_status", "to_status", "actor"))
    assert history == [
        ("recommended", "shortlisted", world.ent1_admin.pk),
        ("shortlisted", "interview", world.ent1_admin.pk),
        ("interview", "offer", world.ent1_admin.pk),
        ("offer", "hired", world.ent1_admin.pk),
    ]


def test_steps_follow_the_lifecycle(world):
    candidacy = _candidacy(world, world.students1[0], world.demand1)
    with pytest.raises(ValidationError) as error:
        services.candidacy_hire(actor=world.ent1_admin, candidacy=candidacy)
    assert "不能从“已推荐”变更为“已录用”" in error.value.message_dict["status"][0]
    with pytest.raises(ValidationError) as error:
        services.candidacy_transition(actor=world.ent1_admin, candidacy=candidacy, action="promote")
    assert "action" in error.value.message_dict
    services.candidacy_decline(actor=world.ent1_admin, candidacy=candidacy, reason="专业不符")
    with pytest.raises(ValidationError):
        services.candidacy_shortlist(actor=world.ent1_admin, candidacy=candidacy)
    candidacy.refresh_from_db()
    assert candidacy.status == CandidacyStatus.DECLINED
    assert candidacy.status_changes.get().reason == "专业不符"


@pytest.mark.parametrize(
    ("who", "action"),
    [
        ("ent2_admin", "shortlist"),  # another enterprise
        ("ent1_staff", "shortlist"),  # staff, not admin
        ("school1_admin", "shortlist"),  # the school does not move the enterprise's steps
        ("school2_admin", "withdraw"),  # another school
        ("ent1_admin", "withdraw"),  # the enterprise declines, it does not withdraw
        ("official", "decline"),
        ("other_secretariat", "decline"),
    ],
)
def test_parties_may_only_take_their_own_steps(world, who, action):
    candidacy = _candidacy(world, world.students1[0], world.demand1)
    with pytest.raises(PermissionDenied):
        services.candidacy_transition(actor=getattr(world, who), candidacy=candidacy, action=action)
    candidacy.refresh_from_db()
    assert candidacy.status == CandidacyStatus.RECOMMENDED
    assert not CandidacyStatusChange.objects.filter(candidacy=candidacy).exists()


def test_the_school_withdraws_and_the_secretariat_may_take_any_step(world):
    mine = _candidacy(world, world.students1[0], world.demand1)
    services.candidacy_withdraw(actor=world.school1_admin, candidacy=mine, reason="学生升学")
    mine.refresh_from_db()
    assert mine.status == CandidacyStatus.WITHDRAWN
    other = _candidacy(world, world.students1[1], world.demand1)
    services.candidacy_shortlist(actor=world.secretariat, candidacy=other)
    services.candidacy_withdraw(actor=world.secretariat, candidacy=other)
    other.refresh_from_db()
    assert other.status == CandidacyStatus.WITHDRAWN


def test_notes_are_written_by_either_party_only(world):
    candidacy = _candidacy(world, world.students1[0], world.demand1)
    services.candidacy_note_update(actor=world.school1_admin, candidacy=candidacy, note="已电话沟通")
    with pytest.raises(PermissionDenied):
        services.candidacy_note_update(actor=world.ent2_admin, candidacy=candidacy, note="x")
    candidacy.refresh_from_db()
    assert candidacy.note == "已电话沟通"


# --- hire effects -------------------------------------------------------------------------------------------------


def _to_offer(world, candidacy, actor):
    for action in ("shortlist", "interview", "offer"):
        services.candidacy_transition(actor=actor, candidacy=candidacy, action=action)


def test_a_hire_employs_the_student_fills_the_demand_and_withdraws_other_candidacies(world):
    student = world.students1[0]
    hire = _candidacy(world, student, world.demand1)
    elsewhere = _candidacy(world, student, world.demand2)
    declined = _candidacy(world, student, TalentDemandFactory(unit=world.ent2), status=CandidacyStatus.DECLINED)
    _to_offer(world, hire, world.ent1_admin)

    services.candidacy_hire(actor=world.ent1_admin, candidacy=hire)

    student.refresh_from_db()
    world.demand1.refresh_from_db()
    elsewhere.refresh_from_db()
    declined.refresh_from_db()
    assert student.status == StudentStatus.EMPLOYED
    assert (world.demand1.filled_count, world.demand1.status) == (1, DemandStatus.PARTLY_FILLED)
    assert world.demand1.status_changes.filter(to_status=DemandStatus.PARTLY_FILLED).exists()
    assert elsewhere.status == CandidacyStatus.WITHDRAWN
    assert elsewhere.status_changes.get().reason == "已被其他岗位录用"
    assert declined.status == CandidacyStatus.DECLINED

    # The second place fills the demand.
    second = _candidacy(world, world.students1[1], world.demand1)
    _to_offer(world, second, world.ent1_admin)
    services.candidacy_hire(actor=world.ent1_admin, candidacy=second)
    world.demand1.refresh_from_db()
    assert (world.demand1.filled_count, world.demand1.status) == (2, DemandStatus.FILLED)

    # A third offer cannot be hired: the demand is full; nothing changes.
    third = _candidacy(world, world.students1[2], world.demand1)
    _to_offer(world, third, world.ent1_admin)
    with pytest.raises(ValidationError):
        services.candidacy_hire(actor=world.ent1_admin, candidacy=third)
    third.refresh_from_db()
    world.students1[2].refresh_from_db()
    assert third.status == CandidacyStatus.OFFER and world.students1[2].status == StudentStatus.GRADUATED


def test_a_student_is_hired_once(world):
    student = world.students1[0]
    first = _candidacy(world, student, world.demand1)
    second = _candidacy(world, student, world.demand2)
    _to_offer(world, first, world.ent1_admin)
    _to_offer(world, second, world.ent2_admin)
    services.candidacy_hire(actor=world.ent1_admin, candidacy=first)
    second.refresh_from_db()
    assert second.status == CandidacyStatus.WITHDRAWN  # the other offer was withdrawn by the hire
    with pytest.raises(ValidationError):
        services.candidacy_hire(actor=world.ent2_admin, candidacy=second)
    world.demand2.refresh_from_db()
    assert world.demand2.filled_count == 0


def test_an_internship_hire_sets_the_student_to_internship(world):
    studying = graduate(world.programme1, skills="电工", status=StudentStatus.STUDYING)
    internship = TalentDemandFactory(unit=world.ent1, kind=DemandKind.INTERNSHIP, headcount=1)
    candidacy = _candidacy(world, studying, internship)
    _to_offer(world, candidacy, world.ent1_admin)
    services.candidacy_hire(actor=world.ent1_admin, candidacy=candidacy)
    studying.refresh_from_db()
    internship.refresh_from_db()
    assert studying.status == StudentStatus.INTERNSHIP
    assert (internship.filled_count, internship.status) == (1, DemandStatus.FILLED)


# --- reading: selectors, isolation, candidate cards ---------------------------------------------------------------


def test_each_party_reads_only_its_own_side_of_a_published_run(world, django_capture_on_commit_callbacks):
    run = _published_run(world, django_capture_on_commit_callbacks)
    mine = set(Recommendation.objects.filter(run=run, demand=world.demand1).values_list("pk", flat=True))
    assert mine
    ids = lambda qs: set(qs.values_list("pk", flat=True))  # noqa: E731

    assert ids(selectors.recommendations_for_demand(world.ent1_admin, world.demand1)) == mine
    # Another enterprise never sees this demand's candidates, nor does another consortium.
    assert ids(selectors.recommendations_for_demand(world.ent2_admin, world.demand1)) == set()
    assert ids(selectors.recommendations_for_demand(world.other_secretariat, world.demand1)) == set()
    assert ids(selectors.recommendations_for_demand(world.secretariat, world.demand1)) == mine

    student = world.students1[0]
    own = set(Recommendation.objects.filter(run=run, student=student).values_list("pk", flat=True))
    assert ids(selectors.recommendations_for_student(world.school1_admin, student)) == own
    assert ids(selectors.recommendations_for_student(world.school2_admin, student)) == set()
    assert ids(selectors.recommendations_for_student(world.ent1_admin, student)) == own & mine

    assert ids(selectors.candidacies_for(world.ent1_admin)) == ids(Candidacy.objects.filter(enterprise_unit=world.ent1))
    school2 = ids(Candidacy.objects.filter(school_unit=world.school2))
    assert school2 and ids(selectors.candidacies_for(world.school2_admin)) == school2
    assert ids(selectors.candidacies_for(world.other_secretariat)) == set()
    assert ids(selectors.runs_for(world.ent2_admin)) == {run.pk}


def test_an_unpublished_run_is_invisible_to_units(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.match_run_create(actor=world.secretariat, kinds=["talent"])
    assert selectors.latest_run_for(world.ent1_admin) is None
    assert not selectors.recommendations_for_demand(world.ent1_admin, world.demand1).exists()
    assert selectors.recommendations_for_demand(world.secretariat, world.demand1, run=run).exists()
    assert selectors.runs_for(world.official).get() == run


def test_candidate_cards_hide_identity_until_the_school_shares_the_student(world):
    student = world.students1[0]
    rec = RecommendationFactory(run=MatchRunFactory(consortium=world.consortium), student=student,
                                demand=world.demand1)
    rec = selectors.recommendations_for_demand(world.ent1_admin, world.demand1).get(pk=rec.pk)

    card = selectors.candidate_card(world.ent1_admin, rec)
    assert card["full"] is False
    assert {"name", "phone", "student_no", "gender"}.isdisjoint(card)
    assert card["programme"] == "机电一体化技术" and card["skills"] == ["PLC编程", "电工", "机械识图"]
    assert card["school"] == world.school1.name and card["graduation"] == student.expected_graduation.strftime("%Y-%m")
    assert student.name not in str(card.values())

    assert selectors.candidate_card(world.school1_admin, rec)["name"] == student.name
    assert selectors.candidate_card(world.secretariat, rec)["phone"] == student.phone
    assert selectors.candidate_card(world.official, rec)["full"] is False

    student_share(actor=world.school1_admin, student=student, unit=world.ent1)
    shared = selectors.candidate_card(world.ent1_admin, rec)
    assert shared["full"] is True and shared["name"] == student.name and shared["phone"] == student.phone
    assert selectors.candidate_card(world.ent2_admin, rec)["full"] is False


def _candidacy_page(user) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = type(user).objects.get(pk=user.pk)  # fresh: no memoised unit roles
    with CaptureQueriesContext(connection) as captured:
        rows = list(selectors.candidacies_for(user))
        cards = selectors.candidate_cards(user, rows)
        [(c.demand.position, c.enterprise_unit.name, c.run_id, c.recommendation) for c in rows]
    assert len(cards) == len(rows)
    return len(captured.captured_queries)


def test_list_selectors_use_constant_queries(world):
    user = UnitMembershipFactory(unit=world.ent1, admin=True).user
    for student in world.students1[:1]:
        _candidacy(world, student, world.demand1)
    few = _candidacy_page(user)
    for _ in range(6):
        extra = graduate(world.programme1, skills="电工、PLC编程", offering=world.students1[0].offering)
        _candidacy(world, extra, world.demand1)
    assert _candidacy_page(user) == few
    assert few <= 6
