"""Pages of practice centres and bookings: visibility (in scope / out of scope → 404), writes by the right party
(others 403/404 and nothing changes), the booking form with clear errors, the approval queue (approve, refuse with a
required reason, no-show/complete), cancellation with waiting-list promotion, the calendars (week/month, boundaries,
bad dates) and constant query counts of the list pages (3 vs 30 rows)."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consortium.funding.models import FundingRecord
from consortium.tenancy.choices import UnitKind
from practice_center.choices import BookingStatus, CentreForm, CentreKind
from practice_center.models import Booking, BookingStatusChange, CentreClosure, OpeningHours, PracticeCentre, Resource
from tests.factories.practice_center import (
    BookingFactory,
    CentreClosureFactory,
    PracticeCentreFactory,
    ResourceFactory,
    local_dt,
)
from tests.factories.tenancy import MemberUnitFactory

from .p2_world import at, book, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build()


def url(name: str, **kwargs) -> str:
    return reverse(f"practice_center:{name}", kwargs=kwargs or None)


def login(client, user):
    client.force_login(user)
    return client


def queries(client, target: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(target).status_code == 200
    return len(ctx)


# --- centres ------------------------------------------------------------------------------------------------------


def test_centre_list_filters_and_scope(w, client):
    hidden = PracticeCentreFactory(
        owner_unit=w.S,
        name="未公开基地",
        is_published=False,
        kind=CentreKind.SCHOOL,
        form=CentreForm.FACTORY_IN_SCHOOL,
        offers_social_training=False,
    )
    enterprise = PracticeCentreFactory(
        owner_unit=w.O,
        name="企业实践中心甲",
        kind=CentreKind.ENTERPRISE,
        form=CentreForm.SCHOOL_IN_FACTORY,
        offers_production=False,
    )

    def names(user, query=""):
        response = login(client, user).get(url("centre-list") + query)
        assert response.status_code == 200
        return {c.name for c in response.context["centres"]}

    assert names(w.x_admin) == {w.centre.name, enterprise.name}  # unpublished: owner/operator only
    assert names(w.s_admin) == {w.centre.name, enterprise.name, hidden.name}
    assert names(w.official) == {w.centre.name, enterprise.name, hidden.name}
    assert names(w.foreign_sec) == {w.foreign_centre.name}
    assert names(w.s_admin, "?kind=enterprise") == {enterprise.name}
    assert names(w.s_admin, "?form=factory_in_school") == {hidden.name}
    assert names(w.s_admin, "?service=production") == {w.centre.name, hidden.name}
    assert names(w.s_admin, f"?owner={w.O.pk}") == {enterprise.name}
    assert names(w.s_admin, "?q=企业") == {enterprise.name}
    # invalid filter values are ignored, never an error
    assert names(w.s_admin, "?kind=spaceship&owner=99999999999999999999") == {
        w.centre.name,
        enterprise.name,
        hidden.name,
    }


def test_centre_list_query_count_constant(w, client, django_assert_max_num_queries):
    login(client, w.sec)
    for _ in range(2):
        PracticeCentreFactory(owner_unit=MemberUnitFactory(consortium=w.c), operator_unit=w.O)
    small = queries(client, url("centre-list"))
    for _ in range(27):
        centre = PracticeCentreFactory(owner_unit=MemberUnitFactory(consortium=w.c), operator_unit=w.O)
        ResourceFactory(centre=centre)
    with django_assert_max_num_queries(small):
        response = client.get(url("centre-list"))
    assert len(response.context["centres"]) == 30


def test_centre_detail_in_and_out_of_scope(w, client):
    CentreClosureFactory(centre=w.centre, reason="春节闭馆")
    FundingRecord.objects.create(
        consortium=w.c,
        recipient=w.S,
        source="fiscal_budget",
        year=2025,
        amount=Decimal("120.00"),
        target=w.centre,
        purpose="实训基地建设",
    )
    response = login(client, w.x_admin).get(url("centre-detail", pk=w.centre.pk))
    assert response.status_code == 200
    content = response.content.decode()
    assert "数控实训室" in content and "钳工工位区" in content and "春节闭馆" in content
    assert "08:00–18:00" in content
    assert [label for label in response.context["services_offered"]] == ["实践教学", "社会培训", "生产", "技术服务"]
    assert not response.context["can_edit"]
    assert url("centre-edit", pk=w.centre.pk) not in content
    assert login(client, w.foreign_sec).get(url("centre-detail", pk=w.centre.pk)).status_code == 404
    assert login(client, w.x_admin).get(url("centre-detail", pk=w.foreign_centre.pk)).status_code == 404
    assert login(client, w.x_admin).get(url("centre-detail", pk=999999)).status_code == 404
    hidden = PracticeCentreFactory(owner_unit=w.S, is_published=False)
    assert login(client, w.x_admin).get(url("centre-detail", pk=hidden.pk)).status_code == 404
    assert response.context["funding"]["total"] == 0  # funding records: recipient, secretariat and officials
    response = login(client, w.o_admin).get(url("centre-detail", pk=w.centre.pk))
    assert response.context["can_edit"] and url("centre-edit", pk=w.centre.pk) in response.content.decode()
    response = login(client, w.s_admin).get(url("centre-detail", pk=w.centre.pk))
    assert response.context["funding"] == {"total": Decimal("120.00"), "count": 1}


def test_centre_create_by_unit_admin_and_refusals(w, client):
    login(client, w.b_admin)
    assert client.get(url("centre-create")).status_code == 200
    data = {
        "name": "预约学校校中厂",
        "kind": CentreKind.SCHOOL,
        "form": CentreForm.FACTORY_IN_SCHOOL,
        "owner_unit": w.B.pk,
        "operator_unit": "",
        "offers_practice_teaching": "on",
        "is_published": "on",
        "auto_approve_own": "on",
    }
    response = client.post(url("centre-create"), data)
    assert response.status_code == 302
    centre = PracticeCentre.objects.get(name="预约学校校中厂")
    assert (centre.owner_unit, centre.operator_unit, centre.unit) == (w.B, w.B, w.B)
    # neither owner nor operator administered by the user: a field error, nothing created
    before = PracticeCentre.objects.count()
    response = client.post(url("centre-create"), {**data, "name": "别人的中心", "owner_unit": w.X.pk})
    assert response.status_code == 200 and "owner_unit" in response.context["form"].errors
    # duplicate name: a clear error
    response = client.post(url("centre-create"), data)
    assert response.status_code == 200 and "同名" in response.content.decode()
    assert PracticeCentre.objects.count() == before
    assert login(client, w.official).get(url("centre-create")).status_code == 403
    assert login(client, w.b_staff).post(url("centre-create"), {**data, "name": "职员登记"}).status_code == 403
    assert PracticeCentre.objects.count() == before


def test_centre_edit_by_operator_denied_to_others(w, client):
    edit = url("centre-edit", pk=w.centre.pk)
    response = login(client, w.o_admin).get(edit)
    assert response.status_code == 200
    data = {
        "name": "宝清公共实训基地（新）",
        "kind": CentreKind.PUBLIC_REGIONAL,
        "form": "",
        "owner_unit": w.S.pk,
        "operator_unit": w.O.pk,
        "offers_practice_teaching": "on",
        "is_published": "on",
    }
    assert client.post(edit, data).status_code == 302
    w.centre.refresh_from_db()
    assert w.centre.name == "宝清公共实训基地（新）" and not w.centre.offers_social_training
    for user, status in ((w.x_admin, 403), (w.o_staff, 403), (w.official, 403), (w.foreign_sec, 404)):
        assert login(client, user).post(edit, {**data, "name": "改名"}).status_code == status
    w.centre.refresh_from_db()
    assert w.centre.name == "宝清公共实训基地（新）"


def test_opening_hours_formset(w, client):
    page = url("centre-hours", pk=w.centre.pk)
    login(client, w.o_admin)
    response = client.get(page)
    assert response.status_code == 200 and response.context["form"].total_form_count() == 5 + 2

    def post(rows):
        data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": "0"}
        for i, (weekday, opens, closes) in enumerate(rows):
            data.update({f"form-{i}-weekday": weekday, f"form-{i}-opens": opens, f"form-{i}-closes": closes})
        return client.post(page, data)

    response = post([("0", "08:00", "12:00"), ("0", "13:00", "17:30"), ("5", "09:00", "12:00"), ("", "", "")])
    assert response.status_code == 302
    assert list(
        OpeningHours.objects.filter(centre=w.centre)
        .order_by("weekday", "opens")
        .values_list("weekday", "opens", "closes")
    ) == [
        (0, time(8), time(12)),
        (0, time(13), time(17, 30)),
        (5, time(9), time(12)),
    ]
    before = list(OpeningHours.objects.filter(centre=w.centre).values_list("pk", flat=True))
    response = post([("1", "08:00", "12:00"), ("1", "11:00", "15:00")])  # overlap
    assert response.status_code == 200 and "重叠" in response.content.decode()
    response = post([("1", "12:00", "08:00")])  # closes before opens
    assert response.status_code == 200 and "关闭时间必须晚于开放时间" in response.content.decode()
    assert list(OpeningHours.objects.filter(centre=w.centre).values_list("pk", flat=True)) == before
    assert login(client, w.x_admin).post(page, {"form-TOTAL_FORMS": "0", "form-INITIAL_FORMS": "0"}).status_code == 403
    assert login(client, w.foreign_sec).get(page).status_code == 404
    assert list(OpeningHours.objects.filter(centre=w.centre).values_list("pk", flat=True)) == before


def test_closure_create_blocks_on_bookings_and_delete(w, client):
    booking = book(w)
    page = url("closure-create", pk=w.centre.pk)
    login(client, w.o_admin)
    data = {
        "start": at(w, 0).strftime("%Y-%m-%dT%H:%M"),
        "end": at(w, 0, days=1).strftime("%Y-%m-%dT%H:%M"),
        "reason": "设备检修",
    }
    response = client.post(page, data)
    assert response.status_code == 200 and "有效预约" in response.content.decode()
    assert not CentreClosure.objects.filter(centre=w.centre).exists()
    response = client.post(page, {**data, "end": data["start"]})
    assert response.status_code == 200 and "结束时间必须晚于开始时间" in response.content.decode()
    assert client.post(page, {**data, "cancel_conflicting": "on"}).status_code == 302
    closure = CentreClosure.objects.get(centre=w.centre)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    delete = url("closure-delete", pk=closure.pk)
    assert login(client, w.x_admin).post(delete).status_code == 403
    assert login(client, w.foreign_sec).post(delete).status_code == 404
    assert CentreClosure.objects.filter(pk=closure.pk).exists()
    assert login(client, w.s_admin).post(delete).status_code == 302
    assert not CentreClosure.objects.filter(pk=closure.pk).exists()


def test_resource_create_and_edit(w, client):
    login(client, w.s_admin)
    page = url("resource-create", pk=w.centre.pk)
    assert client.get(page).status_code == 200
    data = {
        "kind": "equipment",
        "name": "五轴加工中心",
        "code": "EQ-5",
        "capacity": "1",
        "exclusive": "on",
        "hourly_fee": "300",
        "is_active": "on",
    }
    response = client.post(page, data)
    assert response.status_code == 302
    resource = Resource.objects.get(name="五轴加工中心")
    assert resource.centre == w.centre and resource.hourly_fee == Decimal("300")
    response = client.post(page, {**data, "name": "共享区", "exclusive": "", "capacity": "0"})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(page, {**data, "name": "五轴加工中心"})  # same name in the centre
    assert response.status_code == 200 and "同名" in response.content.decode()
    edit = url("resource-edit", pk=resource.pk)
    assert client.post(edit, {**data, "name": "五轴加工中心A", "exclusive": "", "capacity": "4"}).status_code == 302
    resource.refresh_from_db()
    assert (resource.name, resource.exclusive, resource.capacity) == ("五轴加工中心A", False, 4)
    assert login(client, w.b_admin).post(edit, {**data, "name": "x"}).status_code == 403
    assert login(client, w.b_admin).post(page, {**data, "name": "y"}).status_code == 403
    assert login(client, w.foreign_sec).get(edit).status_code == 404
    assert not Resource.objects.filter(name__in=["x", "y"]).exists()


# --- booking ------------------------------------------------------------------------------------------------------


def booking_data(w, **overrides):
    data = {
        "unit": w.B.pk,
        "purpose": "practice_teaching",
        "start": at(w, 9).strftime("%Y-%m-%dT%H:%M"),
        "end": at(w, 11).strftime("%Y-%m-%dT%H:%M"),
        "headcount": "20",
        "title": "数控车床实训课",
    }
    data.update(overrides)
    return data


def test_book_resource_page(w, client):
    page = url("booking-create", pk=w.room.pk)
    login(client, w.b_staff)
    response = client.get(page)
    assert response.status_code == 200
    assert list(response.context["form"].fields["unit"].queryset) == [w.B]
    response = client.post(page, booking_data(w))
    assert response.status_code == 302
    booking = Booking.objects.get(title="数控车床实训课")
    assert booking.status == BookingStatus.PENDING and booking.unit == w.B and booking.requested_by == w.b_staff
    assert response["Location"] == url("booking-detail", pk=booking.pk)
    # overlap: a clear message on the field, nothing created
    count = Booking.objects.count()
    response = client.post(
        page,
        booking_data(
            w, start=at(w, 10).strftime("%Y-%m-%dT%H:%M"), end=at(w, 12).strftime("%Y-%m-%dT%H:%M"), title="冲突"
        ),
    )
    assert response.status_code == 200
    assert "该时段已被预约" in " ".join(response.context["form"].errors["start"])
    # end before start
    response = client.post(page, booking_data(w, end=at(w, 8).strftime("%Y-%m-%dT%H:%M"), title="倒序"))
    assert response.status_code == 200 and "end" in response.context["form"].errors
    # outside opening hours
    response = client.post(
        page,
        booking_data(
            w, start=at(w, 17).strftime("%Y-%m-%dT%H:%M"), end=at(w, 19).strftime("%Y-%m-%dT%H:%M"), title="太晚"
        ),
    )
    assert response.status_code == 200 and "开放时间" in response.content.decode()
    # another unit's id (not the user's): invalid choice
    response = client.post(
        page,
        booking_data(
            w, unit=w.X.pk, start=at(w, 13).strftime("%Y-%m-%dT%H:%M"), end=at(w, 14).strftime("%Y-%m-%dT%H:%M")
        ),
    )
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    assert Booking.objects.count() == count
    # full slot with the waiting-list option
    response = client.post(page, booking_data(w, title="候补", waitlist="on"))
    assert response.status_code == 302
    assert Booking.objects.get(title="候补").status == BookingStatus.WAITLISTED


def test_book_page_owner_auto_approved_official_cannot_foreign_404(w, client):
    page = url("booking-create", pk=w.room.pk)
    response = login(client, w.o_staff).post(page, booking_data(w, unit=w.O.pk, title="本单位"))
    assert response.status_code == 302 and Booking.objects.get(title="本单位").status == BookingStatus.APPROVED
    start = at(w, 9).strftime("%Y-%m-%dT%H:%M")
    response = client.get(page, {"start": start})
    assert response.context["form"].initial["end"] == at(w, 11).replace(tzinfo=None)
    assert f'value="{start}"' in response.content.decode()
    assert client.get(page, {"start": "nonsense"}).status_code == 200
    response = login(client, w.official).get(page)
    assert response.status_code == 200 and b"cannot-book" in response.content
    count = Booking.objects.count()
    response = client.post(
        page, booking_data(w, start=at(w, 14).strftime("%Y-%m-%dT%H:%M"), end=at(w, 15).strftime("%Y-%m-%dT%H:%M"))
    )
    assert response.status_code == 200 and Booking.objects.count() == count
    assert login(client, w.b_admin).get(url("booking-create", pk=w.foreign_room.pk)).status_code == 404


def test_booking_list_mine_and_scope(w, client):
    mine = book(w)
    own_centre = book(w, actor=w.o_admin, unit=w.O, start=13, end=14)
    login(client, w.b_admin)
    response = client.get(url("booking-list"))
    assert [b.pk for b in response.context["bookings"]] == [mine.pk]
    assert response.context["bookings"][0].can_cancel
    response = login(client, w.o_admin).get(url("booking-list"))
    assert [b.pk for b in response.context["bookings"]] == [own_centre.pk]
    response = client.get(url("booking-list") + "?scope=all")
    assert {b.pk for b in response.context["bookings"]} == {mine.pk, own_centre.pk}
    response = client.get(url("booking-list") + "?scope=all&status=pending")
    assert [b.pk for b in response.context["bookings"]] == [mine.pk]
    assert list(login(client, w.x_admin).get(url("booking-list") + "?scope=all").context["bookings"]) == []
    assert list(login(client, w.foreign_sec).get(url("booking-list")).context["bookings"]) == []
    assert {b.pk for b in login(client, w.official).get(url("booking-list")).context["bookings"]} == {
        mine.pk,
        own_centre.pk,
    }


def _bulk_bookings(w, n: int, *, status=BookingStatus.PENDING, start_index: int = 0):
    for i in range(start_index, start_index + n):
        start = at(w, 8, days=7 * (i // 10)) + timedelta(hours=i % 10)
        BookingFactory(resource=w.room, unit=w.B, start=start, end=start + timedelta(minutes=50), status=status)


@pytest.mark.parametrize(
    "name,user", [("booking-list", "b_admin"), ("approval-queue", "o_admin"), ("booking-list", "sec")]
)
def test_booking_lists_query_count_constant(w, client, django_assert_max_num_queries, name, user):
    login(client, getattr(w, user))
    _bulk_bookings(w, 3)
    small = queries(client, url(name))
    _bulk_bookings(w, 27, start_index=3)
    with django_assert_max_num_queries(small):
        response = client.get(url(name))
    assert len(response.context["bookings"]) == 30


# --- approval -----------------------------------------------------------------------------------------------------


def test_approval_queue_and_approve(w, client):
    pending = book(w)
    own = book(w, actor=w.o_admin, unit=w.O, start=13, end=14)  # auto-approved, not in the queue
    response = login(client, w.o_admin).get(url("approval-queue"))
    assert [b.pk for b in response.context["bookings"]] == [pending.pk]
    assert [b.pk for b in login(client, w.s_admin).get(url("approval-queue")).context["bookings"]] == [pending.pk]
    assert list(login(client, w.b_admin).get(url("approval-queue")).context["bookings"]) == []
    assert list(login(client, w.x_admin).get(url("approval-queue")).context["bookings"]) == []
    assert list(login(client, w.foreign_sec).get(url("approval-queue")).context["bookings"]) == []
    approve = url("booking-approve", pk=pending.pk)
    # other unit: not visible (404); booking unit: visible and editable but not the centre (403); official: 403
    assert login(client, w.x_admin).post(approve).status_code == 404
    assert login(client, w.foreign_sec).post(approve).status_code == 404
    assert login(client, w.b_admin).post(approve).status_code == 403
    assert login(client, w.official).post(approve).status_code == 403
    pending.refresh_from_db()
    assert pending.status == BookingStatus.PENDING
    assert BookingStatusChange.objects.filter(booking=pending).count() == 1
    response = login(client, w.o_staff).post(approve)  # operator staff: editable row, but not a centre admin
    assert response.status_code == 403
    response = login(client, w.o_admin).post(approve, {"next": url("approval-queue")})
    assert response.status_code == 302 and response["Location"] == url("approval-queue")
    pending.refresh_from_db()
    assert pending.status == BookingStatus.APPROVED and pending.decided_by == w.o_admin
    assert own.status == BookingStatus.APPROVED
    # an unsafe next is ignored
    response = client.post(approve, {"next": "https://evil.example/"})
    assert response["Location"] == url("booking-detail", pk=pending.pk)


def test_refuse_requires_reason(w, client):
    pending = book(w)
    page = url("booking-refuse", pk=pending.pk)
    login(client, w.o_admin)
    assert client.get(page).status_code == 200
    response = client.post(page, {"reason": "   "})
    assert response.status_code == 200
    assert "拒绝预约必须填写理由" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == BookingStatus.PENDING
    assert login(client, w.b_admin).post(page, {"reason": "自己拒绝"}).status_code == 403
    assert login(client, w.x_admin).post(page, {"reason": "无关"}).status_code == 404
    pending.refresh_from_db()
    assert pending.status == BookingStatus.PENDING
    response = login(client, w.o_admin).post(page, {"reason": "设备检修，请改期", "next": url("approval-queue")})
    assert response.status_code == 302 and response["Location"] == url("approval-queue")
    pending.refresh_from_db()
    assert pending.status == BookingStatus.REFUSED and pending.decision_reason == "设备检修，请改期"
    detail = login(client, w.b_admin).get(url("booking-detail", pk=pending.pk))
    assert "设备检修，请改期" in detail.content.decode()
    assert [(h.from_status, h.to_status) for h in detail.context["history"]] == [
        ("", "pending"),
        ("pending", "refused"),
    ]


def test_no_show_and_complete_after_the_end(w, client):
    start = local_dt(timezone.localdate() - timedelta(days=3), 9)
    ended = BookingFactory(resource=w.room, unit=w.B, start=start, end=start + timedelta(hours=2))
    done = BookingFactory(resource=w.room, unit=w.B, start=start + timedelta(hours=3), end=start + timedelta(hours=4))
    future = book(w)
    queue = login(client, w.o_admin).get(url("approval-queue"))
    assert {b.pk for b in queue.context["ended"]} == {ended.pk, done.pk}
    assert login(client, w.b_admin).post(url("booking-no-show", pk=ended.pk)).status_code == 403
    assert login(client, w.o_admin).post(url("booking-no-show", pk=ended.pk)).status_code == 302
    assert client.post(url("booking-complete", pk=done.pk)).status_code == 302
    ended.refresh_from_db()
    done.refresh_from_db()
    assert (ended.status, done.status) == (BookingStatus.NO_SHOW, BookingStatus.COMPLETED)
    # not ended yet: a message, nothing changes
    client.post(url("booking-approve", pk=future.pk))
    response = client.post(url("booking-complete", pk=future.pk), follow=True)
    assert "预约结束后才能登记" in response.content.decode()
    future.refresh_from_db()
    assert future.status == BookingStatus.APPROVED


def test_cancel_promotes_waiting_list(w, client):
    first = book(w)
    waiting = book(w, actor=w.b_staff, waitlist=True, title="候补")
    assert waiting.status == BookingStatus.WAITLISTED
    cancel = url("booking-cancel", pk=first.pk)
    assert login(client, w.x_admin).post(cancel).status_code == 404
    assert login(client, w.official).post(cancel).status_code == 403
    first.refresh_from_db()
    assert first.status == BookingStatus.PENDING
    response = login(client, w.b_staff).post(cancel, {"next": url("booking-list")})
    assert response.status_code == 302 and response["Location"] == url("booking-list")
    first.refresh_from_db()
    waiting.refresh_from_db()
    assert first.status == BookingStatus.CANCELLED and waiting.status == BookingStatus.PENDING


def test_booking_detail_scope_and_buttons(w, client):
    booking = book(w)
    page = url("booking-detail", pk=booking.pk)
    response = login(client, w.o_admin).get(page)
    assert response.status_code == 200
    assert {a for a, _label in response.context["actions"]} == {"approve", "cancel"}
    assert response.context["can_refuse"]
    response = login(client, w.b_staff).get(page)
    assert {a for a, _label in response.context["actions"]} == {"cancel"} and not response.context["can_refuse"]
    response = login(client, w.official).get(page)
    assert response.status_code == 200 and b"booking-actions" not in response.content
    assert login(client, w.x_admin).get(page).status_code == 404
    assert login(client, w.foreign_sec).get(page).status_code == 404


# --- calendars ----------------------------------------------------------------------------------------------------


def _blocks(content: str, pk: int) -> int:
    return content.count(f'data-booking="{pk}"')


def test_week_calendar_boundaries(w, client):
    monday = w.day
    before = BookingFactory(
        resource=w.room,
        unit=w.B,
        start=local_dt(monday - timedelta(days=1), 22),
        end=local_dt(monday, 0),
        title="前一周末",
        status=BookingStatus.COMPLETED,  # (not holding: it may overlap ``across`` under the PG constraint)
    )  # ends exactly at the week's start
    across = BookingFactory(
        resource=w.room, unit=w.B, start=local_dt(monday - timedelta(days=1), 23), end=local_dt(monday, 1), title="跨周"
    )
    first = BookingFactory(
        resource=w.room, unit=w.B, start=local_dt(monday, 8), end=local_dt(monday, 10), title="周一上午"
    )
    midnight = BookingFactory(
        resource=w.room,
        unit=w.B,
        start=local_dt(monday + timedelta(days=2), 22),
        end=local_dt(monday + timedelta(days=3), 2),
        title="跨午夜",
    )
    last = BookingFactory(
        resource=w.room,
        unit=w.B,
        start=local_dt(monday + timedelta(days=6), 23),
        end=local_dt(monday + timedelta(days=7), 0),
        title="周日深夜",
    )
    after = BookingFactory(
        resource=w.room,
        unit=w.B,
        start=local_dt(monday + timedelta(days=7), 0),
        end=local_dt(monday + timedelta(days=7), 1),
        title="下周",
    )
    cancelled = BookingFactory(
        resource=w.room, unit=w.B, start=local_dt(monday, 14), end=local_dt(monday, 15), status=BookingStatus.CANCELLED
    )
    other_unit = BookingFactory(
        resource=w.room,
        unit=w.X,
        start=local_dt(monday + timedelta(days=1), 9),
        end=local_dt(monday + timedelta(days=1), 10),
        title="无关单位课程",
    )
    page = url("resource-calendar", pk=w.room.pk)
    response = login(client, w.b_admin).get(page, {"date": (monday + timedelta(days=3)).isoformat()})
    assert response.status_code == 200
    content = response.content.decode()
    grid = response.context["grid"]
    assert grid.start == monday and grid.first_hour == 0 and grid.last_hour == 24
    assert {
        pk: _blocks(content, pk)
        for pk in (before.pk, across.pk, first.pk, midnight.pk, last.pk, after.pk, cancelled.pk)
    } == {before.pk: 0, across.pk: 1, first.pk: 1, midnight.pk: 2, last.pk: 1, after.pk: 0, cancelled.pk: 0}
    # another unit's booking: an anonymous "busy" block, no link and no title
    assert other_unit.pk not in {e["id"] for e in response.context["events"]}
    assert "无关单位课程" not in content and 'data-testid="cal-busy"' in content
    prev_week, next_week = (monday - timedelta(days=7)).isoformat(), (monday + timedelta(days=7)).isoformat()
    assert f"date={prev_week}" in content and f"date={next_week}" in content
    # the operator sees every booking of its centre with details
    content = (
        login(client, w.o_admin)
        .get(url("centre-calendar", pk=w.centre.pk), {"date": monday.isoformat()})
        .content.decode()
    )
    assert _blocks(content, other_unit.pk) == 1 and "无关单位课程" in content


def test_month_calendar_and_bad_dates(w, client):
    first_of_month = w.day.replace(day=1)
    edge = BookingFactory(
        resource=w.room, unit=w.B, start=local_dt(first_of_month, 9), end=local_dt(first_of_month, 10)
    )
    login(client, w.b_admin)
    page = url("centre-calendar", pk=w.centre.pk)
    response = client.get(page, {"view": "month", "date": w.day.isoformat()})
    assert response.status_code == 200
    grid = response.context["grid"]
    assert grid.first == first_of_month and len(grid.weeks[0]) == 7
    cell = next(c for week in grid.weeks for c in week if c.day == first_of_month)
    assert [e["id"] for e in cell.events] == [edge.pk]
    assert b'data-testid="month-grid"' in response.content
    for bad in ("2025-02-30", "not-a-date", "99999-01-01", "0001-01-01", "2025-13-01"):
        response = client.get(page, {"date": bad, "view": "month"})
        assert response.status_code == 200, bad
        assert b'data-testid="date-error"' in response.content
        assert response.context["day"] == timezone.localdate()
    assert login(client, w.foreign_sec).get(page).status_code == 404
    assert login(client, w.x_admin).get(url("resource-calendar", pk=w.foreign_room.pk)).status_code == 404


def test_unpublished_centre_calendar_hidden_from_other_units(w, client):
    hidden = PracticeCentreFactory(
        owner_unit=MemberUnitFactory(consortium=w.c, kind=UnitKind.SCHOOL), is_published=False
    )
    room = ResourceFactory(centre=hidden)
    assert login(client, w.b_admin).get(url("centre-calendar", pk=hidden.pk)).status_code == 404
    assert client.get(url("resource-calendar", pk=room.pk)).status_code == 404
    assert client.get(url("booking-create", pk=room.pk)).status_code == 404
    assert login(client, w.sec).get(url("resource-calendar", pk=room.pk)).status_code == 200


# --- admin --------------------------------------------------------------------------------------------------------


def test_admin_pages_scoped_and_never_fail(w, client):
    from django.contrib import admin

    from practice_center import models as pc
    from tests.factories.tenancy import UserFactory

    booking = book(w)
    foreign_booking = book(w, actor=w.foreign_admin, unit=w.F, resource=w.foreign_room)
    staff_sec = UserFactory(consortium=w.c, secretariat=True, is_staff=True)
    login(client, staff_sec)
    practice_models = [m for m in admin.site._registry if m._meta.app_label == "practice_center"]
    assert {m.__name__ for m in practice_models} >= {
        "PracticeCentre", "OpeningHours", "CentreClosure", "Resource", "Booking", "BookingStatusChange",
        "TrainingSession", "Trainee", "ProductionRecord",
    }
    for model in practice_models:
        name = model._meta.model_name
        response = client.get(reverse(f"admin:practice_center_{name}_changelist"))
        assert response.status_code == 200, name
        listed = {obj.consortium_id for obj in response.context["cl"].queryset}
        assert listed <= {w.c.pk}, name
    assert client.get(reverse("admin:practice_center_practicecentre_change", args=[w.centre.pk])).status_code == 200
    assert client.get(reverse("admin:practice_center_booking_change", args=[booking.pk])).status_code == 200
    assert client.get(reverse("admin:practice_center_booking_add")).status_code == 403
    foreign = client.get(reverse("admin:practice_center_booking_change", args=[foreign_booking.pk]))
    assert foreign.status_code in (302, 404)  # Django's admin redirects a missing object to the index
    assert client.get(reverse("admin:practice_center_practicecentre_add")).status_code == 200
    assert pc.Booking.objects.get(pk=foreign_booking.pk).status == BookingStatus.APPROVED
