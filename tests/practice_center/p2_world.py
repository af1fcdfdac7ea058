"""A small practice-centre world for the page, API and .ics tests (helper P2's modules).

Centre owned by school S and operated by enterprise O (published, Mon–Fri 08:00–18:00); unit B books; X is an
unrelated member; F is another consortium with its own centre. Bookings are made through the services."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from consortium.tenancy.choices import UnitKind
from practice_center import services
from practice_center.choices import BookingPurpose
from practice_center.models import Booking
from tests.factories.practice_center import (
    PracticeCentreFactory,
    ResourceFactory,
    local_dt,
    next_weekday,
    weekday_hours,
)
from tests.factories.tenancy import ConsortiumFactory, MemberUnitFactory, UnitMembershipFactory, UserFactory

TEACHING = BookingPurpose.PRACTICE_TEACHING


def build() -> Any:
    w = SimpleNamespace()
    w.c = ConsortiumFactory()
    w.S = MemberUnitFactory(consortium=w.c, kind=UnitKind.SCHOOL, name="宝清职教中心")
    w.O = MemberUnitFactory(consortium=w.c, name="运营公司")
    w.B = MemberUnitFactory(consortium=w.c, kind=UnitKind.SCHOOL, name="预约学校")
    w.X = MemberUnitFactory(consortium=w.c, name="无关企业")
    w.s_admin = UnitMembershipFactory(unit=w.S, admin=True).user
    w.o_admin = UnitMembershipFactory(unit=w.O, admin=True).user
    w.o_staff = UnitMembershipFactory(unit=w.O).user
    w.b_admin = UnitMembershipFactory(unit=w.B, admin=True).user
    w.b_staff = UnitMembershipFactory(unit=w.B).user
    w.x_admin = UnitMembershipFactory(unit=w.X, admin=True).user
    w.sec = UserFactory(consortium=w.c, secretariat=True)
    w.official = UserFactory(consortium=w.c, official=True)
    w.centre = PracticeCentreFactory(owner_unit=w.S, operator_unit=w.O, name="宝清公共实训基地")
    weekday_hours(w.centre, time(8), time(18))
    w.room = ResourceFactory(centre=w.centre, name="数控实训室", hourly_fee=Decimal("100.00"))
    w.area = ResourceFactory(centre=w.centre, shared=True, name="钳工工位区")
    w.day = next_weekday(1, 0)  # a Monday at least a week ahead
    w.f = ConsortiumFactory()
    w.F = MemberUnitFactory(consortium=w.f, name="外县学校")
    w.foreign_centre = PracticeCentreFactory(owner_unit=w.F, name="外县实训基地")
    weekday_hours(w.foreign_centre)
    w.foreign_room = ResourceFactory(centre=w.foreign_centre, name="外县实训室")
    w.foreign_sec = UserFactory(consortium=w.f, secretariat=True)
    w.foreign_admin = UnitMembershipFactory(unit=w.F, admin=True).user
    return w


def at(w: Any, hour: int, minute: int = 0, *, days: int = 0):
    return local_dt(w.day + timedelta(days=days), hour, minute)


def book(
    w: Any,
    actor: Any = None,
    unit: Any = None,
    resource: Any = None,
    start: Any = 9,
    end: Any = 11,
    headcount: int = 1,
    **kwargs: Any,
) -> Booking:
    return services.booking_request(
        actor=actor or w.b_admin,
        resource=resource or w.room,
        unit=unit or w.B,
        purpose=kwargs.pop("purpose", TEACHING),
        start=at(w, start) if isinstance(start, int) else start,
        end=at(w, end) if isinstance(end, int) else end,
        headcount=headcount,
        **kwargs,
    )
