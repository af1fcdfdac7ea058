"""A real-browser walk through the leadership dashboard (H-dash): an official signs in, opens the dashboard, the
ECharts charts render, the year filter changes the figures, a card's drill-down link lists the rows behind it."""

# ruff: noqa: F811  (the "page" fixture is imported)

from __future__ import annotations

import pytest
from django.utils import timezone

from consortium.leadership.kpis.refresh import kpi_refresh
from consortium.tenancy.choices import UnitKind
from tests.factories.leadership import SubTaskFactory
from tests.factories.schools import TeacherFactory
from tests.factories.tenancy import PASSWORD, ConsortiumFactory, MemberUnitFactory, UserFactory

from .test_browser import page  # noqa: F401  (the Playwright page fixture)


@pytest.mark.browser
def test_official_reads_the_dashboard_and_drills_down(transactional_db, live_server, page):
    from playwright.sync_api import expect

    base = live_server.url
    year = timezone.localdate().year
    consortium = ConsortiumFactory(name="宝清县产教联合体")
    school = MemberUnitFactory(consortium=consortium, name="宝清县职业技术学校", kind=UnitKind.SCHOOL)
    enterprise = MemberUnitFactory(consortium=consortium, name="宝清县大豆加工企业", kind=UnitKind.ENTERPRISE)
    MemberUnitFactory(consortium=consortium, name="宝清县农机合作社", kind=UnitKind.ENTERPRISE)
    MemberUnitFactory(consortium=ConsortiumFactory(name="邻县产教联合体"), name="邻县企业")
    for _n in range(3):
        TeacherFactory(unit=school)
    TeacherFactory(unit=school, part_time=True)
    SubTaskFactory(lead_unit=enterprise, title="建设大豆产业学院")
    kpi_refresh(consortium_id=consortium.pk)
    UserFactory(consortium=consortium, official=True, username="lingdao", full_name="县领导")

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # sign in
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "lingdao")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")

    # the dashboard: cards, "data as of", the charts drawn by ECharts (SVG renderer of window.portalChart)
    page.goto(f"{base}/leadership/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("领导驾驶舱")
    expect(page.get_by_test_id("dashboard-caption")).to_contain_text(f"{year}年")
    expect(page.get_by_test_id("dashboard-refreshed")).to_contain_text("数据更新于")
    expect(page.get_by_test_id("dashboard-refresh")).to_have_count(0)  # officials read only
    teacher_chart = page.locator("#chart-teacher_structure")
    expect(teacher_chart.locator("svg")).to_have_count(1)
    expect(teacher_chart).to_contain_text("宝清县职业技术学校")  # Chinese axis labels rendered
    expect(page.locator("#chart-task_progress svg")).to_have_count(1)
    # printing: navigation and filters hidden, every chart's data table shown
    page.emulate_media(media="print")
    expect(page.locator(".portal-navbar")).to_be_hidden()
    expect(page.get_by_test_id("dashboard-filters")).to_be_hidden()
    expect(page.locator("#table-task_progress")).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.locator("#table-task_progress")).to_be_hidden()
    # the data table under a chart opens
    page.locator('[data-key="teacher_structure"]').get_by_test_id("chart-table-toggle").click()
    table = page.locator("#table-teacher_structure")
    expect(table).to_be_visible()
    expect(table).to_contain_text("宝清县职业技术学校")

    # change the year filter
    page.get_by_test_id("filter-year").fill(str(year - 1))
    page.get_by_test_id("filter-submit").click()
    page.wait_for_url(f"**/leadership/dashboard/?*year={year - 1}*")
    expect(page.get_by_test_id("dashboard-caption")).to_contain_text(f"{year - 1}年")
    expect(page.locator("#chart-teacher_structure svg")).to_have_count(1)  # stock figures stay

    # clicking a bar of a chart opens the rows behind it (here: the school's full-time teachers)
    page.locator("#chart-teacher_structure[data-rendered]").scroll_into_view_if_needed()  # drawn, animation over
    box = page.locator("#chart-teacher_structure").bounding_box()
    x, y = page.evaluate(  # the pixel of (first school, 1 teacher) inside the stacked bar
        """() => window.echarts.getInstanceByDom(document.getElementById("chart-teacher_structure"))
                 .convertToPixel({xAxisIndex: 0, yAxisIndex: 0}, [0, 1])"""
    )
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url("**/leadership/kpi/teachers.full_time/**")
    expect(page.get_by_test_id("drill-row")).to_have_count(3)
    expect(page.get_by_test_id("drill-table")).to_contain_text("宝清县职业技术学校")
    page.go_back()
    page.wait_for_url(f"**/leadership/dashboard/?*year={year - 1}*")

    # drill down from the member-units card: the rows behind the number (not the other consortium's)
    card = page.locator('[data-testid="card"][data-key="members.active"]')
    expect(card.get_by_test_id("card-value")).to_contain_text("3")
    card.get_by_test_id("card-drill").click()
    page.wait_for_url("**/leadership/kpi/members.by_kind/**")
    expect(page.get_by_test_id("drill-fact")).to_contain_text("3")
    rows = page.get_by_test_id("drill-row")
    expect(rows).to_have_count(3)
    expect(page.get_by_test_id("drill-table")).to_contain_text("宝清县大豆加工企业")
    expect(page.get_by_test_id("drill-table")).not_to_contain_text("邻县企业")
    assert errors == []
