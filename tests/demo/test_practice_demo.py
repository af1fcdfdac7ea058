"""The practice-centre part of ``manage.py load_demo`` (``practice_center/demo.py``): typed centres with resources,
a term of bookings in every status around the current week, training with certificates, production records;
idempotent and isolated per consortium."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from consortium.tenancy.demo import domains
from consortium.tenancy.models import Consortium, User
from practice_center import demo as practice_demo
from practice_center import rules
from practice_center.choices import HOLDING_STATUSES, BookingStatus, CentreForm, CentreKind
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

MODELS = (
    PracticeCentre,
    OpeningHours,
    CentreClosure,
    Resource,
    Booking,
    BookingStatusChange,
    TrainingSession,
    Trainee,
    ProductionRecord,
)


def _load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _state() -> dict[str, list]:
    """Every row of the practice tables with its last change: a rerun must neither create nor rewrite rows."""
    state = {}
    for model in MODELS:
        fields = ["pk"] + [f for f in ("updated_at", "status", "attended_hours", "certificate_no") if _has(model, f)]
        state[model.__name__] = sorted(model.objects.values_list(*fields))
    return state


def _has(model, field: str) -> bool:
    return any(f.name == field for f in model._meta.fields)


class PracticeDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = _load()
        cls.baoqing = Consortium.objects.get(name="宝清县产教联合体")
        cls.raohe = Consortium.objects.get(name="饶河县产教联合体")

    def test_discovered_by_load_demo(self):
        found = {demo.app_label: demo for demo in domains.discover()}
        assert found["practice_center"].load is practice_demo.load
        assert "practice_center: 实践中心 5" in self.output

    def test_second_run_creates_and_changes_nothing(self):
        before = _state()
        _load()
        assert _state() == before

    def test_typed_centres_with_resources_hours_and_a_closure(self):
        centres = {c.name: c for c in PracticeCentre.objects.for_consortium(self.baoqing.pk)}
        public = centres["宝清县公共实训基地（区域产教融合实践中心）"]
        assert public.kind == CentreKind.PUBLIC_REGIONAL
        assert public.owner_unit.name == "宝清县人力资源和社会保障局"
        assert public.operator_unit.name == "宝清县挠力河职业技术学校"  # owner and operator differ
        assert set(public.offered_purposes) == {
            "practice_teaching",
            "social_training",
            "production",
            "technical_service",
        }
        forms = {c.form for c in centres.values()}
        assert {CentreForm.SCHOOL_IN_FACTORY, CentreForm.FACTORY_IN_SCHOOL, CentreForm.INDUSTRY_COLLEGE_BASE} <= forms
        assert {c.kind for c in centres.values()} == {
            CentreKind.PUBLIC_REGIONAL,
            CentreKind.ENTERPRISE,
            CentreKind.SCHOOL,
        }
        assert any(not c.is_published for c in centres.values())
        resources = Resource.objects.for_consortium(self.baoqing.pk)
        assert resources.filter(exclusive=True).exists() and resources.filter(exclusive=False, capacity__gt=1).exists()
        assert {r.kind for r in resources} == {"room", "workstation", "equipment"}
        for centre in centres.values():
            assert OpeningHours.objects.for_consortium(self.baoqing.pk).filter(centre=centre).exists(), centre.name
        assert CentreClosure.objects.for_consortium(self.baoqing.pk).filter(centre=public).exists()

    def test_a_term_of_bookings_in_every_status_and_this_week(self):
        bookings = Booking.objects.for_consortium(self.baoqing.pk)
        assert bookings.count() > 150
        statuses = Counter(bookings.values_list("status", flat=True))
        assert set(statuses) == set(BookingStatus.values), statuses
        assert len(set(bookings.values_list("purpose", flat=True))) == 4
        assert bookings.values("unit").distinct().count() >= 8
        today = timezone.localdate()
        monday = today - timedelta(days=today.weekday())
        first, last = bookings.order_by("start").first().start, bookings.order_by("-start").first().start
        assert (monday - timezone.localdate(first)).days >= 49 and (timezone.localdate(last) - monday).days >= 42
        week = bookings.filter(start__date__gte=monday, start__date__lt=monday + timedelta(days=7))
        assert week.exclude(status__in=(BookingStatus.CANCELLED, BookingStatus.REFUSED)).exists()
        # the waiting list promoted somebody when the holder cancelled
        assert (
            BookingStatusChange.objects.for_consortium(self.baoqing.pk)
            .filter(from_status=BookingStatus.WAITLISTED, to_status=BookingStatus.PENDING)
            .exists()
        )
        assert bookings.filter(government_purchase=True, government_amount__gt=0).exists()
        assert bookings.filter(fee__gt=0).exists()
        assert bookings.filter(training_session__isnull=False).exists()

    def test_bookings_obey_the_rules(self):
        """No exclusive overlap, no capacity overflow, nothing in a closure, everything inside opening hours."""
        tz = timezone.get_default_timezone()
        for resource in Resource.objects.for_consortium(self.baoqing.pk).select_related("centre"):
            rows = list(
                Booking.objects.for_consortium(self.baoqing.pk)
                .filter(resource=resource)
                .exclude(status__in=(BookingStatus.CANCELLED, BookingStatus.REFUSED, BookingStatus.WAITLISTED))
                .values_list("start", "end", "headcount")
            )
            limit = 1 if resource.exclusive else resource.capacity
            people = [(s, e, 1 if resource.exclusive else h) for s, e, h in rows]
            assert rules.peak_headcount(people) <= limit, resource.name
            windows = list(resource.centre.opening_hours.values_list("weekday", "opens", "closes"))
            closures = list(resource.centre.closures.values_list("start", "end"))
            for start, end, _headcount in rows:
                assert rules.fits_opening_hours(start, end, windows, tz), (resource.name, start)
                assert not rules.overlaps_closure(closures, start, end), (resource.name, start)
        holding = Booking.objects.for_consortium(self.baoqing.pk).filter(status__in=HOLDING_STATUSES)
        assert not holding.filter(end__lt=timezone.now() - timedelta(days=1), status=BookingStatus.PENDING).exists()

    def test_training_sessions_with_trainees_attendance_and_certificates(self):
        sessions = TrainingSession.objects.for_consortium(self.baoqing.pk)
        assert sessions.count() == len(practice_demo.TRAININGS)
        assert {s.status for s in sessions} == {"planned", "running", "finished"}
        assert sessions.filter(trainer_teacher__isnull=False).exists()
        assert sessions.filter(trainer_expert__isnull=False).exists()
        trainees = Trainee.objects.for_consortium(self.baoqing.pk)
        assert trainees.count() == sum(spec.trainees for spec in practice_demo.TRAININGS)
        assert trainees.filter(completed=True).exists() and trainees.filter(completed=False).exists()
        certified = trainees.exclude(certificate_no="")
        assert certified.exists() and not certified.filter(completed=False).exists()
        assert len(set(certified.values_list("certificate_no", flat=True))) == certified.count()
        assert trainees.filter(employer_unit__isnull=True).exclude(employer_name="").exists()
        for trainee in trainees.select_related("session"):
            assert trainee.attended_hours <= trainee.session.hours

    def test_production_records(self):
        records = ProductionRecord.objects.for_consortium(self.baoqing.pk)
        assert records.filter(kind="production").exists() and records.filter(kind="technical_service").exists()
        assert records.filter(client_unit__isnull=True).exclude(client_name="").exists()
        for record in records.select_related("centre"):
            assert record.unit_id in record.centre.unit_ids

    def test_raohe_gets_its_own_small_centre_and_sees_nothing_of_baoqing(self):
        assert PracticeCentre.objects.for_consortium(self.raohe.pk).count() == 1
        assert not Booking.objects.for_consortium(self.raohe.pk).exists()
        other = User.objects.get(username="other_secretariat")
        assert not PracticeCentre.objects.visible_to(other).filter(consortium=self.baoqing).exists()
        assert not Trainee.objects.visible_to(other).exists()

    def test_trainee_personal_data_stays_with_the_organiser(self):
        school_admin = User.objects.get(username="school_admin")  # operator of the public centre, organiser of none
        assert TrainingSession.objects.visible_to(school_admin).exists()
        assert not Trainee.objects.visible_to(school_admin).exists()
        assert (
            Trainee.objects.visible_to(User.objects.get(username="official")).count()
            == Trainee.objects.filter(consortium=self.baoqing).count()
        )
