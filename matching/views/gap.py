"""Pages of matching: the supply–demand gap and programme–industry alignment (plan §三(一), §三(四)).

``matching:gap`` shows, for one year (graduation year / demand start year), supply against demand per local chain
(chart + table) and per 4567 industry, the alignment index per programme (chart + table), the recommendations and
a five-year trend; ``matching:gap-export`` downloads the same tables as an Excel workbook. Filters: year, local
chain (selects rows), demand kinds (changes the figures) and, for platform admins, the consortium.

Who sees what is decided by ``selectors_gap.gap_viewer`` (secretariat and officials: the whole consortium; school
users: their own programmes' rows; others: 403). Every figure comes from ``selectors_gap.gap_page`` — the same
object the export and the API serialise, so the three always agree.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from consortium.imports.views import xlsx_response
from consortium.tenancy.api.filters import fits_db_integer
from consortium.tenancy.mixins import ScopedViewMixin
from consortium.tenancy.models import Consortium
from enterprises.choices.demands import DemandKind
from schools.choices import PriorityClass
from schools.models import Programme

from .. import exports, gap, selectors_gap


class GapFilterForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), required=False, min_value=2000, max_value=2100)
    chain = forms.TypedChoiceField(label=gettext_lazy("本地产业链"), required=False, coerce=int, empty_value=None)
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("需求类型"), required=False, choices=DemandKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, data: Any, *, chains: list[tuple[int, str]]) -> None:
        super().__init__(data)
        self.fields["chain"].choices = [("", _("全部本地产业链")), *chains]


def parse_int(value: Any) -> int | None:
    """A query-string id, or None when it is not a database-sized integer (bad input never fails)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if fits_db_integer(number) else None


class GapViewMixin(ScopedViewMixin):
    """Decides the viewer before any handler runs and reads the filters; ``gap_page()`` is the one data source."""

    model = Programme

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            viewer = selectors_gap.gap_viewer(request.user, consortium_id=parse_int(request.GET.get("consortium")))
            if viewer is None:
                raise PermissionDenied(_("供需缺口与专业对接分析面向秘书处、领导和职业学校。"))
            self.viewer = viewer
        return super().dispatch(request, *args, **kwargs)

    def filters(self) -> tuple[GapFilterForm, int, int | None, tuple[str, ...]]:
        chains = selectors_gap.gap_chain_choices(self.request.user, self.viewer.consortium_id)
        form = GapFilterForm(self.request.GET or None, chains=chains)
        year, chain_id, kinds = timezone.localdate().year, None, ()
        if form.is_bound and form.is_valid():
            year = form.cleaned_data.get("year") or year
            chain_id = form.cleaned_data.get("chain")
            kinds = tuple(form.cleaned_data.get("kinds") or ())
        elif form.is_bound:  # keep the valid parts of a partly wrong query (the errors are shown)
            cleaned = getattr(form, "cleaned_data", {})
            year = cleaned.get("year") or year
            chain_id = cleaned.get("chain")
            kinds = tuple(cleaned.get("kinds") or ())
        return form, year, chain_id, kinds

    def gap_page(self) -> tuple[GapFilterForm, selectors_gap.GapPage, dict[str, Any]]:
        form, year, chain_id, kinds = self.filters()
        page = selectors_gap.gap_page(self.request.user, self.viewer, year=year, chain_id=chain_id, demand_kinds=kinds)
        labels = {
            "consortium": Consortium.objects.visible_to(self.request.user)
            .filter(pk=self.viewer.consortium_id)
            .values_list("name", flat=True)
            .first() or "",
            "chain": dict(form.fields["chain"].choices).get(chain_id, "") if chain_id else _("全部本地产业链"),
            "kinds": "、".join(str(DemandKind(k).label) for k in kinds) if kinds else _("全部需求类型"),
        }
        return form, page, labels


class GapView(GapViewMixin, TemplateView):
    """供需缺口与专业对接: supply vs demand per chain and industry, alignment per programme, recommendations."""

    template_name = "matching/gap/gap.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form, page, labels = self.gap_page()
        report = page.report
        industries = exports.listed_industries(report)
        query = self.request.GET.urlencode()
        priorities = dict(PriorityClass.choices)
        context.update(
            form=form,
            page=page,
            report=report,
            summary=report.summary,
            year=report.year,
            labels=labels,
            industry_rows=industries,
            hidden_industries=len(report.industries) - len(industries),
            consortium_wide=self.viewer.consortium_wide,
            consortium_choices=selectors_gap.gap_consortium_choices(self.request.user),
            consortium_id=self.viewer.consortium_id,
            export_query=f"?{query}" if query else "",
            programme_rows=[
                (row, priorities.get(row.priority_class, "") if row.priority_class != PriorityClass.NONE else "")
                for row in report.programmes
            ],
            definitions=exports.definitions(),
            thresholds={"expand": gap.EXPAND_RATIO, "shrink": gap.SHRINK_RATIO, "open": gap.OPEN_MIN_HEADCOUNT},
            chain_chart={
                "names": [row.name for row in report.chains],
                "supply": [row.expected_graduates for row in report.chains],
                "demand": [row.demand for row in report.chains],
                "filled": [row.filled for row in report.chains],
            },
            programme_chart={
                "names": [f"{row.name}（{row.unit_name}）" for row in report.programmes],
                "index": [row.index for row in report.programmes],
            },
            programme_chart_height=max(240, 28 * len(report.programmes) + 60),
        )
        return context


class GapExportView(GapViewMixin, View):
    """The page's tables and recommendations as an Excel workbook (same filters, same figures)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _form, page, labels = self.gap_page()
        content = exports.gap_workbook(page, labels)
        return xlsx_response(f"gap-{page.report.year}.xlsx", content)


urlpatterns = [
    path("gap/", GapView.as_view(), name="gap"),
    path("gap/export/", GapExportView.as_view(), name="gap-export"),
]
