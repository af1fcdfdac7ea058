"""Fixtures of the web (HTML page) tests: one consortium with every role, plus a second consortium outside scope."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from consortium.tenancy.choices import UnitKind, UnitStatus
from consortium.tenancy.models import Consortium, MemberUnit, User
from tests.factories.tenancy import (
    ConsortiumFactory,
    IndustryFactory,
    LocalChainFactory,
    MemberUnitFactory,
    UnitMembershipFactory,
    UserFactory,
)


@dataclass
class World:
    consortium: Consortium
    other_consortium: Consortium
    secretariat: User
    official: User
    unit: MemberUnit  # active, administered by unit_admin, staffed by unit_staff
    neighbour: MemberUnit  # another active unit of the same consortium
    applied: MemberUnit  # pending application in the same consortium
    foreign: MemberUnit  # active unit of the other consortium
    foreign_applied: MemberUnit
    unit_admin: User
    unit_staff: User
    applicant: User
    foreign_secretariat: User


@pytest.fixture
def world(db) -> World:
    consortium = ConsortiumFactory(name="宝清县产教联合体")
    other = ConsortiumFactory(name="邻县产教联合体")
    industry = IndustryFactory(name="现代农业")
    chain = LocalChainFactory(consortium=consortium, name="大豆产业链")
    unit = MemberUnitFactory(consortium=consortium, name="宝清县职业技术学校", kind=UnitKind.SCHOOL)
    unit.industries.add(industry)
    unit.local_chains.add(chain)
    neighbour = MemberUnitFactory(consortium=consortium, name="宝清县某农业企业", kind=UnitKind.ENTERPRISE)
    applied = MemberUnitFactory(consortium=consortium, name="申请中的合作社", applied=True)
    applicant_membership = UnitMembershipFactory(unit=applied, admin=True, user__is_active=False)
    foreign = MemberUnitFactory(consortium=other, name="外县企业")
    foreign_applied = MemberUnitFactory(consortium=other, name="外县申请单位", applied=True)
    return World(
        consortium=consortium,
        other_consortium=other,
        secretariat=UserFactory(consortium=consortium, secretariat=True, username="mishuchu", full_name="秘书处王老师"),
        official=UserFactory(consortium=consortium, official=True, username="lingdao"),
        unit=unit,
        neighbour=neighbour,
        applied=applied,
        foreign=foreign,
        foreign_applied=foreign_applied,
        unit_admin=UnitMembershipFactory(unit=unit, admin=True, user__username="xuexiao_admin").user,
        unit_staff=UnitMembershipFactory(unit=unit, user__username="xuexiao_staff").user,
        applicant=applicant_membership.user,
        foreign_secretariat=UserFactory(consortium=other, secretariat=True),
    )


@pytest.fixture
def login(client):
    def _login(user: User):
        client.force_login(user)
        return client

    return _login


__all__ = ["World", "UnitStatus"]
