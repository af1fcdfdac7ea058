"""Shared fixtures of the demand-side tests: one consortium with two enterprises (admin + staff on the first), the
secretariat, an official, and a foreign consortium with its own enterprise and secretariat."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.factories.enterprises_demands import EnterpriseUnitFactory, TalentDemandFactory
from tests.factories.tenancy import ConsortiumFactory, UnitMembershipFactory, UserFactory


@dataclass
class W:
    consortium: Any
    ent: Any
    other: Any
    admin: Any
    staff: Any
    other_admin: Any
    secretariat: Any
    official: Any
    foreign: Any
    foreign_ent: Any
    foreign_secretariat: Any


@pytest.fixture
def w(db) -> W:
    consortium = ConsortiumFactory(name="宝清县产教联合体")
    ent = EnterpriseUnitFactory(consortium=consortium, name="北辰煤电")
    other = EnterpriseUnitFactory(consortium=consortium, name="挠力河米业")
    foreign = ConsortiumFactory(name="饶河县产教联合体")
    foreign_ent = EnterpriseUnitFactory(consortium=foreign, name="黑蜂蜂业")
    return W(
        consortium=consortium, ent=ent, other=other,
        admin=UnitMembershipFactory(unit=ent, admin=True, user__username="ent_admin").user,
        staff=UnitMembershipFactory(unit=ent, user__username="ent_staff").user,
        other_admin=UnitMembershipFactory(unit=other, admin=True, user__username="other_admin").user,
        secretariat=UserFactory(consortium=consortium, secretariat=True, username="sec"),
        official=UserFactory(consortium=consortium, official=True, username="off"),
        foreign=foreign, foreign_ent=foreign_ent,
        foreign_secretariat=UserFactory(consortium=foreign, secretariat=True, username="fsec"),
    )


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def demand(unit, **kwargs):
    return TalentDemandFactory(unit=unit, **kwargs)
