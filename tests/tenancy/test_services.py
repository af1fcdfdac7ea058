"""Kernel services: unit lifecycle, invitations and the join application."""

from datetime import timedelta
from itertools import product

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from consortium.tenancy import services
from consortium.tenancy.choices import UNIT_TRANSITIONS, UnitKind, UnitRole, UnitStatus
from consortium.tenancy.models import Invitation, MemberUnit, UnitMembership, UnitStatusChange, User
from tests.factories.tenancy import (
    ConsortiumFactory,
    InvitationFactory,
    MemberUnitFactory,
    UnitMembershipFactory,
    UserFactory,
    credit_code,
)

pytestmark = pytest.mark.django_db

ALL_PAIRS = list(product(UnitStatus.values, UnitStatus.values))


@pytest.fixture
def consortium():
    return ConsortiumFactory()


@pytest.fixture
def secretariat(consortium):
    return UserFactory(consortium=consortium, secretariat=True)


# --- lifecycle ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("from_status,to_status", ALL_PAIRS)
def test_transition_matrix(consortium, secretariat, from_status, to_status):
    unit = MemberUnitFactory(consortium=consortium, status=from_status)
    history = UnitStatusChange.objects.filter(unit=unit).count()
    allowed = to_status in UNIT_TRANSITIONS[from_status]
    if allowed:
        result = services.unit_transition(actor=secretariat, unit=unit, to_status=to_status, reason="依据章程")
        assert result.status == to_status
        change = UnitStatusChange.objects.filter(unit=unit).latest("decided_at", "id")
        assert (change.from_status, change.to_status, change.decided_by_id) == (from_status, to_status, secretariat.pk)
        assert change.reason == "依据章程" and change.consortium_id == consortium.pk
    else:
        with pytest.raises(ValidationError) as exc:
            services.unit_transition(actor=secretariat, unit=unit, to_status=to_status, reason="依据章程")
        assert "status" in exc.value.message_dict
        unit.refresh_from_db()
        assert unit.status == from_status
        assert UnitStatusChange.objects.filter(unit=unit).count() == history


@pytest.mark.parametrize("from_status,to_status", [
    (UnitStatus.APPLIED, UnitStatus.REJECTED), (UnitStatus.ACTIVE, UnitStatus.SUSPENDED),
    (UnitStatus.ACTIVE, UnitStatus.WITHDRAWN), (UnitStatus.SUSPENDED, UnitStatus.WITHDRAWN),
])
def test_negative_transitions_require_a_reason(consortium, secretariat, from_status, to_status):
    unit = MemberUnitFactory(consortium=consortium, status=from_status)
    with pytest.raises(ValidationError) as exc:
        services.unit_transition(actor=secretariat, unit=unit, to_status=to_status, reason="   ")
    assert "reason" in exc.value.message_dict
    unit.refresh_from_db()
    assert unit.status == from_status
    assert not UnitStatusChange.objects.filter(unit=unit).exists()


def test_unknown_target_status_is_a_field_error(consortium, secretariat):
    unit = MemberUnitFactory(consortium=consortium)
    with pytest.raises(ValidationError) as exc:
        services.unit_transition(actor=secretariat, unit=unit, to_status="exploded", reason="x")
    assert "exploded" in exc.value.message_dict["status"][0]


@pytest.mark.parametrize("role", ["official", "unit_admin", "foreign_secretariat"])
def test_only_the_own_secretariat_transitions(consortium, role):
    unit = MemberUnitFactory(consortium=consortium, applied=True)
    if role == "official":
        actor = UserFactory(consortium=consortium, official=True)
    elif role == "unit_admin":
        actor = UnitMembershipFactory(unit=unit, admin=True).user
    else:
        actor = UserFactory(secretariat=True)
    with pytest.raises(PermissionDenied):
        services.unit_transition(actor=actor, unit=unit, to_status=UnitStatus.ACTIVE)
    unit.refresh_from_db()
    assert unit.status == UnitStatus.APPLIED


def test_approval_activates_the_applicant_and_rejection_keeps_it_disabled(consortium, secretariat):
    approved = MemberUnitFactory(consortium=consortium, applied=True)
    rejected = MemberUnitFactory(consortium=consortium, applied=True)
    a = UnitMembershipFactory(unit=approved, admin=True, user__is_active=False).user
    r = UnitMembershipFactory(unit=rejected, admin=True, user__is_active=False).user
    services.unit_transition(actor=secretariat, unit=approved, to_status=UnitStatus.ACTIVE)
    services.unit_transition(actor=secretariat, unit=rejected, to_status=UnitStatus.REJECTED, reason="材料不全")
    a.refresh_from_db()
    r.refresh_from_db()
    approved.refresh_from_db()
    assert a.is_active and not r.is_active
    assert approved.joined_on == timezone.localdate()


# --- invitations ----------------------------------------------------------------------------------------------


def test_unit_admin_invites_into_own_unit_only(consortium):
    a1, a2 = MemberUnitFactory(consortium=consortium), MemberUnitFactory(consortium=consortium)
    admin = UnitMembershipFactory(unit=a1, admin=True).user
    invitation = services.invitation_create(actor=admin, unit=a1, email=" New@Example.com ", role=UnitRole.UNIT_STAFF)
    assert (invitation.email, invitation.consortium_id, invitation.invited_by_id) == (
        "new@example.com", consortium.pk, admin.pk,
    )
    assert invitation.is_open
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=admin, unit=a2, email="x@example.com", role=UnitRole.UNIT_STAFF)
    staff = UnitMembershipFactory(unit=a1).user
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=staff, unit=a1, email="y@example.com", role=UnitRole.UNIT_STAFF)
    assert Invitation.objects.filter(unit=a2).count() == 0
    assert Invitation.objects.filter(unit=a1).count() == 1


def test_duplicate_open_invitation_and_existing_member_are_field_errors(consortium, secretariat):
    unit = MemberUnitFactory(consortium=consortium)
    services.invitation_create(actor=secretariat, unit=unit, email="dup@example.com", role=UnitRole.UNIT_STAFF)
    with pytest.raises(ValidationError) as exc:
        services.invitation_create(actor=secretariat, unit=unit, email="DUP@example.com", role=UnitRole.UNIT_STAFF)
    assert "email" in exc.value.message_dict
    member = UnitMembershipFactory(unit=unit, user__email="member@example.com").user
    with pytest.raises(ValidationError) as exc:
        services.invitation_create(actor=secretariat, unit=unit, email=member.email, role=UnitRole.UNIT_STAFF)
    assert "email" in exc.value.message_dict
    assert Invitation.objects.filter(unit=unit).count() == 1


def test_invitation_into_inactive_unit_or_with_bad_role_is_refused(consortium, secretariat):
    applied = MemberUnitFactory(consortium=consortium, applied=True)
    with pytest.raises(ValidationError) as exc:
        services.invitation_create(actor=secretariat, unit=applied, email="a@example.com", role=UnitRole.UNIT_STAFF)
    assert "unit" in exc.value.message_dict
    unit = MemberUnitFactory(consortium=consortium)
    with pytest.raises(ValidationError) as exc:
        services.invitation_create(actor=secretariat, unit=unit, email="a@example.com", role="king")
    assert "role" in exc.value.message_dict
    assert not Invitation.objects.filter(consortium=consortium).exists()


def test_accept_creates_the_member_once(consortium):
    invitation = InvitationFactory(unit=MemberUnitFactory(consortium=consortium), role=UnitRole.UNIT_ADMIN)
    user = services.invitation_accept(token=invitation.token, username="newbie", password="pass12345", full_name="新人")
    assert (user.consortium_id, user.role, user.is_active, user.email) == (
        consortium.pk, "member", True, invitation.email,
    )
    membership = UnitMembership.objects.get(user=user)
    assert (membership.unit_id, membership.role) == (invitation.unit_id, UnitRole.UNIT_ADMIN)
    invitation.refresh_from_db()
    assert invitation.accepted_user_id == user.pk and not invitation.is_open
    with pytest.raises(ValidationError) as exc:
        services.invitation_accept(token=invitation.token, username="again", password="pass12345", full_name="")
    assert "token" in exc.value.message_dict
    assert not User.objects.filter(username="again").exists()


@pytest.mark.parametrize("trait", ["expired", "revoked"])
def test_expired_or_revoked_invitation_cannot_be_accepted(trait):
    invitation = InvitationFactory(**{trait: True})
    with pytest.raises(ValidationError) as exc:
        services.invitation_accept(token=invitation.token, username="late", password="pass12345", full_name="")
    assert "token" in exc.value.message_dict
    assert not User.objects.filter(username="late").exists()


def test_accept_with_taken_username(consortium):
    invitation = InvitationFactory(unit=MemberUnitFactory(consortium=consortium))
    UserFactory(username="taken", consortium=consortium)
    with pytest.raises(ValidationError) as exc:
        services.invitation_accept(token=invitation.token, username="taken", password="pass12345", full_name="")
    assert "username" in exc.value.message_dict
    invitation.refresh_from_db()
    assert invitation.is_open


def test_unknown_token():
    with pytest.raises(ValidationError):
        services.invitation_accept(token="nope", username="x1", password="pass12345", full_name="")


def test_revoke(consortium):
    unit = MemberUnitFactory(consortium=consortium)
    invitation = InvitationFactory(unit=unit)
    staff = UnitMembershipFactory(unit=unit).user
    with pytest.raises(PermissionDenied):
        services.invitation_revoke(actor=staff, invitation=invitation)
    admin = UnitMembershipFactory(unit=unit, admin=True).user
    services.invitation_revoke(actor=admin, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None and not invitation.is_open


def test_invitation_expires_after_seven_days():
    invitation = InvitationFactory()
    delta = invitation.expires_at - invitation.created_at
    assert timedelta(days=6, hours=23) < delta <= timedelta(days=7, minutes=1)


# --- join application -----------------------------------------------------------------------------------------


def _apply(consortium, **overrides):
    unit_fields = {
        "kind": UnitKind.SCHOOL, "name": "宝清县职业技术教育中心", "credit_code": credit_code(900001).lower(),
        "contact_person": "李四", "contact_phone": "13800000000", "contact_email": "li@example.com",
    }
    unit_fields.update(overrides.pop("unit_fields", {}))
    params = {"username": "applicant", "password": "pass12345", "email": "li@example.com", "full_name": "李四"}
    params.update(overrides)
    return services.unit_apply(consortium=consortium, unit_fields=unit_fields, industries=None, **params)


def test_application_creates_applied_unit_and_inactive_admin(consortium):
    unit = _apply(consortium)
    assert unit.status == UnitStatus.APPLIED and unit.credit_code == credit_code(900001)
    user = User.objects.get(username="applicant")
    assert not user.is_active and user.consortium_id == consortium.pk
    assert UnitMembership.objects.get(user=user).role == UnitRole.UNIT_ADMIN
    assert UnitStatusChange.objects.get(unit=unit).to_status == UnitStatus.APPLIED


@pytest.mark.parametrize("field", ["credit_code", "name"])
def test_duplicate_application_is_a_field_error_and_creates_nothing(consortium, field):
    existing = MemberUnitFactory(consortium=consortium)
    before = (MemberUnit.objects.count(), User.objects.count(), UnitMembership.objects.count())
    with pytest.raises(ValidationError) as exc:
        _apply(consortium, unit_fields={field: getattr(existing, field)}, username="dup_applicant")
    assert field in exc.value.message_dict
    assert (MemberUnit.objects.count(), User.objects.count(), UnitMembership.objects.count()) == before


def test_same_credit_code_in_another_consortium_is_fine(consortium):
    other = MemberUnitFactory(consortium=ConsortiumFactory())
    unit = _apply(consortium, unit_fields={"credit_code": other.credit_code})
    assert unit.consortium_id == consortium.pk


def test_invalid_credit_code_is_a_field_error(consortium):
    with pytest.raises(ValidationError) as exc:
        _apply(consortium, unit_fields={"credit_code": "91230523000000001X"})
    assert "credit_code" in exc.value.message_dict
    assert not User.objects.filter(username="applicant").exists()


def test_application_to_closed_consortium(consortium):
    consortium.status = "dissolved"
    consortium.save()
    with pytest.raises(ValidationError) as exc:
        _apply(consortium)
    assert "consortium" in exc.value.message_dict
