"""Funding records (generic target validation, totals, visibility, API) and the policy library."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from consortium.funding import selectors, services
from consortium.funding.models import FundingRecord, PolicyDocument
from consortium.funding.registry import fundable_model, is_fundable
from enterprises.models.rnd import RnDProject
from tests.factories.enterprises_rnd import (
    AchievementFactory,
    FundingRecordFactory,
    PolicyDocumentFactory,
    RnDProjectFactory,
)
from tests.factories.tenancy import ConsortiumFactory, MemberUnitFactory, UnitMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fw():
    c, other = ConsortiumFactory(), ConsortiumFactory()
    unit, unit2 = MemberUnitFactory(consortium=c), MemberUnitFactory(consortium=c)
    return {
        "c": c,
        "unit": unit,
        "unit2": unit2,
        "sec": UserFactory(consortium=c, secretariat=True),
        "official": UserFactory(consortium=c, official=True),
        "unit_admin": UnitMembershipFactory(unit=unit, admin=True).user,
        "unit2_admin": UnitMembershipFactory(unit=unit2, admin=True).user,
        "project": RnDProjectFactory(unit=unit),
        "foreign_project": RnDProjectFactory(unit=MemberUnitFactory(consortium=other)),
        "foreign_sec": UserFactory(consortium=other, secretariat=True),
    }


def test_rnd_project_is_registered_fundable():
    assert is_fundable(RnDProject)
    assert fundable_model("enterprises.rndproject") is RnDProject


def _create(fw, **kwargs):
    data = {"source": "fiscal_budget", "amount": Decimal("10"), "year": 2024}
    data.update(kwargs)
    return services.funding_record_create(actor=fw["sec"], consortium_id=fw["c"].pk, **data)


def test_target_validation(fw):
    record = _create(fw, target=fw["project"], recipient=fw["unit"])
    assert record.target == fw["project"]
    with pytest.raises(ValidationError) as foreign:
        _create(fw, target=fw["foreign_project"])
    assert "target_id" in foreign.value.message_dict
    with pytest.raises(ValidationError) as unregistered:
        _create(fw, target=AchievementFactory(unit=fw["unit"]))
    assert "target_type" in unregistered.value.message_dict
    with pytest.raises(ValidationError) as by_label:
        services.resolve_target(
            actor=fw["sec"], consortium_id=fw["c"].pk, target_type="enterprises.achievement", target_id=1
        )
    assert "target_type" in by_label.value.message_dict
    with pytest.raises(ValidationError) as foreign_by_id:
        services.resolve_target(
            actor=fw["sec"],
            consortium_id=fw["c"].pk,
            target_type="enterprises.rndproject",
            target_id=fw["foreign_project"].pk,
        )
    assert "target_id" in foreign_by_id.value.message_dict
    assert FundingRecord.objects.count() == 1


def test_only_secretariat_writes_and_amount_positive(fw):
    for key in ("official", "unit_admin", "foreign_sec"):
        with pytest.raises(PermissionDenied):
            services.funding_record_create(actor=fw[key], consortium_id=fw["c"].pk, source="other", amount=1, year=2024)
    with pytest.raises(ValidationError) as bad:
        _create(fw, amount=Decimal("0"))
    assert "amount" in bad.value.message_dict
    with pytest.raises(ValidationError) as bad_year:
        _create(fw, year=1999)
    assert "year" in bad_year.value.message_dict
    assert FundingRecord.objects.count() == 0


def test_totals_per_source_year_and_object(fw):
    _create(fw, amount=Decimal("100"), year=2023, target=fw["project"])
    _create(fw, amount=Decimal("50"), year=2024, target=fw["project"])
    _create(fw, source="enterprise", amount=Decimal("30"), year=2024, recipient=fw["unit"])
    FundingRecordFactory(consortium=fw["foreign_project"].consortium, amount=Decimal("999"))
    with CaptureQueriesContext(connection) as ctx:
        by_source = selectors.totals_by_source(fw["sec"])
    assert len(ctx) == 1
    assert {(r["source"], r["total"], r["count"]) for r in by_source} == {
        ("fiscal_budget", Decimal("150.00"), 2),
        ("enterprise", Decimal("30.00"), 1),
    }
    with CaptureQueriesContext(connection) as ctx:
        by_year = selectors.totals_by_year(fw["official"])
    assert len(ctx) == 1
    assert [(r["year"], r["total"]) for r in by_year] == [(2023, Decimal("100.00")), (2024, Decimal("80.00"))]
    assert selectors.totals_for_object(fw["sec"], fw["project"]) == {"total": Decimal("150.00"), "count": 2}
    assert selectors.totals_by_target(fw["sec"], RnDProject) == {fw["project"].pk: Decimal("150.00")}
    # a unit sees only the records where it is the recipient
    assert [r["total"] for r in selectors.totals_by_source(fw["unit_admin"])] == [Decimal("30.00")]
    assert selectors.totals_by_source(fw["unit2_admin"]) == []


def test_api_funding(fw):
    api = APIClient()
    api.force_authenticate(fw["sec"])
    ok = api.post(
        "/api/v1/funding-records/",
        {
            "source": "special_bonds",
            "amount": "200",
            "year": 2024,
            "target_type": "enterprises.rndproject",
            "target_id": fw["project"].pk,
        },
        format="json",
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["target_type"] == "enterprises.rndproject"
    for payload, field in [
        ({"source": "nope", "amount": "1", "year": 2024}, "source"),
        ({"source": "other", "amount": "-5", "year": 2024}, "amount"),
        ({"source": "other", "amount": "5", "year": 1800}, "year"),
        (
            {"source": "other", "amount": "5", "year": 2024, "target_type": "enterprises.achievement", "target_id": 1},
            "target_type",
        ),
        (
            {
                "source": "other",
                "amount": "5",
                "year": 2024,
                "target_type": "enterprises.rndproject",
                "target_id": fw["foreign_project"].pk,
            },
            "target_id",
        ),
    ]:
        response = api.post("/api/v1/funding-records/", payload, format="json")
        assert response.status_code == 400 and field in response.json(), (payload, response.content)
    assert FundingRecord.objects.count() == 1
    totals = api.get("/api/v1/funding-records/totals/").json()
    assert totals["by_source"][0]["source"] == "special_bonds"
    assert api.get("/api/v1/funding-records/totals/?year=abc").status_code == 400
    member = APIClient()
    member.force_authenticate(fw["unit_admin"])
    assert (
        member.post(
            "/api/v1/funding-records/", {"source": "other", "amount": "5", "year": 2024}, format="json"
        ).status_code
        == 403
    )


def test_funding_list_query_count_constant(fw):
    api = APIClient()
    api.force_authenticate(fw["sec"])
    _create(fw, target=fw["project"], recipient=fw["unit"])
    with CaptureQueriesContext(connection) as small:
        assert api.get("/api/v1/funding-records/").status_code == 200
    for _ in range(5):
        _create(fw, target=RnDProjectFactory(unit=fw["unit"]), recipient=fw["unit2"])
    with CaptureQueriesContext(connection) as large:
        assert api.get("/api/v1/funding-records/").status_code == 200
    assert len(large) == len(small)


def test_funding_pages(fw, client):
    _create(fw, target=fw["project"], recipient=fw["unit"])
    client.force_login(fw["sec"])
    response = client.get(reverse("funding:funding-overview"))
    assert response.status_code == 200 and "chart-source-data" in response.content.decode()
    create = reverse("funding:funding-create")
    response = client.post(create, {"source": "fiscal_budget", "amount": "0", "year": "2024"})
    assert response.status_code == 200 and "amount" in response.context["form"].errors
    response = client.post(
        create,
        {
            "source": "fiscal_budget",
            "amount": "12",
            "year": "2024",
            "target": f"enterprises.rndproject:{fw['project'].pk}",
        },
    )
    assert response.status_code == 302
    assert FundingRecord.objects.filter(amount=12, target_id=fw["project"].pk).exists()
    client.force_login(fw["unit_admin"])
    assert client.get(create).status_code == 403


def test_policy_visibility_and_writes(fw, client):
    published = PolicyDocumentFactory(consortium=fw["c"])
    draft = PolicyDocumentFactory(consortium=fw["c"], status="draft")
    visible = set(PolicyDocument.objects.visible_to(fw["unit_admin"]).values_list("pk", flat=True))
    assert visible == {published.pk}
    assert set(PolicyDocument.objects.visible_to(fw["official"]).values_list("pk", flat=True)) == {
        published.pk,
        draft.pk,
    }
    with pytest.raises(PermissionDenied):
        services.policy_create(
            actor=fw["unit_admin"], consortium_id=fw["c"].pk, title="x", issuer="y", issued_on=date(2024, 1, 1)
        )
    policy = services.policy_create(
        actor=fw["sec"],
        consortium_id=fw["c"].pk,
        title="政策",
        issuer="县政府",
        issued_on=date(2024, 1, 1),
        status="published",
        benefiting_units=[fw["unit"]],
    )
    assert list(policy.benefiting_units.all()) == [fw["unit"]]
    client.force_login(fw["unit_admin"])
    assert client.get(reverse("funding:policy-detail", kwargs={"pk": policy.pk})).status_code == 200
    assert client.get(reverse("funding:policy-detail", kwargs={"pk": draft.pk})).status_code == 404
    assert client.get(reverse("funding:policy-edit", kwargs={"pk": policy.pk})).status_code == 403
    client.force_login(fw["foreign_sec"])
    assert client.get(reverse("funding:policy-detail", kwargs={"pk": policy.pk})).status_code == 404
