"""Writes of the council app. Keyword-only, actor first, atomic; only the secretariat (or a platform admin) writes.

Bad transitions and bad input raise ``ValidationError({field: [message]})``; foreign objects raise the same
"does not exist" style messages as missing ones, and nothing is changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from consortium.tenancy.models import User
from consortium.tenancy.scoping import is_platform_admin, require_secretariat

from . import rules
from .choices import (
    ATTENDING_STATUSES,
    MEETING_TRANSITIONS,
    SINGLE_DOCUMENT_KINDS,
    AttendanceStatus,
    DocumentKind,
    MeetingStatus,
    ResolutionStatus,
    VersionStatus,
    VoteChoice,
)
from .models import (
    AgendaItem,
    Attendance,
    Council,
    CouncilSeat,
    DocumentVersion,
    GovernanceDocument,
    Meeting,
    Resolution,
    Vote,
)
from .selectors import meeting_quorum, meeting_seats

COUNCIL_FIELDS = ("name", "established_on", "description")
SEAT_FIELDS = ("role", "unit", "person_name", "person_title", "user", "term_start", "term_end")
MEETING_FIELDS = ("title", "kind", "scheduled_at", "location", "notice", "minutes")
AGENDA_FIELDS = ("position", "title", "description", "presenter")
VERSION_FIELDS = ("text", "attachment", "quorum_numerator", "quorum_denominator", "pass_rule")


# --- helpers --------------------------------------------------------------------------------------------------




def _pick(fields: dict[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    allowed = set(allowed)
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationError({name: [_("该字段不能在此修改。")] for name in unknown})
    return fields


def _same_tenant(field: str, obj: Any, consortium_id: int) -> None:
    if obj is not None and getattr(obj, "consortium_id", consortium_id) != consortium_id:
        raise ValidationError({field: [_("所选对象属于其他产教联合体。")]})


def _save(obj: Any, **kwargs: Any) -> Any:
    obj.full_clean(validate_constraints=True)
    obj.save(**kwargs)
    return obj


def _transition_error(meeting: Meeting, target: str) -> ValidationError:
    return ValidationError(
        {
            "status": [
                _("会议当前状态为“%(current)s”，不能变更为“%(target)s”。")
                % {"current": meeting.get_status_display(), "target": MeetingStatus(target).label}
            ]
        }
    )


def _lock_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("council", "rules_version").get(pk=meeting.pk)


def _require_meeting_status(meeting: Meeting, allowed: Iterable[str], message: str) -> None:
    if meeting.status not in set(allowed):
        raise ValidationError({"meeting": [message % {"status": meeting.get_status_display()}]})


# --- council and seats ----------------------------------------------------------------------------------------


@transaction.atomic
def council_create(*, actor: User, consortium: Any, **fields: Any) -> Council:
    require_secretariat(actor, consortium.pk)
    _pick(fields, COUNCIL_FIELDS)
    if Council.objects.for_consortium(consortium.pk).exists():
        raise ValidationError({"name": [_("本联合体已设立理事会，不能重复设立。")]})
    return _save(Council(consortium=consortium, **fields))


@transaction.atomic
def council_update(*, actor: User, council: Council, **fields: Any) -> Council:
    require_secretariat(actor, council.consortium_id)
    for key, value in _pick(fields, COUNCIL_FIELDS).items():
        setattr(council, key, value)
    return _save(council)


def _check_seat(seat: CouncilSeat) -> None:
    _same_tenant("unit", seat.unit, seat.consortium_id)
    if seat.user_id is not None and seat.user.consortium_id != seat.consortium_id:
        raise ValidationError({"user": [_("门户账号必须属于本产教联合体。")]})
    if seat.term_start and seat.term_end and seat.term_end < seat.term_start:
        raise ValidationError({"term_end": [_("任期结束日期不能早于任期开始日期。")]})


@transaction.atomic
def seat_create(*, actor: User, council: Council, **fields: Any) -> CouncilSeat:
    require_secretariat(actor, council.consortium_id)
    seat = CouncilSeat(consortium_id=council.consortium_id, council=council, **_pick(fields, SEAT_FIELDS))
    _check_seat(seat)
    return _save(seat)


@transaction.atomic
def seat_update(*, actor: User, seat: CouncilSeat, **fields: Any) -> CouncilSeat:
    require_secretariat(actor, seat.consortium_id)
    for key, value in _pick(fields, SEAT_FIELDS).items():
        setattr(seat, key, value)
    _check_seat(seat)
    return _save(seat)


@transaction.atomic
def seat_end(*, actor: User, seat: CouncilSeat, on: date | None = None) -> CouncilSeat:
    """End a term early (resignation, replacement): the seat stays in the record with its real term."""
    require_secretariat(actor, seat.consortium_id)
    on = on or timezone.localdate()
    if on < seat.term_start:
        raise ValidationError(
            {"term_end": [_("结束日期不能早于任期开始日期（%(start)s）。") % {"start": seat.term_start}]}
        )
    if on > seat.term_end:
        raise ValidationError(
            {"term_end": [_("结束日期晚于原定任期结束日期（%(end)s），请改用编辑。") % {"end": seat.term_end}]}
        )
    seat.term_end = on
    return _save(seat)


# --- governance documents -------------------------------------------------------------------------------------


@transaction.atomic
def document_create(*, actor: User, consortium: Any, kind: str, title: str) -> GovernanceDocument:
    require_secretariat(actor, consortium.pk)
    if (
        kind in SINGLE_DOCUMENT_KINDS
        and GovernanceDocument.objects.for_consortium(consortium.pk).filter(kind=kind).exists()
    ):
        raise ValidationError(
            {"kind": [_("本联合体已有“%(kind)s”，请在原文件下新增版本。") % {"kind": DocumentKind(kind).label}]}
        )
    return _save(GovernanceDocument(consortium=consortium, kind=kind, title=title))


@transaction.atomic
def document_update(*, actor: User, document: GovernanceDocument, title: str) -> GovernanceDocument:
    require_secretariat(actor, document.consortium_id)
    document.title = title
    return _save(document)


def _check_version_rules(document: GovernanceDocument, version: DocumentVersion) -> None:
    errors: dict[str, list[str]] = {}
    if document.kind == DocumentKind.RULES_OF_PROCEDURE:
        num, den = version.quorum_numerator, version.quorum_denominator
        if not num:
            errors["quorum_numerator"] = [_("议事规程必须规定法定人数（分子，如 2/3 中的 2）。")]
        if not den:
            errors["quorum_denominator"] = [_("议事规程必须规定法定人数（分母，如 2/3 中的 3）。")]
        if num and den and num > den:
            errors["quorum_numerator"] = [_("法定人数比例不能超过 1（分子不能大于分母）。")]
        if not version.pass_rule:
            errors["pass_rule"] = [_("议事规程必须规定表决通过规则。")]
    else:
        for field in ("quorum_numerator", "quorum_denominator", "pass_rule"):
            if getattr(version, field):
                errors[field] = [_("只有议事规程可以规定法定人数和表决规则。")]
    if not (version.text or "").strip() and not version.attachment:
        errors["text"] = [_("请填写正文或上传附件。")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def version_create(*, actor: User, document: GovernanceDocument, **fields: Any) -> DocumentVersion:
    """A new draft version; the number is the next one of the document."""
    require_secretariat(actor, document.consortium_id)
    document = GovernanceDocument.objects.select_for_update().get(pk=document.pk)
    fields = _pick(fields, VERSION_FIELDS)
    fields["pass_rule"] = fields.get("pass_rule") or ""
    last = document.versions.aggregate(m=Max("version_no"))["m"] or 0
    version = DocumentVersion(consortium_id=document.consortium_id, document=document, version_no=last + 1, **fields)
    _check_version_rules(document, version)
    return _save(version)


@transaction.atomic
def version_update(*, actor: User, version: DocumentVersion, **fields: Any) -> DocumentVersion:
    require_secretariat(actor, version.consortium_id)
    if version.status != VersionStatus.DRAFT:
        raise ValidationError({"status": [_("只能修改草案；已通过或已废止的版本不能修改。")]})
    for key, value in _pick(fields, VERSION_FIELDS).items():
        setattr(version, key, value if value is not None or key != "pass_rule" else "")
    _check_version_rules(version.document, version)
    return _save(version)


@transaction.atomic
def version_adopt(
    *, actor: User, version: DocumentVersion, meeting: Meeting | None = None, adopted_on: date | None = None
) -> DocumentVersion:
    """Adopt a draft (optionally at a held meeting); the previously adopted version becomes superseded."""
    require_secretariat(actor, version.consortium_id)
    version = DocumentVersion.objects.select_for_update(of=("self",)).select_related("document").get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(
            {"status": [_("只有草案可以通过，该版本当前为“%(status)s”。") % {"status": version.get_status_display()}]}
        )
    if meeting is not None:
        _same_tenant("meeting", meeting, version.consortium_id)
        if meeting.status not in (MeetingStatus.HELD, MeetingStatus.CLOSED):
            raise ValidationError({"meeting": [_("只能选择已召开的会议作为通过会议。")]})
    _check_version_rules(version.document, version)
    (
        DocumentVersion.objects.for_consortium(version.consortium_id)
        .filter(document_id=version.document_id, status=VersionStatus.ADOPTED)
        .exclude(pk=version.pk)
        .update(status=VersionStatus.SUPERSEDED)
    )
    version.status = VersionStatus.ADOPTED
    version.adopted_at_meeting = meeting
    version.adopted_on = adopted_on or (meeting.meeting_date if meeting is not None else timezone.localdate())
    return _save(version)


@transaction.atomic
def document_share(*, actor: User, document: GovernanceDocument, user: User) -> GovernanceDocument:
    """Let one user of the same consortium read the document (and its drafts), via guardian's direct-FK table."""
    require_secretariat(actor, document.consortium_id)
    if user is None or user.consortium_id != document.consortium_id or is_platform_admin(user):
        raise ValidationError({"user": [_("只能共享给本产教联合体的用户。")]})
    if not user.is_active:
        raise ValidationError({"user": [_("该用户已停用，不能共享。")]})
    assign_perm("view_governancedocument", user, document)  # object permission only: never global
    return document


@transaction.atomic
def document_unshare(*, actor: User, document: GovernanceDocument, user: User) -> GovernanceDocument:
    require_secretariat(actor, document.consortium_id)
    remove_perm("view_governancedocument", user, document)
    return document


def adopted_rules_version(consortium_id: int) -> DocumentVersion | None:
    return (
        DocumentVersion.objects.for_consortium(consortium_id)
        .filter(document__kind=DocumentKind.RULES_OF_PROCEDURE, status=VersionStatus.ADOPTED)
        .order_by("-adopted_on", "-version_no")
        .first()
    )


# --- meetings -------------------------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(*, actor: User, council: Council, **fields: Any) -> Meeting:
    require_secretariat(actor, council.consortium_id)
    fields = _pick(fields, MEETING_FIELDS)
    fields.pop("minutes", None)
    return _save(Meeting(consortium_id=council.consortium_id, council=council, **fields))


@transaction.atomic
def meeting_update(*, actor: User, meeting: Meeting, **fields: Any) -> Meeting:
    require_secretariat(actor, meeting.consortium_id)
    meeting = _lock_meeting(meeting)
    fields = _pick(fields, MEETING_FIELDS)
    if meeting.status in (MeetingStatus.CLOSED, MeetingStatus.CANCELLED):
        raise ValidationError({"status": [_("会议已结束或已取消，不能再修改。")]})
    if meeting.status == MeetingStatus.HELD:
        changed = [k for k, v in fields.items() if k != "minutes" and getattr(meeting, k) != v]
        if changed:
            raise ValidationError({changed[0]: [_("会议已召开，只能填写会议纪要。")]})
    for key, value in fields.items():
        setattr(meeting, key, value)
    return _save(meeting)


def meeting_notice(*, actor: User, meeting: Meeting) -> Meeting:
    """draft → noticed: fixes the rules of procedure in force and e-mails the seat holders (once)."""
    with transaction.atomic():
        require_secretariat(actor, meeting.consortium_id)
        meeting = _lock_meeting(meeting)
        if meeting.status == MeetingStatus.NOTICED:
            return meeting  # idempotent: a repeated request neither changes nor re-sends anything
        if meeting.status != MeetingStatus.DRAFT:
            raise _transition_error(meeting, MeetingStatus.NOTICED)
        meeting.status = MeetingStatus.NOTICED
        meeting.noticed_at = timezone.now()
        meeting.rules_version = adopted_rules_version(meeting.consortium_id)
        meeting.save(update_fields=["status", "noticed_at", "rules_version"])
        from .tasks import send_meeting_notice

        meeting_id, consortium_id = meeting.pk, meeting.consortium_id
        transaction.on_commit(lambda: send_meeting_notice.delay(meeting_id=meeting_id, consortium_id=consortium_id))
    return meeting


@transaction.atomic
def meeting_hold(*, actor: User, meeting: Meeting) -> Meeting:
    require_secretariat(actor, meeting.consortium_id)
    meeting = _lock_meeting(meeting)
    if MeetingStatus.HELD not in MEETING_TRANSITIONS[meeting.status]:
        raise _transition_error(meeting, MeetingStatus.HELD)
    meeting.status = MeetingStatus.HELD
    meeting.save(update_fields=["status"])
    return meeting


@transaction.atomic
def meeting_close(*, actor: User, meeting: Meeting, minutes: str | None = None) -> Meeting:
    require_secretariat(actor, meeting.consortium_id)
    meeting = _lock_meeting(meeting)
    if MeetingStatus.CLOSED not in MEETING_TRANSITIONS[meeting.status]:
        raise _transition_error(meeting, MeetingStatus.CLOSED)
    if minutes is not None:
        meeting.minutes = minutes
    if not (meeting.minutes or "").strip():
        raise ValidationError({"minutes": [_("结束会议前必须填写会议纪要。")]})
    pending = meeting.resolutions.filter(status=ResolutionStatus.PROPOSED).count()
    if pending:
        raise ValidationError({"status": [_("还有 %(n)d 项决议待表决，不能结束会议。") % {"n": pending}]})
    meeting.status = MeetingStatus.CLOSED
    meeting.save(update_fields=["status", "minutes"])
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: User, meeting: Meeting) -> Meeting:
    require_secretariat(actor, meeting.consortium_id)
    meeting = _lock_meeting(meeting)
    if MeetingStatus.CANCELLED not in MEETING_TRANSITIONS[meeting.status]:
        raise _transition_error(meeting, MeetingStatus.CANCELLED)
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status"])
    return meeting


# --- agenda ---------------------------------------------------------------------------------------------------

_OPEN_MEETING = (MeetingStatus.DRAFT, MeetingStatus.NOTICED, MeetingStatus.HELD)


@transaction.atomic
def agenda_item_create(*, actor: User, meeting: Meeting, **fields: Any) -> AgendaItem:
    require_secretariat(actor, meeting.consortium_id)
    _require_meeting_status(meeting, _OPEN_MEETING, _("会议状态为“%(status)s”，不能再修改议程。"))
    fields = _pick(fields, AGENDA_FIELDS)
    if not fields.get("position"):
        fields["position"] = (meeting.agenda_items.aggregate(m=Max("position"))["m"] or 0) + 1
    return _save(AgendaItem(consortium_id=meeting.consortium_id, meeting=meeting, **fields))


@transaction.atomic
def agenda_item_update(*, actor: User, item: AgendaItem, **fields: Any) -> AgendaItem:
    require_secretariat(actor, item.consortium_id)
    _require_meeting_status(item.meeting, _OPEN_MEETING, _("会议状态为“%(status)s”，不能再修改议程。"))
    for key, value in _pick(fields, AGENDA_FIELDS).items():
        setattr(item, key, value)
    return _save(item)


@transaction.atomic
def agenda_item_delete(*, actor: User, item: AgendaItem) -> None:
    require_secretariat(actor, item.consortium_id)
    _require_meeting_status(item.meeting, _OPEN_MEETING, _("会议状态为“%(status)s”，不能再修改议程。"))
    item.delete()


# --- attendance -----------------------------------------------------------------------------------------------


@transaction.atomic
def attendance_record(*, actor: User, meeting: Meeting, entries: Iterable[dict[str, Any]]) -> list[Attendance]:
    """Record (or correct) attendance of several seats at once. ``entries``: {seat, status, proxy_name}."""
    require_secretariat(actor, meeting.consortium_id)
    meeting = _lock_meeting(meeting)
    _require_meeting_status(
        meeting,
        (MeetingStatus.NOTICED, MeetingStatus.HELD),
        _("会议状态为“%(status)s”，只有已通知或已召开的会议可以登记出席。"),
    )
    entries = list(entries)
    if not entries:
        raise ValidationError({"entries": [_("请至少登记一个席位的出席情况。")]})
    eligible = {seat.pk for seat in meeting_seats(meeting)}
    seen: set[int] = set()
    records = []
    for entry in entries:
        seat, status = entry.get("seat"), entry.get("status")
        proxy_name = (entry.get("proxy_name") or "").strip()
        if seat is None or seat.pk not in eligible:
            raise ValidationError({"entries": [_("席位“%(seat)s”不是本次会议时任期内的理事。") % {"seat": seat}]})
        if seat.pk in seen:
            raise ValidationError({"entries": [_("席位“%(seat)s”重复登记。") % {"seat": seat}]})
        seen.add(seat.pk)
        if status not in AttendanceStatus.values:
            raise ValidationError({"entries": [_("未知的出席情况：%(status)s。") % {"status": status}]})
        if status == AttendanceStatus.PROXY and not proxy_name:
            raise ValidationError({"entries": [_("席位“%(seat)s”委托出席，必须填写受托人。") % {"seat": seat}]})
        if status != AttendanceStatus.PROXY:
            proxy_name = ""
        record, _created = Attendance.objects.update_or_create(
            meeting=meeting,
            seat=seat,
            defaults={"consortium_id": meeting.consortium_id, "status": status, "proxy_name": proxy_name},
        )
        records.append(record)
    return records


# --- resolutions and votes ------------------------------------------------------------------------------------


@transaction.atomic
def resolution_propose(
    *, actor: User, meeting: Meeting, title: str, text: str = "", agenda_item: AgendaItem | None = None
) -> Resolution:
    require_secretariat(actor, meeting.consortium_id)
    _require_meeting_status(meeting, _OPEN_MEETING, _("会议状态为“%(status)s”，不能再提出决议。"))
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ValidationError({"agenda_item": [_("所选议程不属于本次会议。")]})
    return _save(
        Resolution(
            consortium_id=meeting.consortium_id, meeting=meeting, agenda_item=agenda_item, title=title, text=text
        )
    )


@transaction.atomic
def resolution_update(*, actor: User, resolution: Resolution, **fields: Any) -> Resolution:
    require_secretariat(actor, resolution.consortium_id)
    if resolution.status != ResolutionStatus.PROPOSED:
        raise ValidationError({"status": [_("决议已表决，不能再修改。")]})
    fields = _pick(fields, ("title", "text", "agenda_item"))
    if fields.get("agenda_item") is not None and fields["agenda_item"].meeting_id != resolution.meeting_id:
        raise ValidationError({"agenda_item": [_("所选议程不属于本次会议。")]})
    for key, value in fields.items():
        setattr(resolution, key, value)
    return _save(resolution)


def _require_quorum(meeting: Meeting) -> dict[str, Any]:
    info = meeting_quorum(meeting)
    if not info["met"]:
        raise ValidationError(
            {
                "quorum": [
                    _("未达到法定人数：理事共 %(seats)d 席，出席（含委托）%(present)d 席，至少需要 %(required)d 席。")
                    % {"seats": info["seat_count"], "present": info["present_count"], "required": info["required"]}
                ]
            }
        )
    return info


def _require_voting_open(resolution: Resolution) -> Meeting:
    meeting = _lock_meeting(resolution.meeting)
    if resolution.status != ResolutionStatus.PROPOSED:
        raise ValidationError(
            {"status": [_("决议已表决（%(status)s），不能再投票。") % {"status": resolution.get_status_display()}]}
        )
    _require_meeting_status(meeting, (MeetingStatus.HELD,), _("会议状态为“%(status)s”，只有已召开的会议可以表决。"))
    return meeting


@transaction.atomic
def vote_record(*, actor: User, resolution: Resolution, votes: Iterable[dict[str, Any]]) -> list[Vote]:
    """Record the votes of several seats on one resolution. Only seats present or by proxy may vote."""
    require_secretariat(actor, resolution.consortium_id)
    resolution = Resolution.objects.select_for_update().get(pk=resolution.pk)
    meeting = _require_voting_open(resolution)
    _require_quorum(meeting)
    votes = list(votes)
    if not votes:
        raise ValidationError({"votes": [_("请至少登记一张表决票。")]})
    attending = set(meeting.attendances.filter(status__in=ATTENDING_STATUSES).values_list("seat_id", flat=True))
    seen: set[int] = set()
    saved = []
    for entry in votes:
        seat, choice = entry.get("seat"), entry.get("choice")
        if seat is None or seat.pk not in attending:
            raise ValidationError(
                {"votes": [_("席位“%(seat)s”未出席（或未委托出席）本次会议，不能表决。") % {"seat": seat}]}
            )
        if seat.pk in seen:
            raise ValidationError({"votes": [_("席位“%(seat)s”重复投票。") % {"seat": seat}]})
        seen.add(seat.pk)
        if choice not in VoteChoice.values:
            raise ValidationError({"votes": [_("未知的表决意见：%(choice)s。") % {"choice": choice}]})
        vote, _created = Vote.objects.update_or_create(
            resolution=resolution, seat=seat, defaults={"consortium_id": resolution.consortium_id, "choice": choice}
        )
        saved.append(vote)
    return saved


def _next_resolution_number(consortium_id: int, year: int) -> str:
    prefix = f"{year}-"
    numbers = (
        Resolution.objects.for_consortium(consortium_id)
        .filter(number__startswith=prefix)
        .values_list("number", flat=True)
    )
    highest = 0
    for number in numbers:
        tail = number[len(prefix) :]
        if tail.isdigit():
            highest = max(highest, int(tail))
    return f"{prefix}{highest + 1:02d}"


@transaction.atomic
def resolution_decide(*, actor: User, resolution: Resolution, decided_at: datetime | None = None) -> Resolution:
    """Count the votes under the rules in force; an adopted resolution gets the next number of its year."""
    require_secretariat(actor, resolution.consortium_id)
    # Lock the council row: numbering is serialised per consortium.
    Council.objects.select_for_update().filter(pk=resolution.meeting.council_id).first()
    resolution = Resolution.objects.select_for_update().get(pk=resolution.pk)
    meeting = _require_voting_open(resolution)
    info = _require_quorum(meeting)
    tally = resolution_tally(resolution)
    adopted = rules.resolution_outcome(
        tally["for"], tally["against"], tally["abstain"], info["present_count"], info["seat_count"], info["pass_rule"]
    )
    resolution.decided_at = decided_at or timezone.now()
    if adopted:
        resolution.status = ResolutionStatus.ADOPTED
        year = timezone.localtime(resolution.decided_at).year
        resolution.number = _next_resolution_number(resolution.consortium_id, year)
    else:
        resolution.status = ResolutionStatus.REJECTED
    resolution.save(update_fields=["status", "number", "decided_at"])
    return resolution


def resolution_tally(resolution: Resolution) -> dict[str, int]:
    counts = {choice: 0 for choice in VoteChoice.values}
    for choice in resolution.votes.values_list("choice", flat=True):
        counts[choice] += 1
    return counts
