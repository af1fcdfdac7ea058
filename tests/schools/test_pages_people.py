"""People pages of the schools app: visibility per role, personal-data masking, the part-time cap through the page,
engagements, denied writes, form errors and constant list query counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.choices import Employment, EngagementStatus
from schools.models import DualQualification, EngagementRequest, Student, Teacher
from tests.factories.schools import (
    DualQualificationFactory,
    PoolExpertFactory,
    ProgrammeOfferingFactory,
    SchoolProfileFactory,
    SchoolUnitFactory,
    StudentFactory,
    TeacherFactory,
)
from tests.factories.tenancy import ConsortiumFactory, MemberUnitFactory, UnitMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    consortium = ConsortiumFactory()
    school = SchoolUnitFactory(consortium=consortium, name="甲职业学校")
    other = SchoolUnitFactory(consortium=consortium, name="乙职业学校")
    enterprise = MemberUnitFactory(consortium=consortium, name="丙企业")
    SchoolProfileFactory(unit=school, staffing_quota=10)  # cap 2
    SchoolProfileFactory(unit=other, staffing_quota=100)
    users = {
        "secretariat": UserFactory(consortium=consortium, secretariat=True),
        "official": UserFactory(consortium=consortium, official=True),
        "school_admin": UnitMembershipFactory(unit=school, role="unit_admin").user,
        "other_admin": UnitMembershipFactory(unit=other, role="unit_admin").user,
        "enterprise_admin": UnitMembershipFactory(unit=enterprise, role="unit_admin").user,
    }
    teacher = TeacherFactory(unit=school, name="王老师", id_number="230523198001010018", phone="13912345678")
    offering = ProgrammeOfferingFactory(programme__unit=school)
    student = StudentFactory(offering=offering, name="李同学", id_number="230523200601010015", phone="13887654321")
    foreign = TeacherFactory(unit=SchoolUnitFactory())
    return {"consortium": consortium, "school": school, "other": other, "enterprise": enterprise, "users": users,
            "teacher": teacher, "student": student, "offering": offering, "foreign": foreign}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- visibility and masking -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "list_status", "sees_teacher", "personal"),
    [
        ("secretariat", 200, True, True),
        ("school_admin", 200, True, True),
        ("official", 200, True, False),
        ("other_admin", 200, False, False),
    ],
)
def test_teacher_pages_per_role(world, role, list_status, sees_teacher, personal):
    client = client_for(world["users"][role])
    teacher = world["teacher"]
    response = client.get(reverse("schools:teacher-list"))
    assert response.status_code == list_status
    assert [t.pk for t in response.context["teachers"]] == ([teacher.pk] if sees_teacher else [])
    detail = client.get(reverse("schools:teacher-detail", kwargs={"pk": teacher.pk}))
    assert detail.status_code == (200 if sees_teacher else 404)
    for page in (response, detail) if sees_teacher else ():
        html = page.content.decode()
        assert ("230523198001010018" in html) is personal
        assert ("13912345678" in html) is personal
        if not personal:
            assert "2305**********0018" in html
    # Buttons only for users who may write.
    assert (b'data-testid="teacher-create"' in response.content) is (role != "official")


def test_foreign_consortium_is_404(world):
    client = client_for(world["users"]["secretariat"])
    assert client.get(reverse("schools:teacher-detail", kwargs={"pk": world["foreign"].pk})).status_code == 404
    assert client.get(reverse("schools:teacher-edit", kwargs={"pk": world["foreign"].pk})).status_code == 404


def test_student_public_mode_then_shared(world):
    student = world["student"]
    other_client = client_for(world["users"]["other_admin"])
    for url in (reverse("schools:student-list"), reverse("schools:student-detail", kwargs={"pk": student.pk})):
        html = other_client.get(url).content.decode()
        assert student.pk and "230523200601010015" not in html
        assert "13887654321" not in html and "李同学" not in html and student.student_no not in html
    # Searching by name cannot reveal a record the user may not read.
    response = other_client.get(reverse("schools:student-list"), {"q": "李同学"})
    assert list(response.context["students"]) == []
    official_html = client_for(world["users"]["official"]).get(
        reverse("schools:student-detail", kwargs={"pk": student.pk})).content.decode()
    assert "230523200601010015" not in official_html

    admin = client_for(world["users"]["school_admin"])
    response = admin.post(reverse("schools:student-share", kwargs={"pk": student.pk}), {"unit": world["other"].pk})
    assert response.status_code == 302
    for url in (reverse("schools:student-list"), reverse("schools:student-detail", kwargs={"pk": student.pk})):
        html = other_client.get(url).content.decode()
        assert "李同学" in html
    assert "230523200601010015" in other_client.get(
        reverse("schools:student-detail", kwargs={"pk": student.pk})).content.decode()

    admin.post(reverse("schools:student-unshare", kwargs={"pk": student.pk}), {"unit": world["other"].pk})
    assert "李同学" not in other_client.get(reverse("schools:student-list")).content.decode()


def test_student_share_denied_for_other_unit(world):
    student = world["student"]
    response = client_for(world["users"]["other_admin"]).post(
        reverse("schools:student-share", kwargs={"pk": student.pk}), {"unit": world["other"].pk})
    assert response.status_code == 403
    assert "李同学" not in client_for(world["users"]["other_admin"]).get(
        reverse("schools:student-list")).content.decode()


# --- part-time cap --------------------------------------------------------------------------------------------------


def _teacher_post(school, **extra):
    data = {"unit": school.pk, "name": "新兼职", "gender": "male", "employment": Employment.PART_TIME,
            "title": "工程师", "is_active": "on"}
    data.update(extra)
    return data


def test_part_time_cap_refused_through_the_page(world):
    school = world["school"]
    TeacherFactory(unit=school, part_time=True)
    TeacherFactory(unit=school, part_time=True)  # quota 10 → cap 2: full
    client = client_for(world["users"]["school_admin"])
    before = Teacher.objects.count()
    page = client.get(reverse("schools:teacher-create"))
    assert page.status_code == 200 and b'data-testid="cap-cards"' in page.content
    response = client.post(reverse("schools:teacher-create"), _teacher_post(school))
    assert response.status_code == 200
    errors = response.context["form"].errors["employment"][0]
    assert "编制员额10人" in errors and "现有兼职教师2人" in errors and "剩余可聘0人" in errors
    assert Teacher.objects.count() == before


def test_teacher_create_and_bad_input(world):
    school = world["school"]
    client = client_for(world["users"]["school_admin"])
    bad = client.post(reverse("schools:teacher-create"), _teacher_post(school, name="", id_number="123"))
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) >= {"name", "id_number"}
    ok = client.post(reverse("schools:teacher-create"), _teacher_post(school, name="赵兼职"))
    assert ok.status_code == 302
    assert Teacher.objects.filter(name="赵兼职", unit=school, employment=Employment.PART_TIME).exists()


def test_denied_writes_are_403_and_change_nothing(world):
    teacher = world["teacher"]
    for role in ("official", "other_admin"):
        client = client_for(world["users"][role])
        expected = 403 if role == "official" else 404  # officials see teachers; other schools do not
        assert client.get(reverse("schools:teacher-edit", kwargs={"pk": teacher.pk})).status_code == expected
        response = client.post(reverse("schools:teacher-edit", kwargs={"pk": teacher.pk}), {"name": "篡改"})
        assert response.status_code == expected
        assert client.post(reverse("schools:teacher-deactivate", kwargs={"pk": teacher.pk})).status_code == expected
    teacher.refresh_from_db()
    assert teacher.name == "王老师" and teacher.is_active
    assert client_for(world["users"]["official"]).get(reverse("schools:teacher-create")).status_code == 403


def test_deactivate(world):
    teacher = world["teacher"]
    response = client_for(world["users"]["school_admin"]).post(
        reverse("schools:teacher-deactivate", kwargs={"pk": teacher.pk}))
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert not teacher.is_active


# --- certifications -------------------------------------------------------------------------------------------------


def test_dual_qualification_upload_validates_type(world):
    teacher = world["teacher"]
    client = client_for(world["users"]["school_admin"])
    url = reverse("schools:dualqual-create", kwargs={"pk": teacher.pk})
    data = {"level": "intermediate", "certified_on": "2024-01-01", "expires_on": "2027-01-01"}
    bad = client.post(url, {**data, "evidence_file": SimpleUploadedFile("x.exe", b"MZ...", "application/x-msdownload")})
    assert bad.status_code == 200 and "不支持的文件类型" in bad.context["form"].errors["evidence_file"][0]
    fake = client.post(url, {**data, "evidence_file": SimpleUploadedFile("x.pdf", b"MZ not a pdf")})
    assert "文件内容与扩展名" in fake.context["form"].errors["evidence_file"][0]
    assert not DualQualification.objects.filter(teacher=teacher).exists()
    dates = client.post(url, {**data, "expires_on": "2023-01-01"})
    assert dates.status_code == 200 and "expires_on" in dates.context["form"].errors


def test_expiring_page_flags_expired(world):
    teacher = world["teacher"]
    expired = DualQualificationFactory(teacher=teacher, certified_on=date(2020, 1, 1), expires_on=date(2021, 1, 1))
    far = DualQualificationFactory(teacher=teacher, certified_on=date(2020, 1, 1), expires_on=date(2090, 1, 1))
    response = client_for(world["users"]["school_admin"]).get(reverse("schools:certification-expiring"))
    rows = list(response.context["certifications"])
    assert [c.pk for c in rows] == [expired.pk] and rows[0].is_expired
    assert far.pk not in [c.pk for c in rows]
    assert b'data-testid="expired"' in response.content
    other = client_for(world["users"]["other_admin"]).get(reverse("schools:certification-expiring"))
    assert list(other.context["certifications"]) == []


# --- pool and engagements -------------------------------------------------------------------------------------------


def test_engagement_request_and_approve_creates_part_time_teacher(world):
    expert = PoolExpertFactory(unit=world["enterprise"], name="钱专家")
    school_client = client_for(world["users"]["other_admin"])
    pool = school_client.get(reverse("schools:pool"))
    assert [e.pk for e in pool.context["experts"]] == [expert.pk] and b'data-testid="engage"' in pool.content
    assert b'data-testid="engage"' not in client_for(world["users"]["official"]).get(reverse("schools:pool")).content
    response = school_client.post(reverse("schools:engagement-request", kwargs={"pk": expert.pk}), {
        "school_unit": world["other"].pk, "period_start": "2025-03-01", "period_end": "2025-07-01", "hours": 32})
    assert response.status_code == 302
    engagement = EngagementRequest.objects.get(expert=expert)
    # The requester cannot approve; the expert's unit can.
    assert school_client.post(reverse("schools:engagement-decide", kwargs={"pk": engagement.pk}),
                              {"decision": "approve"}).status_code == 403
    enterprise_client = client_for(world["users"]["enterprise_admin"])
    listing = enterprise_client.get(reverse("schools:engagement-list"))
    assert f'data-testid="approve-{engagement.pk}"'.encode() in listing.content
    enterprise_client.post(reverse("schools:engagement-decide", kwargs={"pk": engagement.pk}), {"decision": "approve"})
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.APPROVED
    assert Teacher.objects.filter(unit=world["other"], name="钱专家", employment=Employment.PART_TIME).exists()


def test_decline_needs_reason_and_approve_at_cap_shows_message(world):
    school = world["school"]
    TeacherFactory(unit=school, part_time=True)
    TeacherFactory(unit=school, part_time=True)
    expert = PoolExpertFactory(unit=world["enterprise"])
    engagement = EngagementRequest.objects.create(
        consortium=world["consortium"], school_unit=school, unit=world["enterprise"], expert=expert,
        period_start=date(2025, 3, 1), period_end=date(2025, 6, 1))
    client = client_for(world["users"]["enterprise_admin"])
    url = reverse("schools:engagement-decide", kwargs={"pk": engagement.pk})
    response = client.post(url, {"decision": "decline", "reason": ""}, follow=True)
    assert "拒绝申请时必须填写原因" in response.content.decode()
    response = client.post(url, {"decision": "approve"}, follow=True)
    assert "剩余可聘0人" in response.content.decode()
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.REQUESTED
    assert Teacher.objects.filter(unit=school, employment=Employment.PART_TIME).count() == 2
    # The requesting school withdraws.
    withdraw = reverse("schools:engagement-withdraw", kwargs={"pk": engagement.pk})
    client_for(world["users"]["school_admin"]).post(withdraw)
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.WITHDRAWN


# --- query counts ---------------------------------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["school_admin", "other_admin", "secretariat"])
def test_list_query_counts_are_constant(world, role):
    client = client_for(world["users"][role])
    school = world["school"]
    for _i in range(2):
        TeacherFactory(unit=school)
        StudentFactory(offering=world["offering"])
    small = (_count(client, reverse("schools:teacher-list")), _count(client, reverse("schools:student-list")))
    for _i in range(27):
        DualQualificationFactory(teacher=TeacherFactory(unit=school))
        StudentFactory(offering=ProgrammeOfferingFactory(programme__unit=school))
    assert Teacher.objects.filter(unit=school).count() >= 30 and Student.objects.count() >= 30
    large = (_count(client, reverse("schools:teacher-list")), _count(client, reverse("schools:student-list")))
    assert small == large


def test_evidence_file_is_served_only_through_the_scope(world, settings, tmp_path):
    from django.core.files.base import ContentFile

    from tests.factories.schools import DualQualificationFactory

    settings.MEDIA_ROOT = str(tmp_path)
    certification = DualQualificationFactory(teacher=world["teacher"])
    certification.evidence_file.save("proof.pdf", ContentFile(b"%PDF-1.4 evidence"), save=True)
    url = reverse("schools:dualqual-evidence", kwargs={"pk": certification.pk})

    response = client_for(world["users"]["school_admin"]).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 evidence"
    assert client_for(world["users"]["other_admin"]).get(url).status_code == 404
    assert client_for(UserFactory(consortium=ConsortiumFactory(), secretariat=True)).get(url).status_code == 404
    # The stored file has no public URL: /media/ is not routed at all.
    assert Client().get(settings.MEDIA_URL + certification.evidence_file.name).status_code == 404
