"""Excel importers of the enterprises app, registered with the kernel's import framework
(``consortium.imports.registry``) from ``EnterprisesConfig.ready``.

Talent demands: natural key (enterprise, position, start date); rows become drafts (or update drafts / returned
demands); a row matching a demand already submitted or published is refused. All-or-nothing through
``enterprises.services.demands.talent_demands_upsert_bulk``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from consortium.imports.registry import Column, Importer, register
from consortium.tenancy.choices import UnitKind
from consortium.tenancy.models import MemberUnit

from .choices.demands import DemandKind, EducationLevel
from .models.demands import DemandSkill, TalentDemand
from .services import demands as services


@register
class TalentDemandImporter(Importer):
    key = "enterprises.talent_demands"
    title = _("人才需求")
    sheet_name = "人才需求"
    natural_key = _("企业 + 岗位 + 到岗日期")
    description = _("企业的人才需求（导入为草稿，提交后由秘书处审核发布）。")
    unit_kinds = (UnitKind.ENTERPRISE.value,)
    field_columns = {"programmes": "programme_codes"}
    columns = (
        Column("position", _("岗位"), required=True, max_length=80, example="电气维修工", width=18),
        Column("kind", _("需求类型"), type="choice", required=True, choices=DemandKind.choices, example="就业"),
        Column("headcount", _("需求人数"), type="int", required=True, min_value=1, max_value=100000, example=5),
        Column("start_date", _("到岗日期"), type="date", required=True, example="2027-07-01", width=12),
        Column("valid_until", _("有效期至"), type="date", example="2027-06-30", width=12),
        Column("education_level", _("学历要求"), type="choice", choices=EducationLevel.choices, example="高职专科"),
        Column("place", _("工作地点"), max_length=80, example="宝清县", width=14),
        Column("salary_min", _("月薪下限（元）"), type="int", min_value=0, max_value=1000000, example=4000),
        Column("salary_max", _("月薪上限（元）"), type="int", min_value=0, max_value=1000000, example=6000),
        Column(
            "programme_codes", _("对口专业代码"), type="list", list_name="programmes", max_length=500, width=18,
            help=_("联合体内学校的专业代码，多个用逗号分隔。"),
        ),
        Column("programme_keywords", _("专业关键词"), max_length=200, width=18),
        Column(
            "skills", _("技能要求"), max_length=1000, example="电工操作:5, 识图:3", width=24,
            help=_("技能:重要程度(1–5)，多个用逗号分隔。"),
        ),
        Column("description", _("岗位说明"), max_length=4000, width=40),
    )

    def rows_to_service(self, actor: Any, unit: MemberUnit, rows: Sequence[Mapping[str, Any]]) -> Any:
        prepared = []
        for row in rows:
            data = dict(row)
            for key in ("salary_min", "salary_max", "valid_until"):
                if data.get(key) in ("",):
                    data[key] = None
            prepared.append(data)
        return services.talent_demands_upsert_bulk(actor=actor, unit=unit, rows=prepared)

    def lists(self, unit: MemberUnit | None) -> dict[str, list[tuple[str, str]]]:
        if unit is None:
            return {"programmes": []}
        from schools.models import Programme

        rows = Programme.objects.for_consortium(unit.consortium_id).order_by("code").values_list("code", "name")
        return {"programmes": sorted(set(rows))}

    def export_rows(self, user: Any, unit: MemberUnit) -> Iterable[Mapping[str, Any]]:
        qs = TalentDemand.objects.visible_to(user).filter(unit=unit).order_by("position", "start_date")
        codes: dict[int, list[str]] = defaultdict(list)
        through = TalentDemand.programmes.through
        for demand_id, code in through.objects.filter(talentdemand__in=qs).values_list(
            "talentdemand_id", "programme__code"
        ):
            codes[demand_id].append(code)
        skills: dict[int, list[str]] = defaultdict(list)
        for demand_id, name, importance in DemandSkill.objects.filter(demand__in=qs).values_list(
            "demand_id", "name", "importance"
        ):
            skills[demand_id].append(f"{name}:{importance}")
        fields = ("id", "position", "kind", "headcount", "start_date", "valid_until", "education_level", "place",
                  "salary_min", "salary_max", "programme_keywords", "description")
        for row in qs.values(*fields):
            row["programme_codes"] = sorted(set(codes.get(row["id"], [])))
            row["skills"] = ", ".join(skills.get(row["id"], []))
            yield row
