"""``manage.py load_demo``: idempotent, valid credit codes, working accounts, tenant isolation."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import TestCase, override_settings

from consortium.tenancy.choices import UnitStatus
from consortium.tenancy.demo.codes import demo_credit_code, org_code_check_char
from consortium.tenancy.demo.data import DEMO_PASSWORD, DEMO_USERS
from consortium.tenancy.models import Consortium, MemberUnit, UnitStatusChange, User
from consortium.tenancy.validators import credit_code_problem

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
    models = [*apps.get_app_config("tenancy").get_models(), *apps.get_app_config("council").get_models()]
    return {model._meta.label: model._default_manager.count() for model in models}


def _baoqing() -> Consortium:
    return Consortium.objects.get(name="宝清县产教联合体")


def test_org_code_check_char_known_value():
    # By hand: weighted sum 13*3+2*7+1*9+4*10+3*5+5*8+6*4+9*2 = 199; 11 - 199 % 11 = 10 → X
    assert org_code_check_char("D2143569") == "X"


@FAST
class DemoLoadedTests(TestCase):
    """The demo is loaded once per class (setUpTestData); each test runs in its own rolled-back transaction."""

    @classmethod
    def setUpTestData(cls):
        _load()

    def test_second_run_changes_nothing(self):
        first = _snapshot()
        units_before = {u.pk: (u.credit_code, u.updated_at, u.status) for u in MemberUnit.objects.all()}
        passwords_before = dict(User.objects.values_list("username", "password"))
        output = _load()
        assert _snapshot() == first
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


@pytest.mark.django_db
def test_council_part_is_skipped_with_a_notice_when_the_app_has_no_models(monkeypatch, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from consortium.council.models import Council
    from consortium.tenancy.demo import council

    monkeypatch.setattr(council, "council_available", lambda: False)
    output = _load()
    assert "council demo data skipped" in output
    assert not Council.objects.exists()
    assert MemberUnit.objects.count() == 36
