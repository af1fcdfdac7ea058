"""Services of order classes: the lifecycle per party, the agreement, enrolment (quota, consent), the partner
share, joint grading, employment and retention, colleges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from enterprises.choices.order_classes import EnrolmentStatus, OrderClassStage
from enterprises.models.order_classes import (
    OrderClass,
    OrderClassEnrolment,
    OrderClassStageChange,
    OrderClassUserObjectPermission,
)
from enterprises.services import order_classes as services
from tests.factories.enterprises_order_classes import OrderClassWorld
from tests.factories.tenancy import UnitMembershipFactory

pytestmark = pytest.mark.django_db
S = OrderClassStage


@pytest.fixture
def w():
    return OrderClassWorld()


def _agreed(w) -> OrderClass:
    oc = w.propose()
    services.order_class_confirm(actor=w.fresh(w.school_admin), order_class=oc)
    return services.order_class_confirm(actor=w.fresh(w.enterprise_admin), order_class=oc)


def _go(w, oc, *steps):
    for actor, action in steps:
        oc = services.order_class_transition(actor=w.fresh(actor), order_class=oc, action=action)
    return oc


def test_proposal_by_school_is_shared_with_the_partner_and_recorded(w):
    oc = w.propose()
    assert oc.stage == S.PROPOSED and oc.proposed_by == "school"
    assert OrderClass.objects.visible_to(w.fresh(w.enterprise_admin)).filter(pk=oc.pk).exists()
    assert OrderClass.objects.visible_to(w.fresh(w.enterprise_staff)).filter(pk=oc.pk).exists()
    assert not OrderClass.objects.visible_to(w.fresh(w.third_admin)).filter(pk=oc.pk).exists()
    assert not OrderClass.objects.editable_by(w.fresh(w.enterprise_admin)).filter(pk=oc.pk).exists()
    change = OrderClassStageChange.objects.get(order_class=oc)
    assert (change.from_stage, change.to_stage, change.party) == ("", S.PROPOSED, "school")


def test_proposal_by_the_enterprise(w):
    oc = w.propose(actor=w.enterprise_admin)
    assert oc.proposed_by == "enterprise" and oc.unit == w.school
    assert OrderClass.objects.visible_to(w.fresh(w.enterprise_admin)).filter(pk=oc.pk).exists()


@pytest.mark.parametrize("who", ["third_admin", "school_staff", "official", "foreign_secretariat"])
def test_proposal_refused_to_non_parties(w, who):
    with pytest.raises(PermissionDenied):
        w.propose(actor=getattr(w, who))
    assert not OrderClass.objects.exists()


def test_proposal_bad_input(w):
    with pytest.raises(ValidationError) as exc:
        w.propose(cost_government_pct=30)
    assert "cost_school_pct" in exc.value.message_dict and "120%" in exc.value.message_dict["cost_school_pct"][0]
    from tests.factories.schools import ProgrammeFactory, SchoolUnitFactory

    with pytest.raises(ValidationError) as exc:  # another school's programme
        w.propose(programme=ProgrammeFactory(unit=SchoolUnitFactory(consortium=w.consortium)))
    assert "programme" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.order_class_create(
            actor=w.fresh(w.school_admin),
            unit=w.school,
            partner_unit=w.school,
            name="x",
            programme=w.programme,
            cohort=2024,
            quota=1,
        )
    assert "partner_unit" in exc.value.message_dict
    assert not OrderClass.objects.exists()


def test_agreement_needs_both_confirmations(w):
    oc = w.propose()
    with pytest.raises(ValidationError) as exc:
        services.order_class_transition(actor=w.fresh(w.school_admin), order_class=oc, action="agree")
    assert "双方确认" in exc.value.message_dict["action"][0]
    oc = services.order_class_confirm(actor=w.fresh(w.school_admin), order_class=oc)
    assert oc.stage == S.PROPOSED and oc.school_confirmed_by == w.school_admin and oc.enterprise_confirmed_at is None
    with pytest.raises(PermissionDenied):
        services.order_class_confirm(actor=w.fresh(w.enterprise_staff), order_class=oc)
    with pytest.raises(PermissionDenied):
        services.order_class_confirm(actor=w.fresh(w.third_admin), order_class=oc)
    oc = services.order_class_confirm(actor=w.fresh(w.enterprise_admin), order_class=oc)
    assert oc.stage == S.AGREED and oc.enterprise_confirmed_by == w.enterprise_admin
    assert list(OrderClassStageChange.objects.filter(order_class=oc).values_list("to_stage", "party")) == [
        (S.PROPOSED, "school"),
        (S.AGREED, "enterprise"),
    ]


def test_changing_terms_before_agreement_withdraws_confirmations_and_freezes_after(w):
    oc = w.propose()
    oc = services.order_class_confirm(actor=w.fresh(w.school_admin), order_class=oc)
    oc = services.order_class_update(actor=w.fresh(w.school_admin), order_class=oc, quota=5)
    assert oc.school_confirmed_at is None
    services.order_class_confirm(actor=w.fresh(w.school_admin), order_class=oc)
    oc = services.order_class_confirm(actor=w.fresh(w.enterprise_admin), order_class=oc)
    with pytest.raises(ValidationError) as exc:
        services.order_class_update(actor=w.fresh(w.school_admin), order_class=oc, cost_school_pct=30)
    assert "cost_school_pct" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.order_class_update(actor=w.fresh(w.enterprise_admin), order_class=oc, name="企业改名")


def test_full_lifecycle_with_the_right_parties(w):
    oc = _agreed(w)
    oc = _go(w, oc, (w.school_admin, "open_enrolment"))
    services.enrolments_create(
        actor=w.fresh(w.school_admin), order_class=oc, students=w.students(2), consent_on=dt.date(2024, 9, 1)
    )
    oc = _go(
        w, oc, (w.secretariat, "start_training"), (w.enterprise_admin, "start_assessment"), (w.school_admin, "graduate")
    )
    assert set(oc.enrolments.values_list("status", flat=True)) == {EnrolmentStatus.GRADUATED}
    oc = _go(
        w, oc, (w.enterprise_admin, "record_employment"), (w.school_admin, "track_retention"), (w.secretariat, "close")
    )
    assert oc.stage == S.CLOSED
    assert OrderClassStageChange.objects.filter(order_class=oc).count() == 9


@pytest.mark.parametrize(
    ("stage", "action", "wrong"),
    [
        (S.AGREED, "open_enrolment", "enterprise_admin"),
        (S.TRAINING, "start_assessment", "secretariat"),
        (S.ASSESSING, "graduate", "enterprise_admin"),
        (S.ASSESSING, "graduate", "secretariat"),
        (S.GRADUATED, "record_employment", "school_admin"),
        (S.EMPLOYED, "track_retention", "secretariat"),
        (S.RETENTION_TRACKING, "close", "enterprise_admin"),
        (S.AGREED, "open_enrolment", "school_staff"),
        (S.AGREED, "open_enrolment", "official"),
    ],
)
def test_wrong_party_is_refused_with_the_reason_and_nothing_changes(w, stage, action, wrong):
    oc = w.propose()
    OrderClass.objects.filter(pk=oc.pk).update(stage=stage)
    oc.refresh_from_db()
    with pytest.raises(PermissionDenied) as exc:
        services.order_class_transition(actor=w.fresh(getattr(w, wrong)), order_class=oc, action=action)
    assert "只能由" in str(exc.value) or "不存在" not in str(exc.value)
    oc.refresh_from_db()
    assert oc.stage == stage


@pytest.mark.parametrize(
    ("stage", "action"),
    [
        (S.PROPOSED, "open_enrolment"),
        (S.AGREED, "graduate"),
        (S.TRAINING, "cancel"),
        (S.CLOSED, "close"),
        (S.CANCELLED, "agree"),
        (S.GRADUATED, "start_training"),
    ],
)
def test_wrong_stage_is_refused_with_the_reason(w, stage, action):
    oc = w.propose()
    OrderClass.objects.filter(pk=oc.pk).update(stage=stage)
    oc.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        actor = w.school_admin if action == "graduate" else w.secretariat  # graduate: the school only
        services.order_class_transition(actor=w.fresh(actor), order_class=oc, action=action)
    assert "不能执行" in exc.value.message_dict["action"][0]
    oc.refresh_from_db()
    assert oc.stage == stage


def test_third_unit_and_foreign_consortium_cannot_see_the_class(w):
    oc = _agreed(w)
    for user in (w.third_admin, w.foreign_secretariat):
        with pytest.raises(PermissionDenied) as exc:
            services.order_class_transition(actor=w.fresh(user), order_class=oc, action="open_enrolment")
        assert "不存在" in str(exc.value)


def test_cancel_from_early_stages_by_the_enterprise(w):
    oc = _agreed(w)
    oc = _go(w, oc, (w.enterprise_admin, "cancel"))
    assert oc.stage == S.CANCELLED


def test_start_training_needs_students(w):
    oc = _go(w, _agreed(w), (w.school_admin, "open_enrolment"))
    with pytest.raises(ValidationError) as exc:
        _go(w, oc, (w.school_admin, "start_training"))
    assert "在班学生" in exc.value.message_dict["action"][0]


# --- enrolment ------------------------------------------------------------------------------------------------


def test_enrolment_beyond_quota_is_refused_with_quota_enrolled_and_headroom(w):
    oc = _go(w, _agreed(w), (w.school_admin, "open_enrolment"))  # quota 3
    services.enrolments_create(
        actor=w.fresh(w.school_admin), order_class=oc, students=w.students(2), consent_on=dt.date(2024, 9, 1)
    )
    with pytest.raises(ValidationError) as exc:
        services.enrolments_create(
            actor=w.fresh(w.school_admin), order_class=oc, students=w.students(2), consent_on=dt.date(2024, 9, 1)
        )
    message = exc.value.message_dict["students"][0]
    assert "名额3人" in message and "已在班2人" in message and "剩余1人" in message
    assert OrderClassEnrolment.objects.filter(order_class=oc).count() == 2
    services.enrolment_create(
        actor=w.fresh(w.school_admin), order_class=oc, student=w.students(1)[0], consent_on=dt.date(2024, 9, 1)
    )
    with pytest.raises(ValidationError) as exc:
        services.enrolment_create(
            actor=w.fresh(w.school_admin), order_class=oc, student=w.students(1)[0], consent_on=dt.date(2024, 9, 1)
        )
    assert "剩余0人" in exc.value.message_dict["student"][0]


def test_withdrawn_students_free_their_place(w):
    oc = _go(w, _agreed(w), (w.school_admin, "open_enrolment"))
    created = services.enrolments_create(
        actor=w.fresh(w.school_admin), order_class=oc, students=w.students(3), consent_on=dt.date(2024, 9, 1)
    )
    services.enrolment_withdraw(actor=w.fresh(w.school_admin), enrolment=created[0])
    services.enrolment_create(
        actor=w.fresh(w.school_admin), order_class=oc, student=w.students(1)[0], consent_on=dt.date(2024, 9, 1)
    )
    assert oc.enrolments.filter(status=EnrolmentStatus.ENROLLED).count() == 3


def test_consent_is_required(w):
    oc = _go(w, _agreed(w), (w.school_admin, "open_enrolment"))
    with pytest.raises(ValidationError) as exc:
        services.enrolments_create(
            actor=w.fresh(w.school_admin), order_class=oc, students=w.students(1), consent_on=None
        )
    assert "同意" in exc.value.message_dict["consent_on"][0]
    assert not OrderClassEnrolment.objects.exists()


def test_enrolment_rules(w):
    oc = w.propose()
    with pytest.raises(ValidationError) as exc:  # not before the agreement
        services.enrolments_create(
            actor=w.fresh(w.school_admin), order_class=oc, students=w.students(1), consent_on=dt.date(2024, 9, 1)
        )
    assert "order_class" in exc.value.message_dict
    oc = _go(w, _agreed(w), (w.school_admin, "open_enrolment"))
    from tests.factories.schools import ProgrammeOfferingFactory, StudentFactory

    other_cohort = StudentFactory(offering=ProgrammeOfferingFactory(programme=w.programme, year=2023))
    with pytest.raises(ValidationError) as exc:
        services.enrolments_create(
            actor=w.fresh(w.school_admin), order_class=oc, students=[other_cohort], consent_on=dt.date(2024, 9, 1)
        )
    assert "年级" in exc.value.message_dict["students"][0]
    student = w.students(1)[0]
    services.enrolment_create(
        actor=w.fresh(w.school_admin), order_class=oc, student=student, consent_on=dt.date(2024, 9, 1)
    )
    with pytest.raises(ValidationError):
        services.enrolment_create(
            actor=w.fresh(w.school_admin), order_class=oc, student=student, consent_on=dt.date(2024, 9, 1)
        )
    with pytest.raises(PermissionDenied):  # the partner cannot enrol
        services.enrolment_create(
            actor=w.fresh(w.enterprise_admin), order_class=oc, student=w.students(1)[0], consent_on=dt.date(2024, 9, 1)
        )


# --- share --------------------------------------------------------------------------------------------------


def test_share_covers_new_partner_users_and_never_global_perms(w):
    oc = _agreed(w)
    newcomer = UnitMembershipFactory(unit=w.enterprise).user
    assert not OrderClass.objects.visible_to(w.fresh(newcomer)).filter(pk=oc.pk).exists()
    count = services.order_class_share(actor=w.fresh(w.school_admin), order_class=oc)
    assert count == 3
    assert OrderClass.objects.visible_to(w.fresh(newcomer)).filter(pk=oc.pk).exists()
    assert set(OrderClassUserObjectPermission.objects.filter(content_object=oc).values_list("user_id", flat=True)) == {
        w.enterprise_admin.pk,
        w.enterprise_staff.pk,
        newcomer.pk,
    }
    assert not w.fresh(newcomer).user_permissions.exists()
    with pytest.raises(PermissionDenied):
        services.order_class_share(actor=w.fresh(w.third_admin), order_class=oc)


def test_children_follow_the_share(w):
    from enterprises.models.order_classes import TrainingPlanItem

    oc = _agreed(w)
    item = services.plan_item_create(actor=w.fresh(w.enterprise_admin), order_class=oc, course="企业实训", hours=16)
    assert TrainingPlanItem.objects.visible_to(w.fresh(w.enterprise_staff)).filter(pk=item.pk).exists()
    assert TrainingPlanItem.objects.visible_to(w.fresh(w.school_staff)).filter(pk=item.pk).exists()
    assert not TrainingPlanItem.objects.visible_to(w.fresh(w.third_admin)).filter(pk=item.pk).exists()
    with pytest.raises(PermissionDenied):
        services.plan_item_create(actor=w.fresh(w.third_admin), order_class=oc, course="x", hours=1)


# --- grading, employment, retention --------------------------------------------------------------------------


def test_joint_grading_each_party_its_part(w):
    oc = _go(w, _agreed(w), (w.school_admin, "open_enrolment"))
    enrolment = services.enrolments_create(
        actor=w.fresh(w.school_admin), order_class=oc, students=w.students(1), consent_on=dt.date(2024, 9, 1)
    )[0]
    assessment = services.assessment_create(
        actor=w.fresh(w.school_admin), order_class=oc, title="期末", held_on=dt.date(2025, 6, 1), school_weight=40
    )
    services.score_record(
        actor=w.fresh(w.school_admin), assessment=assessment, enrolment=enrolment, school_score=Decimal("70")
    )
    score = services.score_record(
        actor=w.fresh(w.enterprise_admin), assessment=assessment, enrolment=enrolment, enterprise_score=Decimal("90")
    )
    assert score.final_score == Decimal("82.0")
    with pytest.raises(PermissionDenied):
        services.score_record(
            actor=w.fresh(w.enterprise_admin), assessment=assessment, enrolment=enrolment, school_score=Decimal("100")
        )
    with pytest.raises(ValidationError):
        services.score_record(
            actor=w.fresh(w.school_admin), assessment=assessment, enrolment=enrolment, school_score=Decimal("101")
        )
    score.refresh_from_db()
    assert score.school_score == Decimal("70")


def test_employment_and_retention(w):
    oc = _go(w, _agreed(w), (w.school_admin, "open_enrolment"))
    first, second = services.enrolments_create(
        actor=w.fresh(w.school_admin), order_class=oc, students=w.students(2), consent_on=dt.date(2024, 9, 1)
    )
    with pytest.raises(ValidationError):  # not graduated yet
        services.employment_record(
            actor=w.fresh(w.enterprise_admin), enrolment=first, employed_on=dt.date(2027, 7, 1), position="技术员"
        )
    oc = _go(
        w, oc, (w.school_admin, "start_training"), (w.school_admin, "start_assessment"), (w.school_admin, "graduate")
    )
    first.refresh_from_db()
    second.refresh_from_db()
    with pytest.raises(ValidationError):  # no employment yet
        services.retention_record(
            actor=w.fresh(w.school_admin),
            enrolment=first,
            months=6,
            still_employed=True,
            checked_on=dt.date(2028, 1, 1),
        )
    for e in (first, second):
        services.employment_record(
            actor=w.fresh(w.enterprise_admin), enrolment=e, employed_on=dt.date(2027, 7, 1), position="技术员"
        )
    services.retention_record(
        actor=w.fresh(w.enterprise_admin),
        enrolment=first,
        months=6,
        still_employed=True,
        checked_on=dt.date(2028, 1, 1),
    )
    services.retention_record(
        actor=w.fresh(w.enterprise_admin),
        enrolment=second,
        months=6,
        still_employed=False,
        checked_on=dt.date(2028, 1, 1),
    )
    with pytest.raises(ValidationError) as exc:
        services.retention_record(
            actor=w.fresh(w.enterprise_admin),
            enrolment=second,
            months=12,
            still_employed=False,
            checked_on=dt.date(2027, 1, 1),
        )
    assert "checked_on" in exc.value.message_dict
    from enterprises.selectors.order_classes import class_dashboard

    board = class_dashboard(w.fresh(w.school_admin), oc)
    assert board["graduated"] == 2 and board["employed"] == 2
    assert board["employment_rate"] == 100.0 and board["retention_6"] == 50.0 and board["retention_12"] is None


# --- colleges -----------------------------------------------------------------------------------------------


def test_college_lead_and_secretariat_edit_others_only_read(w):
    from enterprises.models.order_classes import ModernIndustryCollege

    college = services.college_create(
        actor=w.fresh(w.school_admin), unit=w.school, name="产业学院", programmes=[w.programme]
    )
    services.college_member_add(
        actor=w.fresh(w.school_admin), college=college, member_unit=w.enterprise, role="enterprise"
    )
    services.college_report_upsert(actor=w.fresh(w.secretariat), college=college, year=2025, students_trained=10)
    services.college_report_upsert(actor=w.fresh(w.school_admin), college=college, year=2025, students_trained=12)
    assert college.annual_reports.get().students_trained == 12
    assert ModernIndustryCollege.objects.visible_to(w.fresh(w.third_admin)).filter(pk=college.pk).exists()
    with pytest.raises(PermissionDenied):
        services.college_update(actor=w.fresh(w.enterprise_admin), college=college, name="改名")
    with pytest.raises(PermissionDenied):
        services.college_create(actor=w.fresh(w.third_admin), unit=w.school, name="冒名")
    with pytest.raises(ValidationError):
        services.college_member_add(
            actor=w.fresh(w.school_admin), college=college, member_unit=w.enterprise, role="enterprise"
        )
