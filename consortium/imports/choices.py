"""Enumerations of the import framework."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    VALIDATING = "validating", _("校验中")
    VALIDATED = "validated", _("校验通过")
    INVALID = "invalid", _("校验未通过")
    IMPORTING = "importing", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


#: States in which a background run is pending or in progress (the page keeps polling).
RUNNING_STATUSES = (ImportStatus.UPLOADED, ImportStatus.VALIDATING, ImportStatus.IMPORTING)
