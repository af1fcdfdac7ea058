"""Factories of practice_center; builders for the isolation registry (@register).

Related rows live in one consortium: children take the consortium from their centre / session. Times: bookings are
placed on future weekdays inside the default opening hours (Mon–Fri 08:00–18:00, local time) so that they satisfy
the services' rules; factories bypass the services (no lock, no checks) — use ``services.booking_request`` in tests
of the rules themselves.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from consortium.tenancy.choices import UnitKind
from consortium.tenancy.models import Consortium, MemberUnit
from practice_center.choices import (
    BookingPurpose,
    BookingStatus,
    CentreForm,
    CentreKind,
    ProductionKind,
    ResourceKind,
    TrainingStatus,
)
from practice_center.models import (
    Booking,
    BookingStatusChange,
    CentreClosure,
    OpeningHours,
    PracticeCentre,
    ProductionRecord,
    Resource,
    Trainee,
    TrainingSession,
)

from . import register
from .tenancy import MemberUnitFactory, TenantFactory

WEEKDAY_HOURS = (time(8, 0), time(18, 0))


def local_dt(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware datetime at a local wall-clock time of ``day`` (settings.TIME_ZONE)."""
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


def next_weekday(weeks_ahead: int = 1, weekday: int = 0) -> date:
    """A date ``weeks_ahead`` weeks from now on ``weekday`` (0 = Monday): always in the future."""
    today = timezone.localdate()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks_ahead)


class PracticeCentreFactory(TenantFactory):
    """A published public centre owned and operated by one unit, offering every service."""

    _tenant_parents = ("owner_unit",)

    class Meta:
        model = PracticeCentre

    owner_unit = factory.SubFactory(MemberUnitFactory, kind=UnitKind.SCHOOL)
    operator_unit = factory.SelfAttribute("owner_unit")
    unit = factory.SelfAttribute("owner_unit")
    consortium = factory.SelfAttribute("owner_unit.consortium")
    name = factory.Sequence(lambda n: f"测试实践中心{n}")
    kind = CentreKind.PUBLIC_REGIONAL
    form = CentreForm.SCHOOL_RUN
    address = "宝清县产业园区"
    offers_practice_teaching = True
    offers_social_training = True
    offers_production = True
    offers_technical_service = True
    is_published = True
    auto_approve_own = True
    contact_person = "李四"
    contact_phone = "0469-7654321"


class OpeningHoursFactory(TenantFactory):
    _tenant_parents = ("centre",)

    class Meta:
        model = OpeningHours

    centre = factory.SubFactory(PracticeCentreFactory)
    consortium = factory.SelfAttribute("centre.consortium")
    weekday = 0
    opens = WEEKDAY_HOURS[0]
    closes = WEEKDAY_HOURS[1]


def weekday_hours(centre: PracticeCentre, opens: time = WEEKDAY_HOURS[0], closes: time = WEEKDAY_HOURS[1]) -> None:
    """Open the centre Monday to Friday, ``opens``–``closes``."""
    for weekday in range(5):
        OpeningHoursFactory(centre=centre, weekday=weekday, opens=opens, closes=closes)


class CentreClosureFactory(TenantFactory):
    _tenant_parents = ("centre",)

    class Meta:
        model = CentreClosure

    centre = factory.SubFactory(PracticeCentreFactory)
    consortium = factory.SelfAttribute("centre.consortium")
    start = factory.LazyFunction(lambda: local_dt(next_weekday(4, 2), 0))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(days=1))
    reason = "设备检修"


class ResourceFactory(TenantFactory):
    """An exclusive room; ``shared=True`` gives a shared workstation area with 10 seats."""

    _tenant_parents = ("centre",)

    class Meta:
        model = Resource
        skip_postgeneration_save = True

    centre = factory.SubFactory(PracticeCentreFactory)
    consortium = factory.SelfAttribute("centre.consortium")
    kind = ResourceKind.ROOM
    name = factory.Sequence(lambda n: f"实训室{n}")
    code = factory.Sequence(lambda n: f"R{n:03d}")
    exclusive = True
    capacity = 1
    hourly_fee = Decimal("100.00")
    is_active = True

    class Params:
        shared = factory.Trait(kind=ResourceKind.WORKSTATION, exclusive=False, capacity=10, hourly_fee=None)


class BookingFactory(TenantFactory):
    """An approved booking (Monday 09:00–11:00, one week ahead) of an exclusive resource by ``unit``."""

    _tenant_parents = ("unit", "resource")

    class Meta:
        model = Booking

    resource = factory.SubFactory(ResourceFactory)
    unit = factory.SelfAttribute("resource.centre.owner_unit")
    consortium = factory.SelfAttribute("resource.consortium")
    centre = factory.SelfAttribute("resource.centre")
    resource_exclusive = factory.SelfAttribute("resource.exclusive")
    purpose = BookingPurpose.PRACTICE_TEACHING
    start = factory.LazyFunction(lambda: local_dt(next_weekday(1, 0), 9))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(hours=2))
    headcount = 1
    title = factory.Sequence(lambda n: f"实训课{n}")
    status = BookingStatus.APPROVED


class BookingStatusChangeFactory(TenantFactory):
    _tenant_parents = ("booking",)

    class Meta:
        model = BookingStatusChange

    booking = factory.SubFactory(BookingFactory)
    consortium = factory.SelfAttribute("booking.consortium")
    unit = factory.SelfAttribute("booking.unit")
    from_status = BookingStatus.PENDING
    to_status = BookingStatus.APPROVED


class TrainingSessionFactory(TenantFactory):
    """A running session of 40 hours organised by ``unit`` at a centre (own centre by default)."""

    _tenant_parents = ("unit", "centre")

    class Meta:
        model = TrainingSession

    centre = factory.SubFactory(PracticeCentreFactory)
    unit = factory.SelfAttribute("centre.owner_unit")
    consortium = factory.SelfAttribute("centre.consortium")
    course = factory.Sequence(lambda n: f"数控车工培训班{n}")
    trainer_name = "王师傅"
    start_date = date(2025, 3, 3)
    end_date = date(2025, 3, 14)
    hours = Decimal("40.0")
    status = TrainingStatus.RUNNING


class TraineeFactory(TenantFactory):
    _tenant_parents = ("session",)

    class Meta:
        model = Trainee

    session = factory.SubFactory(TrainingSessionFactory)
    consortium = factory.SelfAttribute("session.consortium")
    unit = factory.SelfAttribute("session.unit")
    name = factory.Sequence(lambda n: f"学员{n}")
    employer_name = "宝清县某农机合作社"
    attended_hours = Decimal("0")


class ProductionRecordFactory(TenantFactory):
    _tenant_parents = ("centre",)

    class Meta:
        model = ProductionRecord

    centre = factory.SubFactory(PracticeCentreFactory)
    consortium = factory.SelfAttribute("centre.consortium")
    unit = factory.SelfAttribute("centre.operator_unit")
    kind = ProductionKind.PRODUCTION
    client_name = "某外部企业"
    item = "农机零部件加工"
    quantity = "200件"
    value = Decimal("3.50")
    date = date(2025, 4, 10)


# --- builders for the isolation suite (contract in tests/factories/__init__.py) --------------------------------


def _foreign_centre(consortium: Consortium) -> PracticeCentre:
    """A published centre of a fresh unit of ``consortium`` (no actor of the isolation world belongs to it)."""
    return PracticeCentreFactory(owner_unit=MemberUnitFactory(consortium=consortium, kind=UnitKind.SCHOOL))


@register(PracticeCentre)
def build_centre(consortium: Consortium, unit: MemberUnit) -> PracticeCentre:
    return PracticeCentreFactory(owner_unit=unit)


@register(OpeningHours)
def build_opening_hours(consortium: Consortium, unit: MemberUnit) -> OpeningHours:
    return OpeningHoursFactory(centre=PracticeCentreFactory(owner_unit=unit))


@register(CentreClosure)
def build_closure(consortium: Consortium, unit: MemberUnit) -> CentreClosure:
    return CentreClosureFactory(centre=PracticeCentreFactory(owner_unit=unit))


@register(Resource)
def build_resource(consortium: Consortium, unit: MemberUnit) -> Resource:
    return ResourceFactory(centre=PracticeCentreFactory(owner_unit=unit))


@register(Booking)
def build_booking(consortium: Consortium, unit: MemberUnit) -> Booking:
    # Booked by ``unit`` at another unit's centre: the row is shared by the booking unit and the centre.
    return BookingFactory(resource=ResourceFactory(centre=_foreign_centre(consortium)), unit=unit)


@register(BookingStatusChange)
def build_booking_status_change(consortium: Consortium, unit: MemberUnit) -> BookingStatusChange:
    booking = BookingFactory(resource=ResourceFactory(centre=_foreign_centre(consortium)), unit=unit)
    return BookingStatusChangeFactory(booking=booking)


@register(TrainingSession)
def build_training_session(consortium: Consortium, unit: MemberUnit) -> TrainingSession:
    return TrainingSessionFactory(centre=PracticeCentreFactory(owner_unit=unit), unit=unit)


@register(Trainee)
def build_trainee(consortium: Consortium, unit: MemberUnit) -> Trainee:
    session = TrainingSessionFactory(centre=_foreign_centre(consortium), unit=unit)
    return TraineeFactory(session=session, id_number="", phone="13900000000")


@register(ProductionRecord)
def build_production_record(consortium: Consortium, unit: MemberUnit) -> ProductionRecord:
    return ProductionRecordFactory(centre=PracticeCentreFactory(owner_unit=unit))
