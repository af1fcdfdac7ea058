"""Pages of the school structure side: schools, campuses, programmes, groups, offerings, mapping and alignment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consortium.tenancy.models import Consortium, LocalChain, User
from schools.models import Campus, Programme, ProgrammeGroup, ProgrammeIndustryLink, ProgrammeOffering, SchoolProfile
from schools.views.programmes import alignment_table, supply_by_programme
from tests.factories.schools import (
    CampusFactory,
    ProgrammeFactory,
    ProgrammeIndustryLinkFactory,
    ProgrammeOfferingFactory,
    SchoolProfileFactory,
    SchoolUnitFactory,
    StudentFactory,
    TeacherFactory,
    equipment_category,
)
from tests.factories.tenancy import (
    ConsortiumFactory,
    IndustryFactory,
    LocalChainFactory,
    MemberUnitFactory,
    UnitMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


@dataclass
class W:
    consortium: Consortium
    secretariat: User
    official: User
    admin: User  # unit admin of school A
    staff: User  # unit staff of school A
    other: User  # unit admin of school B
    school_a: SchoolProfile
    school_b: SchoolProfile
    foreign_school: SchoolProfile
    prog_a: Programme
    prog_b: Programme
    foreign_prog: Programme
    offering_a: ProgrammeOffering
    chain: LocalChain
    campus_a: Campus
    foreign_campus: Campus


@pytest.fixture
def w() -> W:
    consortium, other_consortium = ConsortiumFactory(), ConsortiumFactory()
    school_a = SchoolProfileFactory(unit=SchoolUnitFactory(consortium=consortium, name="甲职业学校"), staffing_quota=50)
    school_b = SchoolProfileFactory(unit=SchoolUnitFactory(consortium=consortium, name="乙职业学校"))
    foreign = SchoolProfileFactory(unit=SchoolUnitFactory(consortium=other_consortium, name="外县职业学校"))
    prog_a = ProgrammeFactory(unit=school_a.unit, name="机电一体化技术", code="460301")
    prog_b = ProgrammeFactory(unit=school_b.unit, name="煤矿智能开采技术", code="460701")  # never matches "4603"
    foreign_prog = ProgrammeFactory(unit=foreign.unit, name="外县专业")
    offering_a = ProgrammeOfferingFactory(programme=prog_a, year=THIS_YEAR - 2, planned_intake=60)
    chain = LocalChainFactory(consortium=consortium, name="煤电化产业链")
    return W(
        consortium=consortium,
        secretariat=UserFactory(consortium=consortium, secretariat=True),
        official=UserFactory(consortium=consortium, official=True),
        admin=UnitMembershipFactory(unit=school_a.unit, admin=True).user,
        staff=UnitMembershipFactory(unit=school_a.unit).user,
        other=UnitMembershipFactory(unit=school_b.unit, admin=True).user,
        school_a=school_a,
        school_b=school_b,
        foreign_school=foreign,
        prog_a=prog_a,
        prog_b=prog_b,
        foreign_prog=foreign_prog,
        offering_a=offering_a,
        chain=chain,
        campus_a=CampusFactory(school=school_a, name="主校区"),
        foreign_campus=CampusFactory(school=foreign),
    )


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, pk: int | None = None) -> str:
    return reverse(f"schools:{name}", kwargs={"pk": pk} if pk is not None else None)


ROLES = ["secretariat", "official", "admin", "staff", "other"]


# --- reading --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_list_pages_show_exactly_the_consortium_rows(w, role):
    client = login(getattr(w, role))
    schools = client.get(url("school-list"))
    assert schools.status_code == 200
    assert {s.pk for s in schools.context["schools"]} == {w.school_a.pk, w.school_b.pk}
    assert "外县职业学校" not in schools.content.decode()
    programmes = client.get(url("programme-list"))
    assert programmes.status_code == 200
    assert {p.pk for p in programmes.context["programmes"]} == {w.prog_a.pk, w.prog_b.pk}
    assert client.get(url("alignment")).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_detail_pages_render_and_foreign_objects_are_404(w, role):
    client = login(getattr(w, role))
    for name, pk in [("school-detail", w.school_a.pk), ("school-detail", w.school_b.pk),
                     ("programme-detail", w.prog_a.pk), ("programme-detail", w.prog_b.pk)]:
        assert client.get(url(name, pk)).status_code == 200, name
    for name, pk in [("school-detail", w.foreign_school.pk), ("programme-detail", w.foreign_prog.pk),
                     ("school-edit", w.foreign_school.pk), ("programme-edit", w.foreign_prog.pk),
                     ("campus-edit", w.foreign_campus.pk), ("campus-delete", w.foreign_campus.pk),
                     ("programme-links", w.foreign_prog.pk), ("offering-create", w.foreign_prog.pk),
                     ("campus-create", w.foreign_school.pk), ("programme-create", w.foreign_school.pk),
                     ("group-create", w.foreign_school.pk),
                     ("school-create-profile", w.foreign_school.unit_id), ("school-detail", 999999)]:
        assert client.get(url(name, pk)).status_code == 404, name


@pytest.mark.parametrize("role, can_edit, sees_cap", [
    ("secretariat", True, True), ("official", False, True), ("admin", True, True), ("staff", False, True),
    ("other", False, False),
])
def test_school_detail_buttons_and_part_time_card_follow_the_role(w, role, can_edit, sees_cap):
    TeacherFactory(unit=w.school_a.unit, part_time=True)
    response = login(getattr(w, role)).get(url("school-detail", w.school_a.pk))
    html = response.content.decode()
    assert ('data-testid="school-actions"' in html) is can_edit
    assert (url("school-edit", w.school_a.pk) in html) is can_edit
    assert ('data-testid="part-time-card"' in html) is sees_cap
    if sees_cap:
        assert response.context["cap"] == {"quota": 50, "cap": 10, "current": 1, "headroom": 9}
    else:
        assert "cap" not in response.context


def test_programme_detail_shows_offerings_with_supply_from_student_records(w):
    grad = THIS_YEAR
    for _ in range(3):
        StudentFactory(offering=w.offering_a, expected_graduation=date(grad, 6, 1))
    StudentFactory(offering=w.offering_a, expected_graduation=date(grad + 1, 6, 1), status="internship")
    ProgrammeIndustryLinkFactory(programme=w.prog_a, local_chain=w.chain, weight=80)
    response = login(w.official).get(url("programme-detail", w.prog_a.pk))
    offering = response.context["offerings"][0]
    assert offering.supply["total"] == 4
    assert offering.supply["expected_graduates"] == 3
    assert [(link.local_chain_id, link.weight) for link in response.context["links"]] == [(w.chain.pk, 80)]
    assert not response.context["can_edit"]
    assert url("programme-edit", w.prog_a.pk) not in response.content.decode()


def test_programme_list_filters(w):
    client = login(w.secretariat)
    ProgrammeIndustryLinkFactory(programme=w.prog_b, local_chain=w.chain)
    ProgrammeOfferingFactory(programme=w.prog_b, priority_class="shortage", status="new")

    def ids(**params):
        return {p.pk for p in client.get(url("programme-list"), params).context["programmes"]}

    assert ids(q="机电") == {w.prog_a.pk}
    assert ids(q="4603") == {w.prog_a.pk}
    assert ids(school=w.school_b.pk) == {w.prog_b.pk}
    assert ids(chain=w.chain.pk) == {w.prog_b.pk}
    assert ids(priority="shortage") == {w.prog_b.pk}
    assert ids(status="new") == {w.prog_b.pk}
    assert ids(major_category=equipment_category().pk, level="associate") == {w.prog_a.pk, w.prog_b.pk}
    assert ids(school=w.foreign_school.pk) == {w.prog_a.pk, w.prog_b.pk}  # a foreign id is dropped, not obeyed
    htmx = client.get(url("programme-list"), {"q": "煤矿"}, HTTP_HX_REQUEST="true")
    assert [t.name for t in htmx.templates][0] == "schools/programmes/_programme_results.html"


def _count_queries(client: Client, target: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(target).status_code == 200
    return len(ctx.captured_queries)


def test_list_query_counts_do_not_grow_with_rows(w):
    client = login(w.secretariat)
    few_programmes = _count_queries(client, url("programme-list"))
    few_schools = _count_queries(client, url("school-list"))
    for _ in range(27):
        programme = ProgrammeFactory(unit=w.school_b.unit)
        ProgrammeOfferingFactory(programme=programme)
        ProgrammeIndustryLinkFactory(programme=programme, local_chain=LocalChainFactory(consortium=w.consortium))
        SchoolProfileFactory(unit=SchoolUnitFactory(consortium=w.consortium))
    assert Programme.objects.filter(consortium=w.consortium).count() == 29
    assert _count_queries(client, url("programme-list")) == few_programmes
    assert _count_queries(client, url("school-list")) == few_schools


# --- writing --------------------------------------------------------------------------------------------------------


def test_school_admin_edits_profile_and_low_quota_is_a_form_error(w):
    client = login(w.admin)
    for _ in range(5):
        TeacherFactory(unit=w.school_a.unit, part_time=True)
    data = {"level": "higher_vocational", "staffing_quota": 20, "enrolment": 900, "founded_year": 1990, "notes": ""}
    response = client.post(url("school-edit", w.school_a.pk), data)
    assert response.status_code == 200
    errors = response.context["form"].errors["staffing_quota"]
    assert "现有兼职教师5人" in errors[0] and "至少应为25人" in errors[0]
    w.school_a.refresh_from_db()
    assert (w.school_a.staffing_quota, w.school_a.level) == (50, "secondary_vocational")
    response = client.post(url("school-edit", w.school_a.pk), {**data, "staffing_quota": 25})
    assert response.status_code == 302
    w.school_a.refresh_from_db()
    assert (w.school_a.staffing_quota, w.school_a.level) == (25, "higher_vocational")


@pytest.mark.parametrize("role", ["official", "staff", "other"])
def test_denied_edits_answer_403_and_change_nothing(w, role):
    client = login(getattr(w, role))
    data = {"level": "higher_vocational", "staffing_quota": 99, "enrolment": 1, "founded_year": 2000, "notes": "x"}
    before = SchoolProfile.objects.values().get(pk=w.school_a.pk)
    assert client.get(url("school-edit", w.school_a.pk)).status_code == 403
    assert client.post(url("school-edit", w.school_a.pk), data).status_code == 403
    assert SchoolProfile.objects.values().get(pk=w.school_a.pk) == before
    prog = {"level": "associate", "code": "460302", "name": "新专业", "is_active": "on"}
    assert client.post(url("programme-create", w.school_a.pk), prog).status_code == 403
    assert client.post(url("programme-edit", w.prog_a.pk), prog).status_code == 403
    assert client.post(url("campus-delete", w.campus_a.pk)).status_code == 403
    offering = {"year": THIS_YEAR, "planned_intake": 1, "status": "new", "priority_class": "none"}
    assert client.post(url("offering-create", w.prog_a.pk), offering).status_code == 403
    assert Programme.objects.filter(unit=w.school_a.unit).count() == 1
    assert Campus.objects.filter(pk=w.campus_a.pk).exists()
    assert ProgrammeOffering.objects.filter(programme=w.prog_a).count() == 1
    w.prog_a.refresh_from_db()
    assert w.prog_a.name == "机电一体化技术"


def test_programme_create_validates_code_against_category(w):
    client = login(w.admin)
    data = {"level": "associate", "code": "510101", "name": "错误代码专业", "major_category": equipment_category().pk,
            "is_active": "on"}
    response = client.post(url("programme-create", w.school_a.pk), data)
    assert response.status_code == 200
    assert "专业代码前两位应为专业大类代码“46”" in response.context["form"].errors["code"][0]
    data_no_category = {**data, "major_category": "", "code": "990101"}
    response = client.post(url("programme-create", w.school_a.pk), data_no_category)
    assert "专业代码前两位不是该层次任何专业大类的代码。" in response.context["form"].errors["code"]
    duplicate = {**data, "code": "460301", "name": "重复"}
    response = client.post(url("programme-create", w.school_a.pk), duplicate)
    assert response.status_code == 200 and response.context["form"].errors
    assert Programme.objects.filter(unit=w.school_a.unit).count() == 1
    response = client.post(url("programme-create", w.school_a.pk), {**data, "code": "460305", "major_category": ""})
    assert response.status_code == 302
    created = Programme.objects.get(unit=w.school_a.unit, code="460305")
    assert created.major_category == equipment_category()


def test_programme_edit_by_secretariat(w):
    data = {"level": "associate", "code": "460301", "name": "机电一体化技术（新）", "major_category": "",
            "is_active": ""}
    response = login(w.secretariat).post(url("programme-edit", w.prog_a.pk), data)
    assert response.status_code == 302
    w.prog_a.refresh_from_db()
    assert (w.prog_a.name, w.prog_a.is_active) == ("机电一体化技术（新）", False)


def _links_post(rows, initial=0):
    data = {"links-TOTAL_FORMS": str(len(rows)), "links-INITIAL_FORMS": str(initial), "links-MIN_NUM_FORMS": "0",
            "links-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"links-{i}-{key}"] = value
    return data


def test_link_editor_saves_through_the_service_and_shows_errors(w):
    client = login(w.admin)
    industry = IndustryFactory()
    existing = ProgrammeIndustryLinkFactory(programme=w.prog_a, local_chain=w.chain, weight=50)
    page = client.get(url("programme-links", w.prog_a.pk))
    assert page.status_code == 200 and page.context["formset"].forms[0].initial["weight"] == 50
    # both targets on one row: the model's message, nothing changed
    bad = _links_post([{"industry": industry.pk, "local_chain": w.chain.pk, "weight": "40"}])
    response = client.post(url("programme-links", w.prog_a.pk), bad)
    assert response.status_code == 200
    assert "只能二选一" in response.content.decode()
    # weight out of range
    response = client.post(url("programme-links", w.prog_a.pk), _links_post([{"industry": industry.pk, "weight": "0"}]))
    assert response.status_code == 200 and response.context["formset"].forms[0].errors["weight"]
    # the same target twice: the service's message
    twice = _links_post([{"industry": industry.pk, "weight": "40"}, {"industry": industry.pk, "weight": "30"}])
    response = client.post(url("programme-links", w.prog_a.pk), twice)
    assert "第2项：同一目标重复出现。" in response.context["service_errors"]
    # a foreign chain cannot be chosen
    foreign_chain = LocalChainFactory(consortium=w.foreign_school.consortium)
    response = client.post(url("programme-links", w.prog_a.pk),
                           _links_post([{"local_chain": foreign_chain.pk, "weight": "40"}]))
    assert response.status_code == 200 and response.context["formset"].forms[0].errors["local_chain"]
    assert list(ProgrammeIndustryLink.objects.filter(programme=w.prog_a).values_list("pk", "weight")) == [
        (existing.pk, 50)
    ]
    ok = _links_post([{"local_chain": w.chain.pk, "weight": "70"}, {"industry": industry.pk, "weight": "30"},
                      {"industry": "", "local_chain": "", "weight": "100"}])
    response = client.post(url("programme-links", w.prog_a.pk), ok)
    assert response.status_code == 302
    assert set(ProgrammeIndustryLink.objects.filter(programme=w.prog_a).values_list(
        "local_chain_id", "industry_id", "weight")) == {(w.chain.pk, None, 70), (None, industry.pk, 30)}


def test_other_school_cannot_edit_links(w):
    ProgrammeIndustryLinkFactory(programme=w.prog_a, local_chain=w.chain, weight=50)
    response = login(w.other).post(url("programme-links", w.prog_a.pk),
                                   _links_post([{"local_chain": w.chain.pk, "weight": "10"}]))
    assert response.status_code == 403
    assert list(ProgrammeIndustryLink.objects.filter(programme=w.prog_a).values_list("weight", flat=True)) == [50]


def test_offering_create_and_edit(w):
    client = login(w.admin)
    data = {"year": THIS_YEAR, "planned_intake": 45, "reported_enrolled": "", "status": "expanding",
            "priority_class": "shortage", "note": ""}
    assert client.post(url("offering-create", w.prog_a.pk), data).status_code == 302
    offering = ProgrammeOffering.objects.get(programme=w.prog_a, year=THIS_YEAR)
    assert (offering.planned_intake, offering.status) == (45, "expanding")
    dup = client.post(url("offering-create", w.prog_a.pk), {**data, "planned_intake": 1})
    assert dup.status_code == 200 and dup.context["form"].errors["year"]
    bad = client.post(url("offering-edit", offering.pk), {**data, "planned_intake": -3})
    assert bad.status_code == 200 and bad.context["form"].errors["planned_intake"]
    ok = client.post(url("offering-edit", offering.pk), {**data, "year": 1999, "planned_intake": 50})
    assert ok.status_code == 302
    offering.refresh_from_db()
    assert (offering.year, offering.planned_intake) == (THIS_YEAR, 50)  # the year is fixed once created


def test_campus_create_edit_delete(w):
    client = login(w.admin)
    assert client.post(url("campus-create", w.school_a.pk), {"name": "主校区", "address": ""}).status_code == 200
    assert Campus.objects.filter(school=w.school_a).count() == 1  # duplicate name refused as a form error
    assert client.post(url("campus-create", w.school_a.pk), {"name": "东校区", "area_mu": "120.5"}).status_code == 302
    east = Campus.objects.get(school=w.school_a, name="东校区")
    assert client.post(url("campus-edit", east.pk), {"name": "东校区", "area_mu": "-1"}).status_code == 200
    assert client.post(url("campus-edit", east.pk), {"name": "东区", "area_mu": "99"}).status_code == 302
    east.refresh_from_db()
    assert east.name == "东区"
    assert client.get(url("campus-delete", east.pk)).status_code == 200
    assert client.post(url("campus-delete", east.pk)).status_code == 302
    assert not Campus.objects.filter(pk=east.pk).exists()


def test_group_create_only_offers_own_programmes(w):
    client = login(w.admin)
    page = client.get(url("group-create", w.school_a.pk))
    assert set(page.context["form"].fields["programmes"].queryset) == {w.prog_a}
    bad = client.post(url("group-create", w.school_a.pk), {"name": "智能制造专业群", "programmes": [w.prog_b.pk]})
    assert bad.status_code == 200 and bad.context["form"].errors["programmes"]
    assert not ProgrammeGroup.objects.exists()
    ok = client.post(url("group-create", w.school_a.pk), {"name": "智能制造专业群", "lead_programme": w.prog_a.pk})
    assert ok.status_code == 302
    group = ProgrammeGroup.objects.get()
    assert list(group.programmes.all()) == [w.prog_a]
    edit = {"name": "智能制造群", "lead_programme": w.prog_a.pk}
    assert client.post(url("group-edit", group.pk), edit).status_code == 302
    group.refresh_from_db()
    assert group.name == "智能制造群"
    assert login(w.other).post(url("group-edit", group.pk), {"name": "x"}).status_code == 403


def test_create_profile_for_a_school_unit_without_one(w):
    unit = SchoolUnitFactory(consortium=w.consortium, name="丙职业学校")
    admin = UnitMembershipFactory(unit=unit, admin=True).user
    listing = login(admin).get(url("school-list"))
    assert [u.pk for u in listing.context["missing_profiles"]] == [unit.pk]
    assert login(w.admin).get(url("school-list")).context["missing_profiles"] == []
    assert login(w.admin).post(url("school-create-profile", unit.pk), {"level": "technical_school"}).status_code == 403
    data = {"level": "technical_school", "staffing_quota": 80, "enrolment": 600}
    response = login(admin).post(url("school-create-profile", unit.pk), data)
    assert response.status_code == 302
    profile = SchoolProfile.objects.get(unit=unit)
    assert (profile.level, profile.staffing_quota) == ("technical_school", 80)
    enterprise = MemberUnitFactory(consortium=w.consortium)
    refused = login(w.secretariat).post(url("school-create-profile", enterprise.pk), data)
    assert refused.status_code == 200 and refused.context["form"].non_field_errors()
    assert not SchoolProfile.objects.filter(unit=enterprise).exists()


# --- alignment ------------------------------------------------------------------------------------------------------


def test_alignment_is_honest_when_empty(w):
    response = login(w.official).get(url("alignment"))
    assert response.status_code == 200
    assert not response.context["has_links"]
    assert 'data-testid="alignment-empty"' in response.content.decode()


def test_alignment_weights_programmes_and_graduates(w):
    industry = IndustryFactory()
    ProgrammeIndustryLinkFactory(programme=w.prog_a, local_chain=w.chain, weight=50)
    ProgrammeIndustryLinkFactory(programme=w.prog_b, local_chain=w.chain, weight=100)
    ProgrammeIndustryLinkFactory(programme=w.prog_a, local_chain=None, industry=industry, weight=40)
    ProgrammeIndustryLinkFactory(programme=w.foreign_prog,
                                 local_chain=LocalChainFactory(consortium=w.foreign_school.consortium))
    for _ in range(4):
        StudentFactory(offering=w.offering_a, expected_graduation=date(THIS_YEAR, 6, 1))
    response = login(w.admin).get(url("alignment"), {"year": THIS_YEAR})
    chain_row = next(r for r in response.context["chain_rows"] if r["id"] == w.chain.pk)
    assert (chain_row["programmes"], chain_row["weighted"], chain_row["graduates"]) == (2, 1.5, 2.0)
    industry_row = next(r for r in response.context["industry_rows"] if r["id"] == industry.pk)
    assert (industry_row["programmes"], industry_row["weighted"], industry_row["graduates"]) == (1, 0.4, 1.6)
    assert len(response.context["chain_rows"]) == 1  # the foreign chain is not listed
    html = response.content.decode()
    assert 'id="chain-chart-data"' in html and "煤电化产业链" in html


def test_alignment_is_not_for_enterprises(w):
    enterprise_user = UnitMembershipFactory(unit=MemberUnitFactory(consortium=w.consortium)).user
    assert login(enterprise_user).get(url("alignment")).status_code == 403


def test_alignment_table_is_pure():
    supply = supply_by_programme([
        {"programme_id": 1, "total": 10, "studying": 6, "internship": 2, "expected_graduates": 4},
        {"programme_id": 1, "total": 5, "studying": 5, "internship": 0, "expected_graduates": 0},
    ])
    assert supply == {1: {"total": 15, "in_school": 13, "expected_graduates": 4}}
    rows = alignment_table([{"target": 7, "programme_id": 1, "weight": 25}, {"target": 99, "programme_id": 1,
                                                                               "weight": 100}],
                           supply, [(7, "链"), (8, "空")])
    assert rows == [
        {"id": 7, "name": "链", "programmes": 1, "weighted": 0.25, "graduates": 1.0, "in_school": 3.2},
        {"id": 8, "name": "空", "programmes": 0, "weighted": 0.0, "graduates": 0.0, "in_school": 0.0},
    ]
