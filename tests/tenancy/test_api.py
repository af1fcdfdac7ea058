"""Kernel API: bad input answers 400 with field messages (never 500), and list query counts stay constant."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from consortium.tenancy.models import MemberUnit, User
from tests.factories.tenancy import (
    ConsortiumFactory,
    IndustryFactory,
    LocalChainFactory,
    MemberUnitFactory,
    UnitMembershipFactory,
    UnitStatusChangeFactory,
    UserFactory,
    credit_code,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def consortium():
    return ConsortiumFactory()


@pytest.fixture
def secretariat(consortium):
    return UserFactory(consortium=consortium, secretariat=True)


@pytest.fixture
def client(secretariat):
    client = APIClient()
    client.force_authenticate(secretariat)
    return client


def _payload(**extra):
    data = {"kind": "school", "name": "宝清县第一职业学校", "credit_code": credit_code(123456)}
    data.update(extra)
    return data


def test_malformed_json(client):
    response = client.generic("POST", "/api/v1/units/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()
    assert not MemberUnit.objects.exists()


@pytest.mark.parametrize("field,value", [
    ("kind", "spaceship"), ("kind", 12), ("name", ["list"]), ("name", ""), ("credit_code", 123),
    ("contact_email", "not-an-email"), ("website", "nota url"), ("local_chains", "abc"), ("industries", [999999]),
])
def test_wrong_types_are_field_errors(client, field, value):
    response = client.post("/api/v1/units/", _payload(**{field: value}), format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body and body[field], body
    assert not MemberUnit.objects.exists()


@pytest.mark.parametrize("code,fragment", [
    ("91230523", "18位"), ("9123052300000000I1", "第17位"), ("91230523000000001X", "第18位应为"),
])
def test_wrong_credit_code_names_the_problem(client, code, fragment):
    response = client.post("/api/v1/units/", _payload(credit_code=code), format="json")
    assert response.status_code == 400
    assert any(fragment in message for message in response.json()["credit_code"]), response.json()
    assert not MemberUnit.objects.exists()


def test_lower_case_credit_code_is_normalised(client):
    response = client.post("/api/v1/units/", _payload(credit_code=credit_code(123456).lower()), format="json")
    assert response.status_code == 201, response.content
    assert MemberUnit.objects.get().credit_code == credit_code(123456)


@pytest.mark.parametrize("field", ["name", "credit_code"])
def test_duplicate_unit_is_a_field_error(client, consortium, field):
    existing = MemberUnitFactory(consortium=consortium)
    response = client.post("/api/v1/units/", _payload(**{field: getattr(existing, field)}), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert MemberUnit.objects.count() == 1


def test_duplicate_on_update_is_a_field_error(client, consortium):
    first, second = MemberUnitFactory(consortium=consortium), MemberUnitFactory(consortium=consortium)
    response = client.patch(f"/api/v1/units/{second.pk}/", {"name": first.name}, format="json")
    assert response.status_code == 400 and "name" in response.json()
    second.refresh_from_db()
    assert second.name != first.name


def test_non_numeric_pk_is_404(client):
    assert client.get("/api/v1/units/abc/").status_code == 404


def test_transition_without_reason_and_wrong_state(client, consortium):
    unit = MemberUnitFactory(consortium=consortium)
    response = client.post(f"/api/v1/units/{unit.pk}/suspend/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = client.post(f"/api/v1/units/{unit.pk}/approve/", {}, format="json")
    assert response.status_code == 400 and "status" in response.json()
    unit.refresh_from_db()
    assert unit.status == "active"


def test_unit_delete_is_refused(client, consortium):
    unit = MemberUnitFactory(consortium=consortium)
    assert client.delete(f"/api/v1/units/{unit.pk}/").status_code == 403
    assert MemberUnit.objects.filter(pk=unit.pk).exists()


def test_official_cannot_create_even_with_a_valid_payload(consortium):
    client = APIClient()
    client.force_authenticate(UserFactory(consortium=consortium, official=True))
    response = client.post("/api/v1/units/", _payload(), format="json")
    assert response.status_code == 403
    assert not MemberUnit.objects.exists()


def test_application_bad_input_never_500(consortium):
    client = APIClient()
    response = client.post("/api/v1/applications/", {"consortium": consortium.pk, "kind": "x"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert {"kind", "name", "credit_code", "username", "password"} <= set(body)
    response = client.generic("POST", "/api/v1/applications/", "[1,", content_type="application/json")
    assert response.status_code == 400
    assert not MemberUnit.objects.exists() and not User.objects.filter(consortium=consortium).exists()


# --- query counts ---------------------------------------------------------------------------------------------


def _grow(consortium, n):
    industries = [IndustryFactory() for _ in range(2)]
    for _ in range(n):
        unit = MemberUnitFactory(consortium=consortium)
        unit.industries.set(industries)
        chain = LocalChainFactory(consortium=consortium)
        chain.industries.set(industries)
        unit.local_chains.add(chain)
        UnitMembershipFactory(unit=unit)
        UnitStatusChangeFactory(unit=unit, decided_by=UserFactory(consortium=consortium, secretariat=True))


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    rows = response.json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    return len(ctx.captured_queries), len(rows)


@pytest.mark.parametrize("url", [
    "/api/v1/units/", "/api/v1/memberships/", "/api/v1/users/", "/api/v1/unit-status-changes/",
    "/api/v1/local-chains/",
])
@pytest.mark.parametrize("role", ["secretariat", "unit_admin"])
def test_list_query_count_is_constant(consortium, url, role):
    _grow(consortium, 5)
    anchor = MemberUnit.objects.filter(consortium=consortium).first()
    user = (UserFactory(consortium=consortium, secretariat=True) if role == "secretariat"
            else UnitMembershipFactory(unit=anchor, admin=True).user)
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=user.pk))
    small, small_rows = _count(client, url)
    _grow(consortium, 45)
    client.force_authenticate(User.objects.get(pk=user.pk))
    large, large_rows = _count(client, url)
    assert small_rows >= 1
    if role == "secretariat":
        assert large_rows > small_rows
    assert small == large, f"{url} as {role}: {small} queries with {small_rows} rows, {large} with {large_rows}"
