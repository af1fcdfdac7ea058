from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsortiumStatus(models.TextChoices):
    PREPARING = "preparing", _("筹建中")
    ACTIVE = "active", _("运行中")
    SUSPENDED = "suspended", _("已暂停")
    DISSOLVED = "dissolved", _("已撤销")


class UnitKind(models.TextChoices):
    GOVERNMENT = "government", _("政府部门")
    ENTERPRISE = "enterprise", _("企业")
    SCHOOL = "school", _("职业学校")
    ASSOCIATION = "association", _("行业协会")
    RESEARCH = "research", _("科研院所")
    FINANCE = "finance", _("金融机构")
    OTHER = "other", _("其他")


class UnitStatus(models.TextChoices):
    APPLIED = "applied", _("申请中")
    ACTIVE = "active", _("正式成员")
    SUSPENDED = "suspended", _("已暂停")
    WITHDRAWN = "withdrawn", _("已退出")
    REJECTED = "rejected", _("申请被驳回")


# from-status -> allowed to-statuses. Pure data; the service enforces it.
UNIT_TRANSITIONS: dict[str, set[str]] = {
    UnitStatus.APPLIED: {UnitStatus.ACTIVE, UnitStatus.REJECTED},
    UnitStatus.ACTIVE: {UnitStatus.SUSPENDED, UnitStatus.WITHDRAWN},
    UnitStatus.SUSPENDED: {UnitStatus.ACTIVE, UnitStatus.WITHDRAWN},
    UnitStatus.WITHDRAWN: set(),
    UnitStatus.REJECTED: set(),
}


class Role(models.TextChoices):
    """Consortium-level role of a user. Unit roles come through memberships."""

    PLATFORM_ADMIN = "platform_admin", _("平台管理员")
    SECRETARIAT = "secretariat", _("秘书处")
    OFFICIAL = "official", _("领导（只读）")
    MEMBER = "member", _("成员单位用户")


class UnitRole(models.TextChoices):
    UNIT_ADMIN = "unit_admin", _("单位管理员")
    UNIT_STAFF = "unit_staff", _("单位工作人员")
