"""Import jobs: one uploaded workbook of one registered importer for one member unit.

A job goes ``uploaded → validating → validated | invalid`` (the dry run) and, once confirmed,
``importing → done | failed``. The uploaded file is stored under a private location (never served by URL), under a
generated name; the user's file name is kept only as data.
"""

from __future__ import annotations

import os
import uuid
from functools import cached_property

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consortium.tenancy.choices import UnitRole
from consortium.tenancy.models import MemberUnit, TenantModel

from .choices import RUNNING_STATUSES, ImportStatus


class PrivateImportStorage(FileSystemStorage):
    """File storage under ``settings.IMPORTS_ROOT`` (default ``var/private/imports``), outside MEDIA_ROOT.

    The location is read from settings on every access, so tests can point it at a temporary directory."""

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(getattr(settings, "IMPORTS_ROOT", None) or os.path.join(settings.VAR_DIR, "private", "imports"))

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:  # never served publicly
        raise ValueError("import files have no URL")


_storage = PrivateImportStorage()


def private_import_storage() -> PrivateImportStorage:
    return _storage


def import_file_path(instance: ImportJob, filename: str) -> str:
    # Never the user's file name: a random one under the tenant and the unit.
    return f"{instance.consortium_id}/{instance.unit_id}/{uuid.uuid4().hex}.xlsx"


class ImportJob(TenantModel):
    """One Excel import of a unit (dry run, preview, confirmation, apply)."""

    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="import_jobs", db_index=True
    )
    kind = models.CharField(_("导入类型"), max_length=60)
    file = models.FileField(_("文件"), upload_to=import_file_path, storage=private_import_storage, max_length=200)
    original_filename = models.CharField(_("原文件名"), max_length=255, blank=True)
    size = models.PositiveIntegerField(_("文件大小（字节）"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    rows_total = models.PositiveIntegerField(_("数据行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("错误总数"), default=0)
    preview = models.JSONField(_("预览"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    validated_at = models.DateTimeField(_("校验时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = frozenset({UnitRole.UNIT_ADMIN})

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = pgettext_lazy("plural", "导入任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["consortium", "unit", "-created_at"], name="importjob_scope_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def hidden_error_count(self) -> int:
        return max(self.error_count - len(self.errors or []), 0)

    @cached_property
    def importer(self):
        from .registry import get_importer

        return get_importer(self.kind)

    @property
    def kind_title(self) -> str:
        importer = self.importer
        return str(importer.title) if importer else self.kind
