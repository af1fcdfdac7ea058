"""Tenancy kernel: consortia (tenants), member units, users, memberships, invitations and reference data."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import ConsortiumStatus, Role, UnitKind, UnitRole, UnitStatus
from .scoping import TenantManager, TenantQuerySet, is_platform_admin
from .validators import validate_credit_code, validate_division_code


class ConsortiumQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ConsortiumQuerySet:
        if is_platform_admin(user):
            return self
        if not (user and user.is_authenticated and user.is_active and user.consortium_id):
            return self.none()
        return self.filter(pk=user.consortium_id)

    def editable_by(self, user: Any) -> ConsortiumQuerySet:
        if is_platform_admin(user):
            return self
        if user and user.is_authenticated and user.is_active and user.role == Role.SECRETARIAT:
            return self.filter(pk=user.consortium_id)
        return self.none()

    def open_for_applications(self) -> ConsortiumQuerySet:
        """Public: consortia a unit may apply to join (names only are shown to anonymous visitors)."""
        return self.filter(status__in=[ConsortiumStatus.PREPARING, ConsortiumStatus.ACTIVE])


class Consortium(models.Model):
    """A county industry-education consortium: the tenant. One deployment hosts several."""

    name = models.CharField(_("名称"), max_length=120, unique=True)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    region = models.CharField(_("所在地区"), max_length=80)
    division_code = models.CharField(_("行政区划代码"), max_length=6, validators=[validate_division_code])
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ConsortiumStatus.choices, default=ConsortiumStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ConsortiumQuerySet.as_manager()

    class Meta:
        verbose_name = _("产教联合体")
        verbose_name_plural = pgettext_lazy("plural", "产教联合体")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TenantModel(models.Model):
    """Base of every tenant-owned row: an indexed ``consortium`` and the scoping policy (see scoping.py)."""

    consortium = models.ForeignKey(
        Consortium, verbose_name=_("产教联合体"), on_delete=models.PROTECT, related_name="+", db_index=True
    )

    SCOPE_UNIT_FIELD: ClassVar[str | None] = None
    UNIT_WRITE_ROLES: ClassVar[frozenset[str]] = frozenset()
    OBJECT_PERMISSION_MODEL: ClassVar[str | None] = None

    objects = TenantManager()

    class Meta:
        abstract = True

    @classmethod
    def shared_read_q(cls, user: Any) -> Q | None:
        """Rows every member of the consortium may read. Default: nothing beyond the own unit."""
        return None


# --- reference data -------------------------------------------------------------------------------------------


class IndustryQuerySet(models.QuerySet):
    """Provincial reference data (not tenant-owned): readable by every signed-in user, written by platform admins."""

    def visible_to(self, user: Any) -> IndustryQuerySet:
        return self if (user and user.is_authenticated and user.is_active) else self.none()

    def editable_by(self, user: Any) -> IndustryQuerySet:
        return self if is_platform_admin(user) else self.none()


class Industry(models.Model):
    """An industry of Heilongjiang's '4567' modern industrial system (reference data, editable)."""

    code = models.CharField(_("代码"), max_length=8, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    group_code = models.CharField(_("产业组代码"), max_length=4)
    group_name = models.CharField(_("产业组"), max_length=60)
    group_name_en = models.CharField(_("产业组英文名称"), max_length=80, blank=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = IndustryQuerySet.as_manager()

    class Meta:
        verbose_name = _("产业")
        verbose_name_plural = pgettext_lazy("plural", "产业")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class LocalChain(TenantModel):
    """A consortium's own local industry chain (e.g. Baoqing's coal-power chain), mapped onto the 4567 industries."""

    name = models.CharField(_("名称"), max_length=80)
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True)
    description = models.TextField(_("说明"), blank=True)
    industries = models.ManyToManyField(Industry, verbose_name=_("对应产业"), related_name="local_chains", blank=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("本地产业链")
        verbose_name_plural = pgettext_lazy("plural", "本地产业链")
        ordering = ["consortium", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["consortium", "name"], name="uniq_local_chain_name")]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q()  # every member of the consortium reads its chains

    def __str__(self) -> str:
        return self.name


# --- member units ---------------------------------------------------------------------------------------------


class MemberUnit(TenantModel):
    """A member unit of the consortium: department, enterprise, school, association, institute, bank..."""

    kind = models.CharField(_("单位类型"), max_length=16, choices=UnitKind.choices)
    name = models.CharField(_("单位名称"), max_length=120)
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        validators=[validate_credit_code],
        help_text=_("18位，按GB 32100校验。"),
    )
    contact_person = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    website = models.URLField(_("网址"), blank=True)
    description = models.TextField(_("简介"), blank=True)
    industries = models.ManyToManyField(Industry, verbose_name=_("所属产业"), related_name="units", blank=True)
    local_chains = models.ManyToManyField(
        LocalChain, verbose_name=_("所属本地产业链"), related_name="units", blank=True
    )
    status = models.CharField(_("成员状态"), max_length=16, choices=UnitStatus.choices, default=UnitStatus.APPLIED)
    joined_on = models.DateField(_("入会日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE_UNIT_FIELD = "pk"
    UNIT_WRITE_ROLES = frozenset({UnitRole.UNIT_ADMIN})

    class Meta:
        verbose_name = _("成员单位")
        verbose_name_plural = pgettext_lazy("plural", "成员单位")
        ordering = ["consortium", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["consortium", "credit_code"], name="uniq_unit_credit_code"),
            models.UniqueConstraint(fields=["consortium", "name"], name="uniq_unit_name"),
        ]
        indexes = [models.Index(fields=["consortium", "status", "kind"], name="unit_scope_idx")]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        # The member directory: active, suspended and withdrawn units are listed consortium-wide;
        # pending or rejected applications only to the secretariat and the applicant.
        return Q(status__in=[UnitStatus.ACTIVE, UnitStatus.SUSPENDED, UnitStatus.WITHDRAWN])

    def __str__(self) -> str:
        return self.name


class UnitStatusChange(TenantModel):
    """Audit trail of a unit's lifecycle: who decided which transition, when and why."""

    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("成员单位"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("原状态"), max_length=16, choices=UnitStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=UnitStatus.choices)
    reason = models.TextField(_("原因"), blank=True)
    decided_by = models.ForeignKey(
        "tenancy.User", verbose_name=_("决定人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), default=timezone.now)

    SCOPE_UNIT_FIELD = "unit"

    class Meta:
        verbose_name = _("成员状态变更")
        verbose_name_plural = pgettext_lazy("plural", "成员状态变更")
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.from_status} → {self.to_status}"


# --- users ----------------------------------------------------------------------------------------------------


class PortalUserManager(UserManager.from_queryset(TenantQuerySet)):  # type: ignore[misc]
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser is a platform admin: it belongs to no consortium.
        extra_fields.setdefault("role", Role.PLATFORM_ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A portal user. Belongs to exactly one consortium (platform admins to none); unit roles via memberships."""

    consortium = models.ForeignKey(
        Consortium,
        verbose_name=_("产教联合体"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=True,
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    full_name = models.CharField(_("姓名"), max_length=60, blank=True)
    phone = models.CharField(_("手机"), max_length=30, blank=True)

    # Users are scoped like tenant rows: a member sees the users of their own units only.
    UNIT_WRITE_ROLES: ClassVar[frozenset[str]] = frozenset()
    OBJECT_PERMISSION_MODEL = None

    objects = PortalUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = pgettext_lazy("plural", "用户")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role="platform_admin") | Q(consortium__isnull=False),
                name="user_consortium_required_unless_platform_admin",
            )
        ]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(pk=user.pk)

    @classmethod
    def unit_scope_q(cls, unit_ids: list[int]) -> Q:
        # A subquery, not a join: a user with several memberships must not appear twice.
        return Q(pk__in=UnitMembership.objects.filter(unit_id__in=unit_ids, is_active=True).values("user_id"))

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def is_platform_admin(self) -> bool:
        return is_platform_admin(self)

    def __str__(self) -> str:
        return self.display_name


class UnitMembership(TenantModel):
    """A user's role inside a member unit."""

    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("成员单位"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("单位角色"), max_length=16, choices=UnitRole.choices, default=UnitRole.UNIT_STAFF)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = frozenset({UnitRole.UNIT_ADMIN})

    class Meta:
        verbose_name = _("单位成员资格")
        verbose_name_plural = pgettext_lazy("plural", "单位成员资格")
        ordering = ["unit", "user"]
        constraints = [models.UniqueConstraint(fields=["unit", "user"], name="uniq_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit}"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry():
    return timezone.now() + timedelta(days=7)


class Invitation(TenantModel):
    """A unit admin (or the secretariat) invites a person by e-mail to join a unit."""

    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("成员单位"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("邮箱"))
    full_name = models.CharField(_("姓名"), max_length=60, blank=True)
    role = models.CharField(_("单位角色"), max_length=16, choices=UnitRole.choices, default=UnitRole.UNIT_STAFF)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        User, verbose_name=_("邀请人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"), default=_invitation_expiry)
    accepted_at = models.DateTimeField(_("接受时间"), null=True, blank=True)
    accepted_user = models.ForeignKey(
        User, verbose_name=_("接受用户"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = frozenset({UnitRole.UNIT_ADMIN})

    class Meta:
        verbose_name = _("邀请")
        verbose_name_plural = pgettext_lazy("plural", "邀请")
        ordering = ["-created_at"]

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()

    def __str__(self) -> str:
        return f"{self.email} → {self.unit_id}"
