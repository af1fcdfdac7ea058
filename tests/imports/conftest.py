"""Fixtures of the import tests: a school with an admin, programmes with offerings, industries; helpers that build
workbooks in memory and upload them (dry-run tasks run eagerly after commit)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from consortium.imports.models import ImportJob
from tests.factories.schools import (
    ProgrammeFactory,
    ProgrammeOfferingFactory,
    SchoolProfileFactory,
    SchoolUnitFactory,
    id_number,
)
from tests.factories.tenancy import IndustryFactory, UnitMembershipFactory

STUDENT_HEADERS = [
    "学号",
    "姓名",
    "性别",
    "身份证号",
    "手机号",
    "专业代码",
    "年级",
    "预计毕业",
    "状态",
    "技能",
    "愿意本地就业",
    "意向产业代码",
    "意向地点",
]
TEACHER_HEADERS = ["姓名", "身份证号", "性别", "用工类型", "来源单位", "职称", "任教专业代码", "手机号", "是否入库"]


@dataclass
class School:
    unit: Any
    admin: Any
    programme: Any
    industry: Any
    profile: Any


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.IMPORTS_ROOT = str(tmp_path / "imports")
    return tmp_path


@pytest.fixture
def school(db) -> School:
    unit = SchoolUnitFactory(name="宝清职教中心")
    profile = SchoolProfileFactory(unit=unit, staffing_quota=10)  # part-time cap: 2
    admin = UnitMembershipFactory(unit=unit, admin=True, user__username="school_admin").user
    programme = ProgrammeFactory(unit=unit, code="460104", name="机械制造及自动化")
    ProgrammeOfferingFactory(programme=programme, year=2024)
    industry = IndustryFactory(code="A1", name="装备制造")
    return School(unit=unit, admin=admin, programme=programme, industry=industry, profile=profile)


def make_xlsx(headers: list[Any], rows: list[list[Any]], sheet: str = "学生") -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def student_row(n: int, **overrides: Any) -> list[Any]:
    values = {
        "学号": f"2024{n:05d}",
        "姓名": f"学生{n}",
        "性别": "男" if n % 2 else "女",
        "身份证号": id_number(n),
        "手机号": f"138{n:08d}",
        "专业代码": "460104",
        "年级": 2024,
        "预计毕业": "2027-06",
        "状态": "在读",
        "技能": "焊接",
        "愿意本地就业": "是",
        "意向产业代码": "A1",
        "意向地点": "宝清县",
    }
    values.update(overrides)
    return [values[h] for h in STUDENT_HEADERS]


def teacher_row(n: int, **overrides: Any) -> list[Any]:
    values = {
        "姓名": f"教师{n}",
        "身份证号": id_number(500 + n),
        "性别": "女",
        "用工类型": "专任",
        "来源单位": "",
        "职称": "讲师",
        "任教专业代码": "460104",
        "手机号": "",
        "是否入库": "否",
    }
    values.update(overrides)
    return [values[h] for h in TEACHER_HEADERS]


def upload(client, content: bytes, *, kind: str = "schools.students", unit=None, name: str = "data.xlsx", capture=None):
    data = {"kind": kind, "unit": unit.pk if unit else "", "file": SimpleUploadedFile(name, content)}
    if capture is None:
        return client.post(reverse("imports:upload"), data)
    with capture(execute=True):
        return client.post(reverse("imports:upload"), data)


def last_job() -> ImportJob:
    return ImportJob.objects.order_by("-pk").first()


@pytest.fixture
def admin_client(client, school):
    client.force_login(school.admin)
    return client
