"""Visibility entries for the leadership layer (merged into visibility.VISIBILITY).

Documented rules (consortium/leadership/models.py docstring; /work/notes/leadership_design.md "Scoping summary"):

* Plan data — leadership group, group members, joint meetings, phases, key tasks, sub-tasks: every user of the
  consortium reads every row; only the secretariat writes (no unit role writes, officials never).
* Progress returns and their evidence files: the reporting unit (its admins AND staff write) and the lead unit of
  the sub-task (reads only — ``write_owners`` is the reporting unit alone).
* Supervision evaluations: the evaluated unit reads; nobody but the secretariat writes.
* Task reminders: the lead unit of the sub-task reads; the secretariat writes (the reminder task writes them).
* KPI facts, reports, report deliveries: rows scoped to a unit are readable by that unit; consortium-wide rows (unit
  empty) only by the secretariat and officials; the secretariat writes.
* KPI refreshes and report schedules: secretariat and officials only (no unit owns them).

Secretariat and officials read everything of their consortium; other consortia see nothing (404); the platform
admin sees everything (the generic rules in visibility.py).
"""

from __future__ import annotations

from typing import Any

from consortium.leadership import models as ld
from consortium.tenancy.choices import UnitRole

from .visibility import _no_owner, _unit_fk, consortium, unit

ADMIN_AND_STAFF = frozenset({UnitRole.UNIT_ADMIN.value, UnitRole.UNIT_STAFF.value})


def _return_readers(row: Any) -> set[int]:
    return {row.unit_id, row.subtask.lead_unit_id}


def _evidence_readers(row: Any) -> set[int]:
    return {row.unit_id, row.progress_return.subtask.lead_unit_id}


VISIBILITY: dict = {
    # plan data: consortium-wide, secretariat writes
    ld.LeadershipGroup: consortium(),
    ld.GroupMember: consortium(),
    ld.JointMeeting: consortium(),
    ld.PlanPhase: consortium(),
    ld.KeyTask: consortium(),
    ld.SubTask: consortium(),
    # returns and evidence: reporting unit writes (admin + staff), lead unit reads
    ld.ProgressReturn: unit(owners=_return_readers, write_owners=_unit_fk, write_roles=ADMIN_AND_STAFF),
    ld.ProgressEvidence: unit(owners=_evidence_readers, write_owners=_unit_fk, write_roles=ADMIN_AND_STAFF),
    # supervision: the evaluated unit reads, only the secretariat writes
    ld.SupervisionEvaluation: unit(owners=_unit_fk),
    ld.TaskReminder: unit(owners=lambda row: {row.subtask.lead_unit_id}),
    # KPIs and reports: unit-scoped rows to that unit; unit empty ({None}) matches no unit: secretariat/officials
    ld.KpiFact: unit(owners=_unit_fk),
    ld.Report: unit(owners=_unit_fk),
    ld.ReportDelivery: unit(owners=lambda row: {row.report.unit_id}),
    ld.KpiRefresh: unit(owners=_no_owner),
    ld.ReportSchedule: unit(owners=_no_owner),
}
