"""Writes of practice centres (plan §三(三)): centres, resources, opening hours and closures, bookings with
cross-unit approval and a waiting list, social training, production records.

Who may do what:

* centres, resources, opening hours, closures, production records: the secretariat or unit admins of the centre's
  owner or operator unit ("centre admins");
* bookings: any unit admin or staff member books for one of their own units (the secretariat for any unit);
  the centre admins approve or refuse (a reason is required) pending bookings; bookings of the owner/operator
  units are approved at once when ``centre.auto_approve_own``; the booking unit or the centre cancels; the centre
  records no-show or completion once the booking ended;
* training sessions and trainees: unit admins of the organising unit (or the secretariat).

No double booking: ``booking_request`` locks the resource row (``SELECT ... FOR UPDATE``) so that concurrent
requests for one resource run one after the other, then checks the slot (exclusive: no overlapping holding
booking; shared: peak headcount + headcount ≤ capacity). On PostgreSQL an exclusion constraint (migration 0002)
also rejects overlapping holding bookings of exclusive resources, whatever code writes them; its IntegrityError is
translated into the same field error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium.tenancy.choices import UnitRole, UnitStatus
from consortium.tenancy.models import MemberUnit, User
from consortium.tenancy.scoping import is_platform_admin, same_tenant_errors, unit_roles

from . import rules
from .choices import (
    CANCELLABLE_STATUSES,
    HOLDING_STATUSES,
    BookingPurpose,
    BookingStatus,
    CentreForm,
    CentreKind,
    ProductionKind,
    ResourceKind,
    TrainingStatus,
)
from .models import (
    EXCLUSION_CONSTRAINT_NAME,
    Booking,
    BookingStatusChange,
    CentreClosure,
    OpeningHours,
    PracticeCentre,
    ProductionRecord,
    Resource,
    Trainee,
    TrainingSession,
)

CENTRE_FIELDS = (
    "name",
    "kind",
    "form",
    "address",
    "description",
    "offers_practice_teaching",
    "offers_social_training",
    "offers_production",
    "offers_technical_service",
    "is_published",
    "auto_approve_own",
    "contact_person",
    "contact_phone",
    "contact_email",
)
RESOURCE_FIELDS = ("kind", "name", "code", "exclusive", "capacity", "hourly_fee", "is_active", "description")
SESSION_FIELDS = (
    "course",
    "trainer_teacher",
    "trainer_expert",
    "trainer_name",
    "start_date",
    "end_date",
    "hours",
    "description",
    "status",
)
TRAINEE_FIELDS = ("name", "employer_unit", "employer_name", "id_number", "phone")
PRODUCTION_FIELDS = ("kind", "client_unit", "client_name", "item", "quantity", "value", "date", "note")

#: Booking actions (buttons) and who may take them; see ``booking_allowed_actions``.
ACTION_APPROVE = "approve"
ACTION_REFUSE = "refuse"
ACTION_CANCEL = "cancel"
ACTION_NO_SHOW = "no_show"
ACTION_COMPLETE = "complete"


# --- helpers ------------------------------------------------------------------------------------------------------


def _tz() -> Any:
    return timezone.get_default_timezone()


def _pick(fields: dict[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(unknown)}")
    return dict(fields)


def _apply(obj: models.Model, fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        setattr(obj, key, value)


def _save(obj: Any, exclude: Iterable[str] = ()) -> Any:
    obj.full_clean(exclude=list(exclude), validate_unique=True)
    obj.save()
    return obj


def _same_tenant(consortium_id: int, **related: Any) -> None:
    values = {k: v for k, v in related.items() if v is not None}
    errors = same_tenant_errors(values, consortium_id)
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})


def _choice(enum: Any, value: Any, field: str) -> None:
    if value not in enum.values:
        raise ValidationError({field: [_("请选择有效的选项。")]})


def _active(actor: Any) -> bool:
    return bool(actor is not None and actor.is_authenticated and actor.is_active)


def _is_secretariat(actor: Any, consortium_id: int) -> bool:
    """Platform admins and the secretariat of the consortium."""
    if is_platform_admin(actor):
        return True
    return _active(actor) and actor.role == "secretariat" and actor.consortium_id == consortium_id


def _member_roles(actor: Any, consortium_id: int) -> dict[int, str]:
    """{unit_id: role} of a member user in the consortium (empty for other roles and other consortia)."""
    if not (_active(actor) and actor.role == "member" and actor.consortium_id == consortium_id):
        return {}
    return unit_roles(actor)


def _admin_units(actor: Any, consortium_id: int) -> set[int]:
    return {u for u, role in _member_roles(actor, consortium_id).items() if role == UnitRole.UNIT_ADMIN}


def is_centre_admin(actor: Any, centre: PracticeCentre) -> bool:
    """The secretariat, or a unit admin of the centre's owner or operator unit."""
    return _is_secretariat(actor, centre.consortium_id) or bool(
        _admin_units(actor, centre.consortium_id) & centre.unit_ids
    )


def _require_centre_admin(actor: Any, centre: PracticeCentre) -> None:
    if not is_centre_admin(actor, centre):
        raise PermissionDenied(_("只有实践中心的产权单位、运营单位管理员或秘书处可以执行此操作。"))


def _require_visible(actor: Any, obj: models.Model) -> None:
    if not type(obj).objects.visible_to(actor).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        raise PermissionDenied(_("您无权访问该记录。"))


def _require_editable(actor: Any, obj: models.Model) -> None:
    if not type(obj).objects.editable_by(actor).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        raise PermissionDenied(_("您无权修改该记录。"))


def _require_unit_admin(actor: Any, unit: MemberUnit) -> None:
    if not (_is_secretariat(actor, unit.consortium_id) or unit.pk in _admin_units(actor, unit.consortium_id)):
        raise PermissionDenied(_("您无权为该单位登记或修改此类信息。"))


def _aware(value: Any, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError({field: [_("请输入有效的日期时间。")]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value, _tz())
    return value


def _decimal(value: Any, field: str, *, allow_none: bool = True) -> Decimal | None:
    if value is None or value == "":
        if allow_none:
            return None
        raise ValidationError({field: [_("请填写数值。")]})
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("请输入有效的数值。")]})
    if not number.is_finite():
        raise ValidationError({field: [_("请输入有效的数值。")]})
    return number


def _local(moment: datetime) -> str:
    return timezone.localtime(moment, _tz()).strftime("%Y-%m-%d %H:%M")


# --- centres ------------------------------------------------------------------------------------------------------


def _check_centre_fields(fields: dict[str, Any], consortium_id: int, pk: int | None = None) -> None:
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ValidationError({"name": [_("请填写中心名称。")]})
        if PracticeCentre.objects.for_consortium(consortium_id).filter(name=fields["name"]).exclude(pk=pk).exists():
            raise ValidationError({"name": [_("联合体内已有同名的实践中心。")]})
    if "kind" in fields:
        _choice(CentreKind, fields["kind"], "kind")
    if fields.get("form"):
        _choice(CentreForm, fields["form"], "form")


def _check_centre_units(consortium_id: int, owner: MemberUnit, operator: MemberUnit) -> None:
    _same_tenant(consortium_id, owner_unit=owner, operator_unit=operator)
    for field, unit in (("owner_unit", owner), ("operator_unit", operator)):
        if unit.status != UnitStatus.ACTIVE:
            raise ValidationError({field: [_("只能选择正式成员单位。")]})


@transaction.atomic
def centre_create(
    *, actor: User, owner_unit: MemberUnit, operator_unit: MemberUnit | None = None, **fields: Any
) -> PracticeCentre:
    """Register a centre. Allowed to the secretariat and to unit admins of the owner or the operator unit;
    the operator defaults to the owner."""
    fields = _pick(fields, CENTRE_FIELDS)
    operator_unit = operator_unit or owner_unit
    consortium_id = owner_unit.consortium_id
    if not (
        _is_secretariat(actor, consortium_id) or _admin_units(actor, consortium_id) & {owner_unit.pk, operator_unit.pk}
    ):
        raise PermissionDenied(_("只有产权单位或运营单位的管理员、秘书处可以登记实践中心。"))
    _check_centre_units(consortium_id, owner_unit, operator_unit)
    _check_centre_fields(fields, consortium_id)
    centre = PracticeCentre(
        consortium_id=consortium_id, owner_unit=owner_unit, operator_unit=operator_unit, unit=owner_unit, **fields
    )
    return _save(centre)


@transaction.atomic
def centre_update(
    *,
    actor: User,
    centre: PracticeCentre,
    owner_unit: MemberUnit | None = None,
    operator_unit: MemberUnit | None = None,
    **fields: Any,
) -> PracticeCentre:
    """Change a centre (None for ``owner_unit`` / ``operator_unit``: unchanged). A unit admin cannot hand the centre
    over to units they do not administer (the secretariat does that)."""
    fields = _pick(fields, CENTRE_FIELDS)
    _require_centre_admin(actor, centre)
    centre = PracticeCentre.objects.select_for_update().get(pk=centre.pk)
    new_owner = owner_unit or centre.owner_unit
    new_operator = operator_unit or centre.operator_unit
    _check_centre_units(centre.consortium_id, new_owner, new_operator)
    if not _is_secretariat(actor, centre.consortium_id) and not (
        _admin_units(actor, centre.consortium_id) & {new_owner.pk, new_operator.pk}
    ):
        raise ValidationError({"owner_unit": [_("移交后您将无权管理该中心；请由秘书处办理移交。")]})
    _check_centre_fields(fields, centre.consortium_id, centre.pk)
    _apply(centre, fields)
    centre.owner_unit, centre.operator_unit = new_owner, new_operator
    return _save(centre)


@transaction.atomic
def centre_delete(*, actor: User, centre: PracticeCentre) -> None:
    _require_centre_admin(actor, centre)
    if Booking.objects.filter(centre=centre).exists() or TrainingSession.objects.filter(centre=centre).exists():
        raise ValidationError({"centre": [_("该中心已有预约或培训记录，不能删除；可取消公开。")]})
    if ProductionRecord.objects.filter(centre=centre).exists():
        raise ValidationError({"centre": [_("该中心已有生产与技术服务记录，不能删除；可取消公开。")]})
    centre.delete()


# --- opening hours and closures -----------------------------------------------------------------------------------


def _window(row: Any) -> tuple[Any, Any, Any]:
    if isinstance(row, Mapping):
        return row.get("weekday"), row.get("opens"), row.get("closes")
    if isinstance(row, OpeningHours):
        return row.weekday, row.opens, row.closes
    weekday, opens, closes = row
    return weekday, opens, closes


@transaction.atomic
def opening_hours_set(*, actor: User, centre: PracticeCentre, rows: Iterable[Any]) -> list[OpeningHours]:
    """Replace the centre's weekly opening hours. ``rows``: (weekday 0=Mon..6, opens, closes) tuples or dicts with
    these keys. Windows of one weekday may touch but not overlap; a weekday without rows is closed.
    Existing bookings are left as they are."""
    _require_centre_admin(actor, centre)
    windows = [_window(row) for row in rows]
    for index, (weekday, opens, closes) in enumerate(windows, start=1):
        if not isinstance(opens, time) or not isinstance(closes, time):
            raise ValidationError({"rows": [_("第%(n)d行：请填写有效的开放和关闭时间。") % {"n": index}]})
        if isinstance(weekday, bool) or not isinstance(weekday, int):
            raise ValidationError({"rows": [_("第%(n)d行：请选择星期。") % {"n": index}]})
    messages = {
        "weekday": _("第%(n)d行：星期必须在星期一至星期日之间。"),
        "order": _("第%(n)d行：关闭时间必须晚于开放时间。"),
        "overlap": _("第%(n)d行：与同一天的其他开放时段重叠。"),
    }
    problems = rules.opening_hours_problems(windows)
    if problems:
        raise ValidationError({"rows": [messages[code] % {"n": index + 1} for index, code in problems]})
    OpeningHours.objects.filter(centre=centre).delete()
    return OpeningHours.objects.bulk_create(
        OpeningHours(consortium_id=centre.consortium_id, centre=centre, weekday=w, opens=o, closes=c)
        for w, o, c in windows
    )


@transaction.atomic
def closure_create(
    *,
    actor: User,
    centre: PracticeCentre,
    start: datetime,
    end: datetime,
    reason: str = "",
    cancel_conflicting: bool = False,
) -> CentreClosure:
    """Close the centre for ``[start, end)``. Holding bookings in that period block the closure unless
    ``cancel_conflicting``: then they are cancelled with the closure's reason (no waiting-list promotion)."""
    _require_centre_admin(actor, centre)
    start, end = _aware(start, "start"), _aware(end, "end")
    if end <= start:
        raise ValidationError({"end": [_("结束时间必须晚于开始时间。")]})
    conflicting = list(
        Booking.objects.select_for_update()
        .filter(centre=centre, status__in=HOLDING_STATUSES, start__lt=end, end__gt=start)
        .order_by("start")
    )
    if conflicting and not cancel_conflicting:
        raise ValidationError(
            {
                "start": [
                    _("该时段已有%(n)d个有效预约；请先处理这些预约，或选择同时取消它们。") % {"n": len(conflicting)}
                ]
            }
        )
    closure = _save(
        CentreClosure(consortium_id=centre.consortium_id, centre=centre, start=start, end=end, reason=reason.strip())
    )
    note = _("中心闭馆：%(reason)s") % {"reason": closure.reason or _("未说明原因")}
    now = timezone.now()
    for booking in conflicting:
        previous = booking.status
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.decision_reason = note
        booking.save(update_fields=["status", "cancelled_at", "decision_reason", "updated_at"])
        _record(booking, previous, actor, note)
    return closure


@transaction.atomic
def closure_delete(*, actor: User, closure: CentreClosure) -> None:
    _require_centre_admin(actor, closure.centre)
    closure.delete()


# --- resources ----------------------------------------------------------------------------------------------------


def _normalise_resource(fields: dict[str, Any], current: Resource | None, centre: PracticeCentre) -> None:
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ValidationError({"name": [_("请填写资源名称。")]})
        taken = Resource.objects.filter(centre=centre, name=fields["name"])
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            raise ValidationError({"name": [_("该中心已有同名资源。")]})
    if "kind" in fields:
        _choice(ResourceKind, fields["kind"], "kind")
    if "hourly_fee" in fields:
        fee = _decimal(fields["hourly_fee"], "hourly_fee")
        if fee is not None and fee < 0:
            raise ValidationError({"hourly_fee": [_("收费标准不能为负数。")]})
        fields["hourly_fee"] = fee
    exclusive = fields.get("exclusive", current.exclusive if current else True)
    if exclusive and "capacity" not in fields:
        fields["capacity"] = 1
    capacity = fields.get("capacity", current.capacity if current else 1)
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        raise ValidationError({"capacity": [_("座位数至少为1。")]})
    if exclusive and capacity != 1:
        raise ValidationError({"capacity": [_("整体预约的资源座位数必须为1。")]})


def _set_resource_links(resource: Resource, programmes: Iterable | None, industries: Iterable | None) -> None:
    if programmes is not None:
        programme_list = list(programmes)
        _same_tenant(resource.consortium_id, programmes=programme_list)
        resource.programmes.set(programme_list)
    if industries is not None:
        resource.industries.set(list(industries))


@transaction.atomic
def resource_create(
    *,
    actor: User,
    centre: PracticeCentre,
    programmes: Iterable | None = None,
    industries: Iterable | None = None,
    **fields: Any,
) -> Resource:
    fields = _pick(fields, RESOURCE_FIELDS)
    _require_centre_admin(actor, centre)
    _normalise_resource(fields, None, centre)
    resource = _save(Resource(consortium_id=centre.consortium_id, centre=centre, **fields))
    _set_resource_links(resource, programmes, industries)
    return resource


@transaction.atomic
def resource_update(
    *,
    actor: User,
    resource: Resource,
    programmes: Iterable | None = None,
    industries: Iterable | None = None,
    **fields: Any,
) -> Resource:
    """Change a resource. Switching to exclusive or lowering the capacity is refused while holding bookings would
    no longer fit; the bookings' copy of ``exclusive`` follows the resource."""
    fields = _pick(fields, RESOURCE_FIELDS)
    _require_centre_admin(actor, resource.centre)
    resource = Resource.objects.select_for_update().select_related("centre").get(pk=resource.pk)
    _normalise_resource(fields, resource, resource.centre)
    was_exclusive, old_capacity = resource.exclusive, resource.capacity
    _apply(resource, fields)
    _save(resource)
    if resource.exclusive != was_exclusive or resource.capacity < old_capacity:
        _check_existing_bookings_fit(resource)
    if resource.exclusive != was_exclusive:
        try:
            with transaction.atomic():
                Booking.objects.filter(resource=resource).update(resource_exclusive=resource.exclusive)
        except IntegrityError as exc:
            if _is_exclusion_violation(exc):
                raise ValidationError({"exclusive": [_("现有预约时段相互重叠，不能改为整体预约。")]})
            raise
    _set_resource_links(resource, programmes, industries)
    return resource


def _check_existing_bookings_fit(resource: Resource) -> None:
    holding = list(
        Booking.objects.filter(resource=resource, status__in=HOLDING_STATUSES).values_list("start", "end", "headcount")
    )
    if resource.exclusive:
        if rules.peak_headcount((s, e, 1) for s, e, _h in holding) > 1:
            raise ValidationError({"exclusive": [_("现有预约时段相互重叠，不能改为整体预约。")]})
        return
    now = timezone.now()
    peak = rules.peak_headcount((s, e, h) for s, e, h in holding if e > now)
    if peak > resource.capacity:
        raise ValidationError(
            {"capacity": [_("现有预约在同一时段最多有%(peak)d人，座位数不能少于该人数。") % {"peak": peak}]}
        )


@transaction.atomic
def resource_delete(*, actor: User, resource: Resource) -> None:
    _require_centre_admin(actor, resource.centre)
    if Booking.objects.filter(resource=resource).exists():
        raise ValidationError({"resource": [_("该资源已有预约记录，不能删除；可设为不可预约。")]})
    resource.delete()


# --- bookings -----------------------------------------------------------------------------------------------------


def _record(booking: Booking, from_status: str, actor: Any, reason: str = "") -> BookingStatusChange:
    return BookingStatusChange.objects.create(
        consortium_id=booking.consortium_id,
        unit_id=booking.unit_id,
        booking=booking,
        from_status=from_status,
        to_status=booking.status,
        reason=reason,
        actor=actor if _active(actor) else None,
    )


def _is_exclusion_violation(exc: IntegrityError) -> bool:
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return name == EXCLUSION_CONSTRAINT_NAME or EXCLUSION_CONSTRAINT_NAME in str(exc)


def _slot_taken_message() -> str:
    return _("该时段已被预约，请选择其他时间或加入候补。")


def _holding(resource_id: int, start: datetime, end: datetime, exclude_pk: int | None = None) -> list:
    qs = Booking.objects.filter(resource_id=resource_id, status__in=HOLDING_STATUSES, start__lt=end, end__gt=start)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.values_list("start", "end", "headcount"))


def _slot_problem(resource: Resource, holding: list, start: datetime, end: datetime, headcount: int) -> str | None:
    """Why the slot is not free for ``headcount`` people (None when it is)."""
    if resource.exclusive:
        if not rules.fits_exclusive([(s, e) for s, e, _h in holding], start, end):
            return _slot_taken_message()
        return None
    if not rules.fits_capacity(holding, start, end, headcount, resource.capacity):
        left = rules.capacity_left(holding, start, end, resource.capacity)
        return _("该时段剩余座位不足：最多还可预约%(left)d人，申请%(asked)d人。") % {"left": left, "asked": headcount}
    return None


def _calendar_problem(centre: PracticeCentre, start: datetime, end: datetime) -> dict[str, list[str]] | None:
    """Opening-hours and closure problems of ``[start, end)`` at the centre (None when fine)."""
    windows = list(OpeningHours.objects.filter(centre=centre).values_list("weekday", "opens", "closes"))
    if not rules.fits_opening_hours(start, end, windows, _tz()):
        return {"start": [_("预约时间不在中心的开放时间内（须在同一天的一个开放时段内）。")]}
    closure = (
        CentreClosure.objects.filter(centre=centre, start__lt=end, end__gt=start)
        .order_by("start")
        .values_list("start", "end", "reason")
        .first()
    )
    if closure:
        return {
            "start": [
                _("该时段中心闭馆（%(start)s 至 %(end)s）：%(reason)s")
                % {"start": _local(closure[0]), "end": _local(closure[1]), "reason": closure[2] or _("未说明原因")}
            ]
        }
    return None


def _auto_approved(centre: PracticeCentre, unit_id: int) -> bool:
    return centre.auto_approve_own and unit_id in centre.unit_ids


def _may_book_for(actor: Any, unit: MemberUnit) -> bool:
    return _is_secretariat(actor, unit.consortium_id) or unit.pk in _member_roles(actor, unit.consortium_id)


@transaction.atomic
def booking_request(
    *,
    actor: User,
    resource: Resource,
    unit: MemberUnit,
    purpose: str,
    start: datetime,
    end: datetime,
    headcount: int,
    order_class: Any = None,
    training_session: TrainingSession | None = None,
    title: str = "",
    note: str = "",
    waitlist: bool = False,
    government_purchase: bool = False,
    government_amount: Decimal | None = None,
) -> Booking:
    """Book ``resource`` for ``unit`` during ``[start, end)``.

    The actor must be an admin or staff member of ``unit`` (or the secretariat). The slot must lie in one opening
    window, overlap no closure and be free (exclusive) or have ``headcount`` seats left (shared); otherwise a
    ValidationError on ``start`` / ``headcount`` — or, with ``waitlist=True``, a ``waitlisted`` booking that
    ``waitlist_promote`` turns into a real one when the slot frees. Bookings of the centre's own units are approved
    at once when ``centre.auto_approve_own``; others are ``pending`` until the centre decides."""
    if not _may_book_for(actor, unit):
        raise PermissionDenied(_("您只能为本人所在的单位预约。"))
    if not Resource.objects.visible_to(actor).filter(pk=resource.pk).exists():
        raise PermissionDenied(_("您无权预约该资源。"))
    _same_tenant(unit.consortium_id, resource=resource, order_class=order_class, training_session=training_session)
    if unit.status != UnitStatus.ACTIVE:
        raise ValidationError({"unit": [_("只有正式成员单位可以预约。")]})
    start, end = _aware(start, "start"), _aware(end, "end")
    if end <= start:
        raise ValidationError({"end": [_("结束时间必须晚于开始时间。")]})
    if start < timezone.now():
        raise ValidationError({"start": [_("不能预约已经过去的时间。")]})
    if isinstance(headcount, bool) or not isinstance(headcount, int) or headcount < 1:
        raise ValidationError({"headcount": [_("人数至少为1。")]})
    _choice(BookingPurpose, purpose, "purpose")

    # Serialise every booking of this resource: concurrent requests wait here for each other.
    resource = Resource.objects.select_for_update().select_related("centre").get(pk=resource.pk)
    centre = resource.centre
    if not resource.is_active:
        raise ValidationError({"resource": [_("该资源暂停预约。")]})
    if purpose not in centre.offered_purposes:
        raise ValidationError({"purpose": [_("该中心不提供此类用途的服务。")]})
    if not resource.exclusive and headcount > resource.capacity:
        raise ValidationError(
            {"headcount": [_("人数超过该资源的座位数（%(capacity)d）。") % {"capacity": resource.capacity}]}
        )
    if order_class is not None:
        from enterprises.models import OrderClass

        if not OrderClass.objects.visible_to(actor).filter(pk=order_class.pk).exists():
            raise ValidationError({"order_class": [_("请选择您可查看的订单班。")]})
    if training_session is not None and training_session.centre_id != centre.pk:
        raise ValidationError({"training_session": [_("所选培训班不在该实践中心举办。")]})
    fee_amount = _decimal(government_amount, "government_amount")
    if fee_amount is not None and not government_purchase:
        raise ValidationError({"government_amount": [_("只有政府购买服务的预约才能填写政府购买金额。")]})
    if fee_amount is not None and fee_amount < 0:
        raise ValidationError({"government_amount": [_("金额不能为负数。")]})
    problem = _calendar_problem(centre, start, end)
    if problem:
        raise ValidationError(problem)

    slot_problem = _slot_problem(resource, _holding(resource.pk, start, end), start, end, headcount)
    if slot_problem and not waitlist:
        raise ValidationError({"headcount" if not resource.exclusive else "start": [slot_problem]})
    now = timezone.now()
    booking = Booking(
        consortium_id=resource.consortium_id,
        unit=unit,
        centre=centre,
        resource=resource,
        resource_exclusive=resource.exclusive,
        purpose=purpose,
        start=start,
        end=end,
        headcount=headcount,
        order_class=order_class,
        training_session=training_session,
        title=(title or "").strip(),
        note=(note or "").strip(),
        requested_by=actor,
        fee=rules.booking_fee(start, end, resource.hourly_fee),
        government_purchase=bool(government_purchase),
        government_amount=fee_amount,
    )
    if slot_problem:
        booking.status = BookingStatus.WAITLISTED
    elif _auto_approved(centre, unit.pk):
        booking.status = BookingStatus.APPROVED
        booking.decided_by, booking.decided_at = actor, now
        booking.decision_reason = _("本单位预约，自动批准。")
    else:
        booking.status = BookingStatus.PENDING
    booking.full_clean(exclude=["requested_by", "decided_by", "order_class", "training_session"])
    try:
        with transaction.atomic():  # a savepoint: the outer transaction stays usable after a violation
            booking.save()
    except IntegrityError as exc:
        if _is_exclusion_violation(exc):
            raise ValidationError({"start": [_slot_taken_message()]})
        raise
    _record(booking, "", actor, booking.decision_reason)
    return booking


def _locked_booking(booking: Booking) -> Booking:
    """The booking re-read under a lock, after locking its resource (same lock order as ``booking_request``)."""
    Resource.objects.select_for_update().filter(pk=booking.resource_id).first()
    return Booking.objects.select_for_update().select_related("centre", "resource").get(pk=booking.pk)


def _require_booking_visible(actor: Any, booking: Booking) -> None:
    if not Booking.objects.visible_to(actor).filter(pk=booking.pk).exists():
        raise PermissionDenied(_("您无权访问该预约。"))


@transaction.atomic
def booking_approve(*, actor: User, booking: Booking, reason: str = "") -> Booking:
    """The centre approves a pending booking that has not ended yet."""
    _require_booking_visible(actor, booking)
    booking = _locked_booking(booking)
    _require_centre_admin(actor, booking.centre)
    if booking.status != BookingStatus.PENDING:
        raise ValidationError({"status": [_("只有待审批的预约可以批准。")]})
    if booking.end <= timezone.now():
        raise ValidationError({"status": [_("预约时间已过，不能再批准。")]})
    booking.status = BookingStatus.APPROVED
    booking.decided_by, booking.decided_at = actor, timezone.now()
    booking.decision_reason = (reason or "").strip()
    booking.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    _record(booking, BookingStatus.PENDING, actor, booking.decision_reason)
    return booking


@transaction.atomic
def booking_refuse(*, actor: User, booking: Booking, reason: str) -> Booking:
    """The centre refuses a pending or waitlisted booking; the reason is required. A refused pending booking frees
    its slot: the waiting list is promoted."""
    _require_booking_visible(actor, booking)
    booking = _locked_booking(booking)
    _require_centre_admin(actor, booking.centre)
    reason = (reason or "").strip()
    if booking.status not in (BookingStatus.PENDING, BookingStatus.WAITLISTED):
        raise ValidationError({"status": [_("只有待审批或候补中的预约可以拒绝。")]})
    if not reason:
        raise ValidationError({"reason": [_("拒绝预约必须填写理由。")]})
    previous = booking.status
    booking.status = BookingStatus.REFUSED
    booking.decided_by, booking.decided_at = actor, timezone.now()
    booking.decision_reason = reason
    booking.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    _record(booking, previous, actor, reason)
    if previous in HOLDING_STATUSES:
        waitlist_promote(resource_id=booking.resource_id, start=booking.start, end=booking.end, actor=actor)
    return booking


def _is_booking_party(actor: Any, booking: Booking) -> bool:
    """Admin or staff of the booking unit (they may cancel their own unit's bookings)."""
    return booking.unit_id in _member_roles(actor, booking.consortium_id)


@transaction.atomic
def booking_cancel(*, actor: User, booking: Booking, reason: str = "") -> Booking:
    """The booking unit (admin or staff) or the centre cancels a pending, approved or waitlisted booking before it
    starts. A freed slot promotes the waiting list."""
    _require_booking_visible(actor, booking)
    booking = _locked_booking(booking)
    if not (_is_booking_party(actor, booking) or is_centre_admin(actor, booking.centre)):
        raise PermissionDenied(_("只有预约单位或实践中心可以取消该预约。"))
    if booking.status not in CANCELLABLE_STATUSES:
        raise ValidationError({"status": [_("该预约当前状态不能取消。")]})
    if booking.status in HOLDING_STATUSES and booking.start <= timezone.now():
        raise ValidationError({"status": [_("预约已经开始，不能取消；请由中心登记未到场或完成。")]})
    previous = booking.status
    reason = (reason or "").strip()
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    if reason:
        booking.decision_reason = reason
    booking.save(update_fields=["status", "cancelled_at", "decision_reason", "updated_at"])
    _record(booking, previous, actor, reason)
    if previous in HOLDING_STATUSES:
        waitlist_promote(resource_id=booking.resource_id, start=booking.start, end=booking.end, actor=actor)
    return booking


def _finish(actor: Any, booking: Booking, target: str, reason: str) -> Booking:
    _require_booking_visible(actor, booking)
    booking = Booking.objects.select_for_update().select_related("centre").get(pk=booking.pk)
    _require_centre_admin(actor, booking.centre)
    if booking.status != BookingStatus.APPROVED:
        raise ValidationError({"status": [_("只有已批准的预约可以登记到场情况。")]})
    if booking.end > timezone.now():
        raise ValidationError({"status": [_("预约结束后才能登记未到场或完成。")]})
    booking.status = target
    booking.save(update_fields=["status", "updated_at"])
    _record(booking, BookingStatus.APPROVED, actor, (reason or "").strip())
    return booking


@transaction.atomic
def booking_mark_no_show(*, actor: User, booking: Booking, reason: str = "") -> Booking:
    """The centre records that an approved booking was not used (after it ended)."""
    return _finish(actor, booking, BookingStatus.NO_SHOW, reason)


@transaction.atomic
def booking_complete(*, actor: User, booking: Booking, reason: str = "") -> Booking:
    """The centre records that an approved booking took place (after it ended)."""
    return _finish(actor, booking, BookingStatus.COMPLETED, reason)


_UNSET: Any = object()


@transaction.atomic
def booking_set_fee(
    *,
    actor: User,
    booking: Booking,
    fee: Any = _UNSET,
    government_purchase: Any = _UNSET,
    government_amount: Any = _UNSET,
) -> Booking:
    """The centre adjusts the fee (元) and records government purchase of services for a booking."""
    _require_booking_visible(actor, booking)
    booking = Booking.objects.select_for_update().select_related("centre").get(pk=booking.pk)
    _require_centre_admin(actor, booking.centre)
    if fee is not _UNSET:
        booking.fee = _decimal(fee, "fee")
        if booking.fee is not None and booking.fee < 0:
            raise ValidationError({"fee": [_("费用不能为负数。")]})
    if government_purchase is not _UNSET:
        booking.government_purchase = bool(government_purchase)
    if government_amount is not _UNSET:
        booking.government_amount = _decimal(government_amount, "government_amount")
        if booking.government_amount is not None and booking.government_amount < 0:
            raise ValidationError({"government_amount": [_("金额不能为负数。")]})
    if not booking.government_purchase and booking.government_amount is not None:
        raise ValidationError({"government_amount": [_("只有政府购买服务的预约才能填写政府购买金额。")]})
    booking.save(update_fields=["fee", "government_purchase", "government_amount", "updated_at"])
    return booking


@transaction.atomic
def waitlist_promote(*, resource_id: int, start: datetime, end: datetime, actor: Any = None) -> list[Booking]:
    """Promote the oldest waitlisted bookings of the resource overlapping ``[start, end)`` that now fit (and have not
    started, and meet no closure): they become approved (own units of an auto-approving centre) or pending.
    Called by cancel/refuse; safe to call any time (takes the resource lock itself). Returns the promoted ones."""
    resource = Resource.objects.select_for_update().select_related("centre").get(pk=resource_id)
    centre = resource.centre
    now = timezone.now()
    candidates = list(
        Booking.objects.select_for_update()
        .filter(resource_id=resource_id, status=BookingStatus.WAITLISTED, start__lt=end, end__gt=start, start__gt=now)
        .order_by("created_at", "id")
    )
    if not candidates or not resource.is_active:
        return []
    lo, hi = min(b.start for b in candidates), max(b.end for b in candidates)
    holding = _holding(resource_id, lo, hi)
    closures = list(CentreClosure.objects.filter(centre=centre, start__lt=hi, end__gt=lo).values_list("start", "end"))
    promoted: list[Booking] = []
    for booking in candidates:
        if rules.overlaps_closure(closures, booking.start, booking.end):
            continue
        if _slot_problem(resource, holding, booking.start, booking.end, booking.headcount):
            continue
        if _auto_approved(centre, booking.unit_id):
            booking.status = BookingStatus.APPROVED
            booking.decided_by, booking.decided_at = (actor if _active(actor) else None), now
            booking.decision_reason = _("候补转正：本单位预约，自动批准。")
        else:
            booking.status = BookingStatus.PENDING
            booking.decision_reason = _("候补转正，等待审批。")
        booking.resource_exclusive = resource.exclusive
        try:
            with transaction.atomic():
                booking.save(
                    update_fields=[
                        "status",
                        "decided_by",
                        "decided_at",
                        "decision_reason",
                        "resource_exclusive",
                        "updated_at",
                    ]
                )
        except IntegrityError as exc:  # only if someone wrote bookings without the lock
            if _is_exclusion_violation(exc):
                booking.status = BookingStatus.WAITLISTED
                continue
            raise
        _record(booking, BookingStatus.WAITLISTED, actor, booking.decision_reason)
        holding.append((booking.start, booking.end, booking.headcount))
        promoted.append(booking)
    return promoted


def booking_allowed_actions(actor: Any, booking: Booking) -> list[str]:
    """Actions the actor may take on the booking now (for buttons); the services re-check everything."""
    now = timezone.now()
    centre_admin = is_centre_admin(actor, booking.centre)
    actions: list[str] = []
    if centre_admin and booking.status == BookingStatus.PENDING and booking.end > now:
        actions.append(ACTION_APPROVE)
    if centre_admin and booking.status in (BookingStatus.PENDING, BookingStatus.WAITLISTED):
        actions.append(ACTION_REFUSE)
    if (centre_admin or _is_booking_party(actor, booking)) and (
        booking.status == BookingStatus.WAITLISTED or (booking.status in HOLDING_STATUSES and booking.start > now)
    ):
        actions.append(ACTION_CANCEL)
    if centre_admin and booking.status == BookingStatus.APPROVED and booking.end <= now:
        actions += [ACTION_COMPLETE, ACTION_NO_SHOW]
    return actions


@transaction.atomic
def bookings_complete_ended(*, consortium_id: int, now: datetime | None = None, grace_days: int = 2) -> int:
    """Mark approved bookings that ended more than ``grace_days`` ago as completed (daily task; the grace leaves
    the centre time to record a no-show). Returns how many."""
    now = now or timezone.now()
    ended = list(
        Booking.objects.for_consortium(consortium_id)
        .select_for_update()
        .filter(status=BookingStatus.APPROVED, end__lte=now - timedelta(days=grace_days))
        .values_list("pk", "unit_id")
    )
    if not ended:
        return 0
    Booking.objects.filter(pk__in=[pk for pk, _u in ended]).update(status=BookingStatus.COMPLETED, updated_at=now)
    BookingStatusChange.objects.bulk_create(
        BookingStatusChange(
            consortium_id=consortium_id,
            unit_id=unit_id,
            booking_id=pk,
            from_status=BookingStatus.APPROVED,
            to_status=BookingStatus.COMPLETED,
            reason=_("预约结束，系统自动登记为已完成。"),
        )
        for pk, unit_id in ended
    )
    return len(ended)


# --- training sessions and trainees -------------------------------------------------------------------------------


def _check_session(actor: Any, consortium_id: int, centre: PracticeCentre, fields: dict[str, Any]) -> None:
    from schools.models import PoolExpert, Teacher

    _same_tenant(
        consortium_id,
        centre=centre,
        trainer_teacher=fields.get("trainer_teacher"),
        trainer_expert=fields.get("trainer_expert"),
    )
    if "status" in fields:
        _choice(TrainingStatus, fields["status"], "status")
    teacher, expert = fields.get("trainer_teacher"), fields.get("trainer_expert")
    if teacher is not None and not Teacher.objects.visible_to(actor).filter(pk=teacher.pk).exists():
        raise ValidationError({"trainer_teacher": [_("请选择本单位的教师。")]})
    if expert is not None and not PoolExpert.objects.visible_to(actor).filter(pk=expert.pk).exists():
        raise ValidationError({"trainer_expert": [_("请选择兼职教师库中公开的专家。")]})
    if "hours" in fields:
        hours = _decimal(fields["hours"], "hours", allow_none=False)
        if hours is None or hours <= 0:
            raise ValidationError({"hours": [_("培训学时必须大于0。")]})
        fields["hours"] = hours


@transaction.atomic
def training_session_create(*, actor: User, unit: MemberUnit, centre: PracticeCentre, **fields: Any) -> TrainingSession:
    """A unit (admin) organises a social training session at a centre that offers social training."""
    fields = _pick(fields, SESSION_FIELDS)
    _require_unit_admin(actor, unit)
    _same_tenant(unit.consortium_id, centre=centre)
    if not PracticeCentre.objects.visible_to(actor).filter(pk=centre.pk).exists():
        raise ValidationError({"centre": [_("请选择您可查看的实践中心。")]})
    if not centre.offers_social_training:
        raise ValidationError({"centre": [_("该中心不提供社会培训。")]})
    _check_session(actor, unit.consortium_id, centre, fields)
    session = TrainingSession(consortium_id=unit.consortium_id, unit=unit, centre=centre, **fields)
    return _save(session)


@transaction.atomic
def training_session_update(*, actor: User, session: TrainingSession, **fields: Any) -> TrainingSession:
    fields = _pick(fields, SESSION_FIELDS)
    _require_editable(actor, session)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    _check_session(actor, session.consortium_id, session.centre, fields)
    if "hours" in fields:
        most = session.trainees.aggregate(most=models.Max("attended_hours"))["most"]
        if most is not None and most > fields["hours"]:
            raise ValidationError({"hours": [_("已有学员出勤%(most)s学时，培训学时不能少于该数。") % {"most": most}]})
    _apply(session, fields)
    return _save(session)


@transaction.atomic
def training_session_delete(*, actor: User, session: TrainingSession) -> None:
    _require_editable(actor, session)
    if session.trainees.filter(Q(completed=True) | ~Q(certificate_no="")).exists():
        raise ValidationError({"session": [_("已有学员结业或发证，不能删除该培训班。")]})
    session.delete()


def _check_trainee(consortium_id: int, fields: dict[str, Any]) -> None:
    _same_tenant(consortium_id, employer_unit=fields.get("employer_unit"))
    for key in ("name", "employer_name", "id_number", "phone"):
        if key in fields:
            fields[key] = (fields[key] or "").strip()
    if "name" in fields and not fields["name"]:
        raise ValidationError({"name": [_("请填写学员姓名。")]})
    if "id_number" in fields:
        fields["id_number"] = fields["id_number"].upper()


@transaction.atomic
def trainee_create(*, actor: User, session: TrainingSession, **fields: Any) -> Trainee:
    """Enrol a trainee (the organising unit's admins)."""
    fields = _pick(fields, TRAINEE_FIELDS)
    _require_editable(actor, session)
    _check_trainee(session.consortium_id, fields)
    trainee = Trainee(consortium_id=session.consortium_id, unit_id=session.unit_id, session=session, **fields)
    return _save(trainee)


@transaction.atomic
def trainee_update(*, actor: User, trainee: Trainee, **fields: Any) -> Trainee:
    fields = _pick(fields, TRAINEE_FIELDS)
    _require_editable(actor, trainee)
    _check_trainee(trainee.consortium_id, fields)
    _apply(trainee, fields)
    return _save(trainee)


@transaction.atomic
def trainee_delete(*, actor: User, trainee: Trainee) -> None:
    _require_editable(actor, trainee)
    if trainee.certificate_no:
        raise ValidationError({"trainee": [_("已发证的学员不能删除。")]})
    trainee.delete()


def _attendance(value: Any, session_hours: Decimal) -> Decimal:
    hours = _decimal(value, "attended_hours", allow_none=False)
    assert hours is not None
    if hours < 0:
        raise ValidationError({"attended_hours": [_("出勤学时不能为负数。")]})
    if hours > session_hours:
        raise ValidationError(
            {"attended_hours": [_("出勤学时不能超过培训学时（%(hours)s）。") % {"hours": session_hours}]}
        )
    return hours


@transaction.atomic
def trainee_record_attendance(*, actor: User, trainee: Trainee, attended_hours: Any) -> Trainee:
    """Set the hours a trainee attended (0 ≤ hours ≤ the session's hours)."""
    _require_editable(actor, trainee)
    trainee.attended_hours = _attendance(attended_hours, trainee.session.hours)
    trainee.save(update_fields=["attended_hours"])
    return trainee


@transaction.atomic
def session_record_attendance(
    *,
    actor: User,
    session: TrainingSession,
    attendance: Mapping[int, Any],
    completed_ids: Iterable[int] | None = None,
) -> int:
    """Record attendance for several trainees of a session at once ({trainee_id: hours}); with ``completed_ids``
    also set who completed (others not completed, unless they hold a certificate). Returns the rows changed."""
    _require_editable(actor, session)
    trainees = {t.pk: t for t in Trainee.objects.select_for_update().filter(session=session)}
    unknown = set(attendance) - set(trainees)
    if unknown:
        raise ValidationError({"attendance": [_("包含不属于该培训班的学员。")]})
    done = set(completed_ids) if completed_ids is not None else None
    if done is not None and done - set(trainees):
        raise ValidationError({"completed": [_("包含不属于该培训班的学员。")]})
    changed: list[Trainee] = []
    for pk, trainee in trainees.items():
        dirty = False
        if pk in attendance:
            try:
                hours = _attendance(attendance[pk], session.hours)
            except ValidationError:
                raise ValidationError(
                    {
                        "attendance": [
                            _("学员%(name)s：出勤学时须在0至%(hours)s之间。")
                            % {"name": trainee.name, "hours": session.hours}
                        ]
                    }
                )
            dirty |= hours != trainee.attended_hours
            trainee.attended_hours = hours
        if done is not None:
            completed = pk in done
            if not completed and trainee.certificate_no:
                raise ValidationError({"completed": [_("学员%(name)s已发证，不能取消结业。") % {"name": trainee.name}]})
            dirty |= completed != trainee.completed
            trainee.completed = completed
        if dirty:
            changed.append(trainee)
    Trainee.objects.bulk_update(changed, ["attended_hours", "completed"])
    return len(changed)


@transaction.atomic
def trainee_set_completed(*, actor: User, trainee: Trainee, completed: bool = True) -> Trainee:
    """Mark a trainee as completed (结业) or not; a trainee holding a certificate stays completed."""
    _require_editable(actor, trainee)
    if not completed and trainee.certificate_no:
        raise ValidationError({"completed": [_("已发证的学员不能取消结业。")]})
    trainee.completed = bool(completed)
    trainee.save(update_fields=["completed"])
    return trainee


@transaction.atomic
def trainee_issue_certificate(
    *, actor: User, trainee: Trainee, certificate_no: str, issued_on: date | None = None
) -> Trainee:
    """Issue a certificate to a completed trainee; the number is unique in the consortium."""
    _require_editable(actor, trainee)
    certificate_no = (certificate_no or "").strip()
    if not trainee.completed:
        raise ValidationError({"certificate_no": [_("学员结业后才能发放证书。")]})
    if not certificate_no:
        raise ValidationError({"certificate_no": [_("请填写证书编号。")]})
    if (
        Trainee.objects.for_consortium(trainee.consortium_id)
        .filter(certificate_no=certificate_no)
        .exclude(pk=trainee.pk)
        .exists()
    ):
        raise ValidationError({"certificate_no": [_("该证书编号已被使用。")]})
    if issued_on is not None and not isinstance(issued_on, date):
        raise ValidationError({"certificate_issued_on": [_("请输入有效的日期。")]})
    trainee.certificate_no = certificate_no
    trainee.certificate_issued_on = issued_on or timezone.localdate()
    trainee.save(update_fields=["certificate_no", "certificate_issued_on"])
    return trainee


# --- production records -------------------------------------------------------------------------------------------


def _check_production(consortium_id: int, unit_id: int, fields: dict[str, Any]) -> None:
    _same_tenant(consortium_id, client_unit=fields.get("client_unit"))
    if "kind" in fields:
        _choice(ProductionKind, fields["kind"], "kind")
    if "value" in fields:
        value = _decimal(fields["value"], "value", allow_none=False)
        if value is None or value < 0:
            raise ValidationError({"value": [_("产值不能为负数。")]})
        fields["value"] = value
    client = fields.get("client_unit")
    if client is not None and client.pk == unit_id:
        raise ValidationError({"client_unit": [_("客户不能是登记单位本身。")]})


def _require_client(record: ProductionRecord) -> None:
    record.client_name = (record.client_name or "").strip()
    if record.client_unit_id is None and not record.client_name:
        raise ValidationError({"client_name": [_("请选择客户成员单位或填写客户名称。")]})


@transaction.atomic
def production_record_create(
    *, actor: User, centre: PracticeCentre, unit: MemberUnit | None = None, **fields: Any
) -> ProductionRecord:
    """Record production or a technical service at a centre; ``unit`` (the recording unit) defaults to the
    operator and must be the centre's owner or operator."""
    fields = _pick(fields, PRODUCTION_FIELDS)
    unit = unit or centre.operator_unit
    _require_unit_admin(actor, unit)
    if unit.pk not in centre.unit_ids:
        raise ValidationError({"unit": [_("登记单位必须是该中心的产权单位或运营单位。")]})
    _check_production(centre.consortium_id, unit.pk, fields)
    record = ProductionRecord(consortium_id=centre.consortium_id, unit=unit, centre=centre, **fields)
    _require_client(record)
    return _save(record)


@transaction.atomic
def production_record_update(*, actor: User, record: ProductionRecord, **fields: Any) -> ProductionRecord:
    fields = _pick(fields, PRODUCTION_FIELDS)
    _require_editable(actor, record)
    _check_production(record.consortium_id, record.unit_id, fields)
    _apply(record, fields)
    _require_client(record)
    return _save(record)


@transaction.atomic
def production_record_delete(*, actor: User, record: ProductionRecord) -> None:
    _require_editable(actor, record)
    record.delete()
