"""Services of the schools app: permissions, the part-time cap on every path, bulk imports, sharing."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from consortium.tenancy.choices import UnitKind
from schools import services
from schools.choices import Employment, EngagementStatus, StudentStatus, StudioKind
from schools.models import (
    EngagementRequest,
    PoolExpert,
    Programme,
    ProgrammeIndustryLink,
    SchoolProfile,
    Student,
    Teacher,
)
from schools.selectors import shared_student_ids, student_view_mode
from tests.factories.schools import (
    PoolExpertFactory,
    ProgrammeFactory,
    ProgrammeOfferingFactory,
    SchoolProfileFactory,
    SchoolUnitFactory,
    StudentFactory,
    TeacherFactory,
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


@pytest.fixture
def w():
    """A school with quota 10 (cap 2), its admin and staff, another school, an enterprise, and a foreign consortium."""
    services.catalogue_load()
    school = SchoolUnitFactory()
    c = school.consortium
    other_school = SchoolUnitFactory(consortium=c)
    enterprise = MemberUnitFactory(consortium=c, kind=UnitKind.ENTERPRISE)
    SchoolProfileFactory(unit=school, staffing_quota=10)
    SchoolProfileFactory(unit=other_school, staffing_quota=50)
    foreign_school = SchoolUnitFactory()
    return {
        "c": c,
        "school": school,
        "other_school": other_school,
        "enterprise": enterprise,
        "admin": UnitMembershipFactory(unit=school, admin=True).user,
        "staff": UnitMembershipFactory(unit=school).user,
        "other_admin": UnitMembershipFactory(unit=other_school, admin=True).user,
        "ent_admin": UnitMembershipFactory(unit=enterprise, admin=True).user,
        "ent_staff": UnitMembershipFactory(unit=enterprise).user,
        "secretariat": UserFactory(consortium=c, secretariat=True),
        "official": UserFactory(consortium=c, official=True),
        "foreign_school": foreign_school,
        "foreign_secretariat": UserFactory(consortium=foreign_school.consortium, secretariat=True),
    }


def _part_timers(unit) -> int:
    return Teacher.objects.filter(unit=unit, employment=Employment.PART_TIME, is_active=True).count()


def _assert_cap_message(exc: ValidationError, field: str, *, quota: int, current: int, headroom: int) -> None:
    messages = exc.message_dict[field]
    text = " ".join(messages)
    assert f"编制员额{quota}人" in text
    assert f"现有兼职教师{current}人" in text
    assert f"剩余可聘{headroom}人" in text


def _fill_cap(w) -> None:
    for n in range(2):
        services.teacher_create(actor=w["admin"], unit=w["school"], name=f"兼职{n}", employment=Employment.PART_TIME)
    assert _part_timers(w["school"]) == 2


# --- part-time cap: every path ------------------------------------------------------------------------------------


def test_teacher_create_refused_at_cap_nothing_changed(w):
    _fill_cap(w)
    before = Teacher.objects.count()
    with pytest.raises(ValidationError) as info:
        services.teacher_create(actor=w["admin"], unit=w["school"], name="第三位", employment="兼职")  # label works
    _assert_cap_message(info.value, "employment", quota=10, current=2, headroom=0)
    assert Teacher.objects.count() == before
    # full-time teachers are not capped
    services.teacher_create(actor=w["admin"], unit=w["school"], name="专任", employment=Employment.FULL_TIME)
    # an inactive part-timer does not count either
    services.teacher_create(
        actor=w["admin"], unit=w["school"], name="离职兼职", employment=Employment.PART_TIME, is_active=False
    )
    assert _part_timers(w["school"]) == 2


def test_teacher_create_without_profile_is_refused(w):
    school = SchoolUnitFactory(consortium=w["c"])
    admin = UnitMembershipFactory(unit=school, admin=True).user
    with pytest.raises(ValidationError) as info:
        services.teacher_create(actor=admin, unit=school, name="兼职", employment=Employment.PART_TIME)
    assert "尚未登记编制员额" in info.value.message_dict["employment"][0]
    assert not Teacher.objects.filter(unit=school).exists()


def test_teacher_update_switch_to_part_time_refused_at_cap(w):
    _fill_cap(w)
    teacher = services.teacher_create(actor=w["admin"], unit=w["school"], name="专任", employment=Employment.FULL_TIME)
    with pytest.raises(ValidationError) as info:
        services.teacher_update(actor=w["admin"], teacher=teacher, employment=Employment.PART_TIME, title="改")
    _assert_cap_message(info.value, "employment", quota=10, current=2, headroom=0)
    teacher.refresh_from_db()
    assert teacher.employment == Employment.FULL_TIME and teacher.title == ""


def test_teacher_reactivation_refused_at_cap_but_other_edits_of_part_timers_pass(w):
    inactive = services.teacher_create(
        actor=w["admin"], unit=w["school"], name="离职兼职", employment=Employment.PART_TIME, is_active=False
    )
    _fill_cap(w)
    with pytest.raises(ValidationError) as info:
        services.teacher_update(actor=w["admin"], teacher=inactive, is_active=True)
    _assert_cap_message(info.value, "is_active", quota=10, current=2, headroom=0)
    inactive.refresh_from_db()
    assert not inactive.is_active
    # editing a counted part-timer at the cap is fine; deactivating one frees a place
    counted = Teacher.objects.filter(unit=w["school"], employment=Employment.PART_TIME, is_active=True).first()
    services.teacher_update(actor=w["admin"], teacher=counted, title="高级工程师")
    services.teacher_deactivate(actor=w["admin"], teacher=counted)
    services.teacher_update(actor=w["admin"], teacher=inactive, is_active=True)
    assert _part_timers(w["school"]) == 2


def test_quota_lowering_below_current_part_timers_refused(w):
    _fill_cap(w)
    profile = SchoolProfile.objects.get(unit=w["school"])
    with pytest.raises(ValidationError) as info:
        services.school_profile_update(actor=w["admin"], profile=profile, staffing_quota=9)
    text = info.value.message_dict["staffing_quota"][0]
    assert "现有兼职教师2人" in text and "至少应为10人" in text
    with pytest.raises(ValidationError):
        services.school_profile_upsert(actor=w["admin"], unit=w["school"], staffing_quota=5, notes="x")
    profile.refresh_from_db()
    assert profile.staffing_quota == 10 and profile.notes == ""
    services.school_profile_update(actor=w["admin"], profile=profile, staffing_quota=12)
    profile.refresh_from_db()
    assert profile.staffing_quota == 12


def test_engagement_approval_refused_at_cap_then_approved_with_headroom(w):
    expert = PoolExpertFactory(unit=w["enterprise"], name="王工")
    request = services.engagement_request(
        actor=w["admin"],
        school_unit=w["school"],
        expert=expert,
        period_start=date(2025, 3, 1),
        period_end=date(2025, 6, 30),
        hours=48,
    )
    assert request.unit_id == w["enterprise"].pk and request.status == EngagementStatus.REQUESTED
    _fill_cap(w)
    teachers_before = Teacher.objects.count()
    with pytest.raises(ValidationError) as info:
        services.engagement_decide(actor=w["ent_admin"], engagement=request, approve=True)
    _assert_cap_message(info.value, "approve", quota=10, current=2, headroom=0)
    request.refresh_from_db()
    assert request.status == EngagementStatus.REQUESTED and request.created_teacher_id is None
    assert Teacher.objects.count() == teachers_before
    # the school raises its quota; now the approval creates a part-time teacher from the enterprise
    services.school_profile_upsert(actor=w["admin"], unit=w["school"], staffing_quota=15)
    decided = services.engagement_decide(actor=w["ent_admin"], engagement=request, approve=True)
    teacher = decided.created_teacher
    assert decided.status == EngagementStatus.APPROVED and decided.decided_by == w["ent_admin"]
    assert teacher.unit_id == w["school"].pk and teacher.employment == Employment.PART_TIME and teacher.is_active
    assert teacher.source_unit_id == w["enterprise"].pk and teacher.name == "王工"
    with pytest.raises(ValidationError):  # decided once
        services.engagement_decide(actor=w["ent_admin"], engagement=request, approve=False, reason="x")


def test_engagement_permissions_decline_and_withdraw(w):
    expert = PoolExpertFactory(unit=w["enterprise"])
    args = {"expert": expert, "period_start": date(2025, 3, 1), "period_end": date(2025, 6, 30)}
    with pytest.raises(PermissionDenied):  # staff cannot request
        services.engagement_request(actor=w["staff"], school_unit=w["school"], **args)
    request = services.engagement_request(actor=w["admin"], school_unit=w["school"], **args)
    with pytest.raises(ValidationError):  # a second open request for the same expert
        services.engagement_request(actor=w["admin"], school_unit=w["school"], **args)
    for outsider in ("admin", "ent_staff", "other_admin", "official"):
        with pytest.raises(PermissionDenied):
            services.engagement_decide(actor=w[outsider], engagement=request, approve=True)
    with pytest.raises(ValidationError) as info:
        services.engagement_decide(actor=w["ent_admin"], engagement=request, approve=False, reason="  ")
    assert "decision_reason" in info.value.message_dict
    with pytest.raises(PermissionDenied):
        services.engagement_withdraw(actor=w["ent_admin"], engagement=request)
    assert services.engagement_withdraw(actor=w["admin"], engagement=request).status == EngagementStatus.WITHDRAWN
    other = services.engagement_request(actor=w["admin"], school_unit=w["school"], **args)
    declined = services.engagement_decide(actor=w["ent_admin"], engagement=other, approve=False, reason="排不开")
    assert declined.status == EngagementStatus.DECLINED and declined.created_teacher_id is None


def test_engagement_needs_listed_expert_of_the_same_consortium(w):
    unlisted = PoolExpertFactory(unit=w["enterprise"], is_listed=False)
    foreign = PoolExpertFactory(unit=MemberUnitFactory(consortium=w["foreign_school"].consortium))
    for expert in (unlisted, foreign):
        with pytest.raises(ValidationError) as info:
            services.engagement_request(
                actor=w["admin"],
                school_unit=w["school"],
                expert=expert,
                period_start=date(2025, 3, 1),
                period_end=date(2025, 6, 30),
            )
        assert "expert" in info.value.message_dict
    assert not EngagementRequest.objects.exists()


def test_teachers_bulk_cap_checked_for_whole_batch(w):
    services.teacher_create(actor=w["admin"], unit=w["school"], name="已有兼职", employment=Employment.PART_TIME)
    rows = [
        {"_row": 2, "id_number": id_number(11), "name": "甲", "employment": "兼职"},
        {"_row": 3, "id_number": id_number(12), "name": "乙", "employment": "兼职"},
        {"_row": 4, "id_number": id_number(13), "name": "丙", "employment": "专任"},
    ]
    before = Teacher.objects.count()
    with pytest.raises(services.BulkRowsError) as info:
        services.teachers_upsert_bulk(actor=w["admin"], unit=w["school"], rows=rows)
    assert list(info.value.row_errors) == [2]
    text = info.value.row_errors[2]["employment"][0]
    assert "编制员额10人" in text and "现有兼职教师1人" in text and "剩余可聘1人" in text and "拟新增2人" in text
    assert Teacher.objects.count() == before
    rows[1]["employment"] = "full_time"
    result = services.teachers_upsert_bulk(actor=w["admin"], unit=w["school"], rows=rows)
    assert (result.created, result.updated) == (3, 0)
    assert _part_timers(w["school"]) == 2


def test_teachers_bulk_reimport_updates_and_is_all_or_nothing(w):
    programme = ProgrammeFactory(unit=w["school"], code="460101")
    rows = [
        {"id_number": id_number(21).lower(), "name": "赵", "title": "讲师", "programme_codes": "460101"},
        {"id_number": id_number(22), "name": "钱", "phone": "13900000000"},
    ]
    assert services.teachers_upsert_bulk(actor=w["admin"], unit=w["school"], rows=rows).created == 2
    rows[0]["title"] = "副教授"
    result = services.teachers_upsert_bulk(actor=w["admin"], unit=w["school"], rows=rows)
    assert (result.created, result.updated) == (0, 2)
    zhao = Teacher.objects.get(unit=w["school"], name="赵")
    assert zhao.title == "副教授" and list(zhao.programmes.all()) == [programme]
    bad = [
        {"id_number": id_number(23), "name": "孙"},
        {"id_number": "110105194912310021", "name": "李"},  # wrong check digit
        {"id_number": id_number(24), "name": "周", "programme_codes": ["999999"]},
        {"id_number": id_number(23), "name": "吴"},  # duplicate in batch
    ]
    with pytest.raises(services.BulkRowsError) as info:
        services.teachers_upsert_bulk(actor=w["admin"], unit=w["school"], rows=bad)
    errors = info.value.row_errors
    assert set(errors) == {1, 2, 3}
    assert "校验位" in errors[1]["id_number"][0]
    assert "999999" in errors[2]["programme_codes"][0]
    assert "重复" in errors[3]["id_number"][0]
    assert Teacher.objects.filter(unit=w["school"]).count() == 2


def test_students_bulk_upsert_natural_key_and_errors(w):
    programme = ProgrammeFactory(unit=w["school"], code="460102")
    offering = ProgrammeOfferingFactory(programme=programme, year=2024)
    industry = IndustryFactory(code="X001")
    rows = [
        {
            "student_no": f"2024{n:04d}",
            "name": f"学生{n}",
            "id_number": id_number(9000 + n),
            "cohort": 2024,
            "programme_code": "460102",
            "expected_graduation": "2027-06",
            "status": "在读",
            "willing_to_work_locally": "是",
            "preferred_industry_codes": "X001",
        }
        for n in range(5)
    ]
    result = services.students_upsert_bulk(actor=w["admin"], unit=w["school"], rows=rows)
    assert (result.created, result.updated) == (5, 0)
    student = Student.objects.get(unit=w["school"], student_no="20240000")
    assert student.offering == offering and student.expected_graduation == date(2027, 6, 1)
    assert student.willing_to_work_locally and list(student.preferred_industries.all()) == [industry]
    rows[0]["status"] = StudentStatus.INTERNSHIP
    rows[0]["preferred_industry_codes"] = ""
    result = services.students_upsert_bulk(actor=w["admin"], unit=w["school"], rows=rows)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 4)  # only the changed row is written
    student.refresh_from_db()
    assert student.status == StudentStatus.INTERNSHIP and not student.preferred_industries.exists()
    assert Student.objects.filter(unit=w["school"]).count() == 5
    bad = [dict(rows[1], student_no="NEW1"), dict(rows[2], student_no="NEW2", programme_code="469999", _row=7)]
    with pytest.raises(services.BulkRowsError) as info:
        services.students_upsert_bulk(actor=w["admin"], unit=w["school"], rows=bad)
    assert set(info.value.row_errors) == {7}
    assert "programme_code" in info.value.row_errors[7]
    assert not Student.objects.filter(student_no__startswith="NEW").exists()


def test_students_bulk_makes_no_per_row_queries(w, django_assert_max_num_queries):
    ProgrammeOfferingFactory(programme=ProgrammeFactory(unit=w["school"], code="460103"), year=2024)
    rows = [
        {
            "student_no": f"B{n:05d}",
            "name": "学生",
            "cohort": 2024,
            "programme_code": "460103",
            "expected_graduation": date(2027, 6, 1),
        }
        for n in range(1500)
    ]
    # bulk_create batches (SQLite splits them by its parameter limit: ~60 rows per INSERT); never a query per row
    with django_assert_max_num_queries(60):
        assert services.students_upsert_bulk(actor=w["admin"], unit=w["school"], rows=rows).created == 1500


def test_programmes_bulk_derives_category_and_reports_bad_prefix(w):
    rows = [
        {"code": "460104", "name": "机电一体化技术", "level": "高职专科"},
        {"code": "660105", "name": "数控技术应用", "level": "secondary"},
    ]
    assert services.programmes_upsert_bulk(actor=w["admin"], unit=w["school"], rows=rows).created == 2
    assert Programme.objects.get(unit=w["school"], code="660105").major_category.name == "装备制造"
    rows[0]["name"] = "机电一体化技术（新）"
    bad = rows + [{"code": "990101", "name": "x", "level": "associate"}]
    with pytest.raises(services.BulkRowsError) as info:
        services.programmes_upsert_bulk(actor=w["admin"], unit=w["school"], rows=bad)
    assert set(info.value.row_errors) == {2}
    assert Programme.objects.get(unit=w["school"], code="460104").name == "机电一体化技术"
    result = services.programmes_upsert_bulk(actor=w["admin"], unit=w["school"], rows=rows)
    assert (result.created, result.updated) == (0, 2)


# --- programmes, links, groups -------------------------------------------------------------------------------------


def test_programme_create_validates_code_prefix_and_uniqueness(w):
    programme = services.programme_create(
        actor=w["admin"], unit=w["school"], code="460201", name="工业机器人", level="associate"
    )
    assert programme.major_category.code_associate == "46"
    from schools.models import ProgrammeMajorCategory

    agriculture = ProgrammeMajorCategory.objects.get(code_associate="41")
    with pytest.raises(ValidationError) as info:
        services.programme_create(
            actor=w["admin"], unit=w["school"], code="460202", name="x", level="associate", major_category=agriculture
        )
    assert "“41”" in info.value.message_dict["code"][0]
    with pytest.raises(ValidationError) as info:
        services.programme_create(actor=w["admin"], unit=w["school"], code="460201", name="重复", level="associate")
    assert "本校已登记该专业代码" in str(info.value)
    with pytest.raises(PermissionDenied):
        services.programme_create(actor=w["staff"], unit=w["school"], code="460203", name="x", level="associate")
    with pytest.raises(PermissionDenied):
        services.programme_update(actor=w["other_admin"], programme=programme, name="改")
    with pytest.raises(ValidationError) as info:
        services.programme_create(
            actor=w["ent_admin"], unit=w["enterprise"], code="460204", name="x", level="associate"
        )
    assert "unit" in info.value.message_dict


def test_programme_link_set_replaces_and_validates(w):
    programme = ProgrammeFactory(unit=w["school"])
    chain = LocalChainFactory(consortium=w["c"])
    foreign_chain = LocalChainFactory(consortium=w["foreign_school"].consortium)
    industry = IndustryFactory()
    links = services.programme_link_set(
        actor=w["admin"],
        programme=programme,
        links=[{"industry": industry, "weight": 70}, {"local_chain": chain, "weight": 30}],
    )
    assert len(links) == 2
    bad_sets = [
        [{"industry": industry, "local_chain": chain, "weight": 10}],
        [{"industry": industry, "weight": 0}],
        [{"industry": industry, "weight": 101}],
        [{"local_chain": foreign_chain, "weight": 50}],
        [{"industry": industry, "weight": 50}, {"industry": industry, "weight": 20}],
    ]
    for bad in bad_sets:
        with pytest.raises(ValidationError) as info:
            services.programme_link_set(actor=w["admin"], programme=programme, links=bad)
        assert "links" in info.value.message_dict
    assert ProgrammeIndustryLink.objects.filter(programme=programme).count() == 2
    services.programme_link_set(actor=w["admin"], programme=programme, links=[{"local_chain": chain, "weight": 100}])
    assert list(ProgrammeIndustryLink.objects.filter(programme=programme).values_list("weight", flat=True)) == [100]


def test_programme_group_same_school_only(w):
    own = ProgrammeFactory(unit=w["school"])
    lead = ProgrammeFactory(unit=w["school"])
    foreign = ProgrammeFactory(unit=w["other_school"])
    with pytest.raises(ValidationError):
        services.programme_group_create(actor=w["admin"], unit=w["school"], name="群", programmes=[own, foreign])
    group = services.programme_group_create(
        actor=w["admin"], unit=w["school"], name="智能制造专业群", lead_programme=lead, programmes=[own]
    )
    assert set(group.programmes.all()) == {own, lead}


def test_studio_host_kind(w):
    with pytest.raises(ValidationError) as info:
        services.studio_create(
            actor=w["ent_admin"], unit=w["enterprise"], kind=StudioKind.MASTER_STUDIO, name="x", lead_name="y"
        )
    assert "unit" in info.value.message_dict
    studio = services.studio_create(
        actor=w["ent_admin"], unit=w["enterprise"], kind="名师工作室", name="张工名师工作室", lead_name="张工"
    )
    assert studio.kind == StudioKind.FAMOUS_TEACHER_STUDIO


def test_practice_hours_and_teacher_pool_opt_in(w):
    teacher = TeacherFactory(unit=w["school"])
    with pytest.raises(ValidationError) as info:
        services.practice_create(
            actor=w["admin"],
            teacher=teacher,
            host_name="某企业",
            start_date=date(2024, 7, 1),
            end_date=date(2024, 7, 2),
            hours=49,
        )
    assert "hours" in info.value.message_dict
    services.teacher_update(actor=w["admin"], teacher=teacher, in_shared_pool=True, expertise="PLC编程")
    entry = PoolExpert.objects.get(teacher=teacher)
    assert entry.is_listed and entry.unit_id == w["school"].pk and entry.expertise == "PLC编程"
    services.teacher_update(actor=w["admin"], teacher=teacher, in_shared_pool=False)
    entry.refresh_from_db()
    assert not entry.is_listed


# --- students: writes and sharing ----------------------------------------------------------------------------------


def test_student_share_grants_partner_unit_full_view_only_inside_consortium(w):
    student = StudentFactory(offering=ProgrammeOfferingFactory(programme=ProgrammeFactory(unit=w["school"])))
    partner_user = w["ent_staff"]
    assert student_view_mode(partner_user, student) == "public"
    assert student_view_mode(w["official"], student) == "public"
    assert student_view_mode(w["staff"], student) == "full"
    assert student_view_mode(w["secretariat"], student) == "full"
    with pytest.raises(PermissionDenied):
        services.student_share(actor=w["other_admin"], student=student, unit=w["enterprise"])
    with pytest.raises(ValidationError):
        services.student_share(actor=w["admin"], student=student, unit=w["foreign_school"])
    granted = services.student_share(actor=w["admin"], student=student, unit=w["enterprise"])
    assert granted == 2  # the enterprise's admin and staff
    assert student.pk in shared_student_ids(partner_user)
    assert student_view_mode(partner_user, student) == "full"
    assert student_view_mode(w["other_admin"], student) == "public"
    assert services.student_share(actor=w["admin"], student=student, unit=w["enterprise"]) == 2  # idempotent
    services.student_unshare(actor=w["admin"], student=student, unit=w["enterprise"])
    assert student_view_mode(partner_user, student) == "public"


def test_student_create_checks_offering_school(w):
    foreign_offering = ProgrammeOfferingFactory(programme=ProgrammeFactory(unit=w["other_school"]))
    with pytest.raises(ValidationError) as info:
        services.student_create(
            actor=w["admin"],
            unit=w["school"],
            offering=foreign_offering,
            student_no="1",
            name="x",
            cohort=2024,
            expected_graduation="2027-06",
        )
    assert "offering" in info.value.message_dict
    offering = ProgrammeOfferingFactory(programme=ProgrammeFactory(unit=w["school"]))
    with pytest.raises(ValidationError) as info:
        services.student_create(
            actor=w["admin"],
            unit=w["school"],
            offering=offering,
            student_no="1",
            name="x",
            cohort=2024,
            expected_graduation="2027-06",
            id_number="110105194912310021",
        )
    assert "校验位" in info.value.message_dict["id_number"][0]
    student = services.student_create(
        actor=w["admin"],
        unit=w["school"],
        offering=offering,
        student_no="1",
        name="x",
        cohort=2024,
        expected_graduation="2027-06",
        id_number=id_number(77),
    )
    assert student.expected_graduation == date(2027, 6, 1)
    with pytest.raises(PermissionDenied):
        services.student_update(actor=w["official"], student=student, name="改")
    with pytest.raises(PermissionDenied):
        services.student_update(actor=w["foreign_secretariat"], student=student, name="改")
    services.student_update(actor=w["secretariat"], student=student, skills="焊接")
    student.refresh_from_db()
    assert student.skills == "焊接" and student.name == "x"


def test_catalogue_load_is_idempotent():
    assert services.catalogue_load() == 19
    assert services.catalogue_load() == 19
    from schools.models import ProgrammeMajorCategory

    assert ProgrammeMajorCategory.objects.count() == 19
