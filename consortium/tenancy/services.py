"""Writes of the tenancy kernel. Keyword-only, take the acting user, atomic, enqueue tasks on commit."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import UNIT_TRANSITIONS, Role, UnitRole, UnitStatus
from .models import Consortium, Industry, Invitation, LocalChain, MemberUnit, UnitMembership, UnitStatusChange, User
from .scoping import require_secretariat
from .validators import normalize_credit_code

UNIT_FIELDS = (
    "kind",
    "name",
    "credit_code",
    "contact_person",
    "contact_phone",
    "contact_email",
    "address",
    "website",
    "description",
)




def _check_unit_unique(*, consortium_id: int, name: str, credit_code: str, exclude_pk: int | None = None) -> None:
    others = MemberUnit.objects.for_consortium(consortium_id)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    errors: dict[str, list[str]] = {}
    if others.filter(credit_code=credit_code).exists():
        errors["credit_code"] = [_("该统一社会信用代码已被本联合体的其他成员单位使用。")]
    if others.filter(name=name).exists():
        errors["name"] = [_("本联合体已有同名成员单位。")]
    if errors:
        raise ValidationError(errors)


def _set_unit_relations(unit: MemberUnit, industries: Any, local_chains: Any) -> None:
    if industries is not None:
        unit.industries.set(industries)
    if local_chains is not None:
        chains = list(local_chains)
        if any(chain.consortium_id != unit.consortium_id for chain in chains):
            raise ValidationError({"local_chains": [_("所选产业链属于其他产教联合体。")]})
        unit.local_chains.set(chains)


def _record_status(unit: MemberUnit, *, from_status: str, to_status: str, actor: User | None, reason: str) -> None:
    UnitStatusChange.objects.create(
        consortium_id=unit.consortium_id,
        unit=unit,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        decided_by=actor,
    )


@transaction.atomic
def unit_create(
    *, actor: User, consortium: Consortium, industries: Any = None, local_chains: Any = None, **fields: Any
) -> MemberUnit:
    """The secretariat registers a unit directly (it starts active)."""
    require_secretariat(actor, consortium.pk)
    fields["credit_code"] = normalize_credit_code(fields.get("credit_code", ""))
    _check_unit_unique(consortium_id=consortium.pk, name=fields["name"], credit_code=fields["credit_code"])
    unit = MemberUnit(consortium=consortium, status=UnitStatus.ACTIVE, joined_on=timezone.localdate(), **fields)
    unit.full_clean()
    unit.save()
    _set_unit_relations(unit, industries, local_chains)
    _record_status(unit, from_status="", to_status=UnitStatus.ACTIVE, actor=actor, reason=_("秘书处直接登记"))
    return unit


@transaction.atomic
def unit_update(
    *, actor: User, unit: MemberUnit, industries: Any = None, local_chains: Any = None, **fields: Any
) -> MemberUnit:
    if not MemberUnit.objects.editable_by(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("您无权修改该成员单位。"))
    for key in list(fields):
        if key not in UNIT_FIELDS:
            fields.pop(key)
    if "credit_code" in fields:
        fields["credit_code"] = normalize_credit_code(fields["credit_code"])
    for key, value in fields.items():
        setattr(unit, key, value)
    _check_unit_unique(
        consortium_id=unit.consortium_id, name=unit.name, credit_code=unit.credit_code, exclude_pk=unit.pk
    )
    unit.full_clean()
    unit.save()
    _set_unit_relations(unit, industries, local_chains)
    return unit


def unit_transition(*, actor: User, unit: MemberUnit, to_status: str, reason: str = "") -> MemberUnit:
    """Move a unit along its lifecycle (applied → active → suspended / withdrawn); secretariat only."""
    with transaction.atomic():
        unit = MemberUnit.objects.select_for_update().get(pk=unit.pk)
        require_secretariat(actor, unit.consortium_id)
        allowed = UNIT_TRANSITIONS.get(unit.status, set())
        if to_status not in allowed:
            raise ValidationError(
                {
                    "status": [
                        _("成员单位当前状态为“%(current)s”，不能变更为“%(target)s”。")
                        % {"current": unit.get_status_display(), "target": UnitStatus(to_status).label}
                        if to_status in UnitStatus.values
                        else _("未知的状态：%(target)s。") % {"target": to_status}
                    ]
                }
            )
        if to_status in (UnitStatus.REJECTED, UnitStatus.SUSPENDED, UnitStatus.WITHDRAWN) and not reason.strip():
            raise ValidationError({"reason": [_("驳回、暂停或退出时必须填写原因。")]})
        previous = unit.status
        unit.status = to_status
        if to_status == UnitStatus.ACTIVE and not unit.joined_on:
            unit.joined_on = timezone.localdate()
        unit.save(update_fields=["status", "joined_on", "updated_at"])
        _record_status(unit, from_status=previous, to_status=to_status, actor=actor, reason=reason.strip())
        if previous == UnitStatus.APPLIED:
            # The applicant's account is activated with the unit (and stays disabled if rejected).
            applicant_ids = list(unit.memberships.values_list("user_id", flat=True))
            User.objects.filter(pk__in=applicant_ids).update(is_active=to_status == UnitStatus.ACTIVE)
            from .tasks import send_application_decision

            transaction.on_commit(
                lambda: send_application_decision.delay(unit_id=unit.pk, consortium_id=unit.consortium_id)
            )
    return unit


@transaction.atomic
def unit_apply(
    *,
    consortium: Consortium,
    unit_fields: dict[str, Any],
    industries: Any,
    username: str,
    password: str,
    email: str,
    full_name: str,
    phone: str = "",
) -> MemberUnit:
    """Self-registration: an anonymous applicant creates a unit in status 'applied' and its (inactive) admin."""
    if consortium.pk not in set(Consortium.objects.open_for_applications().values_list("pk", flat=True)):
        raise ValidationError({"consortium": [_("该产教联合体当前不接受入会申请。")]})
    unit_fields = {k: v for k, v in unit_fields.items() if k in UNIT_FIELDS}
    unit_fields["credit_code"] = normalize_credit_code(unit_fields.get("credit_code", ""))
    _check_unit_unique(consortium_id=consortium.pk, name=unit_fields["name"], credit_code=unit_fields["credit_code"])
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": [_("该用户名已被使用。")]})
    unit = MemberUnit(consortium=consortium, status=UnitStatus.APPLIED, **unit_fields)
    unit.full_clean()
    unit.save()
    if industries is not None:
        unit.industries.set(industries)
    user = User(
        username=username,
        email=email,
        full_name=full_name,
        phone=phone,
        consortium=consortium,
        role=Role.MEMBER,
        is_active=False,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    UnitMembership.objects.create(consortium=consortium, unit=unit, user=user, role=UnitRole.UNIT_ADMIN)
    _record_status(unit, from_status="", to_status=UnitStatus.APPLIED, actor=user, reason="")
    return unit


# --- invitations ----------------------------------------------------------------------------------------------


@transaction.atomic
def invitation_create(*, actor: User, unit: MemberUnit, email: str, role: str, full_name: str = "") -> Invitation:
    """Unit admins invite their own staff; the secretariat may invite into any unit of its consortium."""
    allowed_units = MemberUnit.objects.editable_by(actor)
    if not allowed_units.filter(pk=unit.pk).exists():
        raise PermissionDenied(_("您只能邀请本单位的人员。"))
    if unit.status != UnitStatus.ACTIVE:
        raise ValidationError({"unit": [_("只有正式成员单位可以邀请人员。")]})
    if role not in UnitRole.values:
        raise ValidationError({"role": [_("未知的单位角色。")]})
    email = email.strip().lower()
    if Invitation.objects.filter(
        unit=unit, email=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).exists():
        raise ValidationError({"email": [_("已向该邮箱发出有效邀请，请勿重复邀请。")]})
    if UnitMembership.objects.filter(unit=unit, user__email__iexact=email).exists():
        raise ValidationError({"email": [_("该邮箱的用户已是本单位成员。")]})
    invitation = Invitation.objects.create(
        consortium_id=unit.consortium_id, unit=unit, email=email, role=role, full_name=full_name, invited_by=actor
    )
    from .tasks import send_invitation

    transaction.on_commit(
        lambda: send_invitation.delay(invitation_id=invitation.pk, consortium_id=invitation.consortium_id)
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    if not Invitation.objects.editable_by(actor).filter(pk=invitation.pk).exists():
        raise PermissionDenied(_("您无权撤销该邀请。"))
    if invitation.accepted_at:
        raise ValidationError({"invitation": [_("邀请已被接受，不能撤销。")]})
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, username: str, password: str, full_name: str, phone: str = "") -> User:
    invitation = Invitation.objects.select_for_update().filter(token=token).first()
    if invitation is None or not invitation.is_open:
        raise ValidationError({"token": [_("邀请链接无效、已过期或已被使用。")]})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": [_("该用户名已被使用。")]})
    user = User(
        username=username,
        email=invitation.email,
        full_name=full_name or invitation.full_name,
        phone=phone,
        consortium_id=invitation.consortium_id,
        role=Role.MEMBER,
        is_active=True,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    UnitMembership.objects.create(
        consortium_id=invitation.consortium_id, unit_id=invitation.unit_id, user=user, role=invitation.role
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    return user


# --- reference data -------------------------------------------------------------------------------------------


@transaction.atomic
def reference_load(*, data: dict[str, Any], consortium: Consortium | None = None) -> tuple[int, int]:
    """Load the 4567 industries (global) and, for ``consortium``, the local chains. Idempotent."""
    position = 0
    for group in data["groups"]:
        for industry in group["industries"]:
            position += 1
            Industry.objects.update_or_create(
                code=industry["code"],
                defaults={
                    "name": industry["name"],
                    "name_en": industry.get("name_en", ""),
                    "group_code": group["code"],
                    "group_name": group["name"],
                    "group_name_en": group.get("name_en", ""),
                    "position": position,
                },
            )
    chains = 0
    if consortium is not None:
        for index, chain in enumerate(data.get("baoqing_local_chains_examples", []), start=1):
            obj, _created = LocalChain.objects.update_or_create(
                consortium=consortium,
                name=chain["name"],
                defaults={"name_en": chain.get("name_en", ""), "description": chain.get("note", ""), "position": index},
            )
            obj.industries.set(Industry.objects.filter(code__in=chain.get("maps_to", [])))
            chains += 1
    return position, chains
