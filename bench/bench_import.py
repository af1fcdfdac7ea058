"""Speed of the Excel import: 10,000 student rows, parse+validate, dry run and apply, vs baselines.

Run from the project root: ``.venv/bin/python bench/bench_import.py [--rows 10000]``.
Uses the configured database (DATABASE_URL; SQLite by default) in a throwaway test database, like
bench_scoping.py. Baselines on the same rows in the same process: a naive per-row ``Student.objects.create`` loop
(on a sample, extrapolated) and a raw ``bulk_create`` of prepared objects.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consortium.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

import django  # noqa: E402

django.setup()

import tempfile  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from consortium.imports import services, xlsx  # noqa: E402
from consortium.imports.registry import get_importer  # noqa: E402
from consortium.tenancy.choices import Role, UnitKind, UnitRole, UnitStatus  # noqa: E402
from consortium.tenancy.models import Consortium, Industry, MemberUnit, UnitMembership, User  # noqa: E402
from schools.models import Programme, ProgrammeMajorCategory, ProgrammeOffering, SchoolProfile, Student  # noqa: E402
from schools.rules import id_check_char  # noqa: E402

HEADERS = [
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
CODES = ["460101", "460102", "460103", "460104", "460105"]


def id_number(n: int) -> str:
    first17 = f"230523{date(2005, 1, 1).toordinal() + n % 3000:06d}"[:6] + f"2005{(n % 12) + 1:02d}{(n % 28) + 1:02d}"
    first17 += f"{n % 1000:03d}"
    return first17 + id_check_char(first17)


def build_workbook(rows: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("学生")
    sheet.append(HEADERS)
    for n in range(rows):
        cohort = 2022 + n % 3
        sheet.append(
            [
                f"S{n:07d}",
                f"学生{n}",
                "男" if n % 2 else "女",
                id_number(n),
                f"138{n:08d}",
                CODES[n % 5],
                cohort,
                f"{cohort + 3}-06",
                "在读",
                "焊接、数控",
                "是" if n % 3 else "否",
                "A1" if n % 2 else "",
                "宝清县",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def setup_world() -> dict:
    consortium = Consortium.objects.create(name="宝清县产教联合体", region="宝清县", division_code="230523")
    unit = MemberUnit.objects.create(
        consortium=consortium,
        kind=UnitKind.SCHOOL,
        name="宝清职教中心",
        credit_code="91230523000000001X"[:17] + "0",
        status=UnitStatus.ACTIVE,
    )
    SchoolProfile.objects.create(consortium=consortium, unit=unit, level="secondary_vocational", staffing_quota=100)
    user = User.objects.create_user(username="bench_admin", password="x", consortium=consortium, role=Role.MEMBER)
    UnitMembership.objects.create(consortium=consortium, unit=unit, user=user, role=UnitRole.UNIT_ADMIN)
    category = ProgrammeMajorCategory.objects.create(
        name="装备制造", code_secondary="66", code_associate="46", code_bachelor="26"
    )
    Industry.objects.create(code="A1", name="装备制造", group_code="4", group_name="四大")
    for code in CODES:
        programme = Programme.objects.create(
            consortium=consortium, unit=unit, level="associate", code=code, name=f"专业{code}", major_category=category
        )
        for year in (2022, 2023, 2024):
            ProgrammeOffering.objects.create(consortium=consortium, unit=unit, programme=programme, year=year)
    return {"unit": unit, "user": user}


def timed(label: str, rows: int, fn):
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"  {label:<48} {seconds:7.2f} s  {rows / seconds:9,.0f} rows/s")
    return result, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--naive-sample", type=int, default=1000, help="rows of the per-row create baseline")
    args = parser.parse_args()
    settings.IMPORTS_ROOT = tempfile.mkdtemp(prefix="bench_imports_")
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        db.setdefault("TEST", {})["NAME"] = f"bench_{db['NAME']}"
    old_config = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        world = setup_world()
        unit, user = world["unit"], world["user"]
        importer = get_importer("schools.students")
        content, _s = timed(
            "build workbook in memory (openpyxl write-only)", args.rows, lambda: build_workbook(args.rows)
        )
        print(f"{connection.vendor}: {args.rows} student rows, file {len(content) / 1024 / 1024:.1f} MB\n")
        parsed, _s = timed(
            "check + parse + validate cells",
            args.rows,
            lambda: (xlsx.check_upload(io.BytesIO(content)), xlsx.parse_workbook(io.BytesIO(content), importer))[1],
        )
        assert not parsed.errors, parsed.errors[:3]

        def upload():
            return services.import_job_create(
                actor=user, kind=importer.key, unit=unit, upload=SimpleUploadedFile("s.xlsx", content)
            )

        job, _s = timed("upload + dry run (parse, service, rollback)", args.rows, upload)
        job.refresh_from_db()
        assert job.status == "validated", job.errors[:3]
        assert Student.objects.count() == 0

        def apply():
            services.import_job_confirm(actor=user, job=job)
            job.refresh_from_db()
            return job

        job, _s = timed("confirm + apply (parse, service, commit)", args.rows, apply)
        assert job.status == "done" and Student.objects.count() == args.rows, job.errors[:3]

        job2, _s = timed("re-import same file: dry run (all unchanged)", args.rows, upload)
        job2.refresh_from_db()
        print(f"    → created {job2.created_count}, updated {job2.updated_count}, unchanged {job2.unchanged_count}")

        # Baselines on the same rows.
        offerings = {(p, y): pk for pk, p, y in ProgrammeOffering.objects.values_list("pk", "programme__code", "year")}
        rows = parsed.rows

        def make(row, prefix):
            return Student(
                consortium_id=unit.consortium_id,
                unit=unit,
                student_no=prefix + row["student_no"],
                name=row["name"],
                gender=row["gender"] == "男" and "male" or "female",
                id_number=row["id_number"],
                phone=row["phone"],
                offering_id=offerings[(row["programme_code"], row["cohort"])],
                cohort=row["cohort"],
                expected_graduation=row["expected_graduation"],
                status="studying",
                skills=row["skills"],
                willing_to_work_locally=bool(row["willing_to_work_locally"]),
                preferred_places=row["preferred_places"],
            )

        sample = rows[: args.naive_sample]

        def naive():
            with transaction.atomic():
                for row in sample:
                    obj = make(row, "N")
                    obj.full_clean(validate_unique=False, validate_constraints=False)
                    obj.save()

        _r, seconds = timed(f"baseline: per-row full_clean+save ({len(sample)} rows)", len(sample), naive)
        print(f"    → extrapolated to {args.rows} rows: {seconds * args.rows / len(sample):.1f} s")
        timed(
            "baseline: raw bulk_create (no validation)",
            args.rows,
            lambda: Student.objects.bulk_create([make(r, "B") for r in rows], batch_size=1000),
        )
    finally:
        teardown_databases(old_config, verbosity=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
