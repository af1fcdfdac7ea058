"""Visibility entries for enterprises.demands (merged into visibility.VISIBILITY).

Enterprise profiles are published consortium-wide; demands and needs are readable consortium-wide once published
(demands: approved / partly filled / filled; needs: published / closed), otherwise only by the owning unit (plus the
secretariat and officials). Unit admins of the owning enterprise change them; the status history is read-only.
"""

from __future__ import annotations

from typing import Any

from enterprises.models import demands as m

from .visibility import ADMIN, _unit_fk, consortium, unit

DEMAND_PUBLISHED = {"approved", "partly_filled", "filled"}
NEED_PUBLISHED = {"published", "closed"}


def _change_published(row: Any) -> bool:
    if row.demand_id:
        return row.demand.status in DEMAND_PUBLISHED
    subject = row.training_need or row.technology_problem
    return subject.status in NEED_PUBLISHED


VISIBILITY: dict = {
    m.EnterpriseProfile: consortium(owners=_unit_fk, write_roles=ADMIN),
    m.TalentDemand: unit(owners=_unit_fk, shared=lambda row: row.status in DEMAND_PUBLISHED, write_roles=ADMIN),
    m.DemandSkill: unit(owners=_unit_fk, shared=lambda row: row.demand.status in DEMAND_PUBLISHED, write_roles=ADMIN),
    m.StaffTrainingNeed: unit(owners=_unit_fk, shared=lambda row: row.status in NEED_PUBLISHED, write_roles=ADMIN),
    m.TechnologyProblem: unit(owners=_unit_fk, shared=lambda row: row.status in NEED_PUBLISHED, write_roles=ADMIN),
    m.DemandStatusChange: unit(owners=_unit_fk, shared=_change_published),
}
