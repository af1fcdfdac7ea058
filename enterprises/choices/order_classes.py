"""Enumerations of order classes (订单班 / 订制班 / 委托培养班) and modern industry colleges (plan §三(五))."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderClassKind(models.TextChoices):
    ORDER = "order", _("订单班")
    CUSTOMISED = "customised", _("订制班")
    COMMISSIONED = "commissioned", _("委托培养班")


class OrderClassStage(models.TextChoices):
    PROPOSED = "proposed", _("已提议")
    AGREED = "agreed", _("已签订三方协议")
    ENROLLING = "enrolling", _("招生组班")
    TRAINING = "training", _("联合培养")
    ASSESSING = "assessing", _("联合考核")
    GRADUATED = "graduated", _("已毕业")
    EMPLOYED = "employed", _("已就业")
    RETENTION_TRACKING = "retention_tracking", _("留任跟踪")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class Party(models.TextChoices):
    SCHOOL = "school", _("学校")
    ENTERPRISE = "enterprise", _("企业")
    SECRETARIAT = "secretariat", _("秘书处")


class ProposedBy(models.TextChoices):
    SCHOOL = "school", _("学校")
    ENTERPRISE = "enterprise", _("企业")


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("在班")
    WITHDRAWN = "withdrawn", _("已退出")
    GRADUATED = "graduated", _("已毕业")


class TaughtBy(models.TextChoices):
    SCHOOL = "school", _("学校")
    ENTERPRISE = "enterprise", _("企业")
    BOTH = "both", _("校企共同")


class TeamSide(models.TextChoices):
    SCHOOL = "school", _("学校教师")
    ENTERPRISE = "enterprise", _("企业导师")


class ResourceKind(models.TextChoices):
    COURSEWARE = "courseware", _("课件")
    TEXTBOOK = "textbook", _("教材")
    VIDEO = "video", _("视频")
    CASE = "case", _("案例")
    EQUIPMENT = "equipment", _("设备场地")
    OTHER = "other", _("其他")


class RetentionMonths(models.IntegerChoices):
    SIX = 6, _("6个月")
    TWELVE = 12, _("12个月")


class CollegeRole(models.TextChoices):
    GOVERNMENT = "government", _("政府部门")
    INDUSTRY = "industry", _("行业协会")
    ENTERPRISE = "enterprise", _("企业")
    SCHOOL = "school", _("学校")
    RESEARCH = "research", _("科研院所")
