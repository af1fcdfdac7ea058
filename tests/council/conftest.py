import pytest
from rest_framework.test import APIClient

from tests.factories.council import CouncilFactory, CouncilSeatFactory
from tests.factories.tenancy import ConsortiumFactory, MemberUnitFactory, UnitMembershipFactory, UserFactory


@pytest.fixture
def consortium(db):
    return ConsortiumFactory()


@pytest.fixture
def other_consortium(db):
    return ConsortiumFactory()


@pytest.fixture
def secretariat(consortium):
    return UserFactory(consortium=consortium, secretariat=True)


@pytest.fixture
def official(consortium):
    return UserFactory(consortium=consortium, official=True)


@pytest.fixture
def unit(consortium):
    return MemberUnitFactory(consortium=consortium)


@pytest.fixture
def member(unit):
    return UnitMembershipFactory(unit=unit, admin=True).user


@pytest.fixture
def foreign_secretariat(other_consortium):
    return UserFactory(consortium=other_consortium, secretariat=True)


@pytest.fixture
def council(consortium):
    return CouncilFactory(consortium=consortium)


@pytest.fixture
def seats(council, unit):
    """Nine active seats (chair first), the first held for ``unit``."""
    first = CouncilSeatFactory(council=council, unit=unit, role="chair")
    return [first] + [CouncilSeatFactory(council=council) for _ in range(8)]


@pytest.fixture
def foreign_council(other_consortium):
    return CouncilFactory(consortium=other_consortium)


def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client
