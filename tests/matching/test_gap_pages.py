"""The gap page, its Excel export and the API: figures from real rows, who sees what, query counts, bad input."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from consortium.tenancy.models import Consortium, Industry, LocalChain, MemberUnit, User
from enterprises.choices.demands import DemandKind, DemandStatus
from enterprises.models.demands import TalentDemand
from matching.choices import CandidacyStatus
from matching.models import Candidacy, MatchSettings
from schools.choices import StudentStatus
from schools.models import Programme, Student
from tests.factories.enterprises_demands import EnterpriseUnitFactory, TalentDemandFactory
from tests.factories.enterprises_order_classes import EmploymentFactory, EnrolmentFactory, OrderClassFactory
from tests.factories.schools import (
    ProgrammeFactory,
    ProgrammeIndustryLinkFactory,
    ProgrammeOfferingFactory,
    SchoolUnitFactory,
    StudentFactory,
)
from tests.factories.tenancy import (
    ConsortiumFactory,
    IndustryFactory,
    LocalChainFactory,
    UnitMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Y = timezone.localdate().year
PAGE = "matching:gap"
EXPORT = "matching:gap-export"
API = "/api/v1/matching/gap/report/"


@dataclass
class W:
    a: Consortium
    b: Consortium
    secretariat: User
    official: User
    platform: User
    school1_user: User
    school2_user: User
    enterprise_user: User
    b_secretariat: User
    ind1: Industry
    ind2: Industry
    chain: LocalChain
    b_chain: LocalChain
    p1: Programme
    p2: Programme
    b_prog: Programme
    school1: MemberUnit
    school2: MemberUnit
    e1: MemberUnit


def student(offering, status=StudentStatus.STUDYING, graduation_year=Y) -> Student:
    return StudentFactory(offering=offering, status=status, expected_graduation=date(graduation_year, 6, 1))


def hire(st: Student, demand: TalentDemand) -> Candidacy:
    return Candidacy.objects.create(
        consortium=st.consortium, student=st, demand=demand, school_unit=st.unit, enterprise_unit=demand.unit,
        status=CandidacyStatus.HIRED,
    )


@pytest.fixture
def w() -> W:
    return build_w()


def build_w() -> W:
    """Consortium A: chain C (industry 1); school 1 runs P1 → industry 1, school 2 runs P2 → chain C.
    P1: 4 graduates in Y (x employed through an order class, w employed without a record, 2 studying) + 1 going on to
    further study; P2: 2 graduates (y hired at a demand in 宝清县 — local; z hired at 哈尔滨 — not local).
    Demand in Y (enterprise E1, industry 1): 10 (3 filled, names P1) + 2 (1 filled, 哈尔滨) + internship 4;
    enterprise E2 (industry 2): 12. A draft demand and other years are ignored. Consortium B mirrors some of it."""
    a, b = ConsortiumFactory(), ConsortiumFactory()
    ind1, ind2 = IndustryFactory(name="甲产业"), IndustryFactory(name="乙产业")
    chain = LocalChainFactory(consortium=a, name="煤电化产业链")
    chain.industries.set([ind1])
    school1, school2 = SchoolUnitFactory(consortium=a, name="一中职"), SchoolUnitFactory(consortium=a, name="二中职")
    e1, e2 = EnterpriseUnitFactory(consortium=a, name="甲企业"), EnterpriseUnitFactory(consortium=a, name="乙企业")
    e1.industries.set([ind1])
    e2.industries.set([ind2])
    p1 = ProgrammeFactory(unit=school1, code="460101", name="数控技术")
    p2 = ProgrammeFactory(unit=school2, code="460102", name="化工技术")
    ProgrammeIndustryLinkFactory(programme=p1, industry=ind1, local_chain=None, weight=100)
    ProgrammeIndustryLinkFactory(programme=p2, local_chain=chain, weight=80)
    o1 = ProgrammeOfferingFactory(programme=p1, year=Y - 3, planned_intake=40)
    ProgrammeOfferingFactory(programme=p1, year=Y, planned_intake=45)
    o2 = ProgrammeOfferingFactory(programme=p2, year=Y - 3)

    d1 = TalentDemandFactory(unit=e1, headcount=10, filled_count=3, status=DemandStatus.PARTLY_FILLED,
                             start_date=date(Y, 7, 1), place="宝清县城")
    d1.programmes.set([p1])
    d2 = TalentDemandFactory(unit=e1, headcount=2, filled_count=1, start_date=date(Y, 7, 1), place="哈尔滨市")
    TalentDemandFactory(unit=e1, headcount=4, kind=DemandKind.INTERNSHIP, start_date=date(Y, 3, 1))
    TalentDemandFactory(unit=e2, headcount=12, start_date=date(Y, 9, 1), place="")
    TalentDemandFactory(unit=e1, headcount=50, draft=True, start_date=date(Y, 7, 1))
    TalentDemandFactory(unit=e1, headcount=7, start_date=date(Y + 5, 7, 1))  # outside the trend window

    oc = OrderClassFactory(unit=school1, partner_unit=e1, programme=p1, cohort=Y - 3)
    x = student(o1, StudentStatus.EMPLOYED)
    EmploymentFactory(order_class=oc, enrolment=EnrolmentFactory(order_class=oc, student=x))
    student(o1, StudentStatus.EMPLOYED)
    student(o1)
    student(o1)
    student(o1, StudentStatus.FURTHER_STUDY)
    student(o1, graduation_year=Y + 1)
    hire(student(o2, StudentStatus.EMPLOYED), d1)
    hire(student(o2, StudentStatus.EMPLOYED), d2)
    MatchSettings.objects.create(consortium=a, local_terms="宝清\n七星泡")

    # consortium B: same global industry, its own chain, programme, students and demand
    b_chain = LocalChainFactory(consortium=b, name="乙县链")
    b_chain.industries.set([ind1])
    b_school = SchoolUnitFactory(consortium=b)
    b_prog = ProgrammeFactory(unit=b_school, name="乙县专业")
    ProgrammeIndustryLinkFactory(programme=b_prog, industry=ind1, local_chain=None, weight=100)
    b_off = ProgrammeOfferingFactory(programme=b_prog, year=Y - 3)
    for _ in range(5):
        student(b_off)
    b_ent = EnterpriseUnitFactory(consortium=b)
    b_ent.industries.set([ind1])
    TalentDemandFactory(unit=b_ent, headcount=100, start_date=date(Y, 7, 1))

    enterprise_user = UnitMembershipFactory(unit=e1, admin=True).user
    return W(
        a=a, b=b,
        secretariat=UserFactory(consortium=a, secretariat=True),
        official=UserFactory(consortium=a, official=True),
        platform=UserFactory(platform_admin=True),
        school1_user=UnitMembershipFactory(unit=school1, admin=True).user,
        school2_user=UnitMembershipFactory(unit=school2).user,
        enterprise_user=enterprise_user,
        b_secretariat=UserFactory(consortium=b, secretariat=True),
        ind1=ind1, ind2=ind2, chain=chain, b_chain=b_chain, p1=p1, p2=p2, b_prog=b_prog,
        school1=school1, school2=school2, e1=e1,
    )


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def get(user: User, name: str = PAGE, **params):
    return login(user).get(reverse(name), params)


def industry_row(report, industry):
    return next(r for r in report.industries if r.id == industry.pk)


# --- figures --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["secretariat", "official"])
def test_consortium_wide_roles_see_every_figure(w, role):
    response = get(getattr(w, role), year=Y)
    assert response.status_code == 200
    report = response.context["report"]
    s = report.summary
    # S = 4 + 2; D = 10 + 2 + 4 + 12; matched = min(6, 16) = 6; index = 200·6/34
    assert (s.expected_graduates, s.demand, s.filled, s.open, s.matched) == (6, 28, 4, 24, 6.0)
    assert (s.index, s.absorption, s.coverage, s.demand_with_programme) == (35.3, 100.0, 21.4, 57.1)
    # employed: x (order class, local), w (no record), y (hire in 宝清 — local), z (hire in 哈尔滨)
    assert (s.employed, s.local, s.local_share) == (4, 2, 50.0)
    row = industry_row(report, w.ind1)
    assert (row.expected_graduates, row.demand, row.filled, row.programmes, row.balance) == (6.0, 16.0, 4.0, 2, 54.5)
    assert [(c.name, c.expected_graduates, c.demand) for c in report.chains] == [("煤电化产业链", 6.0, 16.0)]
    programmes = {p.id: p for p in report.programmes}
    assert set(programmes) == {w.p1.pk, w.p2.pk}
    p1 = programmes[w.p1.pk]
    # M = 4, A = 4·16/6 = 10.67 → index = 800/14.67
    assert (p1.expected_graduates, p1.index, p1.demand_ratio, p1.named_demand, p1.planned_intake) == (
        4, 54.5, 2.67, 10, 45)
    assert (p1.employed, p1.local, p1.local_share, p1.action) == (2, 1, 50.0, "expand")
    assert (programmes[w.p2.pk].employed, programmes[w.p2.pk].local) == (2, 1)
    recs = {(r.subject, r.subject_id): r.action for r in report.recommendations}
    assert recs == {("industry", w.ind2.pk): "open", ("programme", w.p1.pk): "expand",
                    ("programme", w.p2.pk): "expand"}
    html = response.content.decode()
    assert 'id="gap-chain-data"' in html and 'id="gap-programme-data"' in html and "煤电化产业链" in html
    assert 'data-testid="gap-local-share"' in html and "乙县" not in html


def test_demand_kind_filter_changes_the_figures(w):
    report = get(w.secretariat, year=Y, kinds=[DemandKind.EMPLOYMENT]).context["report"]
    assert (report.summary.demand, industry_row(report, w.ind1).demand) == (24, 12.0)


def test_local_terms_decide_which_hires_are_local(w):
    MatchSettings.objects.filter(consortium=w.a).update(local_terms="")
    assert get(w.secretariat, year=Y).context["summary"].local == 3  # no place names: every hire is local


def test_chain_filter_selects_rows(w):
    other = LocalChainFactory(consortium=w.a, name="空产业链")
    response = get(w.secretariat, year=Y, chain=other.pk)
    report = response.context["report"]
    assert [c.id for c in report.chains] == [other.pk]
    assert report.industries == () and report.programmes == ()
    assert report.chains_without_industries == ("空产业链",)
    report = get(w.secretariat, year=Y, chain=w.chain.pk).context["report"]
    assert {p.id for p in report.programmes} == {w.p1.pk, w.p2.pk}
    assert [i.id for i in report.industries] == [w.ind1.pk]


def test_platform_admin_picks_the_consortium(w):
    report = get(w.platform, year=Y, consortium=w.a.pk).context["report"]
    assert {p.id for p in report.programmes} == {w.p1.pk, w.p2.pk}
    report = get(w.platform, year=Y, consortium=w.b.pk).context["report"]
    assert {p.id for p in report.programmes} == {w.b_prog.pk}
    assert get(w.platform, year=Y, consortium="x" * 30).status_code == 200  # bad id: the default consortium


# --- who sees what --------------------------------------------------------------------------------------------------


def test_school_user_sees_own_programmes_and_no_consortium_local_figures(w):
    response = get(w.school1_user, year=Y)
    assert response.status_code == 200
    report = response.context["report"]
    assert [p.id for p in report.programmes] == [w.p1.pk]
    assert report.programmes[0].local_share == 50.0  # own order-class record is visible to the school
    assert {(r.subject, r.subject_id) for r in report.recommendations} == {
        ("programme", w.p1.pk), ("industry", w.ind2.pk)}
    assert report.summary.demand == 28 and report.summary.index == 35.3  # consortium-wide figures are the same
    assert (report.summary.local_share, industry_row(report, w.ind1).local_share) == (None, None)
    html = response.content.decode()
    assert 'data-testid="gap-school-scope"' in html and 'data-testid="gap-local-share"' not in html
    assert "化工技术" not in html  # another school's programme
    report2 = get(w.school2_user, year=Y).context["report"]
    assert [(p.id, p.local, p.employed) for p in report2.programmes] == [(w.p2.pk, 1, 2)]


def test_other_consortium_sees_nothing_of_ours(w):
    response = get(w.b_secretariat, year=Y)
    report = response.context["report"]
    assert {p.id for p in report.programmes} == {w.b_prog.pk}
    assert [c.id for c in report.chains] == [w.b_chain.pk]
    assert (report.summary.expected_graduates, report.summary.demand) == (5, 100)
    html = response.content.decode()
    for ours in ("数控技术", "化工技术", "煤电化产业链", "一中职"):
        assert ours not in html
    # our chain id is not a valid choice for them: the filter says so, nothing of ours shows
    response = get(w.b_secretariat, year=Y, chain=w.chain.pk)
    assert response.status_code == 200 and response.context["form"].errors.get("chain")
    assert "煤电化产业链" not in response.content.decode()


def test_enterprise_users_and_anonymous_are_refused(w):
    assert get(w.enterprise_user).status_code == 403
    assert get(w.enterprise_user, EXPORT).status_code == 403
    assert Client().get(reverse(PAGE)).status_code == 302
    assert Client().get(reverse(EXPORT)).status_code == 302


def test_bad_input_never_fails(w):
    for params in ({"year": "abc"}, {"year": "99999"}, {"chain": "x"}, {"chain": "9" * 40},
                   {"kinds": "nonsense"}, {"year": "-1", "chain": "-5"}):
        response = get(w.secretariat, **params)
        assert response.status_code == 200, params
        assert response.context["form"].errors
        assert response.context["year"] == Y
    assert get(w.secretariat, EXPORT, year="abc").status_code == 200


def test_empty_consortium_renders(w):
    empty = UserFactory(consortium=ConsortiumFactory(), secretariat=True)
    response = get(empty)
    assert response.status_code == 200
    assert response.context["summary"].index is None
    assert "本联合体尚未登记本地产业链。" in response.content.decode()


# --- query counts ---------------------------------------------------------------------------------------------------


def _grow(w: W, n: int) -> None:
    for i in range(n):
        programme = ProgrammeFactory(unit=w.school1 if i % 2 else w.school2)
        ProgrammeIndustryLinkFactory(programme=programme, industry=w.ind2 if i % 2 else w.ind1, local_chain=None)
        offering = ProgrammeOfferingFactory(programme=programme, year=Y - 3)
        student(offering)
        student(offering, StudentStatus.EMPLOYED)
        demand = TalentDemandFactory(unit=EnterpriseUnitFactory(consortium=w.a), start_date=date(Y, 8, 1))
        demand.unit.industries.set([w.ind1])
        demand.programmes.set([programme])
        chain = LocalChainFactory(consortium=w.a)
        chain.industries.set([w.ind1, w.ind2])


def _queries(user: User, name: str) -> int:
    client = login(user)
    client.get(reverse(name), {"year": Y})  # warm up (session, caches)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse(name), {"year": Y}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["secretariat", "school1_user"])
@pytest.mark.parametrize("name", [PAGE, EXPORT])
def test_query_count_is_constant_as_rows_grow(w, role, name):
    user = getattr(w, role)
    _grow(w, 2)
    small = _queries(user, name)
    _grow(w, 8)
    assert _queries(user, name) == small
    assert small <= 20, small


# --- Excel export ---------------------------------------------------------------------------------------------------


def _sheet(workbook, title):
    rows = list(workbook[title].iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_excel_figures_equal_the_page(w):
    client = login(w.secretariat)
    page = client.get(reverse(PAGE), {"year": Y})
    export = client.get(reverse(EXPORT), {"year": Y})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"gap-{Y}.xlsx" in export["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(export.content), read_only=True)
    assert workbook.sheetnames == ["说明", "汇总", "年度趋势", "本地产业链", "产业", "专业", "调整建议"]
    report = page.context["report"]

    header, rows = _sheet(workbook, "专业")
    col = {h: i for i, h in enumerate(header)}
    by_code = {row[col["专业代码"]]: row for row in rows}
    assert set(by_code) == {p.code for p in report.programmes}
    for p in report.programmes:
        row = by_code[p.code]
        assert (row[col["预计毕业生"]], row[col["对接指数（0–100）"]], row[col["吸纳率（%）"]],
                row[col["覆盖率（%）"]], row[col["需求÷毕业生"]], row[col["本地就业占比（%）"]],
                row[col["本年度计划招生"]], row[col["建议"]]) == (
            p.expected_graduates, p.index, p.absorption, p.coverage, p.demand_ratio, p.local_share,
            p.planned_intake, "扩大招生")

    header, rows = _sheet(workbook, "产业")
    col = {h: i for i, h in enumerate(header)}
    assert len(rows) == len(page.context["industry_rows"])
    row = next(r for r in rows if r[col["产业"]] == "甲产业")
    ind1 = industry_row(report, w.ind1)
    names = ("预计毕业生", "需求人数", "已满足", "未满足", "缺口（需求−毕业生）", "供需平衡度（0–100）",
             "本地就业占比（%）")
    assert tuple(row[col[n]] for n in names) == (
        ind1.expected_graduates, ind1.demand, ind1.filled, ind1.open, ind1.gap, ind1.balance, ind1.local_share)

    header, rows = _sheet(workbook, "调整建议")
    assert [(r[0], r[2], r[7]) for r in rows] == [
        (rec.action_label, rec.name, rec.reason) for rec in report.recommendations]

    _header, rows = _sheet(workbook, "汇总")
    summary = dict(rows)
    s = report.summary
    names = ("预计毕业生", "需求人数", "联合体对接指数（0–100）", "本地就业占比（%）")
    assert tuple(summary[n] for n in names) == (s.expected_graduates, s.demand, s.index, s.local_share)

    header, rows = _sheet(workbook, "年度趋势")
    assert [r[0] for r in rows] == [Y - 2, Y - 1, Y, Y + 1, Y + 2]
    assert rows[2][6] == s.index


def test_school_export_has_only_its_rows_and_no_consortium_local_columns(w):
    export = get(w.school1_user, EXPORT, year=Y)
    workbook = load_workbook(io.BytesIO(export.content), read_only=True)
    _header, rows = _sheet(workbook, "专业")
    assert [r[1] for r in rows] == ["460101"]
    header, _rows = _sheet(workbook, "产业")
    assert "本地就业占比（%）" not in header
    _header, rows = _sheet(workbook, "汇总")
    assert "本地就业占比（%）" not in dict(rows)


def test_export_guards_against_formula_injection(w):
    Programme.objects.filter(pk=w.p1.pk).update(name="=HYPERLINK(\"http://x\")")
    workbook = load_workbook(io.BytesIO(get(w.secretariat, EXPORT, year=Y).content), read_only=True)
    _header, rows = _sheet(workbook, "专业")
    assert any(str(r[2]).startswith("'=") for r in rows)


# --- API ------------------------------------------------------------------------------------------------------------


def api(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


def test_api_report_equals_the_page(w):
    body = api(w.secretariat).get(API, {"year": Y}).json()
    report = get(w.secretariat, year=Y).context["report"]
    assert body["consortium"] == w.a.pk and body["year"] == Y and body["consortium_wide"] is True
    assert body["summary"]["index"] == report.summary.index == 35.3
    assert body["summary"]["local_share"] == 50.0
    assert {p["id"]: p["index"] for p in body["programmes"]} == {p.id: p.index for p in report.programmes}
    assert [(r["subject"], r["subject_id"], r["action"], r["reason"]) for r in body["recommendations"]] == [
        (r.subject, r.subject_id, r.action, r.reason) for r in report.recommendations]
    assert [c["id"] for c in body["chains"]] == [w.chain.pk]
    assert [t["year"] for t in body["trend"]] == [Y - 2, Y - 1, Y, Y + 1, Y + 2]


def test_api_scope_per_role(w):
    school = api(w.school1_user).get(API, {"year": Y}).json()
    assert [p["id"] for p in school["programmes"]] == [w.p1.pk]
    assert school["consortium_wide"] is False and school["summary"]["local_share"] is None
    other = api(w.b_secretariat).get(API, {"year": Y}).json()
    assert [p["id"] for p in other["programmes"]] == [w.b_prog.pk]
    assert other["consortium"] == w.b.pk and w.chain.pk not in [c["id"] for c in other["chains"]]
    assert api(w.enterprise_user).get(API).status_code == 403
    assert api(None).get(API).status_code in (401, 403)
    assert api(w.platform).get(API, {"consortium": w.b.pk}).json()["consortium"] == w.b.pk


def test_api_bad_input_is_a_400(w):
    client = api(w.secretariat)
    for params in ({"year": "abc"}, {"year": 1800}, {"chain": w.b_chain.pk}, {"chain": "x"},
                   {"kinds": "nonsense"}, {"chain": 2**40}):
        response = client.get(API, params)
        assert response.status_code == 400, params
    assert client.get(API, {"chain": w.chain.pk, "kinds": ["employment", "internship"]}).status_code == 200


def test_api_is_read_only(w):
    client = api(w.secretariat)
    assert client.post(API, {}).status_code == 405
    assert client.delete(API).status_code == 405
    assert api(w.official).post(API, {}).status_code in (403, 405)


# --- browser --------------------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_charts_render_in_a_real_browser(transactional_db, live_server, monkeypatch):
    from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, _require_browser

    _require_browser()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    world = build_w()
    cookie = login(world.secretariat).cookies["sessionid"].value
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            page.goto(f"{live_server.url}{reverse(PAGE)}?year={Y}")
            expect(page.get_by_role("heading", level=1)).to_contain_text("供需缺口与专业对接")
            expect(page.locator("#gap-chain-chart svg")).to_have_count(1)
            expect(page.locator("#gap-programme-chart svg")).to_have_count(1)
            expect(page.get_by_test_id("gap-index")).to_have_text("35.3")
            if os.environ.get("GAP_SCREENSHOT"):
                page.screenshot(path=os.environ["GAP_SCREENSHOT"], full_page=True)
        finally:
            context.close()
            browser.close()
    assert errors == []
