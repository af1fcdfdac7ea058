"""Selectors: supply aggregate, practice totals, expiry warnings, and row visibility of schools data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from consortium.tenancy.choices import UnitKind
from consortium.tenancy.scoping import unit_roles
from schools import selectors, services
from schools.choices import StudentStatus
from schools.models import DualQualification, PoolExpert, Student, Teacher
from schools.tasks import warn_expiring_certifications, warn_expiring_certifications_all
from tests.factories.schools import (
    DualQualificationFactory,
    EnterprisePracticeFactory,
    PoolExpertFactory,
    ProgrammeFactory,
    ProgrammeOfferingFactory,
    SchoolProfileFactory,
    SchoolUnitFactory,
    StudentFactory,
    TeacherFactory,
)
from tests.factories.tenancy import MemberUnitFactory, UnitMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    school = SchoolUnitFactory()
    c = school.consortium
    other_school = SchoolUnitFactory(consortium=c)
    enterprise = MemberUnitFactory(consortium=c, kind=UnitKind.ENTERPRISE)
    foreign = SchoolUnitFactory()
    for unit in (school, other_school, foreign):
        SchoolProfileFactory(unit=unit, staffing_quota=50)
    return {
        "school": school,
        "other_school": other_school,
        "enterprise": enterprise,
        "foreign": foreign,
        "admin": UnitMembershipFactory(unit=school, admin=True).user,
        "ent_staff": UnitMembershipFactory(unit=enterprise).user,
        "secretariat": UserFactory(consortium=c, secretariat=True),
        "official": UserFactory(consortium=c, official=True),
    }


def _offering(unit, year=2024, code=None):
    kwargs = {"unit": unit} if code is None else {"unit": unit, "code": code}
    return ProgrammeOfferingFactory(programme=ProgrammeFactory(**kwargs), year=year)


def test_supply_by_offering_counts_from_student_rows_in_one_query(w, django_assert_num_queries):
    offering = _offering(w["school"])
    other = _offering(w["other_school"])
    StudentFactory.create_batch(3, offering=offering, expected_graduation=date(2027, 6, 1))
    StudentFactory(offering=offering, status=StudentStatus.INTERNSHIP, expected_graduation=date(2026, 6, 1))
    StudentFactory(
        offering=offering,
        status=StudentStatus.GRADUATED,
        willing_to_work_locally=False,
        expected_graduation=date(2026, 6, 1),
    )
    StudentFactory(offering=other)
    StudentFactory(offering=_offering(w["foreign"]))  # another consortium: never counted
    with django_assert_num_queries(1):
        rows = selectors.supply_by_offering(w["secretariat"], graduation_year=2026)
    by_offering = {row["offering_id"]: row for row in rows}
    assert set(by_offering) == {offering.pk, other.pk}
    row = by_offering[offering.pk]
    assert row["total"] == 5
    assert (row["studying"], row["internship"], row["graduated"], row["employed"]) == (3, 1, 1, 0)
    assert row["expected_graduates"] == 2
    assert row["willing_local"] == 4
    assert row["programme_code"] == offering.programme.code and row["year"] == 2024
    # every member of the consortium may see the counts (they are not personal)
    assert {r["offering_id"] for r in selectors.supply_by_offering(w["ent_staff"])} == {offering.pk, other.pk}
    assert selectors.supply_by_offering(w["secretariat"], year=2023) == []


def test_practice_totals_per_teacher_and_school(w, django_assert_num_queries):
    t1, t2 = TeacherFactory(unit=w["school"]), TeacherFactory(unit=w["school"])
    EnterprisePracticeFactory(teacher=t1, hours=100)
    EnterprisePracticeFactory(teacher=t1, hours=40, start_date=date(2023, 1, 5), end_date=date(2023, 1, 20))
    EnterprisePracticeFactory(teacher=TeacherFactory(unit=w["other_school"]), hours=30)
    unit_roles(w["admin"])  # memoised on the user by the scoping layer (one query per request)
    with django_assert_num_queries(1):
        teachers = {t.pk: t for t in selectors.practice_totals_by_teacher(w["admin"])}
    assert set(teachers) == {t1.pk, t2.pk}  # own school only
    assert (teachers[t1.pk].practice_hours, teachers[t1.pk].practice_count) == (140, 2)
    assert (teachers[t2.pk].practice_hours, teachers[t2.pk].practice_count) == (0, 0)
    since = {t.pk: t.practice_hours for t in selectors.practice_totals_by_teacher(w["admin"], since=date(2024, 1, 1))}
    assert since[t1.pk] == 100
    schools = {row["unit_id"]: row for row in selectors.practice_totals_by_school(w["secretariat"])}
    assert schools[w["school"].pk]["hours"] == 140 and schools[w["school"].pk]["teachers"] == 1
    assert schools[w["other_school"].pk]["hours"] == 30
    assert set(r["unit_id"] for r in selectors.practice_totals_by_school(w["admin"])) == {w["school"].pk}


def test_certifications_expiring_and_warning_task_is_idempotent(w):
    today = timezone.localdate()
    teacher = TeacherFactory(unit=w["school"])
    soon = DualQualificationFactory(
        teacher=teacher, certified_on=today - timedelta(days=1000), expires_on=today + timedelta(days=30)
    )
    expired = DualQualificationFactory(
        teacher=teacher, certified_on=today - timedelta(days=1000), expires_on=today - timedelta(days=3)
    )
    DualQualificationFactory(teacher=teacher, certified_on=today, expires_on=today + timedelta(days=400))
    DualQualificationFactory(
        teacher=TeacherFactory(unit=w["other_school"]),
        expires_on=today + timedelta(days=5),
        certified_on=today - timedelta(days=10),
    )
    rows = list(selectors.certifications_expiring(w["admin"]))
    assert [r.pk for r in rows] == [expired.pk, soon.pk]
    assert [r.is_expired for r in rows] == [True, False]
    assert [r.pk for r in selectors.certifications_expiring(w["admin"], include_expired=False)] == [soon.pk]
    assert [r.pk for r in selectors.certifications_expiring(w["admin"], within_days=10)] == [expired.pk]

    consortium_id = w["school"].consortium_id
    mail.outbox.clear()
    # two here; the other school's certification stays due because that school has no admin to tell yet
    assert warn_expiring_certifications(consortium_id) == 2
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [w["admin"].email]
    assert teacher.name in mail.outbox[0].body
    assert warn_expiring_certifications(consortium_id) == 0  # idempotent
    assert len(mail.outbox) == 1
    # a renewal (new expiry date) re-arms the warning
    DualQualification.objects.filter(pk=soon.pk).update(expires_on=today + timedelta(days=60))
    assert warn_expiring_certifications(consortium_id) == 1
    assert len(mail.outbox) == 2
    UnitMembershipFactory(unit=w["other_school"], admin=True)
    assert warn_expiring_certifications_all() >= 2  # fans out per consortium (eager in tests)
    assert len(mail.outbox) == 3
    assert (
        DualQualification.objects.filter(warned_at__isnull=True, expires_on__lte=today + timedelta(days=90)).count()
        == 0
    )


# --- visibility ---------------------------------------------------------------------------------------------------


def test_students_listed_consortium_wide_personal_fields_only_for_owner(w):
    own = StudentFactory(offering=_offering(w["school"]))
    other = StudentFactory(offering=_offering(w["other_school"]))
    foreign = StudentFactory(offering=_offering(w["foreign"]))
    for user in (w["ent_staff"], w["official"], w["admin"], w["secretariat"]):
        assert set(Student.objects.visible_to(user).values_list("pk", flat=True)) == {own.pk, other.pk}
    assert selectors.student_view_mode(w["ent_staff"], own) == "public"
    assert selectors.student_view_mode(w["admin"], own) == "full"
    assert selectors.student_view_mode(w["admin"], other) == "public"
    assert not selectors.can_see_personal(w["official"], own.unit_id, own.consortium_id)
    assert not selectors.can_see_personal(w["secretariat"], foreign.unit_id, foreign.consortium_id)
    assert "name" not in selectors.STUDENT_PUBLIC_FIELDS and "id_number" not in selectors.STUDENT_PUBLIC_FIELDS
    # sharing opens the full record to the partner; the foreign consortium never sees it
    services.student_share(actor=w["admin"], student=own, unit=w["enterprise"])
    assert selectors.student_view_mode(w["ent_staff"], own) == "full"
    foreign_user = UnitMembershipFactory(unit=w["foreign"], admin=True).user
    assert not Student.objects.visible_to(foreign_user).filter(pk=own.pk).exists()
    assert not Student.objects.editable_by(w["ent_staff"]).filter(pk=own.pk).exists()


def test_teachers_private_pool_listed(w):
    teacher = TeacherFactory(unit=w["school"])
    listed = PoolExpertFactory(unit=w["enterprise"])
    unlisted = PoolExpertFactory(unit=w["school"], is_listed=False)
    assert not Teacher.objects.visible_to(w["ent_staff"]).exists()
    assert set(Teacher.objects.visible_to(w["official"]).values_list("pk", flat=True)) >= {teacher.pk}
    assert set(Teacher.objects.visible_to(w["admin"]).values_list("pk", flat=True)) == {teacher.pk}
    assert set(PoolExpert.objects.visible_to(w["ent_staff"]).values_list("pk", flat=True)) == {listed.pk}
    assert set(PoolExpert.objects.visible_to(w["admin"]).values_list("pk", flat=True)) == {listed.pk, unlisted.pk}


def test_masks_and_part_time_status(w):
    assert selectors.mask_phone("13812345678") == "138****5678"
    TeacherFactory(unit=w["school"], part_time=True)
    TeacherFactory(unit=w["school"], part_time=True, is_active=False)
    assert selectors.part_time_status(w["ent_staff"], w["school"]) == {
        "quota": 50,
        "cap": 10,
        "current": 1,
        "headroom": 9,
    }
