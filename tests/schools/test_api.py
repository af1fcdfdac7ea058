"""Schools API: who sees which rows, personal-field masking, sharing, the part-time cap, engagements, bad input,
aggregates and constant list query counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from consortium.tenancy.choices import UnitKind
from schools.choices import Employment, EngagementStatus
from schools.models import (
    Campus,
    DualQualification,
    EngagementRequest,
    EnterprisePractice,
    IndustryProfessor,
    PoolExpert,
    Programme,
    ProgrammeGroup,
    ProgrammeIndustryLink,
    ProgrammeOffering,
    SchoolProfile,
    Student,
    StudentCertificate,
    Studio,
    Teacher,
    TrainingBase,
)
from schools.rules import mask_id_number, mask_phone
from tests.factories import OWNED_FACTORIES
from tests.factories.schools import (
    DualQualificationFactory,
    EnterprisePracticeFactory,
    PoolExpertFactory,
    ProgrammeFactory,
    ProgrammeOfferingFactory,
    SchoolProfileFactory,
    SchoolUnitFactory,
    StudentCertificateFactory,
    StudentFactory,
    TeacherFactory,
    equipment_category,
    id_number,
)
from tests.factories.tenancy import (
    IndustryFactory,
    LocalChainFactory,
    MemberUnitFactory,
    UnitMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/"


@pytest.fixture
def w():
    """Consortium C: school A (quota 10 → cap 2), school B, enterprise E; consortium F with school F1.

    Users: secretariat, official, admins of A, B and E, staff of A, F's secretariat."""
    equipment_category()
    a = SchoolUnitFactory(name="甲职业学校")
    c = a.consortium
    b = SchoolUnitFactory(consortium=c, name="乙职业学校")
    e = MemberUnitFactory(consortium=c, kind=UnitKind.ENTERPRISE, name="丙企业")
    f1 = SchoolUnitFactory(name="外县职业学校")
    SchoolProfileFactory(unit=a, staffing_quota=10)
    SchoolProfileFactory(unit=b, staffing_quota=50)
    return {
        "c": c,
        "a": a,
        "b": b,
        "e": e,
        "f1": f1,
        "secretariat": UserFactory(consortium=c, secretariat=True),
        "official": UserFactory(consortium=c, official=True),
        "a_admin": UnitMembershipFactory(unit=a, admin=True).user,
        "a_staff": UnitMembershipFactory(unit=a).user,
        "b_admin": UnitMembershipFactory(unit=b, admin=True).user,
        "e_admin": UnitMembershipFactory(unit=e, admin=True).user,
        "f_secretariat": UserFactory(consortium=f1.consortium, secretariat=True),
    }


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def list_ids(user, route: str, query: str = "") -> set[int]:
    response = client_for(user).get(f"{API}{route}/?page_size=500{query}")
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- rows per role ------------------------------------------------------------------------------------------------

PUBLISHED = {"secretariat": "AB", "official": "AB", "a_admin": "AB", "b_admin": "AB", "f_secretariat": "F"}
OWN_UNIT = {"secretariat": "AB", "official": "AB", "a_admin": "A", "b_admin": "B", "f_secretariat": "F"}

ROUTES = [
    ("school-profiles", SchoolProfile, PUBLISHED),
    ("campuses", Campus, PUBLISHED),
    ("programmes", Programme, PUBLISHED),
    ("programme-groups", ProgrammeGroup, PUBLISHED),
    ("programme-offerings", ProgrammeOffering, PUBLISHED),
    ("programme-links", ProgrammeIndustryLink, PUBLISHED),
    ("industry-professors", IndustryProfessor, PUBLISHED),
    ("studios", Studio, PUBLISHED),
    ("training-bases", TrainingBase, PUBLISHED),
    ("students", Student, PUBLISHED),
    ("student-certificates", StudentCertificate, PUBLISHED),
    ("teachers", Teacher, OWN_UNIT),
    ("practice-totals", Teacher, OWN_UNIT),
    ("dual-qualifications", DualQualification, OWN_UNIT),
    ("enterprise-practices", EnterprisePractice, OWN_UNIT),
]


@pytest.mark.parametrize("role", list(PUBLISHED))
@pytest.mark.parametrize(("route", "model", "policy"), ROUTES, ids=[r[0] for r in ROUTES])
def test_lists_show_exactly_the_expected_rows(w, route, model, policy, role):
    """One row owned by school A, one by school B (same consortium) and one in consortium F."""
    build = OWNED_FACTORIES[model]
    # Fresh units for the built rows, so that rows created by the fixture (profiles) do not interfere.
    objs = {"A": build(w["c"], w["a"]), "B": build(w["c"], w["b"]), "F": build(w["f1"].consortium, w["f1"])}
    ours = {obj.pk for obj in objs.values()}
    ids = list_ids(w[role], route) & ours
    assert ids == {objs[slot].pk for slot in policy[role]}


def test_pool_experts_listed_consortium_wide_unlisted_only_to_owner(w):
    listed = PoolExpertFactory(unit=w["e"], is_listed=True, name="王工程师")
    unlisted = PoolExpertFactory(unit=w["a"], is_listed=False)
    foreign = PoolExpertFactory(unit=w["f1"], is_listed=True)
    assert list_ids(w["b_admin"], "pool-experts") == {listed.pk}
    assert list_ids(w["a_admin"], "pool-experts") == {listed.pk, unlisted.pk}
    assert list_ids(w["official"], "pool-experts") == {listed.pk, unlisted.pk}
    assert list_ids(w["f_secretariat"], "pool-experts") == {foreign.pk}


def test_pool_search_by_keyword_and_industry(w):
    industry = IndustryFactory()
    hit = PoolExpertFactory(unit=w["e"], expertise="风电设备运维")
    hit.industries.set([industry])
    miss = PoolExpertFactory(unit=w["e"], expertise="会计", programme_keywords="财务")
    assert list_ids(w["b_admin"], "pool-experts", "&q=风电") == {hit.pk}
    assert list_ids(w["b_admin"], "pool-experts", f"&industry={industry.pk}") == {hit.pk}
    assert miss.pk in list_ids(w["b_admin"], "pool-experts")


def test_engagements_visible_to_both_units_only(w):
    expert = PoolExpertFactory(unit=w["e"])
    engagement = EngagementRequest.objects.create(
        consortium=w["c"],
        school_unit=w["a"],
        unit=w["e"],
        expert=expert,
        period_start=date(2025, 3, 1),
        period_end=date(2025, 7, 1),
    )
    for role in ("a_admin", "e_admin", "secretariat", "official"):
        assert list_ids(w[role], "engagement-requests") == {engagement.pk}, role
    assert list_ids(w["b_admin"], "engagement-requests") == set()
    assert client_for(w["b_admin"]).get(f"{API}engagement-requests/{engagement.pk}/").status_code == 404


# --- personal fields ----------------------------------------------------------------------------------------------


def test_teacher_personal_fields_masked_except_for_owner_and_secretariat(w):
    teacher = TeacherFactory(unit=w["a"], id_number=id_number(42), phone="13812345678")
    url = f"{API}teachers/{teacher.pk}/"
    for role in ("a_admin", "a_staff", "secretariat"):
        body = client_for(w[role]).get(url).json()
        assert body["id_number"] == teacher.id_number and body["phone"] == "13812345678", role
        assert body["personal_masked"] is False
    body = client_for(w["official"]).get(url).json()
    assert body["id_number"] == mask_id_number(teacher.id_number) != teacher.id_number
    assert body["phone"] == "138****5678" == mask_phone("13812345678")
    assert body["personal_masked"] is True
    listed = client_for(w["official"]).get(f"{API}teachers/").json()["results"]
    assert [row["id_number"] for row in listed] == [mask_id_number(teacher.id_number)]
    assert client_for(w["b_admin"]).get(url).status_code == 404


STUDENT_PERSONAL = ("student_no", "name", "gender", "id_number", "phone")


def test_student_personal_fields_only_for_owner_secretariat_and_after_share(w):
    student = StudentFactory(offering=ProgrammeOfferingFactory(programme=ProgrammeFactory(unit=w["a"])))
    url = f"{API}students/{student.pk}/"
    for role in ("a_admin", "a_staff", "secretariat"):
        body = client_for(w[role]).get(url).json()
        assert body["view_mode"] == "full" and body["name"] == student.name, role
        assert body["id_number"] == student.id_number
    for role in ("official", "b_admin", "e_admin"):
        body = client_for(w[role]).get(url).json()
        assert body["view_mode"] == "public", role
        assert all(body[field] is None for field in STUDENT_PERSONAL), body
        assert body["skills"] == student.skills  # non-identifying fields stay
    rows = client_for(w["b_admin"]).get(f"{API}students/").json()["results"]
    assert [row["name"] for row in rows] == [None]

    # The school shares the record with partner B: B's users now see it in full, E's still do not.
    response = client_for(w["a_admin"]).post(f"{url}share/", {"unit": w["b"].pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"users": 1}
    body = client_for(w["b_admin"]).get(url).json()
    assert body["view_mode"] == "full" and body["name"] == student.name and body["phone"] == student.phone
    rows = client_for(w["b_admin"]).get(f"{API}students/").json()["results"]
    assert [row["name"] for row in rows] == [student.name]
    assert client_for(w["e_admin"]).get(url).json()["name"] is None

    response = client_for(w["a_admin"]).post(f"{url}unshare/", {"unit": w["b"].pk}, format="json")
    assert response.status_code == 200
    assert client_for(w["b_admin"]).get(url).json()["name"] is None


def test_share_refused_for_others_and_foreign_units(w):
    student = StudentFactory(offering=ProgrammeOfferingFactory(programme=ProgrammeFactory(unit=w["a"])))
    url = f"{API}students/{student.pk}/share/"
    assert client_for(w["b_admin"]).post(url, {"unit": w["b"].pk}, format="json").status_code == 403
    assert client_for(w["official"]).post(url, {"unit": w["b"].pk}, format="json").status_code == 403
    response = client_for(w["a_admin"]).post(url, {"unit": w["f1"].pk}, format="json")
    assert response.status_code == 400 and "unit" in response.json()
    assert client_for(w["b_admin"]).get(f"{API}students/{student.pk}/").json()["name"] is None


# --- part-time cap ------------------------------------------------------------------------------------------------


def _part_timers(unit) -> int:
    return Teacher.objects.filter(unit=unit, employment=Employment.PART_TIME, is_active=True).count()


def _teacher_payload(**extra):
    data = {"name": "李兼职", "employment": "part_time", "title": "工程师", "id_number": id_number(777)}
    data.update(extra)
    return data


def test_part_time_status_and_cap_refusal_through_the_api(w):
    TeacherFactory.create_batch(2, unit=w["a"], part_time=True)
    full_timer = TeacherFactory(unit=w["a"])
    profile = SchoolProfile.objects.get(unit=w["a"])
    status = client_for(w["official"]).get(f"{API}school-profiles/{profile.pk}/part-time-status/")
    assert status.status_code == 200
    assert status.json() == {"quota": 10, "cap": 2, "current": 2, "headroom": 0}

    before = Teacher.objects.count()
    response = client_for(w["a_admin"]).post(f"{API}teachers/", _teacher_payload(), format="json")
    assert response.status_code == 400, response.content
    message = " ".join(response.json()["employment"])
    assert "编制员额10人" in message and "现有兼职教师2人" in message and "剩余可聘0人" in message
    assert "上限2人" in message
    assert Teacher.objects.count() == before

    # Switching a full-timer to part-time is refused the same way, and nothing changes.
    response = client_for(w["a_admin"]).patch(
        f"{API}teachers/{full_timer.pk}/", {"employment": "part_time"}, format="json"
    )
    assert response.status_code == 400
    assert "剩余可聘0人" in " ".join(response.json()["employment"])
    full_timer.refresh_from_db()
    assert full_timer.employment == Employment.FULL_TIME and _part_timers(w["a"]) == 2

    # Lowering the quota below what the part-timers need is refused with a field message.
    response = client_for(w["a_admin"]).patch(
        f"{API}school-profiles/{profile.pk}/", {"staffing_quota": 5}, format="json"
    )
    assert response.status_code == 400 and "staffing_quota" in response.json()
    profile.refresh_from_db()
    assert profile.staffing_quota == 10


def test_part_time_teacher_created_within_the_cap(w):
    TeacherFactory(unit=w["a"], part_time=True)
    response = client_for(w["a_admin"]).post(f"{API}teachers/", _teacher_payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["unit"] == w["a"].pk  # defaulted to the admin's only unit
    assert body["id_number"] == id_number(777)  # the writer sees it in clear
    assert _part_timers(w["a"]) == 2


# --- engagements --------------------------------------------------------------------------------------------------


def _request_engagement(w, expert) -> int:
    response = client_for(w["a_admin"]).post(
        f"{API}engagement-requests/",
        {"expert": expert.pk, "period_start": "2025-03-01", "period_end": "2025-07-01", "hours": 48},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["school_unit"] == w["a"].pk and body["unit"] == w["e"].pk and body["status"] == "requested"
    return body["id"]


def test_engagement_approved_by_the_experts_unit_creates_a_part_time_teacher(w):
    expert = PoolExpertFactory(unit=w["e"], name="赵专家")
    pk = _request_engagement(w, expert)
    url = f"{API}engagement-requests/{pk}/decide/"
    # The requesting school cannot approve its own request.
    assert client_for(w["a_admin"]).post(url, {"approve": True}, format="json").status_code == 403
    assert client_for(w["b_admin"]).post(url, {"approve": True}, format="json").status_code == 404
    response = client_for(w["e_admin"]).post(url, {"approve": True, "reason": "同意"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == EngagementStatus.APPROVED
    teacher = Teacher.objects.get(pk=response.json()["created_teacher"])
    assert (teacher.unit_id, teacher.employment, teacher.source_unit_id) == (w["a"].pk, "part_time", w["e"].pk)
    assert teacher.name == "赵专家"


def test_engagement_approval_refused_at_the_cap(w):
    TeacherFactory.create_batch(2, unit=w["a"], part_time=True)
    pk = _request_engagement(w, PoolExpertFactory(unit=w["e"]))
    before = Teacher.objects.count()
    response = client_for(w["e_admin"]).post(f"{API}engagement-requests/{pk}/decide/", {"approve": True}, format="json")
    assert response.status_code == 400
    message = " ".join(response.json()["approve"])
    assert "编制员额10人" in message and "现有兼职教师2人" in message and "剩余可聘0人" in message
    assert Teacher.objects.count() == before
    assert EngagementRequest.objects.get(pk=pk).status == EngagementStatus.REQUESTED


def test_engagement_decline_needs_reason_and_withdraw(w):
    pk = _request_engagement(w, PoolExpertFactory(unit=w["e"]))
    response = client_for(w["e_admin"]).post(
        f"{API}engagement-requests/{pk}/decide/", {"approve": False}, format="json"
    )
    assert response.status_code == 400 and "decision_reason" in response.json()
    assert client_for(w["e_admin"]).post(f"{API}engagement-requests/{pk}/withdraw/").status_code == 403
    response = client_for(w["a_admin"]).post(f"{API}engagement-requests/{pk}/withdraw/")
    assert response.status_code == 200 and response.json()["status"] == EngagementStatus.WITHDRAWN


# --- programmes, links, aggregates --------------------------------------------------------------------------------


def test_programme_create_and_links(w):
    client = client_for(w["a_admin"])
    response = client.post(
        f"{API}programmes/", {"level": "associate", "code": "460101", "name": "机械设计"}, format="json"
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["major_category_name"] == "装备制造"
    industry, chain = IndustryFactory(), LocalChainFactory(consortium=w["c"])
    payload = {"links": [{"industry": industry.pk, "weight": 70}, {"local_chain": chain.pk, "weight": 30}]}
    response = client.put(f"{API}programmes/{pk}/links/", payload, format="json")
    assert response.status_code == 200, response.content
    assert sorted(row["weight"] for row in response.json()) == [30, 70]
    # Another school reads the mapping but cannot replace it.
    assert len(client_for(w["b_admin"]).get(f"{API}programmes/{pk}/links/").json()) == 2
    assert client_for(w["b_admin"]).put(f"{API}programmes/{pk}/links/", payload, format="json").status_code == 403
    # A foreign chain is refused with a field message and the mapping is unchanged.
    foreign_chain = LocalChainFactory(consortium=w["f1"].consortium)
    response = client.put(f"{API}programmes/{pk}/links/", {"links": [{"local_chain": foreign_chain.pk}]}, format="json")
    assert response.status_code == 400 and "links" in response.json()
    assert ProgrammeIndustryLink.objects.filter(programme_id=pk).count() == 2


def test_supply_aggregates_students_per_offering(w):
    offering = ProgrammeOfferingFactory(programme=ProgrammeFactory(unit=w["a"]), year=2024)
    StudentFactory.create_batch(3, offering=offering, expected_graduation=date(2027, 6, 1))
    StudentFactory(offering=offering, status="internship", expected_graduation=date(2027, 6, 1))
    StudentFactory(offering=ProgrammeOfferingFactory(programme=ProgrammeFactory(unit=w["f1"])))
    response = client_for(w["b_admin"]).get(f"{API}programme-offerings/supply/?year=2024&graduation_year=2027")
    assert response.status_code == 200
    rows = response.json()
    assert [(r["offering_id"], r["total"], r["studying"], r["internship"], r["expected_graduates"]) for r in rows] == [
        (offering.pk, 4, 3, 1, 4)
    ]
    assert client_for(w["b_admin"]).get(f"{API}programme-offerings/supply/?year=abc").status_code == 400


def test_practice_totals_per_teacher_and_school(w):
    teacher = TeacherFactory(unit=w["a"])
    EnterprisePracticeFactory(teacher=teacher, hours=100)
    EnterprisePracticeFactory(teacher=teacher, hours=60, start_date=date(2025, 1, 1), end_date=date(2025, 1, 31))
    TeacherFactory(unit=w["b"])
    rows = client_for(w["a_admin"]).get(f"{API}practice-totals/").json()["results"]
    assert [(r["id"], r["practice_hours"], r["practice_count"]) for r in rows] == [(teacher.pk, 160, 2)]
    rows = client_for(w["a_admin"]).get(f"{API}practice-totals/?since=2025-01-01").json()["results"]
    assert rows[0]["practice_hours"] == 60
    rows = client_for(w["secretariat"]).get(f"{API}practice-totals/by-school/").json()
    assert [(r["unit_id"], r["hours"], r["records"], r["teachers"]) for r in rows] == [(w["a"].pk, 160, 2, 1)]
    assert client_for(w["a_admin"]).get(f"{API}practice-totals/?since=nope").status_code == 400


def test_dual_qualifications_expiring_within(w):
    soon = DualQualificationFactory(
        teacher=TeacherFactory(unit=w["a"]), certified_on=date(2020, 1, 1), expires_on=date.today() + timedelta(days=30)
    )
    later = DualQualificationFactory(teacher=TeacherFactory(unit=w["a"]), expires_on=date(2099, 1, 1))
    ids = list_ids(w["a_admin"], "dual-qualifications", "&expiring_within=90")
    assert ids == {soon.pk}
    assert list_ids(w["a_admin"], "dual-qualifications") == {soon.pk, later.pk}
    response = client_for(w["a_admin"]).get(f"{API}dual-qualifications/?expiring_within=abc")
    assert response.status_code == 400 and "expiring_within" in response.json()


# --- bad input ----------------------------------------------------------------------------------------------------


BAD_PAYLOADS = [
    ("teachers", {"name": "甲", "employment": "sometimes"}, "employment"),
    ("teachers", {"name": "甲", "id_number": "123"}, "id_number"),
    ("teachers", {"name": "甲", "programmes": "x"}, "programmes"),
    ("programmes", {"level": "associate", "code": "abc", "name": "坏代码"}, "code"),
    ("programmes", {"level": "doctorate", "code": "460101", "name": "坏层次"}, "level"),
    ("school-profiles", {"level": "secondary_vocational", "staffing_quota": "many"}, "staffing_quota"),
    ("students", {"student_no": "S1", "name": "甲", "cohort": "二〇二四"}, "cohort"),
    ("students", {"student_no": "S1", "name": "甲", "expected_graduation": "2027-13"}, "expected_graduation"),
    ("engagement-requests", {"expert": 987654, "period_start": "2025-01-01", "period_end": "2024-01-01"}, "expert"),
    ("dual-qualifications", {"teacher": "abc", "level": "senior", "certified_on": "2024-01-01"}, "teacher"),
    ("enterprise-practices", {"teacher": 987654, "start_date": "x", "end_date": "2024-01-01", "hours": -1}, "hours"),
]


@pytest.mark.parametrize(("route", "payload", "field"), BAD_PAYLOADS, ids=[f"{r}-{f}" for r, _p, f in BAD_PAYLOADS])
def test_bad_payloads_answer_400_with_field_messages(w, route, payload, field):
    model_counts = (Teacher.objects.count(), Programme.objects.count(), Student.objects.count())
    response = client_for(w["a_admin"]).post(f"{API}{route}/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert (Teacher.objects.count(), Programme.objects.count(), Student.objects.count()) == model_counts


def test_foreign_ids_and_malformed_json_are_400(w):
    client = client_for(w["a_admin"])
    foreign_programme = ProgrammeFactory(unit=w["f1"])
    response = client.post(
        f"{API}programme-offerings/", {"programme": foreign_programme.pk, "year": 2025}, format="json"
    )
    assert response.status_code == 400 and "programme" in response.json()
    response = client.post(f"{API}teachers/", _teacher_payload(unit=w["f1"].pk), format="json")
    assert response.status_code == 400 and "unit" in response.json()
    # Another school's programme is visible (published) but cannot be attached to our teacher.
    other = ProgrammeFactory(unit=w["b"])
    response = client.post(
        f"{API}teachers/", _teacher_payload(employment="full_time", programmes=[other.pk]), format="json"
    )
    assert response.status_code == 400 and "programmes" in response.json()
    response = client.post(f"{API}teachers/", "{not json", content_type="application/json")
    assert response.status_code == 400
    response = client.post(f"{API}students/", [1, 2], format="json")
    assert response.status_code == 400
    assert not Teacher.objects.filter(unit=w["a"]).exists()


def test_writes_for_another_school_are_refused(w):
    response = client_for(w["a_admin"]).post(f"{API}teachers/", _teacher_payload(unit=w["b"].pk), format="json")
    assert response.status_code == 403
    assert not Teacher.objects.exists()
    teacher = TeacherFactory(unit=w["b"])
    assert (
        client_for(w["a_admin"]).patch(f"{API}teachers/{teacher.pk}/", {"name": "x"}, format="json").status_code == 404
    )
    programme = ProgrammeFactory(unit=w["b"])
    response = client_for(w["a_admin"]).patch(f"{API}programmes/{programme.pk}/", {"name": "x"}, format="json")
    assert response.status_code == 403
    programme.refresh_from_db()
    assert programme.name != "x"


def test_duplicate_offering_is_a_field_error(w):
    offering = ProgrammeOfferingFactory(programme=ProgrammeFactory(unit=w["a"]), year=2025)
    response = client_for(w["a_admin"]).post(
        f"{API}programme-offerings/", {"programme": offering.programme_id, "year": 2025}, format="json"
    )
    assert response.status_code == 400 and "year" in response.json()
    assert ProgrammeOffering.objects.count() == 1


# --- query counts -------------------------------------------------------------------------------------------------


def _count_queries(user, url: str) -> int:
    client = client_for(type(user).objects.get(pk=user.pk))  # a fresh instance: no memoised unit roles
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(w, route: str, n: int) -> None:
    a = w["a"]
    if route == "teachers":
        programme = ProgrammeFactory(unit=a)
        for _i in range(n):
            TeacherFactory(unit=a, source_unit=w["e"]).programmes.set([programme])
    elif route == "students":
        offering = ProgrammeOfferingFactory(programme=ProgrammeFactory(unit=a))
        industry = IndustryFactory()
        for _i in range(n):
            StudentFactory(offering=offering).preferred_industries.set([industry])
    elif route == "programmes":
        ProgrammeFactory.create_batch(n, unit=a)
    elif route == "programme-offerings":
        for _i in range(n):
            ProgrammeOfferingFactory(programme=ProgrammeFactory(unit=a))
    elif route == "pool-experts":
        industry = IndustryFactory()
        for _i in range(n):
            PoolExpertFactory(unit=w["e"]).industries.set([industry])


@pytest.mark.parametrize("role", ["a_admin", "b_admin", "official"])
@pytest.mark.parametrize("route", ["teachers", "students", "programmes", "programme-offerings", "pool-experts"])
def test_list_query_counts_are_constant(w, route, role):
    url = f"{API}{route}/?page_size=100"
    _grow(w, route, 3)
    small = _count_queries(w[role], url)
    _grow(w, route, 27)
    large = _count_queries(w[role], url)
    assert small == large, f"{route} as {role}: {small} queries for 3 rows, {large} for 30"
    rows = client_for(w[role]).get(url).json()["count"]
    assert rows >= 30 or (route == "teachers" and role == "b_admin" and rows == 0)


# --- fuzz: no input makes a route fail ----------------------------------------------------------------------------

WRITABLE_ROUTES = [
    ("school-profiles", SchoolProfile),
    ("campuses", Campus),
    ("programmes", Programme),
    ("programme-groups", ProgrammeGroup),
    ("programme-offerings", ProgrammeOffering),
    ("teachers", Teacher),
    ("dual-qualifications", DualQualification),
    ("industry-professors", IndustryProfessor),
    ("studios", Studio),
    ("pool-experts", PoolExpert),
    ("engagement-requests", EngagementRequest),
    ("enterprise-practices", EnterprisePractice),
    ("training-bases", TrainingBase),
    ("students", Student),
    ("student-certificates", StudentCertificate),
]
WEIRD_VALUES = [None, "", "x" * 500, -1, 10**12, [1, "a"], {"a": 1}, "2025-02-30", True]


@pytest.mark.parametrize(("route", "model"), WRITABLE_ROUTES, ids=[r for r, _m in WRITABLE_ROUTES])
def test_weird_values_never_fail_with_500(w, route, model):
    """Every writable field, one weird value at a time, on create and on update of an own row: 4xx or success."""
    from schools.api import views

    own = OWNED_FACTORIES[model](w["c"], w["e"] if route in ("pool-experts", "engagement-requests") else w["a"])
    actor = w["secretariat"]
    client = client_for(actor)
    viewset = next(v for v in vars(views).values() if getattr(v, "model", None) is model and hasattr(v, "create"))
    fields = [name for name, fld in viewset.serializer_class().fields.items() if not fld.read_only]
    for name in fields:
        for value in WEIRD_VALUES:
            created = client.post(f"{API}{route}/", {name: value}, format="json")
            assert created.status_code < 500, (route, name, value, created.content[:300])
            changed = client.patch(f"{API}{route}/{own.pk}/", {name: value}, format="json")
            assert changed.status_code < 500 or changed.status_code == 405, (route, name, value, changed.content[:300])


def test_weird_action_payloads_never_fail_with_500(w):
    student = StudentFactory(offering=ProgrammeOfferingFactory(programme=ProgrammeFactory(unit=w["a"])))
    programme = ProgrammeFactory(unit=w["a"])
    expert = PoolExpertFactory(unit=w["e"])
    engagement = EngagementRequest.objects.create(
        consortium=w["c"],
        school_unit=w["a"],
        unit=w["e"],
        expert=expert,
        period_start=date(2025, 3, 1),
        period_end=date(2025, 7, 1),
    )
    client = client_for(w["secretariat"])
    calls = [
        ("post", f"{API}students/{student.pk}/share/", "unit"),
        ("post", f"{API}students/{student.pk}/unshare/", "unit"),
        ("put", f"{API}programmes/{programme.pk}/links/", "links"),
        ("post", f"{API}engagement-requests/{engagement.pk}/decide/", "approve"),
        ("post", f"{API}engagement-requests/{engagement.pk}/decide/", "reason"),
    ]
    link_values = [[{"industry": "x"}], [{"weight": 0, "local_chain": None}], [None], [[1]]]
    for method, url, key in calls:
        for value in [*WEIRD_VALUES, *(link_values if key == "links" else [])]:
            if key == "approve" and value is True:
                continue  # a valid decision
            response = getattr(client, method)(url, {key: value}, format="json")
            assert response.status_code == 400, (url, key, value, response.content[:300])
    assert EngagementRequest.objects.get(pk=engagement.pk).status == EngagementStatus.REQUESTED
    assert not ProgrammeIndustryLink.objects.filter(programme=programme).exists()


# --- admin --------------------------------------------------------------------------------------------------------


def _admin_client(user):
    from django.test import Client

    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


def test_admin_hides_personal_fields_from_officials(w):
    teacher = TeacherFactory(unit=w["a"], id_number=id_number(4242))
    student = StudentFactory(offering=ProgrammeOfferingFactory(programme=ProgrammeFactory(unit=w["a"])))
    official = _admin_client(w["official"])
    for url in ("/admin/schools/teacher/", f"/admin/schools/teacher/{teacher.pk}/change/"):
        response = official.get(url)
        assert response.status_code == 200
        assert teacher.id_number not in response.content.decode()
    response = official.get("/admin/schools/student/")
    assert response.status_code == 200
    assert student.name not in response.content.decode() and student.id_number not in response.content.decode()
    assert official.get(f"/admin/schools/student/{student.pk}/change/").status_code == 403
    certificate = StudentCertificateFactory(student=student)
    response = official.get(f"/admin/schools/studentcertificate/{certificate.pk}/change/")
    assert response.status_code == 200 and student.name not in response.content.decode()
    secretariat = _admin_client(w["secretariat"])
    assert teacher.id_number in secretariat.get(f"/admin/schools/teacher/{teacher.pk}/change/").content.decode()


def test_admin_teacher_form_respects_the_part_time_cap(w):
    TeacherFactory.create_batch(2, unit=w["a"], part_time=True)
    client = _admin_client(w["secretariat"])
    before = Teacher.objects.count()
    response = client.post(
        "/admin/schools/teacher/add/",
        {
            "consortium": w["c"].pk,
            "unit": w["a"].pk,
            "name": "后台兼职",
            "employment": "part_time",
            "is_active": "on",
            "gender": "",
        },
    )
    assert response.status_code == 200  # the form is shown again with the error
    assert "现有兼职教师2人" in response.content.decode()
    assert Teacher.objects.count() == before


def test_admin_teacher_saved_through_the_service_within_the_cap(w):
    TeacherFactory(unit=w["a"], part_time=True)
    client = _admin_client(w["secretariat"])
    response = client.post(
        "/admin/schools/teacher/add/",
        {
            "consortium": w["c"].pk,
            "unit": w["a"].pk,
            "name": "后台兼职",
            "employment": "part_time",
            "is_active": "on",
            "gender": "",
        },
    )
    assert response.status_code == 302
    teacher = Teacher.objects.get(name="后台兼职")
    assert (teacher.consortium_id, teacher.unit_id, teacher.employment) == (w["c"].pk, w["a"].pk, "part_time")
