"""Visibility entries for enterprises.rnd and the funding kernel app (merged into visibility.VISIBILITY).

Documented rules:

* R&D platforms, achievements and transfers: published consortium-wide; the owner unit's admins write.
* R&D projects, their milestones and history: the proposer unit, the partner units, the secretariat and officials
  always; every member of the consortium once the project is approved and while it is not terminated (approved, in
  progress, closure review, closed). Only the proposer's admins (and the secretariat) write; partners read.
  (The isolation world's builders add no partners, so ``owners`` is the proposer; partner reads are covered by
  tests/enterprises/test_rnd_*.)
* Technical services: the provider (owner, writes) and the client unit (reads); the world's client is a unit no actor
  belongs to.
* Funding records: the secretariat writes; officials read all; a unit reads the records where it is the recipient.
* Policies: published ones consortium-wide; drafts only the secretariat and officials; the secretariat writes.
"""

from __future__ import annotations

from consortium.funding.choices import PolicyStatus
from consortium.funding.models import FundingRecord, PolicyDocument
from consortium.tenancy.choices import UnitRole
from enterprises.choices.rnd import PUBLIC_PROJECT_STATUSES
from enterprises.models import rnd

from .visibility import consortium, unit

ADMIN = frozenset({UnitRole.UNIT_ADMIN.value})


def _unit(row) -> set[int]:
    return {row.unit_id}


def _public_project(project) -> bool:
    return project.status in PUBLIC_PROJECT_STATUSES


VISIBILITY: dict = {
    rnd.RnDPlatform: consortium(owners=_unit, write_roles=ADMIN),
    rnd.RnDProject: unit(owners=_unit, shared=_public_project, write_roles=ADMIN),
    rnd.ProjectMilestone: unit(owners=_unit, shared=lambda row: _public_project(row.project), write_roles=ADMIN),
    rnd.ProjectStatusChange: unit(owners=_unit, shared=lambda row: _public_project(row.project)),
    rnd.TechnicalService: unit(owners=_unit, write_roles=ADMIN),
    rnd.Achievement: consortium(owners=_unit, write_roles=ADMIN),
    rnd.AchievementTransfer: consortium(owners=_unit, write_roles=ADMIN),
    FundingRecord: unit(owners=lambda row: {row.recipient_id} - {None}),
    PolicyDocument: unit(shared=lambda row: row.status == PolicyStatus.PUBLISHED),
}
