"""A real-browser walk through matching (helper M3): the progress fragment polls and the page reloads when a run ends;
the secretariat starts a run (Celery eager: the task runs on commit), sees it finish and publishes it; an enterprise
admin shortlists a candidate whose identity stays hidden."""

# ruff: noqa: F811  (the "page" fixture is imported)

from __future__ import annotations

import pytest
from django.utils import timezone

from matching.choices import CandidacyStatus, RunStatus
from matching.models import Candidacy, MatchRun
from tests.factories.matching import MatchRunFactory
from tests.factories.tenancy import PASSWORD
from tests.matching.scenario import build_scenario

from .test_browser import page  # noqa: F401  (the Playwright page fixture)


def _login(page, base: str, user) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


@pytest.mark.browser
def test_run_publish_and_shortlist_in_the_browser(transactional_db, live_server, page):
    from playwright.sync_api import expect

    base = live_server.url
    world = build_scenario(students_per_school=3)
    page.on("dialog", lambda dialog: dialog.accept())  # data-confirm forms ask first

    # 1. a running run: the fragment polls every 2 s, and the page reloads itself when the run ends
    running = MatchRunFactory(
        consortium=world.consortium, status=RunStatus.RUNNING, progress=30, progress_message="计算候选",
        published_at=None, finished_at=None,
    )
    _login(page, base, world.secretariat)
    page.goto(f"{base}/matching/runs/{running.pk}/")
    expect(page.get_by_test_id("run-progress").locator(".progress-bar")).to_have_text("30%")
    expect(page.get_by_test_id("run-message")).to_have_text("计算候选")
    MatchRun.objects.filter(pk=running.pk).update(progress=70, progress_message="分配岗位")
    expect(page.get_by_test_id("run-progress").locator(".progress-bar")).to_have_text("70%", timeout=10_000)
    MatchRun.objects.filter(pk=running.pk).update(
        status=RunStatus.CANCELLED, progress_message="已取消", finished_at=timezone.now()
    )
    expect(page.get_by_test_id("run-status")).to_have_text("已取消", timeout=10_000)
    expect(page.get_by_test_id("run-retry")).to_be_visible()  # only after the reload
    expect(page.locator("[hx-trigger]")).to_have_count(0)

    # 2. start a real run from the list, see it finish, publish it
    page.goto(f"{base}/matching/runs/")
    page.get_by_test_id("run-create").click()
    expect(page.get_by_label("人才供需")).to_be_checked()
    page.get_by_test_id("run-submit").click()
    run = MatchRun.objects.filter(consortium=world.consortium).exclude(pk=running.pk).get()
    page.wait_for_url(f"{base}/matching/runs/{run.pk}/")
    expect(page.get_by_test_id("run-status")).to_have_text("已完成", timeout=10_000)
    expect(page.get_by_test_id("count-assignments")).to_have_text("4")
    expect(page.get_by_test_id("plan-table")).to_contain_text("机电技术员")
    page.get_by_test_id("run-publish").click()
    expect(page.get_by_test_id("run-status")).to_have_text("已发布")
    expect(page.locator(".alert-success")).to_contain_text("匹配结果已发布")

    # 3. the enterprise admin lands on its candidates, opens the demand and shortlists the best candidate
    _login(page, base, world.ent1_admin)
    page.goto(f"{base}/matching/")
    page.wait_for_url(f"{base}/matching/candidates/")
    page.get_by_role("link", name="机电技术员").click()
    cards = page.get_by_test_id("candidacies")
    expect(cards.get_by_test_id("candidate-card")).to_have_count(2)
    expect(cards).to_contain_text("未共享")
    for student in world.students1:
        expect(cards).not_to_contain_text(student.name)
    cards.get_by_test_id("action-shortlist").first.click()
    expect(page.locator(".alert-success")).to_contain_text("入围")
    expect(cards.get_by_test_id("candidacy-status").first).to_have_text("入围")
    assert Candidacy.objects.filter(demand=world.demand1, status=CandidacyStatus.SHORTLISTED).count() == 1
