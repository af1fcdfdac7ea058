"""Statistics pages of practice centres: figures computed by hand on a small fixture (March 2025), who sees which
centres (secretariat/officials all, owners/operators their own, others 403), the Excel downloads carry the page's
numbers, bad filters never fail."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from consortium.tenancy.choices import UnitKind
from practice_center.choices import BookingStatus
from tests.factories.practice_center import (
    BookingFactory,
    CentreClosureFactory,
    PracticeCentreFactory,
    ProductionRecordFactory,
    ResourceFactory,
    TraineeFactory,
    TrainingSessionFactory,
    local_dt,
    weekday_hours,
)
from tests.factories.tenancy import ConsortiumFactory, MemberUnitFactory, UnitMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
MAR = date(2025, 3, 3)  # a Monday; March 2025 has 21 weekdays, 2025 has 261


class World:
    """Centre C1 (school S, Mon–Fri 08:00–12:00, closed 10 March 08:00–12:00) with an exclusive room R1 and a shared
    area R2 (10 seats); centre C2 (enterprise E, same hours) with room R3; X books too; F is another consortium."""

    def __init__(self) -> None:
        self.c = ConsortiumFactory()
        self.S = MemberUnitFactory(consortium=self.c, kind=UnitKind.SCHOOL, name="甲学校")
        self.E = MemberUnitFactory(consortium=self.c, name="乙企业")
        self.X = MemberUnitFactory(consortium=self.c, name="丙单位")
        self.s_admin = UnitMembershipFactory(unit=self.S, admin=True).user
        self.s_staff = UnitMembershipFactory(unit=self.S).user
        self.e_admin = UnitMembershipFactory(unit=self.E, admin=True).user
        self.x_admin = UnitMembershipFactory(unit=self.X, admin=True).user
        self.sec = UserFactory(consortium=self.c, secretariat=True)
        self.official = UserFactory(consortium=self.c, official=True)
        self.c1 = PracticeCentreFactory(owner_unit=self.S, name="一号中心")
        self.c2 = PracticeCentreFactory(owner_unit=self.E, name="二号中心")
        for centre in (self.c1, self.c2):
            weekday_hours(centre, opens=local_dt(MAR, 8).time(), closes=local_dt(MAR, 12).time())
        CentreClosureFactory(centre=self.c1, start=local_dt(date(2025, 3, 10), 8), end=local_dt(date(2025, 3, 10), 12))
        self.r1 = ResourceFactory(centre=self.c1, name="实训室")
        self.r2 = ResourceFactory(centre=self.c1, shared=True, name="工位区")
        self.r3 = ResourceFactory(centre=self.c2, name="企业实训室")

        def book(resource, day, start, end, unit, purpose, status=BookingStatus.COMPLETED, **kw):
            return BookingFactory(
                resource=resource,
                unit=unit,
                purpose=purpose,
                status=status,
                start=local_dt(day, start),
                end=local_dt(day, end),
                **kw,
            )

        book(self.r1, date(2025, 3, 3), 8, 12, self.S, "practice_teaching", fee=Decimal("400"))
        book(
            self.r1,
            date(2025, 3, 4),
            8,
            10,
            self.E,
            "social_training",
            fee=Decimal("200"),
            government_purchase=True,
            government_amount=Decimal("150"),
        )
        book(self.r1, date(2025, 3, 5), 8, 10, self.E, "practice_teaching", BookingStatus.CANCELLED, fee=Decimal("200"))
        book(self.r1, date(2025, 3, 6), 8, 10, self.X, "production", BookingStatus.NO_SHOW, fee=None)
        book(self.r1, date(2025, 3, 7), 8, 10, self.X, "production", BookingStatus.WAITLISTED, fee=None)
        book(self.r2, date(2025, 3, 3), 8, 12, self.S, "practice_teaching", headcount=5, fee=None)
        book(self.r1, date(2025, 4, 1), 8, 10, self.S, "practice_teaching", fee=Decimal("200"))
        book(self.r3, date(2025, 3, 7), 8, 10, self.E, "technical_service", fee=None)

        sa = TrainingSessionFactory(
            centre=self.c1, unit=self.E, start_date=date(2025, 3, 10), end_date=date(2025, 3, 14), hours=Decimal("16")
        )
        TraineeFactory(session=sa, attended_hours=Decimal("16"), completed=True, certificate_no="C-1")
        TraineeFactory(session=sa, attended_hours=Decimal("12"), completed=True)
        TraineeFactory(session=sa, attended_hours=Decimal("0"))
        sb = TrainingSessionFactory(
            centre=self.c1, unit=self.S, start_date=date(2025, 4, 2), end_date=date(2025, 4, 3), hours=Decimal("8")
        )
        TraineeFactory(session=sb, attended_hours=Decimal("8"), completed=True)
        TraineeFactory(session=sb, attended_hours=Decimal("8"), completed=True)
        sc = TrainingSessionFactory(
            centre=self.c2, unit=self.E, start_date=date(2025, 3, 20), end_date=date(2025, 3, 21), hours=Decimal("10")
        )
        TraineeFactory(session=sc, attended_hours=Decimal("10"), completed=True)

        ProductionRecordFactory(centre=self.c1, kind="production", value=Decimal("10.50"), date=date(2025, 5, 1))
        ProductionRecordFactory(centre=self.c1, kind="technical_service", value=Decimal("2.25"), date=date(2025, 6, 1))
        ProductionRecordFactory(centre=self.c1, kind="production", value=Decimal("99"), date=date(2024, 6, 1))
        ProductionRecordFactory(centre=self.c2, kind="production", value=Decimal("5.00"), date=date(2025, 2, 1))

        self.f = ConsortiumFactory()
        foreign_unit = MemberUnitFactory(consortium=self.f, name="外县单位")
        foreign_centre = PracticeCentreFactory(owner_unit=foreign_unit, name="外县中心")
        weekday_hours(foreign_centre)
        BookingFactory(
            resource=ResourceFactory(centre=foreign_centre),
            unit=foreign_unit,
            start=local_dt(MAR, 9),
            end=local_dt(MAR, 11),
        )
        self.foreign_sec = UserFactory(consortium=self.f, secretariat=True)


@pytest.fixture
def w():
    return World()


def get(user, name: str, **params):
    client = Client()
    client.force_login(user)
    return client.get(reverse(f"practice_center:{name}"), params)


def rows(response, key: str) -> list[dict]:
    return response.context["t"][key].rows


def by(table_rows: list[dict], key: str) -> dict:
    return {row[key]: row for row in table_rows}


# --- utilisation ----------------------------------------------------------------------------------------------------


def test_utilisation_of_a_month_by_hand(w):
    response = get(w.sec, "stats", year=2025, month=3)
    assert response.status_code == 200
    centres = by(rows(response, "centre"), "centre")
    # C1: 21 weekdays × 4 h − 4 h closure = 80 h per resource, two resources = 160 h; booked R1 4+2+2 (the
    # cancelled and waitlisted ones do not count), R2 4 h × 5/10 seats = 2 h
    assert centres["一号中心"] == {
        "centre": "一号中心",
        "open_hours": 160.0,
        "booked_hours": 10.0,
        "ratio": 0.0625,
        "bookings": 4,
    }
    assert centres["二号中心"] == {
        "centre": "二号中心",
        "open_hours": 84.0,
        "booked_hours": 2.0,
        "ratio": 0.0238,
        "bookings": 1,
    }
    footer = response.context["t"]["centre"].totals
    assert (footer["open_hours"], footer["booked_hours"], footer["ratio"], footer["bookings"]) == (
        244.0,
        12.0,
        0.0492,
        5,
    )
    resources = by(rows(response, "resource"), "resource")
    assert (resources["实训室"]["open_hours"], resources["实训室"]["booked_hours"], resources["实训室"]["ratio"]) == (
        80.0,
        8.0,
        0.1,
    )
    assert (resources["工位区"]["booked_hours"], resources["工位区"]["ratio"]) == (2.0, 0.025)
    purposes = {row["purpose"]: (row["hours"], row["share"]) for row in rows(response, "purpose")}
    assert purposes == {
        "实践教学": (6.0, 0.5),
        "社会培训": (2.0, 0.1667),
        "生产": (2.0, 0.1667),
        "技术服务": (2.0, 0.1667),
    }
    assert [(row["unit"], row["hours"]) for row in rows(response, "unit")] == [
        ("甲学校", 6.0),
        ("乙企业", 4.0),
        ("丙单位", 2.0),
    ]
    fees = by(rows(response, "fees"), "centre")
    assert (fees["一号中心"]["fee"], fees["一号中心"]["government_amount"]) == (Decimal("600"), Decimal("150"))
    assert response.context["t"]["fees"].totals["fee"] == Decimal("600")
    assert "centre_month" not in response.context["t"]  # one month: no per-month table
    page = response.content.decode()
    assert "6.2%" in page and "vendor/echarts/echarts.min.js" in page and 'id="chart-data"' in page


def test_utilisation_of_a_year_sums_the_months(w):
    response = get(w.official, "stats", year=2025)
    centres = by(rows(response, "centre"), "centre")
    # 261 weekdays × 4 h − 4 h = 1040 h per resource of C1
    assert (centres["一号中心"]["open_hours"], centres["一号中心"]["booked_hours"]) == (2080.0, 12.0)
    assert (centres["二号中心"]["open_hours"], centres["二号中心"]["booked_hours"]) == (1044.0, 2.0)
    months = [(r["centre"], r["month"], r["booked_hours"]) for r in rows(response, "centre_month") if r["booked_hours"]]
    assert months == [("一号中心", "3月", 10.0), ("二号中心", "3月", 2.0), ("一号中心", "4月", 2.0)]
    assert len(rows(response, "centre_month")) == 24
    assert response.context["chart"]["booked"][2:4] == [12.0, 2.0]


def test_centre_filter_and_operator_scope(w):
    response = get(w.sec, "stats", year=2025, month=3, centre=w.c2.pk)
    assert [r["centre"] for r in rows(response, "centre")] == ["二号中心"]
    for user in (w.s_admin, w.s_staff):  # the owner/operator's users see their own centre only
        response = get(user, "stats", year=2025, month=3)
        assert [r["centre"] for r in rows(response, "centre")] == ["一号中心"]
        assert [(r["unit"], r["hours"]) for r in rows(response, "unit")] == [
            ("甲学校", 6.0),
            ("丙单位", 2.0),
            ("乙企业", 2.0),
        ]
        assert [c.pk for c in response.context["filter_form"].fields["centre"].queryset] == [w.c1.pk]
    # another unit's centre is not a valid filter value: ignored with a field error, still only the own centre
    response = get(w.s_admin, "stats", year=2025, month=3, centre=w.c2.pk)
    assert [r["centre"] for r in rows(response, "centre")] == ["一号中心"]
    assert response.context["filter_form"].errors["centre"]
    assert [r["centre"] for r in rows(get(w.e_admin, "stats", year=2025, month=3), "centre")] == ["二号中心"]


def test_who_may_see_the_statistics(w):
    for name in ("stats", "stats-training", "stats-production"):
        assert get(w.x_admin, name).status_code == 403  # a unit without a centre
        assert get(w.foreign_sec, name).status_code == 200
        assert Client().get(reverse(f"practice_center:{name}")).status_code == 302
    stats_link = f'href="{reverse("practice_center:stats")}"'
    assert stats_link in get(w.s_staff, "training-list").content.decode()
    assert stats_link not in get(w.x_admin, "training-list").content.decode()
    response = get(w.foreign_sec, "stats", year=2025, month=3)
    assert [r["centre"] for r in rows(response, "centre")] == ["外县中心"]
    assert get(w.foreign_sec, "stats", year=2025, month=3, export="all").status_code == 200


def test_bad_filters_fall_back_to_defaults(w):
    for params in (
        {"year": "abc"},
        {"year": "1800", "month": "13"},
        {"centre": "x"},
        {"centre": "99999999999999999999"},
        {"export": "nonsense"},
    ):
        response = get(w.sec, "stats", **params)
        assert response.status_code == 200, params
        assert response["Content-Type"].startswith("text/html")
    response = get(w.sec, "stats", year="2025", month="13")
    assert response.context["filters"]["month"] is None and response.context["filter_form"].errors["month"]


# --- training and production ----------------------------------------------------------------------------------------


def test_training_person_times_and_hours_by_hand(w):
    response = get(w.sec, "stats-training", year=2025)
    months = by(rows(response, "training_month"), "month")
    assert {
        k: months["3月"][k] for k in ("sessions", "person_times", "attended_hours", "completed", "certificates")
    } == {
        "sessions": 2,
        "person_times": 4,
        "attended_hours": Decimal("38"),
        "completed": 3,
        "certificates": 1,
    }
    assert (months["4月"]["person_times"], months["4月"]["attended_hours"]) == (2, Decimal("16"))
    total = response.context["t"]["training_month"].totals
    assert (total["sessions"], total["person_times"], total["attended_hours"], total["completed"]) == (
        3,
        6,
        Decimal("54"),
        5,
    )
    per_centre_month = [(r["centre"], r["month"], r["person_times"]) for r in rows(response, "training_centre_month")]
    assert per_centre_month == [("一号中心", "3月", 3), ("一号中心", "4月", 2), ("二号中心", "3月", 1)]
    assert response.context["chart"]["person_times"][2:4] == [4, 2]
    own = get(w.s_admin, "stats-training", year=2025)
    assert [(r["centre"], r["person_times"], r["attended_hours"]) for r in rows(own, "training_centre")] == [
        ("一号中心", 5, Decimal("44")),
    ]
    march = get(w.sec, "stats-training", year=2025, month=3)
    assert [r["month"] for r in rows(march, "training_month")] == ["3月"]
    assert march.context["t"]["training_month"].totals["person_times"] == 4


def test_production_value_by_hand(w):
    response = get(w.sec, "stats-production", year=2025)
    centres = by(rows(response, "production"), "centre")
    assert centres["一号中心"] == {
        "centre": "一号中心",
        "production_records": 1,
        "production_value": Decimal("10.50"),
        "service_records": 1,
        "service_value": Decimal("2.25"),
        "total_value": Decimal("12.75"),
    }
    assert centres["二号中心"]["total_value"] == Decimal("5.00")
    assert response.context["t"]["production"].totals["total_value"] == Decimal("17.75")
    assert "month" not in response.context["filter_form"].fields
    own = get(w.e_admin, "stats-production", year=2025)
    assert [r["centre"] for r in rows(own, "production")] == ["二号中心"]
    assert rows(get(w.sec, "stats-production", year=2024), "production")[0]["total_value"] == Decimal("99")


# --- Excel ----------------------------------------------------------------------------------------------------------


def _sheet_values(content: bytes, index: int = 0) -> list[list]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    sheet = book.worksheets[index]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _same(a, b) -> bool:
    if isinstance(a, int | float | Decimal) and isinstance(b, int | float | Decimal):
        return abs(float(a) - float(b)) < 1e-9
    return (a or "") == (b or "")


@pytest.mark.parametrize(
    ("name", "key", "params"),
    [
        ("stats", "centre", {"year": 2025, "month": 3}),
        ("stats", "purpose", {"year": 2025, "month": 3}),
        ("stats", "fees", {"year": 2025, "month": 3}),
        ("stats", "centre_month", {"year": 2025}),
        ("stats-training", "training_centre_month", {"year": 2025}),
        ("stats-production", "production", {"year": 2025}),
    ],
)
def test_excel_download_has_the_numbers_of_the_page(w, name, key, params):
    page = get(w.sec, name, **params)
    table = page.context["t"][key]
    download = get(w.sec, name, export=key, **params)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in download["Content-Disposition"]
    values = _sheet_values(download.content)
    caption, header, body = values[0], values[1], values[2:]
    assert "2025" in caption[0]
    assert header == [str(column.label) for column in table.columns]
    expected = [table.cells(row) for row in table.rows] + [table.cells(table.totals)] * (table.totals is not None)
    assert len(body) == len(expected)
    for got, want in zip(body, expected, strict=True):
        assert all(_same(g, e) for g, e in zip(got, want, strict=True)), (got, want)


def test_excel_all_tables_one_sheet_each_and_scoped(w):
    response = get(w.s_admin, "stats", year=2025, month=3, export="all")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(book.worksheets) == 5
    text = str([list(r) for ws in book.worksheets for r in ws.iter_rows(values_only=True)])
    assert "一号中心" in text and "二号中心" not in text
