"""Row, column and file errors: every problem is reported with sheet/row/column, and nothing is written."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from django.urls import reverse

from consortium.imports import xlsx
from consortium.imports.choices import ImportStatus
from consortium.imports.models import ImportJob
from schools.models import Student, Teacher

from .conftest import STUDENT_HEADERS, TEACHER_HEADERS, last_job, make_xlsx, student_row, teacher_row, upload

pytestmark = pytest.mark.django_db


def _invalid_job(client, school, content, capture, kind="schools.students"):
    response = upload(client, content, kind=kind, unit=school.unit, capture=capture)
    assert response.status_code == 302
    job = last_job()
    assert job.status == ImportStatus.INVALID
    assert Student.objects.count() == 0 and Teacher.objects.count() == 0
    return job


def _error(job, row, header):
    found = [e for e in job.errors if e["row"] == row and e["header"] == header]
    assert found, job.errors
    assert found[0]["sheet"] in ("学生", "教师")
    return found[0]


@pytest.mark.parametrize(
    ("row", "header", "override", "expected"),
    [
        (2, "姓名", {"姓名": ""}, "必填项不能为空"),
        (2, "状态", {"状态": "退学"}, "可选：在读、实习、已毕业、已就业、升学"),
        (2, "预计毕业", {"预计毕业": "明年夏天"}, "YYYY-MM"),
        (2, "身份证号", {"身份证号": "230523199001011230"}, "校验位错误"),
        (2, "年级", {"年级": "二〇二四"}, "不是整数"),
        (2, "专业代码", {"专业代码": "999999"}, "没有专业代码“999999”"),
        (2, "意向产业代码", {"意向产业代码": "ZZ9"}, "未知的产业代码"),
    ],
)
def test_cell_and_service_errors(
    admin_client, school, django_capture_on_commit_callbacks, row, header, override, expected
):
    content = make_xlsx(STUDENT_HEADERS, [student_row(1, **override), student_row(2)])
    job = _invalid_job(admin_client, school, content, django_capture_on_commit_callbacks)
    error = _error(job, row, header)
    assert expected in error["message"]
    assert error["letter"] == "ABCDEFGHIJKLM"[STUDENT_HEADERS.index(header)]
    assert f"（{error['letter']}列）" in error["column"]
    page = admin_client.get(reverse("imports:job-detail", kwargs={"pk": job.pk})).content.decode()
    assert expected.split("“")[0] in page and "确认导入" not in page


def test_all_errors_are_collected_across_rows(admin_client, school, django_capture_on_commit_callbacks):
    rows = [student_row(1, 姓名=""), student_row(2, 状态="x"), student_row(3, 专业代码="000000"), student_row(4)]
    job = _invalid_job(admin_client, school, make_xlsx(STUDENT_HEADERS, rows), django_capture_on_commit_callbacks)
    assert {(e["row"], e["header"]) for e in job.errors} == {(2, "姓名"), (3, "状态"), (4, "专业代码")}


def test_duplicate_key_inside_the_file(admin_client, school, django_capture_on_commit_callbacks):
    rows = [student_row(1), student_row(2, 学号="202400001")]
    job = _invalid_job(admin_client, school, make_xlsx(STUDENT_HEADERS, rows), django_capture_on_commit_callbacks)
    assert "重复" in _error(job, 3, "学号")["message"]


def test_wrong_and_missing_headers(admin_client, school, django_capture_on_commit_callbacks):
    headers = ["学号", "名字", *STUDENT_HEADERS[2:]]
    job = _invalid_job(admin_client, school, make_xlsx(headers, [student_row(1)]), django_capture_on_commit_callbacks)
    message = job.errors[0]["message"]
    assert job.errors[0]["row"] == 1
    assert "缺少必填列：姓名" in message and "无法识别的列：名字（B列）" in message
    assert "应为：学号、姓名" in message and "实际为：学号、名字" in message


def test_wrong_sheet_name(admin_client, school, django_capture_on_commit_callbacks):
    content = make_xlsx(STUDENT_HEADERS, [student_row(1)], sheet="Sheet1")
    job = _invalid_job(admin_client, school, content, django_capture_on_commit_callbacks)
    assert "找不到工作表“学生”" in job.errors[0]["message"] and "Sheet1" in job.errors[0]["message"]


def test_part_time_cap_exceeded_by_the_file(admin_client, school, django_capture_on_commit_callbacks):
    rows = [teacher_row(n, 用工类型="兼职") for n in range(1, 4)]  # quota 10 → cap 2
    content = make_xlsx(TEACHER_HEADERS, rows, sheet="教师")
    job = _invalid_job(admin_client, school, content, django_capture_on_commit_callbacks, kind="schools.teachers")
    error = [e for e in job.errors if e["header"] == "用工类型"][0]
    assert error["row"] == 2 and error["letter"] == "D"
    assert "编制员额10人" in error["message"] and "现有兼职教师0人" in error["message"]
    assert "剩余可聘2人" in error["message"]


def test_formula_cells_are_refused(admin_client, school, django_capture_on_commit_callbacks):
    row = student_row(1)
    row[9] = '=HYPERLINK("http://evil","x")'  # 技能 (J)
    job = _invalid_job(
        admin_client, school, make_xlsx(STUDENT_HEADERS, [row, student_row(2)]), django_capture_on_commit_callbacks
    )
    error = _error(job, 2, "技能")
    assert error["letter"] == "J" and "公式" in error["message"]


def test_error_list_is_capped(admin_client, school, django_capture_on_commit_callbacks):
    rows = [student_row(n, 状态="?", 性别="?") for n in range(1, 302)]  # 602 cell errors
    job = _invalid_job(admin_client, school, make_xlsx(STUDENT_HEADERS, rows), django_capture_on_commit_callbacks)
    assert len(job.errors) == xlsx.MAX_ERRORS and job.error_count == 602 and job.hidden_error_count == 102


# --- hostile files: refused at upload with a clear message; no job, no rows, never a 500 -------------------------


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A structurally valid xlsx whose sheet inflates to 60 MB (compressed ~60 KB)."""
    valid = zipfile.ZipFile(io.BytesIO(make_xlsx(STUDENT_HEADERS, [student_row(1)])))
    members = {name: valid.read(name) for name in valid.namelist()}
    members["xl/worksheets/sheet1.xml"] = b"<x>" + b" " * (60 * 1024 * 1024) + b"</x>"
    return _zip(members)


HOSTILE = {
    "empty": (b"", "文件为空"),
    "random": (os.urandom(4096), "不是 Excel 工作簿"),
    "csv": ("学号,姓名\n1,张三\n".encode(), "不是 Excel 工作簿"),
    "xls_or_encrypted": (xlsx.OLE_MAGIC + os.urandom(2048), "加密"),
    "docx_zip": (_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}), "缺少工作簿结构"),
    "broken_zip": (b"PK\x03\x04" + os.urandom(1000), "已损坏"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_are_refused(admin_client, school, name):
    content, expected = HOSTILE[name]
    response = upload(admin_client, content, unit=school.unit, name="学生.xlsx")
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert ImportJob.objects.count() == 0 and Student.objects.count() == 0


def test_zip_bomb_is_refused_before_parsing(admin_client, school, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr(xlsx, "_open_workbook", boom)
    response = upload(admin_client, zip_bomb(), unit=school.unit)
    assert response.status_code == 400
    assert "压缩炸弹" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_oversize_file_is_refused_with_the_limit(admin_client, school):
    content = make_xlsx(STUDENT_HEADERS, [student_row(1)]) + b"\0" * (xlsx.MAX_UPLOAD_BYTES + 1)
    response = upload(admin_client, content, unit=school.unit)
    assert response.status_code == 400
    assert "10 MB" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_check_upload_size_limit_message():
    with pytest.raises(xlsx.FileRejected, match="不能超过 10 MB"):
        xlsx.check_upload(io.BytesIO(b"PK\x03\x04" + b"\0" * (xlsx.MAX_UPLOAD_BYTES + 10)))


def test_row_padding_is_bounded(school):
    """A sheet that declares a cell at row 1,048,576 is refused without walking a million rows."""
    from consortium.imports.registry import get_importer

    valid = zipfile.ZipFile(io.BytesIO(make_xlsx(STUDENT_HEADERS, [student_row(1)])))
    members = {name: valid.read(name) for name in valid.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    far = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    members["xl/worksheets/sheet1.xml"] = sheet.replace("</sheetData>", far + "</sheetData>").encode()
    content = _zip(members)
    xlsx.check_upload(io.BytesIO(content))
    result = xlsx.parse_workbook(io.BytesIO(content), get_importer("schools.students"))
    assert result.fatal and "最大行数" in result.errors[-1]["message"]
