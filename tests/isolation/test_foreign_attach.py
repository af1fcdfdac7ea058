"""Attaching another consortium's object through a kernel foreign key: 400 with a field error, nothing created."""

import pytest
from rest_framework.test import APIClient

from consortium.tenancy.models import Invitation, MemberUnit
from tests.factories.tenancy import (
    ConsortiumFactory,
    LocalChainFactory,
    MemberUnitFactory,
    UnitMembershipFactory,
    UserFactory,
    credit_code,
)

from .stats import check

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenants():
    a, b = ConsortiumFactory(), ConsortiumFactory()
    return {
        "a": a, "b": b, "a1": MemberUnitFactory(consortium=a), "b1": MemberUnitFactory(consortium=b),
        "b_chain": LocalChainFactory(consortium=b), "a_chain": LocalChainFactory(consortium=a),
        "secretariat": UserFactory(consortium=a, secretariat=True),
        "platform": UserFactory(platform_admin=True),
    }


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _unit_payload(**extra):
    data = {"kind": "enterprise", "name": "新成员单位", "credit_code": credit_code(777777)}
    data.update(extra)
    return data


@pytest.mark.parametrize("actor", ["secretariat", "platform"])
def test_unit_with_foreign_local_chain(tenants, actor):
    t = tenants
    before = MemberUnit.objects.count()
    payload = _unit_payload(local_chains=[t["b_chain"].pk], consortium=t["a"].pk)
    response = _client(t[actor]).post("/api/v1/units/", payload, format="json")
    assert check(response.status_code == 400), response.content
    assert check("local_chains" in response.json())
    assert check(MemberUnit.objects.count() == before)


def test_unit_update_with_foreign_local_chain(tenants):
    t = tenants
    response = _client(t["secretariat"]).patch(
        f"/api/v1/units/{t['a1'].pk}/", {"local_chains": [t["b_chain"].pk]}, format="json"
    )
    assert check(response.status_code == 400), response.content
    assert check("local_chains" in response.json())
    assert check(list(t["a1"].local_chains.all()) == [])


def test_own_local_chain_is_accepted(tenants):
    """Control: the same request with the own chain succeeds (so the 400 above is about the tenant)."""
    t = tenants
    response = _client(t["secretariat"]).post(
        "/api/v1/units/", _unit_payload(local_chains=[t["a_chain"].pk]), format="json"
    )
    assert response.status_code == 201, response.content
    assert MemberUnit.objects.get(pk=response.json()["id"]).local_chains.get() == t["a_chain"]


@pytest.mark.parametrize("actor", ["secretariat", "unit_admin"])
def test_invitation_into_foreign_unit(tenants, actor):
    t = tenants
    user = t["secretariat"] if actor == "secretariat" else UnitMembershipFactory(unit=t["a1"], admin=True).user
    response = _client(user).post(
        "/api/v1/invitations/", {"unit": t["b1"].pk, "email": "x@example.com", "role": "unit_staff"}, format="json"
    )
    assert check(response.status_code == 400), response.content
    assert check("unit" in response.json())
    assert check(not Invitation.objects.exists())


def test_platform_admin_cannot_mix_tenants_in_an_invitation(tenants):
    t = tenants
    response = _client(t["platform"]).post(
        "/api/v1/invitations/",
        {"unit": t["b1"].pk, "consortium": t["a"].pk, "email": "x@example.com", "role": "unit_staff"},
        format="json",
    )
    assert check(response.status_code == 400), response.content
    assert check("unit" in response.json())
    assert check(not Invitation.objects.exists())
