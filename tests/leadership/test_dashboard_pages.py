"""The leadership dashboard pages (H-dash): who sees them, filters, the refresh button, the Excel downloads equal the
page, the drill-down lists exactly the rows counted, the province view, and constant query counts."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from consortium.leadership.choices import RefreshStatus
from consortium.leadership.kpis import tasks as kpi_tasks
from consortium.leadership.kpis.refresh import kpi_refresh
from consortium.leadership.models import KpiFact, KpiRefresh
from consortium.leadership.views.dashboard import dashboard_scope
from consortium.tenancy.choices import UnitKind
from consortium.tenancy.models import Consortium, MemberUnit, User
from tests.factories.leadership import SubTaskFactory
from tests.factories.schools import TeacherFactory
from tests.factories.tenancy import ConsortiumFactory, MemberUnitFactory, UnitMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "leadership:dashboard"
EXPORT = "leadership:dashboard-export"
REFRESH = "leadership:dashboard-refresh"
PROVINCE = "leadership:province"


def drill(metric: str) -> str:
    return reverse("leadership:kpi-drill", kwargs={"metric": metric})


@dataclass
class DashWorld:
    consortium: Consortium
    other: Consortium
    school: MemberUnit
    enterprise: MemberUnit
    applied: MemberUnit
    foreign_school: MemberUnit
    secretariat: User
    official: User
    school_admin: User
    foreign_official: User
    platform_admin: User
    year: int


@pytest.fixture
def dw(db) -> DashWorld:
    consortium = ConsortiumFactory(name="宝清县产教联合体")
    other = ConsortiumFactory(name="邻县产教联合体")
    school = MemberUnitFactory(consortium=consortium, name="宝清县职业技术学校", kind=UnitKind.SCHOOL)
    enterprise = MemberUnitFactory(consortium=consortium, name="宝清县大豆加工企业", kind=UnitKind.ENTERPRISE)
    applied = MemberUnitFactory(consortium=consortium, name="申请中的合作社", applied=True)
    foreign_school = MemberUnitFactory(consortium=other, name="邻县职业学校", kind=UnitKind.SCHOOL)
    MemberUnitFactory(consortium=other, name="邻县企业甲")
    return DashWorld(
        consortium=consortium,
        other=other,
        school=school,
        enterprise=enterprise,
        applied=applied,
        foreign_school=foreign_school,
        secretariat=UserFactory(consortium=consortium, secretariat=True),
        official=UserFactory(consortium=consortium, official=True),
        school_admin=UnitMembershipFactory(unit=school, admin=True).user,
        foreign_official=UserFactory(consortium=other, official=True),
        platform_admin=UserFactory(platform_admin=True),
        year=timezone.localdate().year,
    )


def fact(consortium, metric: str, value, *, year: int, unit=None, dimension: str = "", label: str = "") -> KpiFact:
    return KpiFact.objects.create(
        consortium=consortium, year=year, unit=unit, metric=metric, dimension=dimension, label=label,
        value=Decimal(value), computed_at=timezone.now(),
    )


@pytest.fixture
def refreshed(dw) -> DashWorld:
    """Both consortia's facts computed by the real refresh service (3 + 2 active member units)."""
    assert kpi_refresh(consortium_id=dw.consortium.pk).status == RefreshStatus.DONE
    assert kpi_refresh(consortium_id=dw.other.pk).status == RefreshStatus.DONE
    return dw


def get(client, user, name: str, **params):
    client.force_login(user)
    return client.get(reverse(name), params)


# --- who sees what --------------------------------------------------------------------------------------------------


def test_dashboard_role_matrix(client, refreshed):
    dw = refreshed
    for user in (dw.secretariat, dw.official):
        response = get(client, user, DASHBOARD)
        assert response.status_code == 200
        assert response.context["scope"].consortium_id == dw.consortium.pk
        assert "宝清县产教联合体" in response.context["caption"]
    assert get(client, dw.school_admin, DASHBOARD).status_code == 403
    with pytest.raises(PermissionDenied, match="领导驾驶舱面向秘书处"):
        dashboard_scope(dw.school_admin)
    assert get(client, dw.platform_admin, DASHBOARD, consortium=dw.other.pk).status_code == 200
    client.logout()
    response = client.get(reverse(DASHBOARD))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_other_consortium_is_ignored_for_non_platform_users(client, refreshed):
    dw = refreshed
    response = get(client, dw.foreign_official, DASHBOARD, consortium=dw.consortium.pk)
    assert response.status_code == 200
    assert response.context["scope"].consortium_id == dw.other.pk
    assert response.context["dashboard"].consortium_id == dw.other.pk
    body = response.content.decode()
    assert "邻县产教联合体" in body and "宝清县产教联合体" not in body
    # the unit filter only offers the own consortium's units: another consortium's unit is an invalid choice
    response = get(client, dw.foreign_official, DASHBOARD, unit=dw.school.pk)
    assert response.status_code == 200
    assert response.context["form"].errors.get("unit")
    assert response.context["filters"].unit_id is None
    assert "宝清县职业技术学校" not in response.content.decode()


def test_platform_admin_chooses_the_consortium(client, refreshed):
    dw = refreshed
    response = get(client, dw.platform_admin, DASHBOARD, consortium=dw.other.pk)
    assert response.context["scope"].consortium_id == dw.other.pk
    assert response.context["dashboard"].consortium_id == dw.other.pk
    assert {pk for pk, _name in response.context["consortium_choices"]} >= {dw.consortium.pk, dw.other.pk}
    assert get(client, dw.platform_admin, DASHBOARD, consortium=999_999).status_code == 404
    assert get(client, dw.platform_admin, DASHBOARD, consortium=2**70).status_code == 404
    assert get(client, dw.platform_admin, DASHBOARD).status_code == 200  # defaults to the first consortium


def test_province_is_for_platform_admins_only(client, refreshed):
    dw = refreshed
    for user in (dw.secretariat, dw.official, dw.school_admin, dw.foreign_official):
        assert get(client, user, PROVINCE).status_code == 403
    fresh = ConsortiumFactory(name="新建产教联合体")  # never refreshed: no figures, not counted in the totals
    response = get(client, dw.platform_admin, PROVINCE)
    assert response.status_code == 200
    rows = {row["pk"]: row for row in response.context["rows"]}
    assert set(rows) == {dw.consortium.pk, dw.other.pk, fresh.pk}
    assert set(rows[fresh.pk]["values"]) == {None}
    keys = [m.key for m in response.context["columns"]]
    demand = keys.index("demands.published_headcount")
    assert rows[dw.consortium.pk]["values"][demand] == Decimal(0)  # refreshed, nothing published: 0, not "—"
    units = keys.index("members.by_kind")
    assert rows[dw.consortium.pk]["values"][units] == Decimal(2)  # active: school + enterprise (applied excluded)
    assert rows[dw.other.pk]["values"][units] == Decimal(2)
    assert response.context["totals"][units] == Decimal(4)
    body = response.content.decode()
    assert f"consortium={dw.other.pk}" in body  # links to each consortium's dashboard
    assert 'data-testid="chart-canvas"' in body


def test_province_export_equals_the_table(client, refreshed):
    dw = refreshed
    client.force_login(dw.platform_admin)
    page = client.get(reverse(PROVINCE), {"year": dw.year}).context
    response = client.get(reverse(PROVINCE), {"year": dw.year, "export": "xlsx"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    body = [r for r in rows if r and r[0] in {"宝清县产教联合体", "邻县产教联合体", "合计"}]
    assert body[-1][0] == "合计"
    assert [_num(v) for v in body[-1][1:]] == [_num(v) for v in page["totals"]]
    assert len(body) == 3
    for row in page["rows"]:
        line = next(r for r in body if r[0] == row["name"])
        assert [_num(v) for v in line[1:]] == [_num(v) for v in row["values"]]


# --- filters ----------------------------------------------------------------------------------------------------------


def test_invalid_filters_show_errors_and_use_defaults(client, refreshed):
    dw = refreshed
    for params in ({"year": "abc"}, {"year": "1800"}, {"year": str(2**70)}, {"unit": "x"}, {"unit": str(2**70)},
                   {"unit": dw.applied.pk}, {"unit": dw.foreign_school.pk}):
        response = get(client, dw.official, DASHBOARD, **params)
        assert response.status_code == 200, params
        assert response.context["form"].errors, params
        assert response.context["filters"].year == dw.year
        assert response.context["filters"].unit_id is None
        assert "is-invalid" in response.content.decode()
    response = get(client, dw.official, DASHBOARD, year=dw.year - 1, unit=dw.school.pk)
    assert not response.context["form"].errors
    assert response.context["dashboard"].year == dw.year - 1
    assert response.context["dashboard"].unit_id == dw.school.pk
    units = dict(response.context["form"].fields["unit"].choices)
    assert dw.school.pk in units and dw.enterprise.pk in units
    assert dw.applied.pk not in units and dw.foreign_school.pk not in units


def test_data_as_of_and_refresh_button(client, refreshed):
    dw = refreshed
    body = get(client, dw.secretariat, DASHBOARD).content.decode()
    assert "数据更新于" in body and 'data-testid="dashboard-refresh"' in body
    body = get(client, dw.official, DASHBOARD).content.decode()
    assert "数据更新于" in body and 'data-testid="dashboard-refresh"' not in body


def test_dashboard_without_facts_says_so(client, dw):
    response = get(client, dw.secretariat, DASHBOARD)
    assert response.status_code == 200
    assert 'data-testid="dashboard-no-data"' in response.content.decode()


@pytest.fixture
def queued(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(kpi_tasks.refresh_kpis, "delay", lambda consortium_id, *args: calls.append(consortium_id))
    return calls


def test_secretariat_refreshes_on_commit(client, dw, queued, django_capture_on_commit_callbacks):
    client.force_login(dw.secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(REFRESH), {"year": dw.year - 1, "consortium": dw.other.pk})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse(DASHBOARD)}?year={dw.year - 1}"
    assert queued == [dw.consortium.pk]  # its own consortium, whatever the form says


def test_refresh_runs_the_task(client, dw, django_capture_on_commit_callbacks):
    """Eager Celery in tests: the queued task really recomputes the facts."""
    client.force_login(dw.secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse(REFRESH))
    refresh = KpiRefresh.objects.get(consortium=dw.consortium)
    assert refresh.status == RefreshStatus.DONE and refresh.facts > 0
    assert KpiFact.objects.filter(consortium=dw.consortium).count() == refresh.facts
    assert not KpiFact.objects.filter(consortium=dw.other).exists()


@pytest.mark.parametrize("role", ["official", "school_admin"])
def test_others_cannot_refresh(client, refreshed, queued, role, django_capture_on_commit_callbacks):
    dw = refreshed
    before = list(KpiFact.objects.order_by("pk").values_list("pk", "value"))
    refreshes = KpiRefresh.objects.count()
    client.force_login(getattr(dw, role))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(REFRESH))
    assert response.status_code == 403
    assert queued == []
    assert list(KpiFact.objects.order_by("pk").values_list("pk", "value")) == before
    assert KpiRefresh.objects.count() == refreshes
    client.force_login(dw.secretariat)
    assert client.get(reverse(REFRESH)).status_code == 405


def test_platform_admin_refreshes_the_chosen_consortium(client, dw, queued, django_capture_on_commit_callbacks):
    client.force_login(dw.platform_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(REFRESH), {"consortium": dw.other.pk})
    assert response.status_code == 302 and f"consortium={dw.other.pk}" in response["Location"]
    assert queued == [dw.other.pk]


# --- the page shows cards and charts; the downloads equal the page ---------------------------------------------------


def test_cards_grouped_with_drill_links_and_charts_with_tables(client, refreshed):
    dw = refreshed
    response = get(client, dw.official, DASHBOARD)
    groups = response.context["groups"]
    assert [g for g, _label, _icon, _cards in groups][:1] == ["members"]
    cards = {card.key: (card, text) for _g, _l, _i, pairs in groups for card, text in pairs}
    assert any(card.drill_url for card, _text in cards.values())
    body = response.content.decode()
    charts = response.context["charts"]
    assert {item["chart"].key for item in charts} >= {
        "supply_demand", "alignment", "order_funnel", "teacher_structure", "practice_utilisation", "task_progress",
        "funding",
    }
    for item in charts:
        key = item["chart"].key
        assert f'data-key="{key}"' in body
        assert f"chart={key}" in body  # its Excel download
        assert f'id="table-{key}"' in body  # its data table
        if not item["empty"]:
            assert f'id="{item["data_id"]}"' in body  # json_script data for dashboard.js
    assert "leadership/dashboard.js" in body and "vendor/echarts/echarts.min.js" in body


def _num(value):
    """A figure as a comparable number (page tables print text, workbooks store numbers)."""
    if value in (None, "", "—"):
        return None
    try:
        return Decimal(str(value))
    except Exception:
        return str(value)


def test_chart_export_equals_the_page(client, refreshed):
    dw = refreshed
    client.force_login(dw.official)
    page = client.get(reverse(DASHBOARD), {"year": dw.year}).context
    for item in page["charts"]:
        chart = item["chart"]
        response = client.get(reverse(EXPORT), {"chart": chart.key, "year": dw.year})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        header_at = rows.index(tuple(str(h) for h in chart.headers))
        body = rows[header_at + 1:]
        assert len(body) == len(chart.rows)
        for got, shown in zip(body, item["rows"], strict=True):
            assert [_num(v) for v in got] == [_num(text) for text, _numeric in shown], chart.key
    assert client.get(reverse(EXPORT), {"chart": "nope"}).status_code == 404


def test_whole_dashboard_export_has_cards_and_every_chart(client, refreshed):
    dw = refreshed
    client.force_login(dw.secretariat)
    page = client.get(reverse(DASHBOARD)).context
    response = client.get(reverse(EXPORT))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 1 + len(page["charts"])
    cards_sheet = list(book.worksheets[0].iter_rows(values_only=True))
    card_rows = cards_sheet[cards_sheet.index(("指标分组", "指标", "数值", "单位", "说明")) + 1:]
    shown = [(label, card, text) for _g, label, _i, pairs in page["groups"] for card, text in pairs]
    assert len(card_rows) == len(shown)
    for row, (label, card, text) in zip(card_rows, shown, strict=True):
        assert row[0] == label and row[1] == str(card.label)
        assert _num(row[2]) == _num(text)


def test_export_refuses_unit_users(client, refreshed):
    assert get(client, refreshed.school_admin, EXPORT).status_code == 403


# --- drill-down ------------------------------------------------------------------------------------------------------


def test_drill_rows_equal_the_number(client, refreshed):
    dw = refreshed
    client.force_login(dw.official)
    response = client.get(drill("members.by_kind"), {"year": dw.year})
    assert response.status_code == 200
    assert response.context["fact_value"] == Decimal(2)
    assert response.context["paginator"].count == 2
    names = {row[0] for row in response.context["rows"]}
    assert names == {"宝清县职业技术学校", "宝清县大豆加工企业"}  # not the applicant, not the other consortium's
    response = client.get(drill("members.by_kind"), {"year": dw.year, "dimension": UnitKind.SCHOOL})
    assert response.context["fact_value"] == Decimal(1)
    assert [row[0] for row in response.context["rows"]] == ["宝清县职业技术学校"]
    assert response.context["dimension_label"] == "职业学校"
    response = client.get(drill("members.by_kind"), {"year": dw.year, "unit": dw.enterprise.pk})
    assert [row[0] for row in response.context["rows"]] == ["宝清县大豆加工企业"]


def test_card_drill_links_lead_to_their_rows(client, refreshed):
    dw = refreshed
    client.force_login(dw.secretariat)
    page = client.get(reverse(DASHBOARD)).context
    cards = [card for _g, _l, _i, pairs in page["groups"] for card, _t in pairs if card.drill_url]
    assert cards
    for card in cards:
        response = client.get(card.drill_url)
        assert response.status_code in (200, 302), card.drill_url


def test_drill_scoping(client, refreshed):
    dw = refreshed
    client.force_login(dw.school_admin)
    assert client.get(drill("members.by_kind")).status_code == 403
    client.force_login(dw.foreign_official)
    response = client.get(drill("members.by_kind"), {"consortium": dw.consortium.pk})
    assert {row[0] for row in response.context["rows"]} == {"邻县职业学校", "邻县企业甲"}
    client.force_login(dw.platform_admin)
    response = client.get(drill("members.by_kind"), {"consortium": dw.consortium.pk})
    assert {row[0] for row in response.context["rows"]} == {"宝清县职业技术学校", "宝清县大豆加工企业"}


def test_drill_unknown_metric_and_links(client, refreshed):
    dw = refreshed
    client.force_login(dw.official)
    assert client.get(drill("no.such.metric")).status_code == 404
    response = client.get(drill("practice.utilisation"), {"year": dw.year})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("practice_center:stats"))
    response = client.get(drill("members.by_kind"), {"year": "abc", "unit": "zz"})
    assert response.status_code == 200 and response.context["form"].errors


def test_drill_paginates(client, dw):
    for n in range(55):
        MemberUnitFactory(consortium=dw.consortium, name=f"企业{n:02d}")
    kpi_refresh(consortium_id=dw.consortium.pk)
    client.force_login(dw.secretariat)
    first = client.get(drill("members.by_kind"))
    assert first.context["fact_value"] == Decimal(57) and first.context["paginator"].count == 57
    assert len(first.context["rows"]) == 50
    second = client.get(drill("members.by_kind"), {"page": 2})
    assert len(second.context["rows"]) == 7


# --- query counts ----------------------------------------------------------------------------------------------------


def _grow(dw, n: int) -> None:
    """``n`` more units, each a school with teachers or an enterprise leading a sub-task: more cards' rows, more
    chart categories (teacher structure per school, task progress per lead unit)."""
    for i in range(n):
        unit = MemberUnitFactory(consortium=dw.consortium, kind=UnitKind.SCHOOL if i % 2 else UnitKind.ENTERPRISE)
        if i % 2:
            TeacherFactory(unit=unit)
            TeacherFactory(unit=unit, part_time=True)
        else:
            SubTaskFactory(lead_unit=unit)
    kpi_refresh(consortium_id=dw.consortium.pk)


def _count(client, url, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_query_count_is_constant(client, dw, django_assert_max_num_queries):
    client.force_login(dw.official)
    _grow(dw, 2)
    small = _count(client, reverse(DASHBOARD), {})
    small_unit = _count(client, reverse(DASHBOARD), {"unit": dw.school.pk})
    _grow(dw, 12)
    page = client.get(reverse(DASHBOARD)).context
    assert len(page["dashboard"].chart("teacher_structure").categories) == 7  # 1 + 6 schools with teachers
    assert len(page["dashboard"].chart("task_progress").categories) == 7  # 1 + 6 lead units
    with django_assert_max_num_queries(small):
        client.get(reverse(DASHBOARD))
    with django_assert_max_num_queries(small_unit):
        client.get(reverse(DASHBOARD), {"unit": dw.school.pk})
    assert small <= 12, small


def test_bounded_charts_keep_the_page_light_and_the_export_complete(client, dw, monkeypatch):
    """More categories than CHART_LIMIT: the chart and the table on the page show the charted ones with a note,
    the chart's Excel export has every row."""
    from consortium.leadership import dashboard as dash

    client.force_login(dw.official)
    _grow(dw, 12)
    monkeypatch.setattr(dash, "CHART_LIMIT", 3)
    response = client.get(reverse(DASHBOARD))
    item = next(i for i in response.context["charts"] if i["chart"].key == "teacher_structure")
    chart = item["chart"]
    assert len(chart.categories) == len(item["payload"]["categories"]) == len(item["payload"]["drill_urls"]) == 3
    total = chart.total_categories
    assert total == len(chart.rows) == 6 and len(item["rows"]) == 3  # six schools with teachers
    html = response.content.decode()
    assert chart.note and chart.note in html
    assert html.count('data-testid="chart-table-note"') == 2  # teacher structure and task progress
    assert "表中显示前 3 行，共 6 行" in html
    export = client.get(reverse(EXPORT), {"chart": "teacher_structure"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    header_at = rows.index(tuple(str(h) for h in chart.headers))
    assert len(rows[header_at + 1:]) == total
    assert [r[0] for r in rows[header_at + 1:header_at + 4]] == chart.categories


def test_drill_and_province_query_counts_are_constant(client, dw, django_assert_max_num_queries):
    _grow(dw, 2)
    client.force_login(dw.official)
    drill_small = _count(client, drill("members.by_kind"), {})
    client.force_login(dw.platform_admin)
    province_small = _count(client, reverse(PROVINCE), {})
    _grow(dw, 12)
    for _n in range(3):
        kpi_refresh(consortium_id=ConsortiumFactory().pk)
    client.force_login(dw.official)
    with django_assert_max_num_queries(drill_small):
        client.get(drill("members.by_kind"))
    client.force_login(dw.platform_admin)
    with django_assert_max_num_queries(province_small):
        client.get(reverse(PROVINCE))


def test_platform_admin_is_not_sent_to_the_single_consortium_practice_statistics(client, refreshed):
    """Utilisation links to the practice statistics, which serve one consortium's users only (403 for a platform
    admin): the platform admin goes back to that consortium's dashboard instead; the secretariat is sent there."""
    dw = refreshed
    client.force_login(dw.platform_admin)
    response = client.get(drill("practice.utilisation"), {"consortium": dw.consortium.pk, "year": dw.year})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('leadership:dashboard')}?consortium={dw.consortium.pk}"
    client.force_login(dw.secretariat)
    response = client.get(drill("practice.utilisation"), {"year": dw.year})
    assert response.status_code == 302 and response["Location"].startswith(reverse("practice_center:stats"))
