"""Statistics pages of practice centres: utilisation (with purpose, booking unit, fees and government purchase),
social training (培训人次, hours) and production value. For the secretariat and officials (whole consortium) and for
centre owners/operators (their own centres); others get 403.

Each page shows ECharts charts (vendored, no CDN) with the data table under each chart; ``?export=<table key>``
downloads that table as .xlsx, built from the very same ``StatTable`` rows as the page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from consortium.tenancy.forms import BootstrapFormMixin
from consortium.tenancy.mixins import ScopedViewMixin

from .. import stats
from ..exports import build_workbook, xlsx_response
from ..models import PracticeCentre


class StatsFilterForm(BootstrapFormMixin, forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100, required=False)
    month = forms.TypedChoiceField(
        label=gettext_lazy("月份"),
        choices=[],
        coerce=int,
        empty_value=None,
        required=False,
    )
    centre = forms.ModelChoiceField(
        label=gettext_lazy("实践中心"),
        queryset=PracticeCentre.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部中心"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [("", _("全年")), *[(m, stats.month_label(m)) for m in range(1, 13)]]


class StatsView(ScopedViewMixin, TemplateView):
    """Base of the statistics pages: scope (403 outside it), filters (bad values fall back to defaults), export."""

    model = PracticeCentre
    tab = ""
    heading = ""
    uses_month = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            self.scope = stats.stats_scope(request.user)  # PermissionDenied → 403
        return super().dispatch(request, *args, **kwargs)

    def filters(self) -> dict[str, Any]:
        """Bound to the query string (the year defaults to the current one); invalid values show a field error and
        fall back to the default, never an error page."""
        data = self.request.GET.copy()
        if not data.get("year"):
            data["year"] = str(timezone.localdate().year)
        form = StatsFilterForm(data)
        form.fields["centre"].queryset = stats.scope_centres(self.request.user, self.scope)
        if not self.uses_month:
            del form.fields["month"]
        form.is_valid()
        cleaned = form.cleaned_data
        centre = cleaned.get("centre")
        return {
            "form": form,
            "year": cleaned.get("year") or timezone.localdate().year,
            "month": cleaned.get("month") if self.uses_month else None,
            "centre": centre,
            "centre_id": centre.pk if centre else None,
        }

    def build(self, filters: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def caption(self, filters: dict[str, Any]) -> str:
        parts = [_("%(year)d年") % {"year": filters["year"]}]
        if filters.get("month"):
            parts.append(stats.month_label(filters["month"]))
        parts.append(filters["centre"].name if filters.get("centre") else _("全部中心"))
        return " · ".join(parts)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        filters = self.filters()
        result = self.build(filters)
        key = request.GET.get("export", "")
        if key:
            tables = [result["tables"][k] for k in result["order"]] if key == "all" else []
            if key in result["tables"]:
                tables = [result["tables"][key]]
            if tables:
                name = f"{self.heading}-{filters['year']}" + (
                    f"-{filters['month']:02d}" if filters.get("month") else ""
                )
                return xlsx_response(f"{name}.xlsx", build_workbook(tables, caption=self.caption(filters)))
        query = request.GET.copy()
        query.pop("export", None)
        context = self.get_context_data(
            tab=self.tab,
            heading=self.heading,
            filters=filters,
            filter_form=filters["form"],
            tables=[result["tables"][k] for k in result["order"]],
            t=result["tables"],
            chart=result["chart"],
            caption=self.caption(filters),
            querystring=query.urlencode(),
            **kwargs,
        )
        return self.render_to_response(context)


class UtilisationStatsView(StatsView):
    """Utilisation per centre (and month) and per resource, by purpose and booking unit; fees and government
    purchase of services."""

    template_name = "practice_center/stats/utilisation.html"
    tab = "utilisation"
    heading = gettext_lazy("实践中心利用率")

    def build(self, filters: dict[str, Any]) -> dict[str, Any]:
        return stats.utilisation_tables(
            self.scope, year=filters["year"], month=filters["month"], centre_id=filters["centre_id"]
        )


class TrainingStatsView(StatsView):
    template_name = "practice_center/stats/training.html"
    tab = "training"
    heading = gettext_lazy("社会培训统计")

    def build(self, filters: dict[str, Any]) -> dict[str, Any]:
        return stats.training_tables(
            self.scope, year=filters["year"], month=filters["month"], centre_id=filters["centre_id"]
        )


class ProductionStatsView(StatsView):
    template_name = "practice_center/stats/production.html"
    tab = "production"
    heading = gettext_lazy("生产与技术服务产值")
    uses_month = False

    def build(self, filters: dict[str, Any]) -> dict[str, Any]:
        return stats.production_tables(self.scope, year=filters["year"], centre_id=filters["centre_id"])


urlpatterns = [
    path("stats/", UtilisationStatsView.as_view(), name="stats"),
    path("stats/training/", TrainingStatsView.as_view(), name="stats-training"),
    path("stats/production/", ProductionStatsView.as_view(), name="stats-production"),
]
