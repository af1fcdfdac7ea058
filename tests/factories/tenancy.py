"""factory_boy factories of the tenancy kernel, and the kernel's builders for the isolation registry.

Tenancy rule of these factories: related objects live in ONE consortium. Child rows take their consortium from
their parent (``UnitMembershipFactory(unit=u)`` lives in ``u.consortium``) and sub-factories reuse it
(``UserFactory(consortium=SelfAttribute("..consortium"))``). A factory call that would mix tenants raises.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from factory.django import DjangoModelFactory

from consortium.tenancy.choices import ConsortiumStatus, Role, UnitKind, UnitRole, UnitStatus
from consortium.tenancy.models import (
    Consortium,
    Industry,
    Invitation,
    LocalChain,
    MemberUnit,
    UnitMembership,
    UnitStatusChange,
    User,
)
from consortium.tenancy.validators import CREDIT_CODE_CHARSET, credit_code_check_char

from . import register

PASSWORD = "pass12345"


@lru_cache(maxsize=1)
def password_hash() -> str:
    """Hash once per session (the hasher is slow by design); every factory user logs in with ``PASSWORD``."""
    return make_password(PASSWORD)


def credit_code(n: int, *, division: str = "230523", registrar: str = "91") -> str:
    """A valid GB 32100 credit code, unique per ``n``: the organisation part is ``n`` in base 31 (9 chars)."""
    digits = []
    for _ in range(9):
        n, rest = divmod(n, len(CREDIT_CODE_CHARSET))
        digits.append(CREDIT_CODE_CHARSET[rest])
    first17 = registrar + division + "".join(reversed(digits))
    return first17 + credit_code_check_char(first17)


class TenantFactory(DjangoModelFactory):
    """Base of factories of tenant rows: the consortium follows the parent object passed in ``_tenant_parents``."""

    _tenant_parents: tuple[str, ...] = ()

    class Meta:
        abstract = True

    @classmethod
    def _generate(cls, strategy: Any, params: dict[str, Any]) -> Any:
        if "consortium" not in params and "consortium_id" not in params:
            for name in cls._tenant_parents:
                parent = params.get(name)
                if parent is not None and getattr(parent, "consortium_id", None):
                    params["consortium"] = parent.consortium
                    break
        return super()._generate(strategy, params)

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        consortium = kwargs.get("consortium")
        consortium_id = consortium.pk if consortium is not None else kwargs.get("consortium_id")
        for name in cls._tenant_parents:
            parent = kwargs.get(name)
            parent_tenant = getattr(parent, "consortium_id", None)
            if parent_tenant is not None and parent_tenant != consortium_id:
                raise ValueError(
                    f"{cls.__name__}: {name} lives in consortium {parent_tenant}, the row in {consortium_id}"
                )
        return super()._create(model_class, *args, **kwargs)


class ConsortiumFactory(DjangoModelFactory):
    class Meta:
        model = Consortium

    name = factory.Sequence(lambda n: f"测试县产教联合体{n}")
    short_name = factory.Sequence(lambda n: f"测试{n}")
    region = "黑龙江省双鸭山市宝清县"
    division_code = "230523"
    status = ConsortiumStatus.ACTIVE


class IndustryFactory(DjangoModelFactory):
    class Meta:
        model = Industry

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"测试产业{n}")
    name_en = factory.Sequence(lambda n: f"Test industry {n}")
    group_code = "T1"
    group_name = "测试产业组"
    group_name_en = "Test group"
    position = factory.Sequence(lambda n: n)


class LocalChainFactory(TenantFactory):
    class Meta:
        model = LocalChain

    consortium = factory.SubFactory(ConsortiumFactory)
    name = factory.Sequence(lambda n: f"本地产业链{n}")
    name_en = factory.Sequence(lambda n: f"Local chain {n}")
    description = "测试用本地产业链"
    position = factory.Sequence(lambda n: n)


class MemberUnitFactory(TenantFactory):
    """An active member unit with a valid, unique credit code."""

    class Meta:
        model = MemberUnit

    consortium = factory.SubFactory(ConsortiumFactory)
    kind = UnitKind.ENTERPRISE
    name = factory.Sequence(lambda n: f"测试成员单位{n}")
    credit_code = factory.Sequence(lambda n: credit_code(n + 1))
    contact_person = "张三"
    contact_phone = "0469-1234567"
    contact_email = factory.Sequence(lambda n: f"unit{n}@example.com")
    status = UnitStatus.ACTIVE
    joined_on = factory.LazyFunction(timezone.localdate)

    class Params:
        applied = factory.Trait(status=UnitStatus.APPLIED, joined_on=None)


class UserFactory(TenantFactory):
    """A member user (role ``member``); traits ``platform_admin``, ``secretariat``, ``official``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    consortium = factory.SubFactory(ConsortiumFactory)
    role = Role.MEMBER
    is_active = True
    password = factory.LazyFunction(password_hash)

    class Params:
        platform_admin = factory.Trait(role=Role.PLATFORM_ADMIN, consortium=None)
        secretariat = factory.Trait(role=Role.SECRETARIAT)
        official = factory.Trait(role=Role.OFFICIAL)


class UnitMembershipFactory(TenantFactory):
    _tenant_parents = ("unit", "user")

    class Meta:
        model = UnitMembership

    consortium = factory.SubFactory(ConsortiumFactory)
    unit = factory.SubFactory(MemberUnitFactory, consortium=factory.SelfAttribute("..consortium"))
    user = factory.SubFactory(UserFactory, consortium=factory.SelfAttribute("..consortium"))
    role = UnitRole.UNIT_STAFF
    title = "职员"
    is_active = True

    class Params:
        admin = factory.Trait(role=UnitRole.UNIT_ADMIN, title="管理员")


class InvitationFactory(TenantFactory):
    """An open invitation (not accepted, not revoked, not expired)."""

    _tenant_parents = ("unit", "invited_by")

    class Meta:
        model = Invitation

    consortium = factory.SubFactory(ConsortiumFactory)
    unit = factory.SubFactory(MemberUnitFactory, consortium=factory.SelfAttribute("..consortium"))
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    full_name = factory.Sequence(lambda n: f"受邀人{n}")
    role = UnitRole.UNIT_STAFF
    invited_by = factory.SubFactory(UserFactory, consortium=factory.SelfAttribute("..consortium"), secretariat=True)

    class Params:
        expired = factory.Trait(expires_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=1)))
        revoked = factory.Trait(revoked_at=factory.LazyFunction(timezone.now))


class UnitStatusChangeFactory(TenantFactory):
    _tenant_parents = ("unit", "decided_by")

    class Meta:
        model = UnitStatusChange

    consortium = factory.SubFactory(ConsortiumFactory)
    unit = factory.SubFactory(MemberUnitFactory, consortium=factory.SelfAttribute("..consortium"))
    from_status = UnitStatus.APPLIED
    to_status = UnitStatus.ACTIVE
    reason = "测试"
    decided_by = None


# --- builders for the isolation suite (contract in tests/factories/__init__.py) --------------------------------


@register(LocalChain)
def build_local_chain(consortium: Consortium, unit: MemberUnit) -> LocalChain:
    # Local chains have no owning unit: they are the consortium's, readable by every member.
    return LocalChainFactory(consortium=consortium)


@register(MemberUnit)
def build_member_unit(consortium: Consortium, unit: MemberUnit) -> MemberUnit:
    # The row a unit "owns" in this table is the unit itself (SCOPE_UNIT_FIELD = "pk").
    assert unit.consortium_id == consortium.pk
    return unit


@register(UnitStatusChange)
def build_unit_status_change(consortium: Consortium, unit: MemberUnit) -> UnitStatusChange:
    return UnitStatusChangeFactory(unit=unit)


@register(UnitMembership)
def build_membership(consortium: Consortium, unit: MemberUnit) -> UnitMembership:
    return UnitMembershipFactory(unit=unit)


@register(User)
def build_user(consortium: Consortium, unit: MemberUnit) -> User:
    # A user "owned" by a unit is a staff member of it.
    return UnitMembershipFactory(unit=unit).user


@register(Invitation)
def build_invitation(consortium: Consortium, unit: MemberUnit) -> Invitation:
    return InvitationFactory(unit=unit)
