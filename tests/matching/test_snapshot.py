"""matching.snapshot: database rows → engine rows, their filters, a constant number of queries, a stable hash."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enterprises.choices.demands import DemandKind, DemandStatus, NeedStatus
from enterprises.choices.order_classes import EnrolmentStatus
from matching.choices import NeedKind, ProviderKind
from matching.snapshot import (
    build_snapshot,
    demand_rows,
    input_hash,
    is_local_place,
    params_from_dict,
    parse_synonyms,
    parse_terms,
    provider_rows,
    split_phrases,
    student_rows,
)
from schools.choices import StudentStatus
from tests.factories.enterprises_demands import (
    DemandSkillFactory,
    StaffTrainingNeedFactory,
    TalentDemandFactory,
    TechnologyProblemFactory,
)
from tests.factories.enterprises_order_classes import EnrolmentFactory, OrderClassFactory
from tests.factories.enterprises_rnd import RnDPlatformFactory
from tests.factories.practice_center import PracticeCentreFactory, ResourceFactory, TrainingSessionFactory
from tests.factories.schools import (
    IndustryProfessorFactory,
    PoolExpertFactory,
    ProgrammeIndustryLinkFactory,
    StudentCertificateFactory,
    TeacherFactory,
)
from tests.factories.tenancy import IndustryFactory, LocalChainFactory

from .scenario import build_scenario, graduate

ALL_KINDS = ["talent", "training", "technology"]


# --- pure helpers (no database) -----------------------------------------------------------------------------------


def test_split_phrases_keeps_order_and_drops_duplicates():
    assert split_phrases("焊接、识图，CAD; 焊接\nPLC编程/电工") == ("焊接", "识图", "CAD", "PLC编程", "电工")
    assert split_phrases("") == ()
    assert split_phrases(None) == ()


def test_parse_synonyms_reports_malformed_lines():
    mapping, bad = parse_synonyms("电焊=焊接\n\n# comment\n氩弧焊、气保焊＝焊接\n只有左边\n=右边\na=b=c")
    assert mapping == {"电焊": "焊接", "氩弧焊": "焊接", "气保焊": "焊接"}
    assert bad == [5, 6, 7]


def test_parse_terms_and_local_places():
    terms = parse_terms("宝清\n七星泡, 青原\n宝清")
    assert terms == sorted({"宝清", "七星泡", "青原"})
    assert is_local_place("宝清县城", terms)
    assert is_local_place("", terms)  # no place: assume local
    assert not is_local_place("哈尔滨市", terms)
    assert is_local_place("哈尔滨市", [])  # nothing configured: cannot tell, treat as local


def test_params_from_dict_fills_defaults():
    params = params_from_dict({"weights": {"skills": 0.5}, "top_k": 3, "synonyms": {"电焊": "焊接"}})
    assert params.weights["skills"] == 0.5 and params.weights["programme"] == 0.40
    assert params.top_k == 3 and params.candidate_k == 30 and params.synonyms == {"电焊": "焊接"}


def test_input_hash_is_canonical():
    a = input_hash({"b": frozenset({3, 1}), "a": date(2026, 6, 1)}, [1.0])
    b = input_hash({"a": date(2026, 6, 1), "b": frozenset({1, 3})}, [1.0])
    assert a == b and len(a) == 64
    assert a != input_hash({"a": date(2026, 6, 1), "b": frozenset({1, 3})}, [1.5])


# --- students -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_student_rows_carry_programme_industries_skills_certificates_and_ties():
    world = build_scenario(students_per_school=1)
    student = world.students1[0]
    coal, power, preferred = IndustryFactory(), IndustryFactory(), IndustryFactory()
    chain = LocalChainFactory(consortium=world.consortium)
    chain.industries.set([power])
    ProgrammeIndustryLinkFactory(programme=world.programme1, local_chain=None, industry=coal)
    ProgrammeIndustryLinkFactory(programme=world.programme1, local_chain=chain)
    student.preferred_industries.set([preferred])
    student.preferred_places = "宝清县，双鸭山"
    student.save()
    StudentCertificateFactory(student=student, name="电工（四级）")
    StudentCertificateFactory(student=student, name="1+X 可编程控制器")
    order_class = OrderClassFactory(unit=world.school1, partner_unit=world.ent1, programme=world.programme1,
                                    cohort=student.cohort)
    EnrolmentFactory(order_class=order_class, student=student)
    withdrawn = OrderClassFactory(unit=world.school1, partner_unit=world.ent2, programme=world.programme1,
                                  cohort=student.cohort)
    EnrolmentFactory(order_class=withdrawn, student=student, status=EnrolmentStatus.WITHDRAWN)

    rows = {row.id: row for row in student_rows(world.consortium.pk)}
    row = rows[student.pk]
    assert row.unit_id == world.school1.pk
    assert row.programme_id == world.programme1.pk
    assert row.programme_class == "4603"
    assert row.major_category_id == world.programme1.major_category_id
    assert row.level == "associate"
    assert row.graduation == student.expected_graduation.replace(day=1)
    assert row.studying is False
    assert row.skills == ("PLC编程", "电工", "机械识图")
    assert row.certificates == ("1+X 可编程控制器", "电工（四级）")
    assert row.industry_ids == frozenset({coal.pk, power.pk, preferred.pk})
    assert row.willing_local is True
    assert row.places == ("宝清县", "双鸭山")
    assert row.order_class_unit_ids == frozenset({world.ent1.pk})


@pytest.mark.django_db
def test_student_rows_take_studying_and_graduated_students_of_the_cohort_only():
    world = build_scenario(students_per_school=1)
    graduate_ = world.students1[0]
    studying = graduate(world.programme1, skills="电工", status=StudentStatus.STUDYING)
    employed = graduate(world.programme1, skills="电工", status=StudentStatus.EMPLOYED)
    later = graduate(world.programme1, skills="电工", expected_graduation=date(2030, 6, 1), cohort=2027,
                     status=StudentStatus.STUDYING)
    graduate(world.programme1, skills="电工", status=StudentStatus.FURTHER_STUDY)
    foreign = graduate(world.programme1, skills="电工")  # same school: to check the consortium filter below
    ids = [row.id for row in student_rows(world.consortium.pk)]
    assert ids == sorted(ids)  # deterministic order
    assert employed.pk not in ids
    assert {graduate_.pk, studying.pk, later.pk, foreign.pk} <= set(ids)
    assert {row.id for row in student_rows(world.consortium.pk, cohort=2030)} == {later.pk}
    assert student_rows(world.other.pk) == []


# --- demands ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demand_rows_are_published_open_and_of_the_chosen_kinds():
    world = build_scenario(students_per_school=1)
    energy = IndustryFactory()
    world.ent1.industries.set([energy])
    internship = TalentDemandFactory(unit=world.ent1, kind=DemandKind.INTERNSHIP, place="哈尔滨市", headcount=3,
                                     filled_count=1, status=DemandStatus.PARTLY_FILLED)
    TalentDemandFactory(unit=world.ent1, headcount=2, filled_count=2, status=DemandStatus.FILLED)
    TalentDemandFactory(unit=world.ent1, status=DemandStatus.SUBMITTED)
    TalentDemandFactory(unit=world.ent1, valid_until=timezone.localdate() - timedelta(days=1))
    TalentDemandFactory(unit__consortium=world.other)

    rows = {row.id: row for row in demand_rows(world.consortium.pk, local_terms=["宝清"])}
    assert set(rows) == {world.demand1.pk, world.demand2.pk, internship.pk}
    first = rows[world.demand1.pk]
    assert first.unit_id == world.ent1.pk and first.kind == "employment" and first.capacity == 2
    assert first.programme_ids == frozenset({world.programme1.pk})
    assert first.programme_classes == frozenset({"4603"})
    assert first.major_category_ids == frozenset({world.programme1.major_category_id})
    assert first.skills == (("PLC编程", 5), ("电工", 3))
    assert first.industry_ids == frozenset({energy.pk})
    assert first.is_local is True
    assert rows[internship.pk].capacity == 2
    assert rows[internship.pk].is_local is False  # 哈尔滨 is not among the local terms

    only = demand_rows(world.consortium.pk, kinds=["internship"], local_terms=["宝清"])
    assert [row.id for row in only] == [internship.pk]


# --- needs and providers ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_providers_of_training_needs_and_technology_problems():
    world = build_scenario(students_per_school=1)
    need = StaffTrainingNeedFactory(unit=world.ent1, topic="PLC编程培训", content="西门子S7-1200")
    StaffTrainingNeedFactory(unit=world.ent1, status=NeedStatus.SUBMITTED)
    problem = TechnologyProblemFactory(unit=world.ent2, title="焊接变形控制", description="薄板焊接变形大")
    centre = PracticeCentreFactory(owner_unit=world.school1, description="智能制造实训")
    ResourceFactory(centre=centre, name="PLC实训室", description="西门子PLC")
    PracticeCentreFactory(owner_unit=world.school2, is_published=False)
    session = TrainingSessionFactory(centre=centre, course="PLC编程培训班")
    teacher = TeacherFactory(unit=world.school1, expertise="PLC编程、工业机器人")
    TeacherFactory(unit=world.school1, expertise="")  # nothing to match on
    professor = IndustryProfessorFactory(unit=world.school2, outputs="焊接工艺改进", term_end=date(2099, 12, 31))
    IndustryProfessorFactory(
        unit=world.school2, outputs="过期", term_start=date(2019, 1, 1), term_end=date(2020, 12, 31)
    )
    expert = PoolExpertFactory(unit=world.ent2, expertise="焊接机器人")
    PoolExpertFactory(unit=world.ent2, is_listed=False)
    platform = RnDPlatformFactory(unit=world.school2, description="焊接技术研究")

    training = provider_rows(world.consortium.pk, NeedKind.TRAINING)
    keys = [(row.kind, row.id) for row in training.rows]
    assert keys == sorted(keys)
    assert set(keys) == {
        (ProviderKind.CENTRE, centre.pk), (ProviderKind.COURSE, session.pk), (ProviderKind.TEACHER, teacher.pk),
        (ProviderKind.PROFESSOR, professor.pk), (ProviderKind.EXPERT, expert.pk),
    }
    centre_row = next(row for row in training.rows if row.kind == ProviderKind.CENTRE)
    assert "PLC实训室" in centre_row.text and "智能制造实训" in centre_row.text
    assert centre_row.unit_id == world.school1.pk
    assert training.labels[(ProviderKind.COURSE, session.pk)] == f"PLC编程培训班（{centre.name}）"

    technology = provider_rows(world.consortium.pk, NeedKind.TECHNOLOGY)
    assert {(row.kind, row.id) for row in technology.rows} == {
        (ProviderKind.TEACHER, teacher.pk), (ProviderKind.PROFESSOR, professor.pk),
        (ProviderKind.EXPERT, expert.pk), (ProviderKind.PLATFORM, platform.pk),
    }

    snapshot = build_snapshot(world.consortium.pk, kinds=["training", "technology"])
    assert [n.id for n in snapshot.needs["training"]] == [need.pk]
    assert "西门子S7-1200" in snapshot.needs["training"][0].text
    assert [n.id for n in snapshot.needs["technology"]] == [problem.pk]
    assert snapshot.students == [] and snapshot.demands == []


# --- the whole snapshot -------------------------------------------------------------------------------------------


def _grow(world, n: int) -> None:
    """Add ``n`` students with certificates, preferred industries and order-class enrolments, and ``n`` demands with
    programmes and skills, plus providers of every kind."""
    industry = IndustryFactory()
    order_class = OrderClassFactory(unit=world.school1, partner_unit=world.ent1, programme=world.programme1,
                                    cohort=world.students1[0].cohort)
    for i in range(n):
        student = graduate(world.programme1, skills=f"技能{i}、电工", offering=world.students1[0].offering)
        student.preferred_industries.set([industry])
        StudentCertificateFactory(student=student, name=f"证书{i}")
        EnrolmentFactory(order_class=order_class, student=student)
        demand = TalentDemandFactory(unit=world.ent1 if i % 2 else world.ent2)
        demand.programmes.set([world.programme1, world.programme2])
        DemandSkillFactory(demand=demand, name=f"技能{i}")
        StaffTrainingNeedFactory(unit=world.ent1)
        TechnologyProblemFactory(unit=world.ent2)
        TeacherFactory(unit=world.school1, expertise=f"专长{i}").programmes.set([world.programme1])
        PoolExpertFactory(unit=world.ent2).industries.set([industry])
        IndustryProfessorFactory(unit=world.school2, outputs=f"成果{i}", term_end=date(2099, 1, 1))
        RnDPlatformFactory(unit=world.school2, description=f"平台{i}")
        centre = PracticeCentreFactory(owner_unit=world.school1)
        ResourceFactory(centre=centre).industries.set([industry])
        TrainingSessionFactory(centre=centre)


def _queries(world) -> int:
    with CaptureQueriesContext(connection) as captured:
        build_snapshot(world.consortium.pk, kinds=ALL_KINDS, params={"local_terms": ["宝清"]})
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_snapshot_query_count_does_not_grow_with_rows():
    world = build_scenario(students_per_school=1)
    _grow(world, 2)
    small = _queries(world)
    _grow(world, 6)
    large = _queries(world)
    snapshot = build_snapshot(world.consortium.pk, kinds=ALL_KINDS)
    assert len(snapshot.students) == 2 + 8 and len(snapshot.demands) == 2 + 8
    assert large == small, f"{small} queries for few rows, {large} for more"
    assert small <= 40


@pytest.mark.django_db
def test_input_hash_is_stable_and_follows_the_data_and_the_parameters():
    world = build_scenario(students_per_school=2)
    params = {"weights": {"skills": 0.3}, "top_k": 5, "local_terms": ["宝清"]}
    first = build_snapshot(world.consortium.pk, kinds=["talent"], params=params)
    again = build_snapshot(world.consortium.pk, kinds=["talent"], params=dict(params))
    assert first.input_hash == again.input_hash
    assert first.students == again.students and first.demands == again.demands

    changed_params = build_snapshot(world.consortium.pk, kinds=["talent"], params={**params, "top_k": 6})
    assert changed_params.input_hash != first.input_hash
    student = world.students1[0]
    student.skills = "PLC编程"
    student.save()
    changed_data = build_snapshot(world.consortium.pk, kinds=["talent"], params=params)
    assert changed_data.input_hash != first.input_hash
    assert changed_data.params.top_k == 5
