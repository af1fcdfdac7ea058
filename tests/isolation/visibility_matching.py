"""Visibility entries for matching (merged into visibility.VISIBILITY).

* Settings: readable consortium-wide (the weights explain the scores); the secretariat writes.
* Runs: the secretariat and officials see all; member units see published runs only; nobody but the secretariat
  changes them.
* Recommendations: the school and the enterprise of the pair, and only once the run is published (read-only).
* Provider recommendations (NeedMatch): the need's enterprise and the provider's unit, once the run is published.
* Candidacies and their history: the school and the enterprise of the pair (candidacies exist only after publishing);
  unit admins of either side pass ``editable_by`` (which step each side may take is the services' business); the
  history is read-only.
"""

from __future__ import annotations

from typing import Any

from consortium.tenancy.choices import UnitRole
from matching import models as m

from .visibility import consortium, unit

ADMIN = frozenset({UnitRole.UNIT_ADMIN.value})


def _published(row: Any) -> bool:
    return row.run.status == "published"


def _pair(row: Any) -> set[int]:
    return {row.school_unit_id, row.enterprise_unit_id}


VISIBILITY: dict = {
    m.MatchSettings: consortium(),
    m.MatchRun: unit(shared=lambda row: row.status == "published"),
    # Unit admins may act on a published recommendation (the enterprise shortlists it; the service refuses schools,
    # tested in tests/matching/test_shortlist_recommendation.py).
    m.Recommendation: unit(owners=lambda row: _pair(row) if _published(row) else set(), write_roles=ADMIN),
    m.NeedMatch: unit(owners=lambda row: ({row.unit_id, row.provider_unit_id} - {None}) if _published(row) else set()),
    m.Candidacy: unit(owners=_pair, write_roles=ADMIN),
    m.CandidacyStatusChange: unit(owners=_pair),
}
