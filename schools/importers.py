"""Excel importers of the schools app (programmes, teachers, students), registered with the kernel's import
framework (``consortium.imports.registry``) from ``SchoolsConfig.ready``.

Each maps the template's Chinese columns onto the row keys of the bulk services (``programmes_upsert_bulk``,
``teachers_upsert_bulk``, ``students_upsert_bulk``: all-or-nothing, natural keys, ``BulkRowsError``) and exports
the unit's rows in the same columns, starting from ``visible_to(user)``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from consortium.imports.registry import Column, Importer, register
from consortium.tenancy.choices import UnitKind
from consortium.tenancy.models import Industry, MemberUnit

from . import services
from .choices import CatalogueLevel, Employment, Gender, StudentStatus
from .models import Programme, ProgrammeMajorCategory, Student, Teacher
from .rules import id_number_problem, normalize_id_number
from .selectors import can_see_personal

GENDERS = [(Gender.MALE.value, Gender.MALE.label), (Gender.FEMALE.value, Gender.FEMALE.label)]


def _id_number_check(value: Any) -> Any:
    return id_number_problem(normalize_id_number(str(value)))


class _SchoolImporter(Importer):
    unit_kinds = (UnitKind.SCHOOL.value,)

    def can_export(self, user: Any, unit: MemberUnit) -> bool:
        return can_see_personal(user, unit.pk, unit.consortium_id)

    def _programme_list(self, unit: MemberUnit | None) -> list[tuple[str, str]]:
        if unit is None:
            return []
        return list(Programme.objects.filter(unit=unit).order_by("code").values_list("code", "name"))


@register
class ProgrammeImporter(_SchoolImporter):
    key = "schools.programmes"
    title = _("专业")
    sheet_name = "专业"
    natural_key = _("学校 + 专业代码")
    description = _("本校开设的专业（2021年职业教育专业目录）。")
    columns = (
        Column(
            "code",
            _("专业代码"),
            required=True,
            max_length=6,
            example="460104",
            width=12,
            help=_("6位专业目录代码，前两位为该层次的专业大类代码。"),
        ),
        Column("name", _("专业名称"), required=True, max_length=80, example="机械制造及自动化", width=24),
        Column("level", _("层次"), type="choice", required=True, choices=CatalogueLevel.choices, example="高职专科"),
        Column(
            "major_category",
            _("专业大类"),
            list_name="categories",
            example="装备制造",
            width=18,
            help=_("可不填：按专业代码和层次自动确定。"),
        ),
        Column("is_active", _("是否在办"), type="bool", example="是", width=10),
        Column("description", _("专业简介"), max_length=2000, width=40),
    )

    def rows_to_service(self, actor: Any, unit: MemberUnit, rows: Sequence[Mapping[str, Any]]) -> Any:
        prepared = [{k: v for k, v in row.items() if not (k == "major_category" and not v)} for row in rows]
        return services.programmes_upsert_bulk(actor=actor, unit=unit, rows=prepared)

    def lists(self, unit: MemberUnit | None) -> dict[str, list[tuple[str, str]]]:
        return {
            "categories": [
                (name, f"{sec}/{assoc}/{bach}")
                for name, sec, assoc, bach in ProgrammeMajorCategory.objects.order_by("position").values_list(
                    "name", "code_secondary", "code_associate", "code_bachelor"
                )
            ]
        }

    def export_rows(self, user: Any, unit: MemberUnit) -> Iterable[Mapping[str, Any]]:
        qs = Programme.objects.visible_to(user).filter(unit=unit).order_by("code")
        for row in qs.values("code", "name", "level", "major_category__name", "is_active", "description"):
            row["major_category"] = row.pop("major_category__name")
            yield row


@register
class TeacherImporter(_SchoolImporter):
    key = "schools.teachers"
    title = _("教师")
    sheet_name = "教师"
    natural_key = _("学校 + 身份证号")
    description = _("专任和兼职教师；兼职教师总数不得超过编制员额的20%。")
    field_columns = {"programmes": "programme_codes"}
    columns = (
        Column("name", _("姓名"), required=True, max_length=60, example="张三", width=12),
        Column(
            "id_number",
            _("身份证号"),
            required=True,
            max_length=18,
            validate=_id_number_check,
            example="230523199001011234",
            width=22,
            help=_("18位居民身份证号码，用于识别同一教师。"),
        ),
        Column("gender", _("性别"), type="choice", choices=GENDERS, example="男", width=8),
        Column(
            "employment",
            _("用工类型"),
            type="choice",
            required=True,
            choices=Employment.choices,
            aliases={"专职": Employment.FULL_TIME.value},
            example="兼职",
            width=10,
            help=_("专任（专职）或兼职；兼职教师不得超过编制员额的20%。"),
        ),
        Column("source_unit", _("来源单位"), max_length=120, width=24, help=_("兼职教师所在的成员单位全称。")),
        Column("title", _("职称"), max_length=40, example="高级工程师", width=14),
        Column(
            "programme_codes",
            _("任教专业代码"),
            type="list",
            list_name="programmes",
            max_length=500,
            example="460104",
            width=18,
            help=_("本校专业代码，多个用逗号分隔。"),
        ),
        Column("phone", _("手机号"), max_length=30, example="13800000000", width=14),
        Column("qualifications", _("资格与资质"), max_length=2000, width=24),
        Column("is_active", _("是否在职"), type="bool", example="是", width=10),
        Column(
            "in_shared_pool",
            _("是否入库"),
            type="bool",
            example="否",
            width=10,
            help=_("是否加入联合体兼职教师库（仅公开非个人信息）。"),
        ),
        Column("expertise", _("专长"), max_length=2000, width=24),
    )

    def rows_to_service(self, actor: Any, unit: MemberUnit, rows: Sequence[Mapping[str, Any]]) -> Any:
        return services.teachers_upsert_bulk(actor=actor, unit=unit, rows=rows)

    def lists(self, unit: MemberUnit | None) -> dict[str, list[tuple[str, str]]]:
        return {"programmes": self._programme_list(unit)}

    def export_rows(self, user: Any, unit: MemberUnit) -> Iterable[Mapping[str, Any]]:
        qs = Teacher.objects.visible_to(user).filter(unit=unit).order_by("name", "id")
        codes: dict[int, list[str]] = defaultdict(list)
        through = Teacher.programmes.through
        for teacher_id, code in through.objects.filter(teacher__in=qs).values_list("teacher_id", "programme__code"):
            codes[teacher_id].append(code)
        fields = (
            "id",
            "name",
            "id_number",
            "gender",
            "employment",
            "source_unit__name",
            "title",
            "phone",
            "qualifications",
            "is_active",
            "in_shared_pool",
            "expertise",
        )
        for row in qs.values(*fields):
            row["source_unit"] = row.pop("source_unit__name") or ""
            row["programme_codes"] = sorted(codes.get(row["id"], []))
            yield row


@register
class StudentImporter(_SchoolImporter):
    key = "schools.students"
    title = _("学生")
    sheet_name = "学生"
    natural_key = _("学校 + 学号")
    description = _("在校生与毕业生（人才供给）。专业须已登记对应年级的年度开设记录。")
    field_columns = {"offering": "programme_code", "student_no": "student_no"}
    max_rows = 20000
    columns = (
        Column("student_no", _("学号"), required=True, max_length=32, example="2024010001", width=14),
        Column("name", _("姓名"), required=True, max_length=60, example="李四", width=10),
        Column("gender", _("性别"), type="choice", choices=GENDERS, example="女", width=8),
        Column("id_number", _("身份证号"), max_length=18, validate=_id_number_check, width=22),
        Column("phone", _("手机号"), max_length=30, width=14),
        Column(
            "programme_code",
            _("专业代码"),
            required=True,
            max_length=6,
            list_name="programmes",
            example="460104",
            width=12,
            help=_("本校专业代码（见“代码表”）。"),
        ),
        Column(
            "cohort",
            _("年级"),
            type="int",
            required=True,
            min_value=2000,
            max_value=2100,
            example=2024,
            width=10,
            help=_("入学年份，如 2024。"),
        ),
        Column("expected_graduation", _("预计毕业"), type="month", required=True, example="2027-06", width=12),
        Column("status", _("状态"), type="choice", choices=StudentStatus.choices, example="在读", width=10),
        Column("skills", _("技能"), max_length=2000, width=24),
        Column("willing_to_work_locally", _("愿意本地就业"), type="bool", example="是", width=12),
        Column(
            "preferred_industry_codes",
            _("意向产业代码"),
            type="list",
            list_name="industries",
            max_length=500,
            width=18,
            help=_("“4567”产业代码，多个用逗号分隔（见“代码表”）。"),
        ),
        Column("preferred_places", _("意向地点"), max_length=200, width=16),
    )

    def rows_to_service(self, actor: Any, unit: MemberUnit, rows: Sequence[Mapping[str, Any]]) -> Any:
        return services.students_upsert_bulk(actor=actor, unit=unit, rows=rows)

    def lists(self, unit: MemberUnit | None) -> dict[str, list[tuple[str, str]]]:
        return {
            "programmes": self._programme_list(unit),
            "industries": list(Industry.objects.order_by("position", "code").values_list("code", "name")),
        }

    def export_rows(self, user: Any, unit: MemberUnit) -> Iterable[Mapping[str, Any]]:
        qs = Student.objects.visible_to(user).filter(unit=unit).order_by("student_no")
        codes: dict[int, list[str]] = defaultdict(list)
        through = Student.preferred_industries.through
        for student_id, code in through.objects.filter(student__in=qs).values_list("student_id", "industry__code"):
            codes[student_id].append(code)
        fields = (
            "id",
            "student_no",
            "name",
            "gender",
            "id_number",
            "phone",
            "offering__programme__code",
            "cohort",
            "expected_graduation",
            "status",
            "skills",
            "willing_to_work_locally",
            "preferred_places",
        )
        for row in qs.values(*fields).iterator(chunk_size=2000):
            row["programme_code"] = row.pop("offering__programme__code")
            row["preferred_industry_codes"] = sorted(codes.get(row["id"], []))
            yield row
