"""Progress returns: the lead unit reads its co-units' returns but only the reporting unit may change them
(``unit_write_scope_q``, used by ``editable_by``)."""

import pytest

from consortium.leadership.models import ProgressEvidence, ProgressReturn
from tests.factories.leadership import ProgressEvidenceFactory, ProgressReturnFactory, SubTaskFactory
from tests.factories.tenancy import MemberUnitFactory, UnitMembershipFactory

pytestmark = pytest.mark.django_db


def test_lead_unit_reads_but_does_not_change_a_co_units_return():
    subtask = SubTaskFactory()
    co_unit = MemberUnitFactory(consortium=subtask.consortium)
    subtask.co_units.add(co_unit)
    co_return = ProgressReturnFactory(subtask=subtask, unit=co_unit)
    evidence = ProgressEvidenceFactory(progress_return=co_return)
    lead_admin = UnitMembershipFactory(consortium=subtask.consortium, unit=subtask.lead_unit, admin=True).user
    co_staff = UnitMembershipFactory(consortium=subtask.consortium, unit=co_unit).user

    assert list(ProgressReturn.objects.visible_to(lead_admin)) == [co_return]
    assert not ProgressReturn.objects.editable_by(lead_admin).exists()
    assert list(ProgressEvidence.objects.visible_to(lead_admin)) == [evidence]
    assert not ProgressEvidence.objects.editable_by(lead_admin).exists()

    assert list(ProgressReturn.objects.editable_by(co_staff)) == [co_return]
    assert list(ProgressEvidence.objects.editable_by(co_staff)) == [evidence]
