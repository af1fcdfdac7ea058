"""Template, upload → dry run → preview → confirm → apply, re-import, export, tenant isolation, idempotent task."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from consortium.imports import services
from consortium.imports.choices import ImportStatus
from consortium.imports.models import ImportJob
from schools.models import Programme, Student, Teacher
from tests.factories.imports import ImportJobFactory
from tests.factories.schools import StudentFactory
from tests.factories.tenancy import ConsortiumFactory, MemberUnitFactory

from .conftest import STUDENT_HEADERS, TEACHER_HEADERS, last_job, make_xlsx, student_row, teacher_row, upload

pytestmark = pytest.mark.django_db


def test_template_has_headers_freeze_and_validation_lists(admin_client, school):
    response = admin_client.get(reverse("imports:template") + f"?kind=schools.students&unit={school.unit.pk}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    ws = workbook["学生"]
    assert [c.value for c in ws[1]] == STUDENT_HEADERS
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width > 8
    formulas = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert formulas["C2"] == '"男,女"'  # 性别
    assert "在读" in formulas["I2"] and "已毕业" in formulas["I2"]  # 状态
    assert formulas["K2"] == '"是,否"'
    assert formulas["F2"].startswith("'_lists'!$")  # 专业代码 from the hidden sheet
    hidden = workbook["_lists"]
    assert hidden.sheet_state == "hidden"
    assert "460104" in [c.value for c in hidden[formulas["F2"].split("!$")[1][0]]]
    assert "填写说明" in workbook.sheetnames and "代码表" in workbook.sheetnames


def test_teacher_template_via_api_lists_employment_labels(school):
    client = APIClient()
    client.force_authenticate(school.admin)
    response = client.get("/api/v1/import-jobs/template/?kind=schools.teachers")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content))["教师"]
    assert [c.value for c in ws[1]] == [
        "姓名",
        "身份证号",
        "性别",
        "用工类型",
        "来源单位",
        "职称",
        "任教专业代码",
        "手机号",
        "资格与资质",
        "是否在职",
        "是否入库",
        "专长",
    ]
    assert any(dv.formula1 == '"专任,兼职"' for dv in ws.data_validations.dataValidation)
    assert client.get("/api/v1/import-jobs/template/?kind=nope").status_code == 400


def test_upload_dry_run_preview_confirm_and_reimport(admin_client, school, django_capture_on_commit_callbacks):
    content = make_xlsx(STUDENT_HEADERS, [student_row(1), [None] * 13, student_row(2), student_row(3)])
    response = upload(admin_client, content, unit=school.unit, capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert response.status_code == 302 and response.url == reverse("imports:job-detail", kwargs={"pk": job.pk})
    assert job.status == ImportStatus.VALIDATED, job.errors
    assert (job.rows_total, job.created_count, job.updated_count) == (3, 3, 0)  # the empty row is skipped
    assert Student.objects.count() == 0  # the dry run wrote nothing
    assert job.sha256 and job.size == len(content) and job.original_filename == "data.xlsx"
    assert not job.file.name.endswith("data.xlsx")  # stored under a generated name
    page = admin_client.get(reverse("imports:job-detail", kwargs={"pk": job.pk}))
    assert "确认导入" in page.content.decode() and "学生1" in page.content.decode()  # preview
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("imports:job-confirm", kwargs={"pk": job.pk}))
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_count == 3
    assert set(Student.objects.values_list("student_no", flat=True)) == {"202400001", "202400002", "202400003"}
    student = Student.objects.get(student_no="202400001")
    assert student.offering.programme == school.programme and student.willing_to_work_locally
    assert list(student.preferred_industries.all()) == [school.industry]
    # A second confirm is refused (idempotent), nothing duplicated.
    admin_client.post(reverse("imports:job-confirm", kwargs={"pk": job.pk}))
    assert Student.objects.count() == 3

    # Re-import: the same file updates nothing; a changed row is an update, not a duplicate.
    upload(admin_client, content, unit=school.unit, capture=django_capture_on_commit_callbacks)
    again = last_job()
    assert again.status == ImportStatus.VALIDATED
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    changed = make_xlsx(STUDENT_HEADERS, [student_row(1, 姓名="改名"), student_row(2), student_row(3)])
    upload(admin_client, changed, unit=school.unit, capture=django_capture_on_commit_callbacks)
    job3 = last_job()
    assert (job3.created_count, job3.updated_count, job3.unchanged_count) == (0, 1, 2)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("imports:job-confirm", kwargs={"pk": job3.pk}))
    assert Student.objects.count() == 3
    assert Student.objects.get(student_no="202400001").name == "改名"


def test_teachers_and_programmes_import(admin_client, school, django_capture_on_commit_callbacks):
    rows = [teacher_row(1), teacher_row(2, 用工类型="兼职"), teacher_row(3, 用工类型="专职")]
    upload(
        admin_client,
        make_xlsx(TEACHER_HEADERS, rows, sheet="教师"),
        kind="schools.teachers",
        unit=school.unit,
        capture=django_capture_on_commit_callbacks,
    )
    job = last_job()
    assert job.status == ImportStatus.VALIDATED, job.errors
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("imports:job-confirm", kwargs={"pk": job.pk}))
    assert Teacher.objects.filter(unit=school.unit).count() == 3
    assert Teacher.objects.filter(unit=school.unit, employment="part_time").count() == 1
    assert list(Teacher.objects.get(name="教师1").programmes.all()) == [school.programme]

    headers = ["专业代码", "专业名称", "层次", "专业大类", "是否在办"]
    content = make_xlsx(
        headers,
        [["460104", "机械制造（新名）", "高职专科", "", "是"], ["460105", "数控技术", "高职专科", "", "否"]],
        sheet="专业",
    )
    upload(
        admin_client, content, kind="schools.programmes", unit=school.unit, capture=django_capture_on_commit_callbacks
    )
    job = last_job()
    assert job.status == ImportStatus.VALIDATED, job.errors
    assert (job.created_count, job.updated_count) == (1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("imports:job-confirm", kwargs={"pk": job.pk}))
    assert Programme.objects.get(unit=school.unit, code="460104").name == "机械制造（新名）"
    assert Programme.objects.get(unit=school.unit, code="460105").is_active is False


def test_api_upload_detail_and_confirm(school, django_capture_on_commit_callbacks):
    client = APIClient()
    client.force_authenticate(school.admin)
    content = make_xlsx(STUDENT_HEADERS, [student_row(1), student_row(2, 状态="退学")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/import-jobs/",
            {"kind": "schools.students", "unit": school.unit.pk, "file": io.BytesIO(content)},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    detail = client.get(f"/api/v1/import-jobs/{response.json()['id']}/").json()
    assert detail["status"] == "invalid"
    assert detail["errors"][0]["row"] == 3 and detail["errors"][0]["header"] == "状态"
    assert client.post(f"/api/v1/import-jobs/{detail['id']}/confirm/").status_code == 400
    good = make_xlsx(STUDENT_HEADERS, [student_row(1)])
    with django_capture_on_commit_callbacks(execute=True):
        job_id = client.post(
            "/api/v1/import-jobs/",
            {"kind": "schools.students", "unit": school.unit.pk, "file": io.BytesIO(good)},
            format="multipart",
        ).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/import-jobs/{job_id}/confirm/").status_code == 202
    assert client.get(f"/api/v1/import-jobs/{job_id}/").json()["status"] == "done"
    assert Student.objects.count() == 1
    bad = client.post(
        "/api/v1/import-jobs/",
        {"kind": "schools.students", "unit": school.unit.pk, "file": io.BytesIO(b"a,b,c\n1,2,3\n")},
        format="multipart",
    )
    assert bad.status_code == 400 and "file" in bad.json()


def test_task_is_idempotent(admin_client, school, django_capture_on_commit_callbacks):
    upload(
        admin_client,
        make_xlsx(STUDENT_HEADERS, [student_row(1)]),
        unit=school.unit,
        capture=django_capture_on_commit_callbacks,
    )
    job = last_job()
    services.import_job_confirm(actor=school.admin, job=job)  # on_commit not run: the task is "in flight"
    assert services.import_job_run(job_id=job.pk, consortium_id=job.consortium_id, dry_run=False) == "done"
    # Re-delivery of the same message, and a stray dry-run message, change nothing.
    assert services.import_job_run(job_id=job.pk, consortium_id=job.consortium_id, dry_run=False) == "done"
    assert services.import_job_run(job_id=job.pk, consortium_id=job.consortium_id, dry_run=True) == "done"
    assert Student.objects.count() == 1
    # A task addressed with another consortium id finds nothing.
    assert services.import_job_run(job_id=job.pk, consortium_id=job.consortium_id + 999, dry_run=False) == "missing"


def test_export_escapes_formula_like_text(admin_client, school):
    offering = school.programme.offerings.get()
    StudentFactory(
        offering=offering,
        student_no="S1",
        name='=HYPERLINK("http://x")',
        skills="+1+2",
        preferred_places="@SUM(A1)",
        phone="-3",
    )
    StudentFactory(offering=offering, student_no="S2", name="正常", skills="\tTAB")
    response = admin_client.get(reverse("imports:export") + f"?kind=schools.students&unit={school.unit.pk}")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content))["学生"]
    assert [c.value for c in ws[1]] == STUDENT_HEADERS
    cells = [c for row in ws.iter_rows(min_row=2) for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert {'\'=HYPERLINK("http://x")', "'+1+2", "'@SUM(A1)", "'-3", "'\tTAB", "正常", "S1"} <= values
    assert "在读" in values  # choices exported as their Chinese labels


def test_exported_file_reimports_unchanged(admin_client, school, django_capture_on_commit_callbacks):
    offering = school.programme.offerings.get()
    StudentFactory(offering=offering, student_no="S1", name="=1+1", gender="male", cohort=2024)
    content = admin_client.get(reverse("imports:export") + f"?kind=schools.students&unit={school.unit.pk}").content
    upload(admin_client, content, unit=school.unit, capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert job.status == ImportStatus.VALIDATED, job.errors
    assert (job.created_count, job.unchanged_count) == (0, 1)


def test_other_tenant_job_is_404_on_pages_and_api(admin_client, school):
    foreign = ImportJobFactory(unit=MemberUnitFactory(consortium=ConsortiumFactory()))
    assert admin_client.get(reverse("imports:job-detail", kwargs={"pk": foreign.pk})).status_code == 404
    assert admin_client.post(reverse("imports:job-confirm", kwargs={"pk": foreign.pk})).status_code == 404
    client = APIClient()
    client.force_authenticate(school.admin)
    assert client.get(f"/api/v1/import-jobs/{foreign.pk}/").status_code == 404
    assert client.post(f"/api/v1/import-jobs/{foreign.pk}/confirm/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == ImportStatus.VALIDATED
    listing = admin_client.get(reverse("imports:job-list"))
    assert foreign not in listing.context["jobs"]
    # Exports of a foreign unit: 404 like a missing one.
    url = reverse("imports:export") + f"?kind=schools.students&unit={foreign.unit_id}"
    assert admin_client.get(url).status_code == 404


def test_official_cannot_upload_or_export_personal_data(client, school):
    from tests.factories.tenancy import UserFactory

    official = UserFactory(consortium=school.unit.consortium, official=True)
    client.force_login(official)
    assert client.get(reverse("imports:upload")).status_code == 403
    url = reverse("imports:export") + f"?kind=schools.students&unit={school.unit.pk}"
    assert client.get(url).status_code == 403
    assert ImportJob.objects.count() == 0
