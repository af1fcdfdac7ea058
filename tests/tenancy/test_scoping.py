"""visible_to / editable_by per role on the kernel models (exact result sets, in scope and out of scope)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from consortium.tenancy.models import Consortium, Industry, Invitation, LocalChain, MemberUnit, UnitMembership, User
from consortium.tenancy.scoping import unit_roles
from tests.factories.tenancy import (
    ConsortiumFactory,
    IndustryFactory,
    InvitationFactory,
    LocalChainFactory,
    MemberUnitFactory,
    UnitMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    a, b = ConsortiumFactory(), ConsortiumFactory()
    a1, a2 = MemberUnitFactory(consortium=a), MemberUnitFactory(consortium=a)
    applied = MemberUnitFactory(consortium=a, applied=True)
    b1 = MemberUnitFactory(consortium=b)
    s = {
        "a": a, "b": b, "a1": a1, "a2": a2, "applied": applied, "b1": b1,
        "platform": UserFactory(platform_admin=True),
        "secretariat": UserFactory(consortium=a, secretariat=True),
        "official": UserFactory(consortium=a, official=True),
        "admin": UnitMembershipFactory(unit=a1, admin=True).user,
        "staff": UnitMembershipFactory(unit=a1).user,
        "b_secretariat": UserFactory(consortium=b, secretariat=True),
    }
    return s


def ids(qs):
    return set(qs.values_list("pk", flat=True))


def test_units_visible_per_role(setup):
    s = setup
    a_all = {s["a1"].pk, s["a2"].pk, s["applied"].pk}
    assert ids(MemberUnit.objects.visible_to(s["platform"])) == a_all | {s["b1"].pk}
    assert ids(MemberUnit.objects.visible_to(s["secretariat"])) == a_all
    assert ids(MemberUnit.objects.visible_to(s["official"])) == a_all
    # members: the directory (active units) of their consortium; pending applications stay private
    assert ids(MemberUnit.objects.visible_to(s["staff"])) == {s["a1"].pk, s["a2"].pk}
    assert ids(MemberUnit.objects.visible_to(s["b_secretariat"])) == {s["b1"].pk}
    assert ids(MemberUnit.objects.visible_to(AnonymousUser())) == set()


def test_units_editable_per_role(setup):
    s = setup
    assert ids(MemberUnit.objects.editable_by(s["secretariat"])) == {s["a1"].pk, s["a2"].pk, s["applied"].pk}
    assert ids(MemberUnit.objects.editable_by(s["official"])) == set()
    assert ids(MemberUnit.objects.editable_by(s["admin"])) == {s["a1"].pk}
    assert ids(MemberUnit.objects.editable_by(s["staff"])) == set()
    assert ids(MemberUnit.objects.editable_by(s["b_secretariat"])) == {s["b1"].pk}
    assert ids(MemberUnit.objects.editable_by(AnonymousUser())) == set()


def test_applicant_sees_own_pending_unit(setup):
    applicant = UnitMembershipFactory(unit=setup["applied"], admin=True).user
    assert setup["applied"].pk in ids(MemberUnit.objects.visible_to(applicant))


def test_inactive_user_sees_nothing(setup):
    staff = setup["staff"]
    staff.is_active = False
    staff.save()
    assert ids(MemberUnit.objects.visible_to(staff)) == set()
    assert ids(User.objects.visible_to(staff)) == set()


def test_inactive_membership_grants_nothing(setup):
    membership = UnitMembership.objects.get(user=setup["admin"])
    membership.is_active = False
    membership.save()
    fresh = User.objects.get(pk=setup["admin"].pk)
    assert unit_roles(fresh) == {}
    assert ids(MemberUnit.objects.editable_by(fresh)) == set()


def test_users_visible_per_role(setup):
    s = setup
    a2_user = UnitMembershipFactory(unit=s["a2"]).user
    a_users = {u.pk for u in User.objects.filter(consortium=s["a"])}
    assert a2_user.pk in a_users
    assert ids(User.objects.visible_to(s["secretariat"])) == a_users
    assert ids(User.objects.visible_to(s["official"])) == a_users
    # unit users: the users of their own units (and themselves), not A2's, not B's
    assert ids(User.objects.visible_to(s["staff"])) == {s["admin"].pk, s["staff"].pk}
    assert s["platform"].pk in ids(User.objects.visible_to(s["platform"]))
    assert ids(User.objects.editable_by(s["admin"])) == set()


def test_user_with_two_memberships_is_listed_once(setup):
    s = setup
    UnitMembershipFactory(unit=s["a2"], user=s["staff"])
    UnitMembershipFactory(unit=s["a2"], user=s["admin"])
    qs = User.objects.visible_to(User.objects.get(pk=s["admin"].pk))
    assert qs.count() == len(ids(qs))


def test_invitations_per_role(setup):
    s = setup
    i1, i2, ib = InvitationFactory(unit=s["a1"]), InvitationFactory(unit=s["a2"]), InvitationFactory(unit=s["b1"])
    assert ids(Invitation.objects.visible_to(s["admin"])) == {i1.pk}
    assert ids(Invitation.objects.visible_to(s["staff"])) == {i1.pk}
    assert ids(Invitation.objects.editable_by(s["admin"])) == {i1.pk}
    assert ids(Invitation.objects.editable_by(s["staff"])) == set()
    assert ids(Invitation.objects.visible_to(s["secretariat"])) == {i1.pk, i2.pk}
    assert ids(Invitation.objects.visible_to(s["platform"])) >= {i1.pk, i2.pk, ib.pk}


def test_local_chains_are_read_consortium_wide_and_written_by_the_secretariat(setup):
    s = setup
    ca, cb = LocalChainFactory(consortium=s["a"]), LocalChainFactory(consortium=s["b"])
    assert ids(LocalChain.objects.visible_to(s["secretariat"])) == {ca.pk}
    assert ids(LocalChain.objects.visible_to(s["staff"])) == {ca.pk}  # shared_read_q() is Q(): every member reads
    assert ids(LocalChain.objects.editable_by(s["admin"])) == set()
    assert ids(LocalChain.objects.editable_by(s["secretariat"])) == {ca.pk}
    assert cb.pk not in ids(LocalChain.objects.visible_to(s["staff"]))


def test_consortia_and_industries(setup):
    s = setup
    industry = IndustryFactory()
    assert ids(Consortium.objects.visible_to(s["staff"])) == {s["a"].pk}
    assert ids(Consortium.objects.visible_to(s["platform"])) >= {s["a"].pk, s["b"].pk}
    assert ids(Consortium.objects.editable_by(s["official"])) == set()
    assert ids(Consortium.objects.editable_by(s["secretariat"])) == {s["a"].pk}
    assert industry.pk in ids(Industry.objects.visible_to(s["staff"]))
    assert ids(Industry.objects.editable_by(s["secretariat"])) == set()
    assert industry.pk in ids(Industry.objects.editable_by(s["platform"]))
    assert ids(Industry.objects.visible_to(AnonymousUser())) == set()


def test_for_consortium(setup):
    s = setup
    assert ids(MemberUnit.objects.for_consortium(s["b"].pk)) == {s["b1"].pk}
