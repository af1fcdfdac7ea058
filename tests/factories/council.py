"""factory_boy factories of the council app and its builders for the isolation registry.

Related rows stay in one consortium: a seat lives in its council's consortium and is owned by a unit of it,
meetings in their council's, versions in their document's... (``TenantFactory`` refuses mixed tenants).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from consortium.council.choices import (
    AttendanceStatus,
    DocumentKind,
    MeetingKind,
    MeetingStatus,
    PassRule,
    ResolutionStatus,
    SeatRole,
    VersionStatus,
    VoteChoice,
)
from consortium.council.models import (
    AgendaItem,
    Attendance,
    Council,
    CouncilSeat,
    DocumentVersion,
    GovernanceDocument,
    Meeting,
    Resolution,
    Vote,
)
from consortium.tenancy.models import Consortium, MemberUnit

from . import register
from .tenancy import ConsortiumFactory, MemberUnitFactory, TenantFactory, UserFactory  # noqa: F401


class CouncilFactory(TenantFactory):
    class Meta:
        model = Council
        django_get_or_create = ("consortium",)  # one council per consortium

    consortium = factory.SubFactory(ConsortiumFactory)
    name = factory.LazyAttribute(lambda o: f"{o.consortium.name}理事会")
    established_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=365))
    description = "测试理事会"


class CouncilSeatFactory(TenantFactory):
    """A seat whose term covers today."""

    _tenant_parents = ("council", "unit")

    class Meta:
        model = CouncilSeat

    consortium = factory.SubFactory(ConsortiumFactory)
    council = factory.SubFactory(CouncilFactory, consortium=factory.SelfAttribute("..consortium"))
    unit = factory.SubFactory(MemberUnitFactory, consortium=factory.SelfAttribute("..consortium"))
    role = SeatRole.MEMBER
    person_name = factory.Sequence(lambda n: f"理事{n}")
    person_title = "总经理"
    user = None
    term_start = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    term_end = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3 * 365))


class GovernanceDocumentFactory(TenantFactory):
    class Meta:
        model = GovernanceDocument

    consortium = factory.SubFactory(ConsortiumFactory)
    kind = DocumentKind.OTHER
    title = factory.Sequence(lambda n: f"治理文件{n}")


class DocumentVersionFactory(TenantFactory):
    """A draft version; trait ``adopted`` adopts it; ``rules`` adds a quorum and pass rule."""

    _tenant_parents = ("document",)

    class Meta:
        model = DocumentVersion

    consortium = factory.SubFactory(ConsortiumFactory)
    document = factory.SubFactory(GovernanceDocumentFactory, consortium=factory.SelfAttribute("..consortium"))
    version_no = factory.Sequence(lambda n: n + 1)
    text = "第一条 本文件适用于本联合体。"
    status = VersionStatus.DRAFT

    class Params:
        adopted = factory.Trait(status=VersionStatus.ADOPTED, adopted_on=factory.LazyFunction(timezone.localdate))
        rules = factory.Trait(quorum_numerator=2, quorum_denominator=3, pass_rule=PassRule.MAJORITY_PRESENT)


class MeetingFactory(TenantFactory):
    """A noticed meeting scheduled for today."""

    _tenant_parents = ("council",)

    class Meta:
        model = Meeting

    consortium = factory.SubFactory(ConsortiumFactory)
    council = factory.SubFactory(CouncilFactory, consortium=factory.SelfAttribute("..consortium"))
    title = factory.Sequence(lambda n: f"理事会第{n}次会议")
    kind = MeetingKind.REGULAR
    scheduled_at = factory.LazyFunction(timezone.now)
    location = "县政府会议室"
    notice = "请各位理事准时参加。"
    status = MeetingStatus.NOTICED
    noticed_at = factory.LazyFunction(timezone.now)

    class Params:
        draft = factory.Trait(status=MeetingStatus.DRAFT, noticed_at=None)
        held = factory.Trait(status=MeetingStatus.HELD)


class AgendaItemFactory(TenantFactory):
    _tenant_parents = ("meeting",)

    class Meta:
        model = AgendaItem

    consortium = factory.SubFactory(ConsortiumFactory)
    meeting = factory.SubFactory(MeetingFactory, consortium=factory.SelfAttribute("..consortium"))
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"议题{n}")
    presenter = "秘书长"


class AttendanceFactory(TenantFactory):
    _tenant_parents = ("meeting", "seat")

    class Meta:
        model = Attendance

    consortium = factory.SubFactory(ConsortiumFactory)
    meeting = factory.SubFactory(MeetingFactory, consortium=factory.SelfAttribute("..consortium"))
    seat = factory.SubFactory(
        CouncilSeatFactory,
        consortium=factory.SelfAttribute("..consortium"),
        council=factory.SelfAttribute("..meeting.council"),
    )
    status = AttendanceStatus.PRESENT


class ResolutionFactory(TenantFactory):
    _tenant_parents = ("meeting",)

    class Meta:
        model = Resolution

    consortium = factory.SubFactory(ConsortiumFactory)
    meeting = factory.SubFactory(MeetingFactory, consortium=factory.SelfAttribute("..consortium"))
    title = factory.Sequence(lambda n: f"关于事项{n}的决议")
    text = "同意。"
    status = ResolutionStatus.PROPOSED


class VoteFactory(TenantFactory):
    _tenant_parents = ("resolution", "seat")

    class Meta:
        model = Vote

    consortium = factory.SubFactory(ConsortiumFactory)
    resolution = factory.SubFactory(ResolutionFactory, consortium=factory.SelfAttribute("..consortium"))
    seat = factory.SubFactory(
        CouncilSeatFactory,
        consortium=factory.SelfAttribute("..consortium"),
        council=factory.SelfAttribute("..resolution.meeting.council"),
    )
    choice = VoteChoice.FOR


# --- builders for the isolation suite (contract in tests/factories/__init__.py) --------------------------------


def _council(consortium: Consortium) -> Council:
    return CouncilFactory(consortium=consortium)


@register(Council)
def build_council(consortium: Consortium, unit: MemberUnit) -> Council:
    return _council(consortium)


@register(CouncilSeat)
def build_seat(consortium: Consortium, unit: MemberUnit) -> CouncilSeat:
    return CouncilSeatFactory(council=_council(consortium), unit=unit)


@register(GovernanceDocument)
def build_document(consortium: Consortium, unit: MemberUnit) -> GovernanceDocument:
    # Published = has an adopted version.
    return build_version(consortium, unit).document


@register(DocumentVersion)
def build_version(consortium: Consortium, unit: MemberUnit) -> DocumentVersion:
    return DocumentVersionFactory(consortium=consortium, adopted=True, version_no=1)


@register(Meeting)
def build_meeting(consortium: Consortium, unit: MemberUnit) -> Meeting:
    return MeetingFactory(council=_council(consortium))


@register(AgendaItem)
def build_agenda_item(consortium: Consortium, unit: MemberUnit) -> AgendaItem:
    return AgendaItemFactory(meeting=build_meeting(consortium, unit))


@register(Attendance)
def build_attendance(consortium: Consortium, unit: MemberUnit) -> Attendance:
    meeting = build_meeting(consortium, unit)
    return AttendanceFactory(meeting=meeting, seat=CouncilSeatFactory(council=meeting.council, unit=unit))


@register(Resolution)
def build_resolution(consortium: Consortium, unit: MemberUnit) -> Resolution:
    return ResolutionFactory(meeting=build_meeting(consortium, unit))


@register(Vote)
def build_vote(consortium: Consortium, unit: MemberUnit) -> Vote:
    resolution = ResolutionFactory(meeting=MeetingFactory(council=_council(consortium), held=True))
    seat = CouncilSeatFactory(council=resolution.meeting.council, unit=unit)
    AttendanceFactory(meeting=resolution.meeting, seat=seat)
    return VoteFactory(resolution=resolution, seat=seat)


def seated_council(consortium: Consortium, *, seats: int = 3, **seat_kwargs: Any) -> tuple[Council, list[CouncilSeat]]:
    """A council with ``seats`` active seats, each held for its own unit."""
    council = _council(consortium)
    return council, [CouncilSeatFactory(council=council, **seat_kwargs) for _ in range(seats)]
