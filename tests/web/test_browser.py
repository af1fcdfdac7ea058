"""One real-browser walk through the portal: Debian chromium driven by Playwright against the live server."""

from __future__ import annotations

import os
import shutil

import pytest

from consortium.tenancy.choices import UnitKind, UnitStatus
from consortium.tenancy.models import MemberUnit
from tests.factories.tenancy import PASSWORD, ConsortiumFactory, MemberUnitFactory, UnitMembershipFactory, UserFactory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() == "true"


def _require_browser() -> None:
    problem = None
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        problem = f"{CHROMIUM} is missing (apt-get install -y chromium fonts-noto-cjk)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed"
    if problem:
        if IN_CI:
            pytest.fail(f"CI=true: browser test cannot run: {problem}")
        pytest.skip(problem)


@pytest.fixture
def page(live_server, monkeypatch):
    _require_browser()
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


@pytest.mark.browser
def test_secretariat_walkthrough(transactional_db, live_server, page):
    from playwright.sync_api import expect

    consortium = ConsortiumFactory(name="宝清县产教联合体")
    UserFactory(consortium=consortium, secretariat=True, username="mishu", full_name="王秘书")
    MemberUnitFactory(consortium=consortium, name="宝清县职业技术教育中心", kind=UnitKind.SCHOOL)
    applied = MemberUnitFactory(consortium=consortium, name="宝清县新申请企业", applied=True)
    UnitMembershipFactory(unit=applied, admin=True, user__is_active=False)

    # log in
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    page.fill("input[name=username]", "mishu")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()

    # the Chinese home page
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好，王秘书")
    expect(page.get_by_test_id("pending-count")).to_have_text("1")
    expect(page.locator("#unit-kind-chart svg")).to_have_count(1)  # ECharts rendered from the vendored file

    # the unit list, then the pending application
    page.locator("#portal-nav").get_by_role("button", name="联合体").click()
    page.locator("#portal-nav").get_by_role("link", name="成员单位").click()
    expect(page.get_by_test_id("unit-table")).to_contain_text("宝清县职业技术教育中心")
    page.get_by_role("link", name="宝清县新申请企业").click()
    page.get_by_test_id("action-approve").click()
    page.get_by_test_id("confirm-approve").click()
    expect(page.locator(".alert-success")).to_contain_text("批准入会")
    expect(page.get_by_role("heading", level=1)).to_contain_text("正式成员")
    applied.refresh_from_db()
    assert applied.status == UnitStatus.ACTIVE
    assert MemberUnit.objects.get(pk=applied.pk).joined_on is not None

    # switch to English
    page.get_by_test_id("language-menu").click()
    page.locator("button[name=language][value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}/units/{applied.pk}/")

    # log out (a POST form in the user menu)
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
