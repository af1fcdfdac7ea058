"""Excel import of talent demands: template, dry run, apply, row errors, all-or-nothing, re-import."""

# ruff: noqa: F811  (tests take the imported fixture "w" as a parameter)

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from consortium.imports.models import ImportJob
from enterprises.models.demands import TalentDemand
from tests.factories.enterprises_demands import TalentDemandFactory
from tests.factories.schools import ProgrammeFactory

from .test_demands_world import w  # noqa: F401  (the shared fixture)

pytestmark = pytest.mark.django_db

HEADERS = ["岗位", "需求类型", "需求人数", "到岗日期", "有效期至", "学历要求", "工作地点", "月薪下限（元）",
           "月薪上限（元）", "对口专业代码", "技能要求"]


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.IMPORTS_ROOT = str(tmp_path / "imports")


def _row(n, **overrides):
    values = {"岗位": f"岗位{n}", "需求类型": "就业", "需求人数": 3, "到岗日期": "2027-07-01", "有效期至": "2027-12-31",
              "学历要求": "高职专科", "工作地点": "宝清县", "月薪下限（元）": 4000, "月薪上限（元）": 6000,
              "对口专业代码": "460104", "技能要求": "电工操作:5, 识图:3"}
    values.update(overrides)
    return [values[h] for h in HEADERS]


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.title = "人才需求"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client, w, content, capture):
    with capture(execute=True):
        client.post(reverse("imports:upload"), {
            "kind": "enterprises.talent_demands", "unit": w.ent.pk, "file": SimpleUploadedFile("d.xlsx", content)})
    return ImportJob.objects.order_by("-pk").first()


def _confirm(client, job, capture):
    with capture(execute=True):
        client.post(reverse("imports:job-confirm", kwargs={"pk": job.pk}))
    job.refresh_from_db()
    return job


@pytest.fixture
def programme(w):
    return ProgrammeFactory(unit__consortium=w.consortium, code="460104")


def test_template_has_chinese_headers(client, w):
    client.force_login(w.admin)
    response = client.get(reverse("imports:template") + f"?kind=enterprises.talent_demands&unit={w.ent.pk}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["人才需求"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["岗位", "需求类型", "需求人数", "到岗日期"]


def test_dry_run_then_apply_then_reimport(client, w, programme, django_capture_on_commit_callbacks):
    client.force_login(w.admin)
    job = _upload(client, w, _xlsx([_row(1), _row(2, 需求类型="实习")]), django_capture_on_commit_callbacks)
    assert job.status == "validated", job.errors
    assert not TalentDemand.objects.exists()  # a dry run writes nothing
    job = _confirm(client, job, django_capture_on_commit_callbacks)
    assert job.status == "done" and job.created_count == 2
    first = TalentDemand.objects.get(position="岗位1")
    assert first.status == "draft" and list(first.programmes.all()) == [programme]
    assert sorted(first.skills.values_list("name", "importance")) == [("电工操作", 5), ("识图", 3)]
    assert TalentDemand.objects.get(position="岗位2").kind == "internship"
    job = _upload(client, w, _xlsx([_row(1, 需求人数=9)]), django_capture_on_commit_callbacks)
    job = _confirm(client, job, django_capture_on_commit_callbacks)
    assert job.status == "done" and job.updated_count == 1
    first.refresh_from_db()
    assert first.headcount == 9 and TalentDemand.objects.count() == 2


def test_row_errors_and_all_or_nothing(client, w, programme, django_capture_on_commit_callbacks):
    client.force_login(w.admin)
    rows = [_row(1), _row(2, 对口专业代码="999999"), _row(3, **{"月薪下限（元）": 9000}), _row(4, 需求类型="外包")]
    job = _upload(client, w, _xlsx(rows), django_capture_on_commit_callbacks)
    assert job.status == "invalid"
    rows_with_errors = {e["row"] for e in job.errors}
    assert {3, 4, 5} <= rows_with_errors
    assert not TalentDemand.objects.exists()


def test_published_demand_cannot_be_overwritten_by_import(client, w, programme, django_capture_on_commit_callbacks):
    from datetime import date

    TalentDemandFactory(unit=w.ent, position="岗位1", start_date=date(2027, 7, 1), headcount=5)
    client.force_login(w.admin)
    job = _upload(client, w, _xlsx([_row(1, 需求人数=1)]), django_capture_on_commit_callbacks)
    assert job.status == "invalid"
    assert TalentDemand.objects.get().headcount == 5
