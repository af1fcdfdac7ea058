"""Writes of the import framework: upload (create a job), run (dry run / apply), confirm; template and export.

The dry run parses and validates the file and runs the domain's bulk service inside a transaction that is rolled
back, so service-level problems (unknown codes, the part-time cap...) are reported per row too. The apply runs the
same path in ONE transaction together with the job's ``done`` status: a worker killed mid-apply leaves nothing
half-written, and the re-delivered task simply runs again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium.tenancy.models import MemberUnit
from consortium.tenancy.scoping import is_platform_admin

from . import xlsx
from .choices import ImportStatus
from .models import ImportJob
from .registry import Importer, get_importer

logger = logging.getLogger(__name__)


# --- helpers ------------------------------------------------------------------------------------------------------


def _importer(kind: str) -> Importer:
    importer = get_importer(kind or "")
    if importer is None:
        raise ValidationError({"kind": [_("未知的导入类型“%(kind)s”。") % {"kind": kind}]})
    return importer


def _require_writer(actor: Any) -> None:
    if not (actor and actor.is_authenticated and actor.is_active):
        raise PermissionDenied(_("请先登录。"))
    if not is_platform_admin(actor) and actor.role not in ("secretariat", "member"):
        raise PermissionDenied(_("您的角色为只读，不能导入数据。"))


def require_import_unit(actor: Any, importer: Importer, unit: MemberUnit | None) -> MemberUnit:
    if unit is None:
        raise ValidationError({"unit": [_("请选择所属单位。")]})
    if not importer.unit_allowed(unit):
        raise ValidationError({"unit": [_("该单位类型不能导入“%(title)s”。") % {"title": importer.title}]})
    if not importer.importable_units(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("您无权为该单位导入数据。"))
    return unit


def _service_errors(importer: Importer, exc: Exception, letters: Mapping[str, str]) -> list[dict[str, Any]]:
    """Errors of a service call mapped onto sheet/row/column."""
    sheet = importer.sheet_name
    if isinstance(exc, PermissionDenied):
        return [xlsx.make_error(sheet, None, None, "", str(exc) or _("您无权执行此导入。"))]
    row_errors = getattr(exc, "row_errors", None)
    if row_errors is None:
        assert isinstance(exc, ValidationError)
        messages = (
            exc.messages if not hasattr(exc, "error_dict") else [m for ms in exc.message_dict.values() for m in ms]
        )
        return [xlsx.make_error(sheet, None, None, "", m) for m in messages]
    found = []
    for row_key, fields in row_errors.items():
        row_number = row_key if isinstance(row_key, int) else None
        for field_name, messages in fields.items():
            column = importer.column_for_field(field_name)
            letter = letters.get(column.key, "") if column is not None else ""
            for message in messages:
                found.append(xlsx.make_error(sheet, row_number, column, letter, str(message)))
    return found


def _sorted(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(errors, key=lambda e: (e["row"] is not None, e["row"] or 0, e["letter"]))


def _save_errors(job: ImportJob, errors: list[dict[str, Any]]) -> None:
    job.errors = _sorted(errors)[: xlsx.MAX_ERRORS]
    job.error_count = len(errors)


def _progress(job: ImportJob, value: int) -> None:
    ImportJob.objects.for_consortium(job.consortium_id).filter(pk=job.pk).update(progress=value)


def _counts(result: Any) -> dict[str, int]:
    return {
        "created_count": int(getattr(result, "created", 0) or 0),
        "updated_count": int(getattr(result, "updated", 0) or 0),
        "unchanged_count": int(getattr(result, "unchanged", 0) or 0),
    }


# --- upload -------------------------------------------------------------------------------------------------------


def import_job_create(*, actor: Any, kind: str, unit: MemberUnit | None, upload: Any) -> ImportJob:
    """Check the uploaded file (size, real .xlsx, zip-bomb limits) and store it as a new job; the dry run is
    enqueued after commit. Raises ValidationError({"file"|"kind"|"unit": [...]}) / PermissionDenied."""
    _require_writer(actor)
    importer = _importer(kind)
    unit = require_import_unit(actor, importer, unit)
    if upload is None:
        raise ValidationError({"file": [_("请选择要上传的文件。")]})
    fileobj = upload.file if hasattr(upload, "file") else upload
    try:
        xlsx.check_upload(fileobj, getattr(upload, "size", None))
    except xlsx.FileRejected as exc:
        raise ValidationError({"file": [exc.message]})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        job = ImportJob(
            consortium_id=unit.consortium_id,
            unit=unit,
            kind=importer.key,
            original_filename=str(getattr(upload, "name", "") or "")[:255],
            size=upload.size,
            sha256=digest.hexdigest(),
            created_by=actor,
        )
        job.file.save("upload.xlsx", upload, save=False)
        job.save()
        if not ImportJob.objects.editable_by(actor).filter(pk=job.pk).exists():
            raise PermissionDenied(_("该操作会使记录超出您的权限范围，已撤销。"))
        _enqueue(job, dry_run=True)
    return job


def _enqueue(job: ImportJob, *, dry_run: bool) -> None:
    from .tasks import run_import

    job_id, consortium_id = job.pk, job.consortium_id
    transaction.on_commit(lambda: run_import.delay(job_id=job_id, consortium_id=consortium_id, dry_run=dry_run))


def import_job_confirm(*, actor: Any, job: ImportJob) -> ImportJob:
    """Confirm a validated job: ``validated → importing`` (once; a second click is refused) and enqueue the apply."""
    _require_writer(actor)
    if not ImportJob.objects.editable_by(actor).filter(pk=job.pk).exists():
        raise PermissionDenied(_("您无权确认该导入。"))
    importer = _importer(job.kind)
    require_import_unit(actor, importer, job.unit)
    with transaction.atomic():
        moved = (
            ImportJob.objects.for_consortium(job.consortium_id)
            .filter(pk=job.pk, status=ImportStatus.VALIDATED)
            .update(status=ImportStatus.IMPORTING, confirmed_by=actor, confirmed_at=timezone.now(), progress=0)
        )
        if not moved:
            raise ValidationError(
                {"status": [_("只有校验通过的导入才能确认（当前状态：%(s)s）。") % {"s": job.get_status_display()}]}
            )
        _enqueue(job, dry_run=False)
    job.refresh_from_db()
    return job


# --- the run (called by the task) ---------------------------------------------------------------------------------


def import_job_run(*, job_id: int, consortium_id: int, dry_run: bool) -> str:
    """Dry run or apply one job. Idempotent: a finished job (or one in another state) is left alone."""
    job = (
        ImportJob.objects.for_consortium(consortium_id)
        .select_related("unit", "created_by", "confirmed_by")
        .filter(pk=job_id)
        .first()
    )
    if job is None:
        return "missing"
    if dry_run and job.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATING):
        return job.status
    if not dry_run and job.status != ImportStatus.IMPORTING:
        return job.status  # done already (re-delivery), or never confirmed
    importer = get_importer(job.kind)
    if importer is None:
        _finish(job, ImportStatus.FAILED, [xlsx.make_error("", None, None, "", _("导入类型已不可用。"))])
        return job.status
    if dry_run:
        ImportJob.objects.for_consortium(consortium_id).filter(pk=job.pk).update(
            status=ImportStatus.VALIDATING, progress=5
        )
    try:
        return _run(job, importer, dry_run)
    except Exception:  # never leave a job hanging; details go to the log, not to the user
        logger.exception("import job %s failed", job.pk)
        _finish(
            job, ImportStatus.FAILED, [xlsx.make_error("", None, None, "", _("导入失败：系统内部错误，请联系管理员。"))]
        )
        return job.status


def _finish(job: ImportJob, status: str, errors: list[dict[str, Any]], **fields: Any) -> None:
    job.status = status
    _save_errors(job, errors)
    job.progress = 100
    now = timezone.now()
    if status in (ImportStatus.VALIDATED, ImportStatus.INVALID) and not job.confirmed_at:
        job.validated_at = now
    if status in (ImportStatus.DONE, ImportStatus.FAILED) or job.confirmed_at:
        job.finished_at = now
    for key, value in fields.items():
        setattr(job, key, value)
    job.save()


def _run(job: ImportJob, importer: Importer, dry_run: bool) -> str:
    actor = job.confirmed_by if not dry_run and job.confirmed_by else job.created_by
    if actor is None:
        _finish(job, ImportStatus.FAILED, [xlsx.make_error("", None, None, "", _("上传人账号已不存在。"))])
        return job.status
    try:
        with job.file.open("rb") as fileobj:
            xlsx.check_upload(fileobj)

            def report(done: int, limit: int) -> None:
                _progress(job, 5 + int(45 * done / max(limit, 1)))

            parsed = xlsx.parse_workbook(fileobj, importer, progress=report)
    except xlsx.FileRejected as exc:
        _finish(job, ImportStatus.INVALID, [xlsx.make_error(importer.sheet_name, None, None, "", exc.message)])
        return job.status
    except OSError:
        _finish(job, ImportStatus.FAILED, [xlsx.make_error("", None, None, "", _("上传的文件已不存在，请重新上传。"))])
        return job.status
    errors = list(parsed.errors)
    base = {"rows_total": len(parsed.rows), "preview": parsed.preview}
    clean = parsed.clean_rows
    _progress(job, 55)
    if dry_run:
        counts = {"created_count": 0, "updated_count": 0, "unchanged_count": 0}
        if clean and not parsed.fatal:
            try:
                with transaction.atomic():
                    result = importer.rows_to_service(actor, job.unit, clean)
                    transaction.set_rollback(True)  # a dry run writes nothing
                counts = _counts(result)
            except (ValidationError, PermissionDenied) as exc:
                errors += _service_errors(importer, exc, parsed.letters)
        status = ImportStatus.INVALID if errors else ImportStatus.VALIDATED
        _finish(job, status, errors, **base, **(counts if not errors else {}))
        return job.status
    if errors:
        _finish(job, ImportStatus.INVALID, errors, **base)
        return job.status
    try:
        with transaction.atomic():
            locked = (
                ImportJob.objects.select_for_update()
                .for_consortium(job.consortium_id)
                .filter(pk=job.pk, status=ImportStatus.IMPORTING)
                .first()
            )
            if locked is None:
                return job.status  # another delivery finished it meanwhile
            result = importer.rows_to_service(actor, job.unit, parsed.rows)
            locked.unit = job.unit
            locked.confirmed_at = job.confirmed_at
            _finish(locked, ImportStatus.DONE, [], **base, **_counts(result))
            job.status = locked.status
    except (ValidationError, PermissionDenied) as exc:
        _finish(job, ImportStatus.INVALID, _service_errors(importer, exc, parsed.letters), **base)
    return job.status


# --- template and export ------------------------------------------------------------------------------------------


def _filename(importer: Importer, suffix: str) -> str:
    return f"{importer.key.replace('.', '_')}_{suffix}.xlsx"


def import_template_build(*, actor: Any, kind: str, unit: MemberUnit | None = None) -> tuple[str, bytes]:
    """(file name, bytes) of the template; with ``unit`` the school-specific lists (e.g. its programme codes)."""
    importer = _importer(kind)
    if unit is not None and not MemberUnit.objects.visible_to(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("您无权查看该单位。"))
    return _filename(importer, "template"), xlsx.build_template(importer, importer.lists(unit))


def export_build(*, actor: Any, kind: str, unit: MemberUnit) -> tuple[str, bytes]:
    """(file name, bytes) of the unit's rows visible to ``actor`` in the template's columns."""
    importer = _importer(kind)
    if not MemberUnit.objects.visible_to(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("您无权查看该单位。"))
    if not importer.unit_allowed(unit) or not importer.can_export(actor, unit):
        raise PermissionDenied(_("您无权导出该单位的数据。"))
    stamp = timezone.localdate().strftime("%Y%m%d")
    return _filename(importer, f"export_{unit.pk}_{stamp}"), xlsx.build_export(
        importer, importer.export_rows(actor, unit)
    )
