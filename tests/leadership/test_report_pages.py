"""Report pages and API: archive visibility by role (unit users see their unit's reports only; another consortium's
reports are 404), the HTML view from the content, downloads through the scope, "generate now" with progress polling,
the schedule pages (secretariat edits, officials read), field messages for bad input, and the API."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from consortium.leadership.choices import ReportKind, ReportStatus
from consortium.leadership.models import Report, ReportDelivery, ReportSchedule
from consortium.leadership.reports import content as content_module
from consortium.leadership.reports import services
from consortium.leadership.reports.periods import period_for
from tests.factories.tenancy import UserFactory

from .test_report_content import TODAY, build_world, fake_dashboard

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = str(tmp_path)
    monkeypatch.setattr(content_module, "dashboard_snapshot", fake_dashboard)
    w = build_world()
    with django_capture_on_commit_callbacks(execute=True):
        w.report = services.report_request(actor=w.secretariat, kind=ReportKind.WEEKLY_TASKS, today=TODAY)
        w.school_report = services.report_request(
            actor=w.secretariat, kind=ReportKind.WEEKLY_TASKS, unit=w.school, today=TODAY)
        w.enterprise_report = services.report_request(
            actor=w.secretariat, kind=ReportKind.WEEKLY_TASKS, unit=w.enterprise, today=TODAY)
    other_secretariat = UserFactory(consortium=w.other, secretariat=True)
    with django_capture_on_commit_callbacks(execute=True):
        w.foreign_report = services.report_request(actor=other_secretariat, kind=ReportKind.ANNUAL, today=TODAY)
    for r in (w.report, w.school_report, w.enterprise_report, w.foreign_report):
        r.refresh_from_db()
    return w


def _client(client, user):
    client.force_login(user)
    return client


def _listed(response) -> set[int]:
    assert response.status_code == 200
    return {r.pk for r in response.context["object_list"]}


def test_archive_by_role(world, client):
    url = reverse("leadership:report-list")
    mine = {world.report.pk, world.school_report.pk, world.enterprise_report.pk}
    assert _listed(_client(client, world.secretariat).get(url)) == mine
    assert _listed(_client(client, world.official).get(url)) == mine
    assert _listed(_client(client, world.school_user).get(url)) == {world.school_report.pk}
    assert _listed(_client(client, world.enterprise_user).get(url)) == {world.enterprise_report.pk}
    filtered = _client(client, world.secretariat).get(url, {"kind": ReportKind.ANNUAL})
    assert _listed(filtered) == set()
    bad = _client(client, world.secretariat).get(url, {"year": "abc", "kind": "nope"})
    assert bad.status_code == 200 and "year" in bad.context["filter_form"].errors


def test_archive_query_count_is_constant(
    world, client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    _client(client, world.secretariat)
    url = reverse("leadership:report-list")
    with django_assert_max_num_queries(12):
        client.get(url)
    with django_capture_on_commit_callbacks(execute=False):
        for _i in range(5):
            services.report_request(actor=world.secretariat, kind=ReportKind.MONTHLY_KPI, unit=world.school,
                                    today=TODAY)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_detail_renders_the_content(world, client):
    response = _client(client, world.official).get(reverse("leadership:report-detail", args=[world.report.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.report.content["title"] in html
    assert "完成实训基地改造" in html and "<svg" in html and "@media print" in html
    assert reverse("leadership:report-pdf", args=[world.report.pk]) in html


def test_detail_and_downloads_are_scoped(world, client):
    _client(client, world.school_user)
    assert client.get(reverse("leadership:report-detail", args=[world.school_report.pk])).status_code == 200
    for pk in (world.report.pk, world.enterprise_report.pk, world.foreign_report.pk):
        for name in ("report-detail", "report-xlsx", "report-pdf", "report-progress"):
            assert client.get(reverse(f"leadership:{name}", args=[pk])).status_code == 404, (name, pk)
    pdf = client.get(reverse("leadership:report-pdf", args=[world.school_report.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    xlsx = client.get(reverse("leadership:report-xlsx", args=[world.school_report.pk]))
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert book.worksheets[0]["A1"].value == world.school_report.content["title"]


def test_secretariat_generates_now_and_polls_progress(world, client, django_capture_on_commit_callbacks):
    _client(client, world.secretariat)
    form = client.get(reverse("leadership:report-create"))
    assert form.status_code == 200
    start = period_for(ReportKind.MONTHLY_KPI, timezone.localdate())[0]
    label = f"{start.year}年{start.month}月"
    assert label in form.content.decode()  # the default periods are shown
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("leadership:report-create"), {"kind": ReportKind.MONTHLY_KPI, "period": "",
                                                                     "unit": str(world.school.pk)})
    report = Report.objects.filter(kind=ReportKind.MONTHLY_KPI).get()
    assert response.status_code == 302 and response["Location"] == reverse("leadership:report-detail", args=[report.pk])
    assert report.status == ReportStatus.QUEUED and report.unit == world.school
    assert (report.period_start, report.period_end) == period_for(ReportKind.MONTHLY_KPI, timezone.localdate())
    page = client.get(response["Location"])
    assert 'hx-trigger="every 2s"' in page.content.decode()
    progress_url = reverse("leadership:report-progress", args=[report.pk])
    assert client.get(progress_url, {"poll": 1}, HTTP_HX_REQUEST="true").status_code == 200
    services.report_generate(report_id=report.pk, consortium_id=report.consortium_id)
    done = client.get(progress_url, {"poll": 1}, HTTP_HX_REQUEST="true")
    assert done.headers.get("HX-Refresh") == "true"


def test_bad_create_input_gives_field_messages(world, client):
    _client(client, world.secretariat)
    url = reverse("leadership:report-create")
    before = Report.objects.count()
    future = client.post(url, {"kind": ReportKind.ANNUAL, "period": "2999-06-01"})
    assert future.status_code == 200 and "period" in future.context["form"].errors
    for data in ({"kind": "nope"}, {"kind": ReportKind.WEEKLY_TASKS, "period": "2026-02-31"},
                 {"kind": ReportKind.WEEKLY_TASKS, "unit": "999999"}):
        response = client.post(url, data)
        assert response.status_code == 200 and response.context["form"].errors
    assert Report.objects.count() == before


@pytest.mark.parametrize("role", ["official", "school_user"])
def test_others_cannot_generate(world, client, role):
    _client(client, getattr(world, role))
    before = Report.objects.count()
    assert client.get(reverse("leadership:report-create")).status_code == 403
    assert client.post(reverse("leadership:report-create"), {"kind": ReportKind.ANNUAL}).status_code == 403
    assert Report.objects.count() == before


def test_schedule_pages(world, client):
    _client(client, world.secretariat)
    assert client.post(reverse("leadership:schedule-defaults")).status_code == 302
    schedules = {s.kind: s for s in ReportSchedule.objects.filter(consortium=world.consortium)}
    assert set(schedules) == set(ReportKind.values)
    listing = client.get(reverse("leadership:schedule-list"))
    assert listing.status_code == 200 and len(listing.context["rows"]) == 3
    weekly = schedules[ReportKind.WEEKLY_TASKS]
    edit = reverse("leadership:schedule-edit", args=[weekly.pk])
    assert client.get(edit).status_code == 200
    bad = client.post(edit, {"enabled": "on", "minute": "75", "hour": "8", "day_of_week": "9", "day_of_month": "*",
                             "month_of_year": "*"})
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"minute", "day_of_week"}
    weekly.refresh_from_db()
    assert (weekly.minute, weekly.day_of_week) == ("0", "1")
    ok = client.post(edit, {"minute": "30", "hour": "9", "day_of_week": "2", "day_of_month": "*",
                            "month_of_year": "*", "recipients": [world.chair.pk]})
    assert ok.status_code == 302
    weekly.refresh_from_db()
    assert (weekly.minute, weekly.hour, weekly.day_of_week, weekly.enabled) == ("30", "9", "2", False)
    assert not weekly.periodic_task.enabled and list(weekly.recipients.all()) == [world.chair]

    _client(client, world.official)
    listing = client.get(reverse("leadership:schedule-list"))
    assert listing.status_code == 200 and not listing.context["can_edit"]
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"minute": "0", "hour": "1", "day_of_week": "*", "day_of_month": "*",
                              "month_of_year": "*"}).status_code == 403
    assert client.post(reverse("leadership:schedule-defaults")).status_code == 403
    weekly.refresh_from_db()
    assert weekly.hour == "9"
    _client(client, world.school_user)
    assert client.get(reverse("leadership:schedule-list")).status_code == 403
    assert client.get(edit).status_code == 404  # schedules are not visible to units
    other = UserFactory(consortium=world.other, secretariat=True)
    _client(client, other)
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"minute": "0", "hour": "1", "day_of_week": "*", "day_of_month": "*",
                              "month_of_year": "*"}).status_code == 404
    weekly.refresh_from_db()
    assert weekly.hour == "9"


# --- API ------------------------------------------------------------------------------------------------------------

REPORTS = "/api/v1/leadership/reports/"
SCHEDULES = "/api/v1/leadership/report-schedules/"
DELIVERIES = "/api/v1/leadership/report-deliveries/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    body = response.json()
    return {row["id"] for row in (body["results"] if isinstance(body, dict) else body)}


def test_api_reports_by_role_and_create(world, django_capture_on_commit_callbacks):
    mine = {world.report.pk, world.school_report.pk, world.enterprise_report.pk}
    assert _ids(api(world.official).get(REPORTS)) == mine
    assert _ids(api(world.school_user).get(REPORTS)) == {world.school_report.pk}
    assert api(world.school_user).get(f"{REPORTS}{world.report.pk}/").status_code == 404
    assert api(world.secretariat).get(f"{REPORTS}{world.foreign_report.pk}/").status_code == 404
    detail = api(world.secretariat).get(f"{REPORTS}{world.report.pk}/").json()
    assert detail["content"]["title"] == world.report.content["title"] and detail["pdf_url"].endswith("/pdf/")
    with django_capture_on_commit_callbacks(execute=False):
        created = api(world.secretariat).post(REPORTS, {"kind": "annual"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "queued" and created.json()["period_start"].endswith("-01-01")
    before = Report.objects.count()
    assert api(world.official).post(REPORTS, {"kind": "annual"}, format="json").status_code == 403
    assert api(world.school_user).post(REPORTS, {"kind": "annual"}, format="json").status_code == 403
    bad = api(world.secretariat).post(
        REPORTS, {"kind": "weekly_tasks", "period_start": "2026-03-10", "period_end": "2026-03-16"}, format="json")
    assert bad.status_code == 400 and "period_start" in bad.json()
    assert Report.objects.count() == before
    progress = api(world.school_user).get(f"{REPORTS}{world.school_report.pk}/progress/").json()
    assert progress["status"] == "done" and progress["progress"] == 100


def test_api_schedules_and_deliveries(world):
    services.report_schedules_ensure(consortium_id=world.consortium.pk)
    weekly = ReportSchedule.objects.get(consortium=world.consortium, kind=ReportKind.WEEKLY_TASKS)
    assert len(_ids(api(world.official).get(SCHEDULES))) == 3
    assert _ids(api(world.school_user).get(SCHEDULES)) == set()
    ok = api(world.secretariat).patch(f"{SCHEDULES}{weekly.pk}/", {"hour": "10"}, format="json")
    assert ok.status_code == 200, ok.content
    weekly.refresh_from_db()
    assert weekly.hour == "10" and weekly.periodic_task.crontab.hour == "10"
    assert weekly.recipients.count() == 2  # untouched
    bad = api(world.secretariat).patch(f"{SCHEDULES}{weekly.pk}/", {"minute": "99", "hour": ""}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"minute", "hour"}
    assert api(world.official).patch(f"{SCHEDULES}{weekly.pk}/", {"hour": "3"}, format="json").status_code == 403
    weekly.refresh_from_db()
    assert weekly.hour == "10"
    services.report_deliver(report_id=world.report.pk, consortium_id=world.consortium.pk)
    services.report_deliver(report_id=world.school_report.pk, consortium_id=world.consortium.pk)
    assert ReportDelivery.objects.count() == 2
    assert len(_ids(api(world.official).get(DELIVERIES))) == 2
    assert {d["email"] for d in api(world.school_user).get(DELIVERIES).json()["results"]} == {"school@example.com"}
    assert date.fromisoformat(api(world.secretariat).get(f"{REPORTS}{world.report.pk}/").json()["period_start"]) \
        == date(2026, 3, 9)
