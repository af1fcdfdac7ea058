"""Public self-registration (join), invitations (create, revoke) and the public invitation-accept page."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from consortium.tenancy.choices import ConsortiumStatus, UnitRole, UnitStatus
from consortium.tenancy.models import Invitation, MemberUnit, UnitMembership, User
from tests.factories.tenancy import ConsortiumFactory, IndustryFactory, InvitationFactory, credit_code

pytestmark = pytest.mark.django_db


# --- join -----------------------------------------------------------------------------------------------------


def _join_data(consortium, **changes) -> dict:
    data = {
        "consortium": consortium.pk, "kind": "enterprise", "name": "宝清县新申请企业", "credit_code": credit_code(4242),
        "contact_person": "周经理", "contact_phone": "13800000000", "contact_email": "zhou@example.com",
        "address": "", "description": "", "username": "zhoujingli", "full_name": "周经理",
        "password1": "Kq8#harvest2026", "password2": "Kq8#harvest2026",
    }
    data.update(changes)
    return data


def test_join_page_lists_only_open_consortia(world, client):
    closed = ConsortiumFactory(name="已撤销联合体", status=ConsortiumStatus.DISSOLVED)
    response = client.get(reverse("join"))
    assert response.status_code == 200
    offered = set(response.context["form"].fields["consortium"].queryset)
    assert world.consortium in offered and closed not in offered


def test_join_creates_application_and_inactive_admin(world, client):
    industry = IndustryFactory()
    response = client.post(reverse("join"), _join_data(world.consortium, industries=[industry.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("join-done")
    unit = MemberUnit.objects.get(name="宝清县新申请企业")
    assert (unit.consortium_id, unit.status) == (world.consortium.pk, UnitStatus.APPLIED)
    assert list(unit.industries.all()) == [industry]
    user = User.objects.get(username="zhoujingli")
    assert not user.is_active and user.consortium_id == world.consortium.pk
    assert UnitMembership.objects.get(user=user).role == UnitRole.UNIT_ADMIN
    done = client.get(reverse("join-done"))
    assert "宝清县新申请企业" in done.content.decode() and "秘书处" in done.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"credit_code": "91230523MA1ABCDEF0"}, "credit_code", "统一社会信用代码"),
        ({"credit_code": "9123"}, "credit_code", "18位"),
        ({"password2": "different-Pass-1"}, "password2", "不一致"),
        ({"password1": "12345678", "password2": "12345678"}, "password1", ""),
        ({"username": "mishuchu"}, "username", "已被使用"),
        ({"name": "宝清县职业技术学校"}, "name", "同名"),
        ({"contact_email": "not-an-email"}, "contact_email", ""),
    ],
)
def test_join_bad_input_shows_field_error_and_creates_nothing(world, client, changes, field, message):
    units, users = MemberUnit.objects.count(), User.objects.count()
    response = client.post(reverse("join"), _join_data(world.consortium, **changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in str(errors[field])
    assert (MemberUnit.objects.count(), User.objects.count()) == (units, users)


def test_join_closed_consortium_is_rejected(world, client):
    closed = ConsortiumFactory(status=ConsortiumStatus.DISSOLVED)
    response = client.post(reverse("join"), _join_data(closed))
    assert response.status_code == 200 and "consortium" in response.context["form"].errors
    assert not MemberUnit.objects.filter(name="宝清县新申请企业").exists()


# --- invitations ----------------------------------------------------------------------------------------------


def test_unit_admin_invites_staff(world, login, django_capture_on_commit_callbacks):
    client = login(world.unit_admin)
    page = client.get(reverse("invitation-list"))
    assert list(page.context["form"].fields["unit"].queryset) == [world.unit]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("invitation-list"), {"unit": world.unit.pk, "email": "New@Example.com",
                                                            "full_name": "孙老师", "role": UnitRole.UNIT_STAFF})
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="new@example.com")
    assert (invitation.unit_id, invitation.invited_by_id) == (world.unit.pk, world.unit_admin.pk)
    assert len(mail.outbox) == 1 and invitation.token in mail.outbox[0].body


def test_invite_into_other_unit_is_a_field_error(world, login):
    response = login(world.unit_admin).post(reverse("invitation-list"), {
        "unit": world.neighbour.pk, "email": "x@example.com", "role": UnitRole.UNIT_STAFF})
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    assert not Invitation.objects.filter(email="x@example.com").exists()


def test_duplicate_invitation_is_a_field_error(world, login):
    InvitationFactory(unit=world.unit, email="dup@example.com", invited_by=world.unit_admin)
    response = login(world.unit_admin).post(reverse("invitation-list"), {
        "unit": world.unit.pk, "email": "dup@example.com", "role": UnitRole.UNIT_STAFF})
    assert response.status_code == 200
    assert "重复邀请" in str(response.context["form"].errors["email"])
    assert Invitation.objects.filter(email="dup@example.com").count() == 1


def test_invitation_list_scope(world, login):
    own = InvitationFactory(unit=world.unit, invited_by=world.unit_admin)
    InvitationFactory(unit=world.neighbour)
    InvitationFactory(unit=world.foreign)
    assert list(login(world.unit_admin).get(reverse("invitation-list")).context["invitations"]) == [own]
    assert len(login(world.secretariat).get(reverse("invitation-list")).context["invitations"]) == 2
    for user in (world.unit_staff, world.official):
        assert login(user).get(reverse("invitation-list")).status_code == 403


def test_revoke_own_and_not_others(world, login):
    own = InvitationFactory(unit=world.unit, invited_by=world.unit_admin)
    neighbours = InvitationFactory(unit=world.neighbour)
    client = login(world.unit_admin)
    assert client.post(reverse("invitation-revoke", kwargs={"pk": own.pk})).status_code == 302
    assert client.post(reverse("invitation-revoke", kwargs={"pk": neighbours.pk})).status_code == 404
    staff = login(world.unit_staff)
    fresh = InvitationFactory(unit=world.unit, invited_by=world.unit_admin)
    assert staff.post(reverse("invitation-revoke", kwargs={"pk": fresh.pk})).status_code == 403
    own.refresh_from_db(), neighbours.refresh_from_db(), fresh.refresh_from_db()
    assert own.revoked_at and not neighbours.revoked_at and not fresh.revoked_at


# --- accept ---------------------------------------------------------------------------------------------------


def _accept_url(invitation) -> str:
    return reverse("invitation-accept", kwargs={"token": invitation.token})


def test_accept_creates_account_and_membership(world, client):
    invitation = InvitationFactory(unit=world.unit, email="sun@example.com", full_name="孙老师",
                                   role=UnitRole.UNIT_STAFF)
    page = client.get(_accept_url(invitation))
    assert page.status_code == 200 and "sun@example.com" in page.content.decode()
    response = client.post(_accept_url(invitation), {"username": "sunlaoshi", "full_name": "孙老师", "phone": "",
                                                     "password1": "Vb7$orchard-9", "password2": "Vb7$orchard-9"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    user = User.objects.get(username="sunlaoshi")
    assert user.is_active and user.email == "sun@example.com" and user.consortium_id == world.consortium.pk
    assert UnitMembership.objects.get(user=user).unit_id == world.unit.pk
    assert client.get(_accept_url(invitation)).status_code == 410  # used


def test_accept_bad_passwords_show_field_errors(world, client):
    invitation = InvitationFactory(unit=world.unit)
    for data, field in [({"password1": "Vb7$orchard-9", "password2": "other-Pass-77"}, "password2"),
                        ({"password1": "password", "password2": "password"}, "password1"),
                        ({"username": "mishuchu", "password1": "Vb7$orchard-9", "password2": "Vb7$orchard-9"},
                         "username")]:
        response = client.post(_accept_url(invitation), {"username": "newbie", "full_name": "新人", **data})
        assert response.status_code == 200 and field in response.context["form"].errors
    assert not User.objects.filter(username="newbie").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


@pytest.mark.parametrize("trait", ["expired", "revoked"])
def test_accept_closed_invitation_gets_clear_page(world, client, trait):
    invitation = InvitationFactory(unit=world.unit, **{trait: True})
    for response in (client.get(_accept_url(invitation)), client.post(_accept_url(invitation), {
            "username": "late", "full_name": "迟到", "password1": "Vb7$orchard-9", "password2": "Vb7$orchard-9"})):
        assert response.status_code == 410
        assert "邀请链接无效" in response.content.decode()
    assert not User.objects.filter(username="late").exists()


def test_accept_unknown_token_is_404_page(client, db):
    response = client.get(reverse("invitation-accept", kwargs={"token": "no-such-token"}))
    assert response.status_code == 404 and "邀请链接无效" in response.content.decode()
