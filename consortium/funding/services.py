"""Writes of the funding kernel app. The secretariat (and platform admins) write funding records and policies."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from consortium.tenancy.models import MemberUnit, User
from consortium.tenancy.scoping import require_secretariat, same_tenant_errors  # noqa: F401  (re-exported)

from .choices import FundingSource, PolicyStatus
from .models import FundingRecord, PolicyDocument
from .registry import fundable_model, is_fundable

FUNDING_FIELDS = ("source", "amount", "year", "recipient", "purpose")
POLICY_FIELDS = (
    "title",
    "issuer",
    "document_number",
    "issued_on",
    "summary",
    "eligibility",
    "link",
    "attachment",
    "status",
)


def _same_tenant(consortium_id: int, **related: Any) -> None:
    errors = same_tenant_errors({k: v for k, v in related.items() if v is not None}, consortium_id)
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})


def resolve_target(*, actor: User, consortium_id: int, target_type: str, target_id: Any) -> models.Model | None:
    """The funded object named by ``"app_label.model"`` and a pk, checked like ``validate_target``; None if blank."""
    if not target_type and target_id in (None, ""):
        return None
    if not target_type or target_id in (None, ""):
        raise ValidationError({"target_type": [_("资助对象类型和编号必须同时填写。")]})
    model = fundable_model(str(target_type))
    if model is None:
        raise ValidationError({"target_type": [_("该类对象不能登记经费。")]})
    try:
        pk = int(target_id)
    except (TypeError, ValueError):
        raise ValidationError({"target_id": [_("资助对象编号无效。")]})
    target = model.objects.visible_to(actor).filter(consortium_id=consortium_id, pk=pk).first()  # type: ignore[attr-defined]
    if target is None:
        raise ValidationError({"target_id": [_("资助对象不存在或您无权查看。")]})
    return target


def validate_target(*, actor: User, consortium_id: int, target: models.Model | None) -> None:
    """The funded object must be of a registered model, live in the record's consortium and be visible to the actor."""
    if target is None:
        return
    model = type(target)
    if not is_fundable(model):
        raise ValidationError({"target_type": [_("该类对象不能登记经费。")]})
    if getattr(target, "consortium_id", None) != consortium_id:
        raise ValidationError({"target_id": [_("所选对象属于其他产教联合体。")]})
    if not model.objects.visible_to(actor).filter(pk=target.pk).exists():  # type: ignore[attr-defined]
        raise ValidationError({"target_id": [_("资助对象不存在或您无权查看。")]})


def _clean_funding(fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if "source" in fields and fields["source"] not in FundingSource.values:
        errors["source"] = [_("请选择有效的经费来源。")]
    if "amount" in fields:
        try:
            amount = Decimal(str(fields["amount"]))
        except (InvalidOperation, TypeError, ValueError):
            amount = None
        if amount is None or not amount.is_finite() or amount <= 0:
            errors["amount"] = [_("金额必须大于0。")]
        elif amount >= Decimal("1e12"):
            errors["amount"] = [_("金额过大。")]
        else:
            fields["amount"] = amount.quantize(Decimal("0.01"))
    if "year" in fields:
        year = fields["year"]
        if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
            errors["year"] = [_("年度应在2000至2100之间。")]
    if errors:
        raise ValidationError(errors)
    return fields


def _apply_target(record: FundingRecord, target: models.Model | None) -> None:
    if target is None:
        record.target_type, record.target_id = None, None
    else:
        record.target_type = ContentType.objects.get_for_model(type(target))
        record.target_id = target.pk


@transaction.atomic
def funding_record_create(
    *, actor: User, consortium_id: int, target: models.Model | None = None, **fields: Any
) -> FundingRecord:
    require_secretariat(actor, consortium_id)
    unknown = set(fields) - set(FUNDING_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    for required in ("source", "amount", "year"):
        if fields.get(required) in (None, ""):
            raise ValidationError({required: [_("此项为必填项。")]})
    fields = _clean_funding(dict(fields))
    _same_tenant(consortium_id, recipient=fields.get("recipient"))
    validate_target(actor=actor, consortium_id=consortium_id, target=target)
    record = FundingRecord(consortium_id=consortium_id, created_by=actor, **fields)
    _apply_target(record, target)
    record.full_clean(exclude=["created_by", "target_type"])
    record.save()
    return record


_UNSET: Any = object()


@transaction.atomic
def funding_record_update(
    *, actor: User, record: FundingRecord, target: models.Model | None = _UNSET, **fields: Any
) -> FundingRecord:
    require_secretariat(actor, record.consortium_id)
    unknown = set(fields) - set(FUNDING_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    fields = _clean_funding(dict(fields))
    _same_tenant(record.consortium_id, recipient=fields.get("recipient"))
    record = FundingRecord.objects.select_for_update().get(pk=record.pk)
    for key, value in fields.items():
        setattr(record, key, value)
    if target is not _UNSET:
        validate_target(actor=actor, consortium_id=record.consortium_id, target=target)
        _apply_target(record, target)
    record.full_clean(exclude=["created_by", "target_type"])
    record.save()
    return record


@transaction.atomic
def funding_record_delete(*, actor: User, record: FundingRecord) -> None:
    require_secretariat(actor, record.consortium_id)
    record.delete()


def _clean_policy(fields: dict[str, Any]) -> dict[str, Any]:
    if "status" in fields and fields["status"] not in PolicyStatus.values:
        raise ValidationError({"status": [_("请选择有效的状态。")]})
    for key in ("title", "issuer"):
        if key in fields and not str(fields[key] or "").strip():
            raise ValidationError({key: [_("此项为必填项。")]})
    return fields


@transaction.atomic
def policy_create(
    *, actor: User, consortium_id: int, benefiting_units: Iterable[MemberUnit] = (), **fields: Any
) -> PolicyDocument:
    require_secretariat(actor, consortium_id)
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    fields = _clean_policy(dict(fields))
    units = list(benefiting_units)
    _same_tenant(consortium_id, benefiting_units=units)
    policy = PolicyDocument(consortium_id=consortium_id, **fields)
    policy.full_clean()
    policy.save()
    policy.benefiting_units.set(units)
    return policy


@transaction.atomic
def policy_update(
    *, actor: User, policy: PolicyDocument, benefiting_units: Iterable[MemberUnit] | None = None, **fields: Any
) -> PolicyDocument:
    require_secretariat(actor, policy.consortium_id)
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    fields = _clean_policy(dict(fields))
    for key, value in fields.items():
        setattr(policy, key, value)
    policy.full_clean()
    policy.save()
    if benefiting_units is not None:
        units = list(benefiting_units)
        _same_tenant(policy.consortium_id, benefiting_units=units)
        policy.benefiting_units.set(units)
    return policy


@transaction.atomic
def policy_delete(*, actor: User, policy: PolicyDocument) -> None:
    require_secretariat(actor, policy.consortium_id)
    policy.delete()
