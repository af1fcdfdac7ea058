"""The demand-side demo: ~60 published demands spread over the enterprises, other states, needs; idempotent."""

from __future__ import annotations

import io

import pytest

from enterprises.demo import demands as demo
from enterprises.models.demands import EnterpriseProfile, StaffTrainingNeed, TalentDemand, TechnologyProblem
from tests.factories.enterprises_demands import EnterpriseUnitFactory
from tests.factories.tenancy import ConsortiumFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_demo_load_is_deterministic_and_idempotent():
    consortium = ConsortiumFactory()
    units = [EnterpriseUnitFactory(consortium=consortium, name=f"演示企业{i:02d}") for i in range(12)]
    small = ConsortiumFactory()
    for i in range(3):
        EnterpriseUnitFactory(consortium=small, name=f"饶河企业{i}")
    secretariat = UserFactory(consortium=consortium, secretariat=True)
    small_secretariat = UserFactory(consortium=small, secretariat=True)
    for _ in range(2):
        demo.load(consortium=consortium, secretariat=secretariat, stdout=io.StringIO())
        demo.load(consortium=small, secretariat=small_secretariat, stdout=None)
    main = TalentDemand.objects.for_consortium(consortium.pk)
    published = main.filter(status__in=["approved", "partly_filled", "filled"])
    assert 55 <= published.count() <= 60
    assert published.values("unit").distinct().count() == len(units)
    assert {"draft", "submitted", "returned", "partly_filled"} <= set(main.values_list("status", flat=True))
    assert EnterpriseProfile.objects.for_consortium(consortium.pk).count() == len(units)
    assert StaffTrainingNeed.objects.for_consortium(consortium.pk).count() == 3
    assert TechnologyProblem.objects.for_consortium(consortium.pk).count() == 3
    assert 1 <= TalentDemand.objects.for_consortium(small.pk).count() <= 6
