"""Practice centres (plan §三(三)): enumerations and status sets as pure data."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CentreKind(models.TextChoices):
    PUBLIC_REGIONAL = "public_regional", _("公共实践中心（区域）")
    ENTERPRISE = "enterprise", _("企业实践中心")
    SCHOOL = "school", _("学校实践中心")


class CentreForm(models.TextChoices):
    SCHOOL_RUN = "school_run", _("学校自建")
    FACTORY_IN_SCHOOL = "factory_in_school", _("校中厂")
    SCHOOL_IN_FACTORY = "school_in_factory", _("厂中校")
    INDUSTRY_COLLEGE_BASE = "industry_college_base", _("产业学院基地")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("星期一")
    TUESDAY = 1, _("星期二")
    WEDNESDAY = 2, _("星期三")
    THURSDAY = 3, _("星期四")
    FRIDAY = 4, _("星期五")
    SATURDAY = 5, _("星期六")
    SUNDAY = 6, _("星期日")


class ResourceKind(models.TextChoices):
    ROOM = "room", _("实训室")
    WORKSTATION = "workstation", _("工位")
    EQUIPMENT = "equipment", _("设备")


class BookingPurpose(models.TextChoices):
    PRACTICE_TEACHING = "practice_teaching", _("实践教学")
    SOCIAL_TRAINING = "social_training", _("社会培训")
    PRODUCTION = "production", _("生产")
    TECHNICAL_SERVICE = "technical_service", _("技术服务")


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("已拒绝")
    CANCELLED = "cancelled", _("已取消")
    WAITLISTED = "waitlisted", _("候补中")
    NO_SHOW = "no_show", _("未到场")
    COMPLETED = "completed", _("已完成")


#: Statuses that hold a slot of the resource now (the exclusion constraint and the capacity check use these).
HOLDING_STATUSES: tuple[str, ...] = (BookingStatus.PENDING.value, BookingStatus.APPROVED.value)

#: Statuses counted as "booked hours" in utilisation (confirmed: approved, used, or blocked by a no-show).
USED_STATUSES: tuple[str, ...] = (
    BookingStatus.APPROVED.value,
    BookingStatus.COMPLETED.value,
    BookingStatus.NO_SHOW.value,
)

#: Statuses from which a booking may still be cancelled.
CANCELLABLE_STATUSES: tuple[str, ...] = (
    BookingStatus.PENDING.value,
    BookingStatus.APPROVED.value,
    BookingStatus.WAITLISTED.value,
)


class TrainingStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    RUNNING = "running", _("进行中")
    FINISHED = "finished", _("已结束")


class ProductionKind(models.TextChoices):
    PRODUCTION = "production", _("生产")
    TECHNICAL_SERVICE = "technical_service", _("技术服务")
