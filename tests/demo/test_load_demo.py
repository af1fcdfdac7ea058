"""``manage.py load_demo``: idempotent, valid credit codes, working accounts, tenant isolation."""

from __future__ import annotations

from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import TestCase, override_settings

from consortium.tenancy.choices import UnitStatus
from consortium.tenancy.demo.codes import demo_credit_code, org_code_check_char
from consortium.tenancy.demo.data import DEMO_PASSWORD, DEMO_USERS
from consortium.tenancy.models import Consortium, MemberUnit, UnitStatusChange, User
from consortium.tenancy.validators import credit_code_problem
from schools import selectors, services
from schools.choices import Employment, EngagementStatus, PriorityClass, StudentStatus
from schools.models import (
    EngagementRequest,
    PoolExpert,
    Programme,
    ProgrammeIndustryLink,
    ProgrammeOffering,
    SchoolProfile,
    Student,
    StudentCertificate,
    StudentUserObjectPermission,
    Studio,
    Teacher,
)
from schools.rules import id_number_problem, part_time_cap, part_time_cap_message, programme_code_problem
from tests.factories.schools import id_number

MAIN_SCHOOL = "宝清县挠力河职业技术学校"
DEMO_ACCOUNTS = {
    "platform", "secretariat", "official", "school_admin", "school_staff", "enterprise_admin", "other_secretariat",
}


# The command hashes the demo password; a fast hasher keeps the suite quick (the logic is hasher-agnostic).
FAST = override_settings(AXES_ENABLED=False, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


def _load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, int]:
    models = [
        *apps.get_app_config("tenancy").get_models(),
        *apps.get_app_config("council").get_models(),
        *apps.get_app_config("schools").get_models(),
    ]
    return {model._meta.label: model._default_manager.count() for model in models}


def _schools_state() -> dict[str, Any]:
    """Row identities and timestamps of the schools demo: a rerun must neither rewrite nor recreate rows."""
    from schools.models import ProgrammeIndustryLink, SchoolProfile, Student, Teacher

    return {
        "profiles": sorted(SchoolProfile.objects.values_list("pk", "updated_at")),
        "teachers": sorted(Teacher.objects.values_list("pk", "updated_at")),
        "students": sorted(Student.objects.values_list("pk", "updated_at")),
        "links": sorted(ProgrammeIndustryLink.objects.values_list("pk", flat=True)),
        "preferences": sorted(Student.preferred_industries.through.objects.values_list("pk", flat=True)),
    }


def _baoqing() -> Consortium:
    return Consortium.objects.get(name="宝清县产教联合体")


def _raohe() -> Consortium:
    return Consortium.objects.get(name="饶河县产教联合体")


def _secretariat() -> User:
    return User.objects.get(username="secretariat")


def _main() -> MemberUnit:
    return MemberUnit.objects.get(consortium=_baoqing(), name=MAIN_SCHOOL)


def test_org_code_check_char_known_value():
    # By hand: weighted sum 13*3+2*7+1*9+4*10+3*5+5*8+6*4+9*2 = 199; 11 - 199 % 11 = 10 → X
    assert org_code_check_char("D2143569") == "X"


@FAST
class DemoLoadedTests(TestCase):
    """The demo is loaded once per class (setUpTestData); each test runs in its own rolled-back transaction."""

    @classmethod
    def setUpTestData(cls):
        cls.output = _load()

    def test_second_run_changes_nothing(self):
        first = _snapshot()
        units_before = {u.pk: (u.credit_code, u.updated_at, u.status) for u in MemberUnit.objects.all()}
        passwords_before = dict(User.objects.values_list("username", "password"))
        schools_before = _schools_state()
        output = _load()
        assert _snapshot() == first
        assert _schools_state() == schools_before
        assert {u.pk: (u.credit_code, u.updated_at, u.status) for u in MemberUnit.objects.all()} == units_before
        assert dict(User.objects.values_list("username", "password")) == passwords_before
        assert "成员单位: 30" in output

    def test_demo_shape(self):
        baoqing = _baoqing()
        assert (baoqing.division_code, str(baoqing.established_on)) == ("230523", "2023-09-13")
        assert baoqing.status == "active"
        units = MemberUnit.objects.for_consortium(baoqing.pk)
        assert units.count() == 30
        assert units.filter(status=UnitStatus.APPLIED).count() == 2
        suspended = units.get(status=UnitStatus.SUSPENDED)
        change = UnitStatusChange.objects.for_consortium(baoqing.pk).get(unit=suspended, to_status=UnitStatus.SUSPENDED)
        assert change.reason and change.from_status == UnitStatus.ACTIVE
        assert not units.filter(status_changes__isnull=True).exists()  # every unit has a history
        assert not units.exclude(kind="government").filter(local_chains__isnull=True).exists()
        raohe = Consortium.objects.get(name="饶河县产教联合体")
        assert MemberUnit.objects.for_consortium(raohe.pk).count() == 6

    def test_every_credit_code_is_valid_and_stable(self):
        for unit in MemberUnit.objects.select_related("consortium"):
            assert credit_code_problem(unit.credit_code) is None, (unit.name, unit.credit_code)
            assert unit.credit_code[2:8] == unit.consortium.division_code
            unit.full_clean()
        assert demo_credit_code("某单位", division_code="230523", category="enterprise") == demo_credit_code(
            "某单位", division_code="230523", category="enterprise"
        )

    def test_demo_accounts_log_in(self):
        assert {spec.username for spec in DEMO_USERS} == DEMO_ACCOUNTS
        for username in sorted(DEMO_ACCOUNTS):
            assert self.client.login(username=username, password=DEMO_PASSWORD), username
            self.client.logout()
        platform = User.objects.get(username="platform")
        assert platform.consortium_id is None and platform.is_superuser and platform.is_staff
        assert User.objects.get(username="secretariat").is_staff

    def test_rerun_restores_a_changed_password(self):
        user = User.objects.get(username="school_admin")
        user.set_password("something-else")
        user.save()
        _load()
        assert self.client.login(username="school_admin", password=DEMO_PASSWORD)

    def test_applicants_are_inactive_and_cannot_log_in(self):
        applicants = User.objects.filter(memberships__unit__status=UnitStatus.APPLIED)
        assert applicants.count() == 2
        assert not applicants.filter(is_active=True).exists()
        for user in applicants:
            assert not self.client.login(username=user.username, password=DEMO_PASSWORD)

    def test_memberships(self):
        school_admin = User.objects.get(username="school_admin")
        school_staff = User.objects.get(username="school_staff")
        school = school_admin.memberships.get().unit
        assert school.kind == "school" and school_admin.memberships.get().role == "unit_admin"
        assert school_staff.memberships.get().unit == school and school_staff.memberships.get().role == "unit_staff"
        enterprise = User.objects.get(username="enterprise_admin").memberships.get()
        assert enterprise.unit.kind == "enterprise" and enterprise.role == "unit_admin"

    def test_other_secretariat_sees_nothing_of_baoqing(self):
        other = User.objects.get(username="other_secretariat")
        baoqing = _baoqing()
        visible = MemberUnit.objects.visible_to(other)
        assert visible.count() == 6
        assert not visible.filter(consortium=baoqing).exists()
        # ...while Baoqing's own secretariat sees all 30 of its units, pending ones included.
        assert MemberUnit.objects.visible_to(User.objects.get(username="secretariat")).count() == 30

    def test_council(self):
        from consortium.council.models import Council, DocumentVersion, Meeting, Resolution

        baoqing = _baoqing()
        council = Council.objects.for_consortium(baoqing.pk).get()
        assert council.name == "宝清县产教联合体理事会"
        roles = list(council.seats.values_list("role", flat=True))
        assert roles.count("chair") == 1 and roles.count("secretary_general") == 1
        assert 2 <= roles.count("vice_chair") <= 3 and len(roles) >= 12
        assert council.seats.get(role="chair").unit.kind == "government"
        adopted = DocumentVersion.objects.for_consortium(baoqing.pk).filter(status="adopted")
        assert set(adopted.values_list("document__kind", flat=True)) == {
            "charter", "rules_of_procedure", "assessment_incentive"
        }
        rules = adopted.get(document__kind="rules_of_procedure")
        assert (rules.quorum_numerator, rules.quorum_denominator, rules.pass_rule) == (2, 3, "majority_present")
        founding = Meeting.objects.for_consortium(baoqing.pk).get(status="closed")
        assert set(adopted.values_list("adopted_at_meeting", flat=True)) == {founding.pk}
        assert founding.attendances.count() == council.seats.count()
        resolutions = Resolution.objects.for_consortium(baoqing.pk).filter(meeting=founding)
        assert resolutions.count() == 4 and not resolutions.exclude(status="adopted").exists()
        assert list(resolutions.order_by("number").values_list("number", flat=True)) == [
            "2023-01", "2023-02", "2023-03", "2023-04"
        ]
        assert Meeting.objects.for_consortium(baoqing.pk).filter(status="noticed").count() == 1

    # --- schools (schools/demo.py, found through the domain-demo protocol) ---------------------------------------

    def test_output_reports_the_schools_counts(self):
        text = self.output
        assert "baoqing: 学校概况: 3" in text and "raohe: 学校概况: 1" in text
        assert f"{MAIN_SCHOOL} 兼职教师/上限: 9/9" in text

    def test_every_demo_school_has_a_profile_and_about_forty_teachers(self):
        schools = MemberUnit.objects.for_consortium(_baoqing().pk).filter(kind="school")
        assert schools.count() == 3
        for unit in schools:
            assert SchoolProfile.objects.filter(unit=unit).exists(), unit.name
            assert 35 <= Teacher.objects.filter(unit=unit).count() <= 45, unit.name
            assert Teacher.objects.filter(unit=unit, employment=Employment.PART_TIME).exists()
        assert Teacher.objects.filter(source_unit__kind="enterprise", employment=Employment.PART_TIME).count() >= 10

    def test_main_school_is_exactly_at_its_part_time_cap_and_one_more_is_refused(self):
        status = selectors.part_time_status(_secretariat(), _main())
        assert status is not None
        assert status["headroom"] == 0 and status["current"] == status["cap"] == part_time_cap(45) == 9
        before = Teacher.objects.filter(unit=_main()).count()
        with pytest.raises(ValidationError) as caught:
            services.teacher_create(
                actor=_secretariat(), unit=_main(), name="周新聘", employment=Employment.PART_TIME,
                id_number=id_number(777),
            )
        assert caught.value.message_dict["employment"] == [part_time_cap_message(45, 9)]
        assert Teacher.objects.filter(unit=_main()).count() == before
        # ...while the other schools keep headroom.
        for unit in MemberUnit.objects.for_consortium(_baoqing().pk).filter(kind="school").exclude(pk=_main().pk):
            assert selectors.part_time_status(_secretariat(), unit)["headroom"] > 0

    def test_all_id_numbers_validate(self):
        teachers = Teacher.objects.all()
        assert teachers.count() >= 120
        for number in teachers.values_list("id_number", flat=True):
            assert number and id_number_problem(number) is None, number
        for number in Student.objects.values_list("id_number", flat=True):
            assert number and id_number_problem(number) is None, number

    def test_programmes_are_valid_and_mapped_to_local_chains(self):
        for profile in SchoolProfile.objects.select_related("unit"):
            programmes = Programme.objects.filter(unit=profile.unit).select_related("major_category")
            low = 6 if profile.consortium_id == _baoqing().pk else 3
            assert low <= programmes.count() <= 10, profile.unit.name
            for programme in programmes:
                category = programme.major_category.code_for(programme.level)
                assert programme_code_problem(programme.code, programme.level, category) is None, programme
            chained = ProgrammeIndustryLink.objects.filter(unit=profile.unit, local_chain__isnull=False)
            assert chained.exists(), profile.unit.name
            assert not chained.exclude(local_chain__consortium=profile.consortium).exists()
            assert ProgrammeIndustryLink.objects.filter(unit=profile.unit, industry__isnull=False).exists()

    def test_offerings_cover_the_plan_priorities_and_years(self):
        offerings = ProgrammeOffering.objects.for_consortium(_baoqing().pk)
        classes = set(offerings.values_list("priority_class", flat=True))
        assert {c for c in PriorityClass.values if c != PriorityClass.NONE} <= classes
        assert set(offerings.values_list("year", flat=True)) == {2024, 2025, 2026}
        assert len(set(offerings.values_list("status", flat=True))) >= 5

    def test_students_are_a_few_hundred_with_mixed_statuses_and_certificates(self):
        students = Student.objects.for_consortium(_baoqing().pk)
        assert 300 <= students.count() <= 600
        statuses = Counter(students.values_list("status", flat=True))
        assert set(statuses) == set(StudentStatus.values)
        assert students.filter(willing_to_work_locally=True).exists()
        assert students.filter(willing_to_work_locally=False).exists()
        kinds = set(StudentCertificate.objects.for_consortium(_baoqing().pk).values_list("kind", flat=True))
        assert {"skill_level", "one_plus_x"} <= kinds
        shared = StudentUserObjectPermission.objects.filter(user__username="enterprise_admin")
        assert shared.count() == 5
        enterprise_admin = User.objects.get(username="enterprise_admin")
        student = shared.first().content_object
        assert selectors.student_view_mode(enterprise_admin, student) == "full"

    def test_certifications_expiring_and_expired(self):
        rows = list(selectors.certifications_expiring(_secretariat(), within_days=90))
        assert sum(1 for r in rows if r.is_expired) == 1
        assert sum(1 for r in rows if not r.is_expired) >= 3

    def test_pool_engagements_studios_and_professors(self):
        engagements = EngagementRequest.objects.for_consortium(_baoqing().pk)
        assert sorted(engagements.values_list("status", flat=True)) == [
            EngagementStatus.APPROVED, EngagementStatus.REQUESTED
        ]
        approved = engagements.get(status=EngagementStatus.APPROVED)
        assert approved.school_unit == _main()
        assert approved.created_teacher.is_part_time and id_number_problem(approved.created_teacher.id_number) is None
        pool = PoolExpert.objects.for_consortium(_baoqing().pk)
        assert pool.filter(unit__kind="enterprise", is_listed=True).count() >= 5
        assert pool.filter(teacher__isnull=False, is_listed=True).count() == 1
        assert set(Studio.objects.for_consortium(_baoqing().pk).values_list("kind", "unit__kind")) == {
            ("master_studio", "school"), ("famous_teacher_studio", "enterprise")
        }
        assert _main().industry_professors.filter(kind="industry_professor").count() == 2

    def test_raohe_is_isolated(self):
        other = User.objects.get(username="other_secretariat")
        visible = Student.objects.visible_to(other)
        assert visible.exists() and not visible.exclude(consortium=_raohe()).exists()
        assert not Student.objects.visible_to(_secretariat()).filter(consortium=_raohe()).exists()
        assert not Teacher.objects.visible_to(other).filter(consortium=_baoqing()).exists()
        assert Programme.objects.visible_to(other).filter(consortium=_raohe()).count() == 3


@pytest.mark.django_db
def test_council_part_is_skipped_with_a_notice_when_the_app_has_no_models(monkeypatch, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from consortium.council.models import Council
    from consortium.tenancy.demo import council, domains

    monkeypatch.setattr(council, "council_available", lambda: False)
    monkeypatch.setattr(domains, "discover", lambda **kwargs: iter(()))  # speed: the domain demos are not at issue
    output = _load()
    assert "council demo data skipped" in output
    assert not Council.objects.exists()
    assert MemberUnit.objects.count() == 36
