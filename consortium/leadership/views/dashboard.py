"""The leadership dashboards: the officials' dashboard, the drill-down behind every number and the province view.

* ``leadership:dashboard`` (/leadership/dashboard/): cards grouped by KPI group and the charts of
  ``dashboard.dashboard_data`` (ECharts, each with its data table and an Excel download), filters year and unit.
  Secretariat and officials see their own consortium; platform admins choose one with ``?consortium=<id>``
  (another consortium's id is ignored for everyone else). Unit users get 403.
* ``leadership:dashboard-export``: the same figures as an Excel workbook (``?chart=<key>``: that chart only).
* ``leadership:dashboard-refresh`` (POST, secretariat): recomputes the consortium's KPI facts through the Celery task
  ``refresh_kpis``, enqueued when the request's transaction commits.
* ``leadership:kpi-drill`` (/leadership/kpi/<metric>/): the rows behind one number, read through
  ``visible_to(request.user)`` and narrowed by the metric's own ``Drill.filter`` (the very filter the refresh counts
  with), so the list is exactly the rows counted. Metrics with a ``link`` redirect to their page.
* ``leadership:province`` (/leadership/province/): platform admins only, one row per consortium.

Every figure comes from the precomputed facts (``kpis.read`` / ``dashboard``), so the page runs a constant number of
queries whatever the data size, and equals the reports, which read the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import models, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from consortium.tenancy.api.filters import fits_db_integer
from consortium.tenancy.choices import UnitStatus
from consortium.tenancy.forms import BootstrapFormMixin
from consortium.tenancy.mixins import ScopedViewMixin
from consortium.tenancy.models import Consortium, MemberUnit
from consortium.tenancy.scoping import is_platform_admin, require_secretariat

from .. import exports
from ..choices import RefreshStatus
from ..dashboard import Dashboard, dashboard_data
from ..kpis.read import province_values
from ..kpis.registry import GROUP_LABELS, GROUPS, INDEX, METRICS, RATIOS, dimension_label, link_url
from ..kpis.tasks import refresh_kpis
from ..models import KpiFact, KpiRefresh

GROUP_ICONS = {
    "members": "buildings", "programmes": "journal-bookmark", "order_classes": "mortarboard",
    "teachers": "person-badge", "practice": "tools", "demands": "people", "rnd": "lightbulb",
    "funding": "cash-coin", "tasks": "list-check",
}
#: Chart heights (px) on screen; print CSS resizes them to the A4 width.
CHART_HEIGHT = 320
DRILL_PAGE_SIZE = 50
#: A refresh still "running" after this long is considered dead (the worker was lost): a new one may start.
REFRESH_STALE_AFTER = timedelta(minutes=15)
YEAR_MIN, YEAR_MAX = 2000, 2100


def parse_int(value: Any) -> int | None:
    """A query-string id, or None when it is not a database-sized integer (bad input never fails)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if fits_db_integer(number) else None


# --- who sees the dashboards -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardScope:
    consortium_id: int
    consortium_name: str
    platform_admin: bool
    can_refresh: bool


def dashboard_scope(user: Any, requested_consortium: Any = None) -> DashboardScope:
    """The consortium whose dashboard ``user`` sees. Secretariat and officials: their own (``requested_consortium``
    is ignored); platform admins: the requested one (404 when it does not exist), else the first by name.
    Everyone else: PermissionDenied (403)."""
    if not (user and user.is_authenticated and user.is_active):
        raise PermissionDenied(_("请先登录。"))
    if is_platform_admin(user):
        consortia = Consortium.objects.visible_to(user).order_by("name")
        if requested_consortium not in (None, ""):
            pk = parse_int(requested_consortium)
            chosen = consortia.filter(pk=pk).first() if pk is not None else None
            if chosen is None:
                raise Http404(_("产教联合体不存在。"))
        else:
            chosen = consortia.first()
            if chosen is None:
                raise Http404(_("平台上还没有产教联合体。"))
        return DashboardScope(chosen.pk, chosen.name, True, True)
    if user.consortium_id and user.role in ("secretariat", "official"):
        name = Consortium.objects.visible_to(user).filter(pk=user.consortium_id).values_list("name", flat=True).first()
        return DashboardScope(user.consortium_id, name or "", False, user.role == "secretariat")
    raise PermissionDenied(
        _("领导驾驶舱面向秘书处、领导小组成员和平台管理员。成员单位用户请在“任务推进”中查看本单位的任务、报送和报告。")
    )


# --- filters -------------------------------------------------------------------------------------------------------


class DashboardFilterForm(BootstrapFormMixin, forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX, required=False)
    unit = forms.TypedChoiceField(label=gettext_lazy("成员单位"), coerce=int, empty_value=None, required=False)

    def __init__(self, data: Any, *, units: list[tuple[int, str]]) -> None:
        super().__init__(data)
        self.fields["unit"].choices = [("", _("全联合体")), *units]


class DrillFilterForm(DashboardFilterForm):
    dimension = forms.CharField(label=gettext_lazy("维度"), max_length=64, required=False)


@dataclass(frozen=True)
class Filters:
    form: DashboardFilterForm
    year: int
    unit_id: int | None
    unit_name: str
    dimension: str = ""


def unit_choices(user: Any, consortium_id: int) -> list[tuple[int, str]]:
    """Member units of the consortium the user can see (applications and rejected ones never have figures)."""
    return list(
        MemberUnit.objects.visible_to(user)
        .filter(consortium_id=consortium_id)
        .exclude(status__in=[UnitStatus.APPLIED, UnitStatus.REJECTED])
        .order_by("name", "pk")
        .values_list("pk", "name")
    )


def read_filters(request: HttpRequest, scope: DashboardScope, *, drill: bool = False) -> Filters:
    """Bound to the query string; an invalid value shows its field error and falls back to the default (current
    local year, whole consortium), never an error page."""
    units = unit_choices(request.user, scope.consortium_id)
    data = request.GET.copy()
    for key in ("year", "unit", "dimension"):
        if key in data and not data.get(key, "").strip():
            data.pop(key)
    form_class = DrillFilterForm if drill else DashboardFilterForm
    form = form_class(data, units=units)
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    year = cleaned.get("year") or timezone.localdate().year
    unit_id = cleaned.get("unit")
    return Filters(
        form=form,
        year=year,
        unit_id=unit_id,
        unit_name=dict(units).get(unit_id, "") if unit_id else "",
        dimension=(cleaned.get("dimension") or "") if drill else "",
    )


def caption(scope: DashboardScope, filters: Filters, *, stock: bool = False) -> str:
    """"宝清县产教联合体 · 2026年 · 全联合体" (a stock metric's drill-down says "当前" instead of the year)."""
    return " · ".join(
        [
            scope.consortium_name,
            _("当前") if stock else _("%(year)d年") % {"year": filters.year},
            filters.unit_name or _("全联合体"),
        ]
    )


def base_query(scope: DashboardScope, filters: Filters, **extra: Any) -> str:
    """The query string that keeps the page's consortium (platform admins) and filters."""
    params: dict[str, Any] = {}
    if scope.platform_admin:
        params["consortium"] = scope.consortium_id
    params["year"] = filters.year
    if filters.unit_id:
        params["unit"] = filters.unit_id
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return urlencode(params)


# --- the dashboard's data as the page shows it -------------------------------------------------------------------


def card_group(card: Any) -> str:
    """The KPI group of a card: its metric's group when the card key is a metric key, else the key's prefix
    ("funding.total" → "funding")."""
    metric = METRICS.get(card.key)
    if metric is not None:
        return metric.group
    prefix = str(card.key).split(".", 1)[0]
    return prefix if prefix in GROUPS else "other"


def group_cards(cards: list[Any]) -> list[tuple[str, str, str, list[Any]]]:
    """[(group key, group label, icon, [Card, ...]), ...] in the registry's group order (unknown groups last)."""
    grouped: dict[str, list[Any]] = {}
    for card in cards:
        group = card_group(card)
        grouped.setdefault(group, []).append(card)
    order = [g for g in GROUPS if g in grouped] + [g for g in grouped if g not in GROUPS]
    return [
        (g, str(GROUP_LABELS.get(g, _("其他指标"))), GROUP_ICONS.get(g, "speedometer2"), grouped[g]) for g in order
    ]


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def chart_payload(chart: Any) -> dict[str, Any]:
    """What dashboard.js draws (JSON-safe): kind, categories, series, drill URLs."""
    return {
        "key": chart.key,
        "title": str(chart.title),
        "kind": chart.kind,
        "categories": [str(c) for c in chart.categories],
        "series": [
            {"name": str(s.name), "values": [_number(v) for v in s.values], "stack": s.stack or None, "code": s.code}
            for s in chart.series
        ],
        "drill_urls": list(chart.drill_urls or []),
    }


def chart_height(chart: Any) -> int:
    if chart.kind == "hbar":
        return max(240, 30 * len(chart.categories) + 80)
    return CHART_HEIGHT


def display_rows(chart: Any) -> list[list[tuple[str, bool]]]:
    """The chart's table as the page prints it: (text, numeric) pairs. A chart that shows only some of its categories
    (``Chart.truncated``) keeps the page light: the table lists the charted rows (the first ones), the Excel export
    every row."""
    rows = chart.rows[: len(chart.categories)] if getattr(chart, "truncated", False) else chart.rows
    return [
        [(exports.display_value(v), isinstance(v, int | float | Decimal) and not isinstance(v, bool)) for v in row]
        for row in rows
    ]


def build_dashboard(scope: DashboardScope, filters: Filters) -> Dashboard:
    return dashboard_data(consortium_id=scope.consortium_id, year=filters.year, unit_id=filters.unit_id)


class DashboardViewMixin(ScopedViewMixin):
    """Decides the consortium before any handler runs (403 for unit users) and reads the filters."""

    model = KpiFact

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # A method the view does not serve answers 405 before the role check (as every other POST-only page).
        if request.user.is_authenticated and request.method.lower() in self.http_method_names:
            self.scope = dashboard_scope(request.user, request.GET.get("consortium") or request.POST.get("consortium"))
        return super().dispatch(request, *args, **kwargs)


class DashboardView(DashboardViewMixin, TemplateView):
    """领导驾驶舱: KPI cards by group, the charts with their tables and downloads, filters by year and unit."""

    template_name = "leadership/dashboard/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters = read_filters(self.request, self.scope)
        dashboard = build_dashboard(self.scope, filters)
        query = base_query(self.scope, filters)
        export_url = reverse("leadership:dashboard-export")
        charts = [
            {
                "chart": chart,
                "dom_id": f"chart-{chart.key}",
                "data_id": f"chart-data-{chart.key}",
                "payload": chart_payload(chart),
                "height": chart_height(chart),
                "rows": display_rows(chart),
                "export_query": base_query(self.scope, filters, chart=chart.key),
                "export_url": f"{export_url}?{base_query(self.scope, filters, chart=chart.key)}",
                "empty": not chart.categories or not any(
                    _number(v) for s in chart.series for v in s.values
                ),
            }
            for chart in dashboard.charts
        ]
        context.update(
            scope=self.scope,
            filters=filters,
            form=filters.form,
            dashboard=dashboard,
            groups=[
                (group, label, icon, [(card, exports.display_value(card.value)) for card in cards])
                for group, label, icon, cards in group_cards(list(dashboard.cards))
            ],
            charts=charts,
            query=query,
            caption=caption(self.scope, filters),
            refreshed_at=dashboard.refreshed_at,
            consortium_choices=(
                list(Consortium.objects.visible_to(self.request.user).order_by("name").values_list("pk", "name"))
                if self.scope.platform_admin else []
            ),
        )
        return context


class DashboardExportView(DashboardViewMixin, View):
    """The dashboard's figures as .xlsx: ``?chart=<key>`` one chart's table, else every chart plus the cards."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        filters = read_filters(request, self.scope)
        dashboard = build_dashboard(self.scope, filters)
        text = caption(self.scope, filters)
        key = request.GET.get("chart", "").strip()
        stamp = f"{filters.year}" + (f"-{filters.unit_id}" if filters.unit_id else "")
        if key:
            chart = next((c for c in dashboard.charts if c.key == key), None)
            if chart is None:
                raise Http404(_("图表不存在。"))
            return exports.xlsx_response(f"{chart.title}-{stamp}.xlsx", exports.chart_workbook(chart, caption=text))
        groups = [(label, cards) for _g, label, _i, cards in group_cards(list(dashboard.cards))]
        content = exports.dashboard_workbook(dashboard, groups, caption=text)
        return exports.xlsx_response(f"{_('领导驾驶舱')}-{stamp}.xlsx", content)


class DashboardRefreshView(DashboardViewMixin, View):
    """POST: recompute the consortium's KPI facts now (secretariat and platform admins). The Celery task
    ``refresh_kpis`` is enqueued when the transaction commits; a refresh already running is not started twice."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        consortium_id = self.scope.consortium_id
        require_secretariat(request.user, consortium_id)  # officials and unit users: 403, nothing queued
        if refresh_running(request.user, consortium_id):
            messages.info(request, _("指标正在刷新中，请稍后刷新页面查看。"))
        else:
            enqueue_refresh(consortium_id)
            messages.success(request, _("已开始刷新指标数据，完成后页面数据将自动更新。"))
        params = {}
        if self.scope.platform_admin:
            params["consortium"] = consortium_id
        for key in ("year", "unit"):
            value = parse_int(request.POST.get(key))
            if value:
                params[key] = value
        url = reverse("leadership:dashboard")
        return HttpResponseRedirect(f"{url}?{urlencode(params)}" if params else url)


def refresh_running(user: Any, consortium_id: int) -> bool:
    since = timezone.now() - REFRESH_STALE_AFTER
    return (
        KpiRefresh.objects.visible_to(user)
        .filter(consortium_id=consortium_id, status=RefreshStatus.RUNNING, started_at__gte=since)
        .exists()
    )


def enqueue_refresh(consortium_id: int) -> None:
    transaction.on_commit(lambda: refresh_kpis.delay(consortium_id, "manual"))


# --- drill-down ------------------------------------------------------------------------------------------------------


def resolve(obj: Any, accessor: str) -> Any:
    """``"unit__name"`` / ``"unit.name"`` / ``"get_status_display"`` on a row; missing links give None."""
    value = obj
    for part in accessor.replace(".", "__").split("__"):
        if value is None:
            return None
        value = getattr(value, part, None)
        if callable(value) and not isinstance(value, models.Manager):
            value = value()
    if isinstance(value, models.Manager):
        return "、".join(str(item) for item in value.all())
    return value


def related_paths(model: type[models.Model], accessors: list[str]) -> tuple[list[str], list[str]]:
    """select_related paths (forward FK/one-to-one chains) and prefetch paths (many-to-many) used by the columns,
    so a drill page runs a constant number of queries."""
    select: set[str] = set()
    prefetch: set[str] = set()
    for accessor in accessors:
        parts = accessor.replace(".", "__").split("__")
        current, chain = model, []
        for part in parts[:-1] if len(parts) > 1 else parts:
            try:
                field = current._meta.get_field(part)
            except FieldDoesNotExist:
                break
            if field.many_to_many or field.one_to_many:
                prefetch.add("__".join([*chain, part]))
                break
            if not (field.many_to_one or field.one_to_one) or field.related_model is None:
                break
            chain.append(part)
            current = field.related_model
        if chain:
            select.add("__".join(chain))
    return sorted(select), sorted(prefetch)


def display_cell(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "hour") else value.strftime("%Y-%m-%d")
    if isinstance(value, Decimal | float | int):
        return exports.display_value(value)
    return str(value)


class KpiDrillView(DashboardViewMixin, TemplateView):
    """The rows behind one number (``Metric.drill``), paginated, with the metric's columns."""

    template_name = "leadership/dashboard/drill.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.metric = METRICS.get(kwargs.get("metric", ""))
        if self.metric is None:
            raise Http404(_("指标不存在。"))
        if self.metric.link:  # computed by another app's page (alignment, utilisation, the gap): show it there
            if self.scope.platform_admin and self.metric.link.startswith("practice_center:"):
                # the practice statistics serve users of one consortium only: back to the dashboard, with the reason
                messages.info(request, _("该指标的明细在实践中心统计页面，仅对本联合体的用户开放。"))
                return HttpResponseRedirect(f"{reverse('leadership:dashboard')}?consortium={self.scope.consortium_id}")
            filters = read_filters(request, self.scope, drill=True)
            url = link_url(self.metric.key, filters.year, filters.dimension)
            if url is None:
                raise Http404(_("该指标的明细页面不存在。"))
            return HttpResponseRedirect(url)
        if self.metric.drill is None:
            raise Http404(_("该指标没有明细列表。"))
        return super().get(request, *args, **kwargs)

    def drill_queryset(self, filters: Filters) -> models.QuerySet:
        drill = self.metric.drill
        queryset = drill.model.objects.visible_to(self.request.user)
        if any(f.name == "consortium" for f in drill.model._meta.fields):
            queryset = queryset.filter(consortium_id=self.scope.consortium_id)  # platform admins see every tenant
        queryset = drill.filter(queryset, filters.year, filters.unit_id, filters.dimension)
        select, prefetch = related_paths(drill.model, [accessor for _label, accessor in drill.columns])
        if select:
            queryset = queryset.select_related(*select)
        if prefetch:
            queryset = queryset.prefetch_related(*prefetch)
        if not queryset.ordered:
            queryset = queryset.order_by("pk")
        return queryset

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters = read_filters(self.request, self.scope, drill=True)
        drill = self.metric.drill
        paginator = Paginator(self.drill_queryset(filters), DRILL_PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        rows = [[display_cell(resolve(obj, accessor)) for _label, accessor in drill.columns] for obj in page]
        value = fact_value(self.request.user, self.scope, self.metric, filters)
        dimension_text = dimension_label(self.metric.key, filters.dimension) if filters.dimension else ""
        context.update(
            scope=self.scope,
            filters=filters,
            form=filters.form,
            metric=self.metric,
            group_label=GROUP_LABELS.get(self.metric.group, ""),
            headers=[str(label) for label, _accessor in drill.columns],
            rows=rows,
            page_obj=page,
            paginator=paginator,
            dimension_label=dimension_text,
            fact_value=value,
            fact_text=exports.display_value(value),
            querystring=base_query(self.scope, filters, dimension=filters.dimension),
            dashboard_query=base_query(self.scope, filters),
            caption=caption(self.scope, filters, stock=self.metric.stock),
        )
        return context


def fact_value(user: Any, scope: DashboardScope, metric: Any, filters: Filters) -> Decimal | None:
    """The number on the dashboard this list explains (one query on the facts, through the scope)."""
    year = 0 if getattr(metric, "stock", False) else filters.year
    row = (
        KpiFact.objects.visible_to(user)
        .filter(
            consortium_id=scope.consortium_id, year=year, metric=metric.key, dimension=filters.dimension,
            unit_id=filters.unit_id,
        )
        .values_list("value", flat=True)
        .first()
    )
    return row


# --- province view ---------------------------------------------------------------------------------------------------

#: Key figures of the province table, in column order (those missing from the registry are skipped).
PROVINCE_METRICS = (
    "members.by_kind",
    "programmes.active",
    "order_classes.enrolled",
    "teachers.dual_ratio",
    "practice.training_person_times",
    "demands.published_headcount",
    "demands.filled_headcount",
    "demands.fill_rate",
    "rnd.service_value",
    "funding.by_source",
    "tasks.completion_rate",
    "tasks.overdue",
)

#: The two comparison charts of the province view.
PROVINCE_VOLUME_CHART = ("demands.published_headcount", "demands.filled_headcount")
PROVINCE_RATIO_CHART = ("teachers.dual_ratio", "tasks.completion_rate")


class ProvinceFilterForm(BootstrapFormMixin, forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX, required=False)


class ProvinceViewMixin(ScopedViewMixin):
    model = KpiFact

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not is_platform_admin(request.user):
            raise PermissionDenied(_("全省（市）视图仅面向平台管理员。"))
        return super().dispatch(request, *args, **kwargs)

    def province(self) -> dict[str, Any]:
        data = self.request.GET.copy()
        if not data.get("year", "").strip():
            data.pop("year", None)
        form = ProvinceFilterForm(data)
        form.is_valid()
        year = getattr(form, "cleaned_data", {}).get("year") or timezone.localdate().year
        metrics = METRICS
        columns = [metrics[key] for key in province_metric_keys(metrics)]
        values = province_values(year=year)
        consortia = list(Consortium.objects.visible_to(self.request.user).order_by("name").values_list("pk", "name"))
        rows = []
        for pk, name in consortia:
            figures = values.get(pk)
            rows.append({"pk": pk, "name": name, "values": [province_figure(figures, m) for m in columns]})
        totals = [
            None if not additive(m) else sum((r["values"][i] or Decimal(0)) for r in rows)
            for i, m in enumerate(columns)
        ]
        return {"form": form, "year": year, "columns": columns, "rows": rows, "totals": totals}


def province_metric_keys(metrics: dict[str, Any]) -> list[str]:
    preferred = [key for key in PROVINCE_METRICS if key in metrics]
    if preferred:
        return preferred
    scalars = [key for key, m in metrics.items() if not getattr(m, "dimension_kind", "")]
    return scalars[:8]


def additive(metric: Any) -> bool:
    """Counts and amounts add up across consortia; ratios and indices do not."""
    return metric.key not in RATIOS and metric.measure is not INDEX and str(metric.measure) != "%"


def province_figure(figures: dict[str, Any] | None, metric: Any) -> Decimal | None:
    """One consortium's figure: None when the consortium has no facts at all (never refreshed); a missing count of a
    refreshed consortium is 0 (nothing to count), a missing ratio stays None (zero denominator)."""
    if figures is None:
        return None
    value = scalar(figures.get(metric.key))
    if value is None and additive(metric):
        return Decimal(0)
    return value


def scalar(value: Any) -> Decimal | None:
    """A province figure: the value itself, or the consortium-wide scalar of a {dimension: value} mapping."""
    if isinstance(value, dict):
        if "" in value:
            return value[""]
        return sum(value.values(), Decimal(0)) if value else None
    return value


class ProvinceView(ProvinceViewMixin, TemplateView):
    """全省（市）视图: the key figures of every consortium side by side, with totals and two comparison charts."""

    template_name = "leadership/dashboard/province.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        data = self.province()
        dashboard_url = reverse("leadership:dashboard")
        for row in data["rows"]:
            row["url"] = f"{dashboard_url}?{urlencode({'consortium': row['pk'], 'year': data['year']})}"
            row["display"] = [exports.display_value(v) for v in row["values"]]
        columns = data["columns"]
        keys = [m.key for m in columns]
        volume = [keys.index(k) for k in PROVINCE_VOLUME_CHART if k in keys]
        ratios = [keys.index(k) for k in PROVINCE_RATIO_CHART if k in keys]
        context.update(
            **data,
            headers=[f"{m.label}（{m.measure}）" for m in columns],
            totals_display=[exports.display_value(v) if v is not None else "—" for v in data["totals"]],
            charts=[
                chart
                for chart in (
                    province_chart("province-volume", _("人才需求与满足"), data, volume, dashboard_url),
                    province_chart("province-ratio", _("双师型比例与任务完成率"), data, ratios, dashboard_url),
                )
                if chart is not None
            ],
            export_query=urlencode({"year": data["year"], "export": "xlsx"}),
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("export") == "xlsx":
            data = self.province()
            headers = [_("产教联合体"), *[f"{m.label}（{m.measure}）" for m in data["columns"]]]
            rows = [[row["name"], *row["values"]] for row in data["rows"]]
            content = exports.province_workbook(
                headers, rows, [_("合计"), *data["totals"]], caption=_("%(year)d年") % {"year": data["year"]}
            )
            return exports.xlsx_response(f"{_('全省概览')}-{data['year']}.xlsx", content)
        return super().get(request, *args, **kwargs)


def province_chart(key: str, title: str, data: dict[str, Any], indexes: list[int], dashboard_url: str) -> Any:
    if not indexes or not data["rows"]:
        return None
    columns = data["columns"]
    return {
        "dom_id": f"chart-{key}",
        "data_id": f"chart-data-{key}",
        "title": title,
        "height": max(260, 34 * len(data["rows"]) + 80),
        "payload": {
            "key": key,
            "title": title,
            "kind": "hbar",
            "categories": [row["name"] for row in data["rows"]],
            "series": [
                {"name": f"{columns[i].label}（{columns[i].measure}）", "stack": None,
                 "values": [_number(row["values"][i]) for row in data["rows"]]}
                for i in indexes
            ],
            "drill_urls": [f"{dashboard_url}?{urlencode({'consortium': row['pk'], 'year': data['year']})}"
                           for row in data["rows"]],
        },
    }


urlpatterns = [
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    path("dashboard/export/", DashboardExportView.as_view(), name="dashboard-export"),
    path("dashboard/refresh/", DashboardRefreshView.as_view(), name="dashboard-refresh"),
    path("kpi/<str:metric>/", KpiDrillView.as_view(), name="kpi-drill"),
    path("province/", ProvinceView.as_view(), name="province"),
]
