"""THE visibility table of the isolation suite: who may read and who may change which rows.

This is an independent statement of the policy (DESIGN.md §3), deliberately NOT derived from the models' scoping
attributes: the suite compares what the routes answer with what this table says. Every model served by a route
must have an entry here, or the suite fails and names the route.

Kinds of entries:

* ``consortium(...)`` – every user of the consortium reads every row (published data: chains, council, ...);
* ``unit(...)`` – unit users read only rows owned by one of their units (or rows for which ``shared`` is true);
  secretariat and officials read the whole consortium;
* explicit exceptions: ``GLOBAL`` (reference data readable by every signed-in user) and ``TENANT_ITSELF`` (the
  consortium row).

Everywhere: rows of another consortium are invisible (404) except to the platform admin; officials change nothing;
the secretariat changes everything in its consortium; unit users change rows owned by units where their unit role
is in ``write_roles``; global rows are changed by the platform admin only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from consortium.council import models as council
from consortium.council.choices import MeetingStatus, VersionStatus
from consortium.imports.models import ImportJob
from consortium.tenancy.choices import UnitRole, UnitStatus
from consortium.tenancy.models import (
    Consortium,
    Industry,
    Invitation,
    LocalChain,
    MemberUnit,
    UnitMembership,
    UnitStatusChange,
    User,
)
from schools import models as schools

ADMIN = frozenset({UnitRole.UNIT_ADMIN.value})


def _no_owner(row: Any) -> set[int]:
    return set()


def _unit_fk(row: Any) -> set[int]:
    return {row.unit_id}


def _never(row: Any) -> bool:
    return False


def _always(row: Any) -> bool:
    return True


@dataclass(frozen=True)
class Policy:
    kind: str  # "consortium" | "unit" | "global" | "tenant"
    owners: Callable[[Any], set[int]] = _no_owner  # ids of the member units owning the row
    # ids of the units whose ``write_roles`` change the row; None: the owners (a unit may own a row read-only)
    write_owners: Callable[[Any], set[int]] | None = None
    shared: Callable[[Any], bool] = _never  # readable by every user of the row's consortium
    write_roles: frozenset[str] = frozenset()  # unit roles that change their own unit's rows
    tenant: Callable[[Any], int | None] = field(default=lambda row: row.consortium_id)
    self_visible: bool = False  # users always see themselves


def consortium(**kwargs: Any) -> Policy:
    return Policy(kind="consortium", shared=kwargs.pop("shared", _always), **kwargs)


def unit(**kwargs: Any) -> Policy:
    return Policy(kind="unit", **kwargs)


GLOBAL = Policy(kind="global", tenant=lambda row: None)
TENANT_ITSELF = Policy(kind="tenant", tenant=lambda row: row.pk, shared=_always)


def _user_units(row: User) -> set[int]:
    return set(
        UnitMembership.objects.filter(user_id=row.pk, is_active=True, consortium_id=row.consortium_id)
        .values_list("unit_id", flat=True)
    )


def _published_unit(row: MemberUnit) -> bool:
    # The member directory lists active, suspended and withdrawn units; applications stay private.
    return row.status in (UnitStatus.ACTIVE, UnitStatus.SUSPENDED, UnitStatus.WITHDRAWN)


def _meeting_public(meeting: Any) -> bool:
    return meeting.status != MeetingStatus.DRAFT


def _document_adopted(document: Any) -> bool:
    return document.versions.filter(status=VersionStatus.ADOPTED).exists()


VISIBILITY: dict[type, Policy] = {
    # --- kernel ---
    Consortium: TENANT_ITSELF,
    Industry: GLOBAL,
    LocalChain: consortium(),
    MemberUnit: unit(owners=lambda row: {row.pk}, shared=_published_unit, write_roles=ADMIN),
    UnitStatusChange: unit(owners=_unit_fk),
    UnitMembership: unit(owners=_unit_fk, write_roles=ADMIN),
    Invitation: unit(owners=_unit_fk, write_roles=ADMIN),
    User: unit(owners=_user_units, self_visible=True),
    # --- council (secretariat writes; drafts are private to the secretariat and officials) ---
    council.Council: consortium(),
    council.CouncilSeat: consortium(owners=_unit_fk),
    council.GovernanceDocument: unit(shared=_document_adopted),
    council.DocumentVersion: unit(
        shared=lambda row: row.status in (VersionStatus.ADOPTED, VersionStatus.SUPERSEDED)
    ),
    council.Meeting: unit(shared=_meeting_public),
    council.AgendaItem: unit(shared=lambda row: _meeting_public(row.meeting)),
    council.Attendance: unit(shared=lambda row: _meeting_public(row.meeting)),
    council.Resolution: unit(shared=lambda row: _meeting_public(row.meeting)),
    council.Vote: unit(shared=lambda row: _meeting_public(row.resolution.meeting)),
    # --- import jobs: the owning unit's users read, its admins act; secretariat and officials read all ---
    ImportJob: unit(owners=_unit_fk, write_roles=ADMIN),
    # --- schools (unit admins of the owning unit write) ---
    schools.ProgrammeMajorCategory: GLOBAL,
    # published consortium-wide
    schools.SchoolProfile: consortium(owners=_unit_fk, write_roles=ADMIN),
    schools.Campus: consortium(owners=_unit_fk, write_roles=ADMIN),
    schools.Programme: consortium(owners=_unit_fk, write_roles=ADMIN),
    schools.ProgrammeGroup: consortium(owners=_unit_fk, write_roles=ADMIN),
    schools.ProgrammeOffering: consortium(owners=_unit_fk, write_roles=ADMIN),
    schools.ProgrammeIndustryLink: consortium(owners=_unit_fk, write_roles=ADMIN),
    schools.IndustryProfessor: consortium(owners=_unit_fk, write_roles=ADMIN),
    schools.Studio: consortium(owners=_unit_fk, write_roles=ADMIN),
    schools.TrainingBase: consortium(owners=_unit_fk, write_roles=ADMIN),
    schools.StudentCertificate: consortium(owners=_unit_fk, write_roles=ADMIN),
    # students: every row is listed consortium-wide; personal FIELDS are masked by the serializers (not rows)
    schools.Student: consortium(owners=_unit_fk, write_roles=ADMIN),
    # the shared pool: listed entries consortium-wide
    schools.PoolExpert: unit(owners=_unit_fk, shared=lambda row: row.is_listed, write_roles=ADMIN),
    # own school, secretariat and officials only
    schools.Teacher: unit(owners=_unit_fk, write_roles=ADMIN),
    schools.DualQualification: unit(owners=_unit_fk, write_roles=ADMIN),
    schools.EnterprisePractice: unit(owners=_unit_fk, write_roles=ADMIN),
    # both the requesting school and the expert's unit
    schools.EngagementRequest: unit(owners=lambda row: {row.unit_id, row.school_unit_id}, write_roles=ADMIN),
}

#: Route models that are not tenant rows built by OWNED_FACTORIES: the suite builds their objects itself.
EXCEPTIONS: frozenset[type] = frozenset({Consortium, Industry})


@dataclass(frozen=True)
class Actor:
    """A role of the world: its user plus what the table needs to know about it (declared, not queried)."""

    key: str
    role: str | None  # None: anonymous
    consortium_id: int | None = None
    pk: int | None = None
    units: dict[int, str] = field(default_factory=dict)  # unit id -> unit role

    @property
    def is_anonymous(self) -> bool:
        return self.role is None

    @property
    def is_platform_admin(self) -> bool:
        return self.role == "platform_admin"


def can_read(actor: Actor, model: type, row: Any) -> bool:
    policy = VISIBILITY[model]
    if actor.is_anonymous:
        return False
    if actor.is_platform_admin:
        return True
    tenant = policy.tenant(row)
    if tenant is None:
        return policy.kind == "global"
    if tenant != actor.consortium_id:
        return False
    if actor.role in ("secretariat", "official"):
        return True
    if policy.shared(row):
        return True
    if policy.self_visible and row.pk == actor.pk:
        return True
    return bool(policy.owners(row) & set(actor.units))


def can_change(actor: Actor, model: type, row: Any) -> bool:
    policy = VISIBILITY[model]
    if actor.is_anonymous:
        return False
    if actor.is_platform_admin:
        return True
    tenant = policy.tenant(row)
    if tenant is None or tenant != actor.consortium_id:
        return False
    if policy.kind == "tenant":
        return actor.role == "secretariat"
    if actor.role == "secretariat":
        return True
    if actor.role != "member":
        return False
    writable_units = {unit_id for unit_id, role in actor.units.items() if role in policy.write_roles}
    return bool((policy.write_owners or policy.owners)(row) & writable_units)


# Tables of later areas live in their own modules (one owner each) and are merged here.
from .visibility_demands import VISIBILITY as _DEMANDS  # noqa: E402
from .visibility_leadership import VISIBILITY as _LEADERSHIP  # noqa: E402
from .visibility_matching import VISIBILITY as _MATCHING  # noqa: E402
from .visibility_order_classes import VISIBILITY as _ORDER_CLASSES  # noqa: E402
from .visibility_practice import VISIBILITY as _PRACTICE  # noqa: E402
from .visibility_rnd import VISIBILITY as _RND  # noqa: E402

VISIBILITY.update(_DEMANDS)
VISIBILITY.update(_ORDER_CLASSES)
VISIBILITY.update(_RND)
VISIBILITY.update(_MATCHING)
VISIBILITY.update(_PRACTICE)
VISIBILITY.update(_LEADERSHIP)
