"""Council part of the demo: Baoqing's council, seats, governance documents and two meetings.

Everything goes through ``consortium.council.services`` (imported lazily: the kernel must not depend on the council
app) acting as the demo secretariat, so the data obeys the same rules as the UI. Each piece is created only when
missing (natural keys: the council per consortium, seats by person and role, documents by kind, meetings by
title), so reruns change nothing. Historical timestamps (notice of the founding meeting) are set afterwards.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.db import connection
from django.utils import timezone

from . import council_texts as texts
from .kernel import DemoContext, at

TERM_START = dt.date(2023, 9, 13)
TERM_END = dt.date(2028, 9, 12)  # five-year term (charter art. 5)
FOUNDING_AT = dt.datetime(2023, 9, 13, 9, 30)
UPCOMING_IN_DAYS = 21


def council_available() -> bool:
    try:
        config = apps.get_app_config("council")
    except LookupError:
        return False
    models = {model.__name__: model for model in config.get_models()}
    needed = ("Council", "CouncilSeat", "GovernanceDocument", "DocumentVersion", "Meeting")
    if not all(name in models for name in needed):
        return False
    return models["Meeting"]._meta.db_table in connection.introspection.table_names()  # migrated?


def load_council(context: DemoContext, *, stdout: Any = None) -> dict[str, int]:
    if not council_available():
        if stdout is not None:
            stdout.write("consortium.council has no models or tables yet (run migrate): council demo data skipped.")
        return {}
    from consortium.council.models import Council

    consortium = context.consortia["baoqing"]
    actor = context.users["secretariat"]
    council = _council(actor, consortium)
    seats = _seats(actor, council, context)
    versions = _documents(actor, consortium)
    _founding_meeting(actor, council, seats, versions)
    _upcoming_meeting(actor, council)
    return council_counts(Council.objects.for_consortium(consortium.pk).get().pk, consortium.pk)


def _aware(moment: dt.datetime) -> dt.datetime:
    return timezone.make_aware(moment)


def _council(actor: Any, consortium: Any) -> Any:
    from consortium.council import services
    from consortium.council.models import Council

    council = Council.objects.for_consortium(consortium.pk).first()
    if council is None:
        council = services.council_create(
            actor=actor, consortium=consortium, name=texts.COUNCIL_NAME, established_on=TERM_START,
            description=texts.COUNCIL_DESCRIPTION,
        )
    return council


def _seats(actor: Any, council: Any, context: DemoContext) -> list[Any]:
    from consortium.council import services
    from consortium.council.models import CouncilSeat

    seats = []
    existing = CouncilSeat.objects.for_consortium(council.consortium_id).filter(council=council)
    for role, unit_key, person, title, username in texts.SEATS:
        seat = existing.filter(role=role, person_name=person).first()
        if seat is None:
            seat = services.seat_create(
                actor=actor, council=council, role=role, unit=context.units[unit_key], person_name=person,
                person_title=title, user=context.users.get(username) if username else None,
                term_start=TERM_START, term_end=TERM_END,
            )
        seats.append(seat)
    return seats


def _documents(actor: Any, consortium: Any) -> dict[str, Any]:
    """Each governance document with one draft version (adopted at the founding meeting); kind -> first version."""
    from consortium.council import services
    from consortium.council.models import GovernanceDocument

    versions = {}
    for kind, title, text in texts.DOCUMENTS:
        document = GovernanceDocument.objects.for_consortium(consortium.pk).filter(kind=kind).first()
        if document is None:
            document = services.document_create(actor=actor, consortium=consortium, kind=kind, title=title)
        version = document.versions.order_by("version_no").first()
        if version is None:
            extra = {"quorum_numerator": 2, "quorum_denominator": 3, "pass_rule": "majority_present"} \
                if kind == "rules_of_procedure" else {}
            version = services.version_create(actor=actor, document=document, text=text, **extra)
        versions[kind] = version
    return versions


def _founding_meeting(actor: Any, council: Any, seats: list[Any], versions: dict[str, Any]) -> None:
    """Founding meeting: noticed, held with attendance, four resolutions voted and adopted, documents adopted."""
    from consortium.council import services
    from consortium.council.models import Meeting

    meetings = Meeting.objects.for_consortium(council.consortium_id)
    if meetings.filter(council=council, title=texts.FOUNDING_TITLE).exists():
        return
    meeting = services.meeting_create(
        actor=actor, council=council, title=texts.FOUNDING_TITLE, kind="regular",
        scheduled_at=_aware(FOUNDING_AT), location=texts.FOUNDING_LOCATION, notice=texts.FOUNDING_NOTICE,
    )
    items = [
        services.agenda_item_create(actor=actor, meeting=meeting, position=index, title=title,
                                    description=description, presenter=presenter)
        for index, (title, description, presenter) in enumerate(texts.FOUNDING_AGENDA, start=1)
    ]
    meeting = services.meeting_notice(actor=actor, meeting=meeting)
    # A historical notice: dated a week before, and marked as sent so the notice task e-mails nobody.
    noticed = at(TERM_START - dt.timedelta(days=7), hour=15)
    meetings.filter(pk=meeting.pk).update(noticed_at=noticed, notice_sent_at=noticed)
    meeting.refresh_from_db()
    meeting = services.meeting_hold(actor=actor, meeting=meeting)

    entries = []
    for seat in seats:
        if seat.person_name in texts.FOUNDING_LEAVE:
            entries.append({"seat": seat, "status": "leave"})
        elif seat.person_name in texts.FOUNDING_PROXIES:
            entries.append({"seat": seat, "status": "proxy", "proxy_name": texts.FOUNDING_PROXIES[seat.person_name]})
        else:
            entries.append({"seat": seat, "status": "present"})
    services.attendance_record(actor=actor, meeting=meeting, entries=entries)
    attending = [entry["seat"] for entry in entries if entry["status"] in ("present", "proxy")]

    for number, (item_index, title, text, (n_for, n_against, n_abstain)) in enumerate(texts.FOUNDING_RESOLUTIONS):
        resolution = services.resolution_propose(
            actor=actor, meeting=meeting, title=title, text=text, agenda_item=items[item_index]
        )
        # The dissenting and abstaining votes come from the last seats (ordinary members), not the officers.
        choices = ["for"] * n_for + ["against"] * n_against + ["abstain"] * n_abstain
        services.vote_record(
            actor=actor, resolution=resolution,
            votes=[{"seat": seat, "choice": choice} for seat, choice in zip(attending, choices, strict=False)],
        )
        services.resolution_decide(
            actor=actor, resolution=resolution, decided_at=_aware(FOUNDING_AT + dt.timedelta(minutes=20 * (number + 1)))
        )
    for version in versions.values():
        if version.status == "draft":
            services.version_adopt(actor=actor, version=version, meeting=meeting, adopted_on=TERM_START)
    services.meeting_close(actor=actor, meeting=meeting, minutes=texts.FOUNDING_MINUTES)


def _upcoming_meeting(actor: Any, council: Any) -> None:
    """The next regular meeting, noticed (scheduled three weeks after the first demo load; kept on reruns)."""
    from consortium.council import services
    from consortium.council.models import Meeting

    meetings = Meeting.objects.for_consortium(council.consortium_id)
    if meetings.filter(council=council, title=texts.UPCOMING_TITLE).exists():
        return
    day = timezone.localdate() + dt.timedelta(days=UPCOMING_IN_DAYS)
    meeting = services.meeting_create(
        actor=actor, council=council, title=texts.UPCOMING_TITLE, kind="regular",
        scheduled_at=at(day, hour=9), location=texts.UPCOMING_LOCATION, notice=texts.UPCOMING_NOTICE,
    )
    for index, (title, description, presenter) in enumerate(texts.UPCOMING_AGENDA, start=1):
        services.agenda_item_create(actor=actor, meeting=meeting, position=index, title=title,
                                    description=description, presenter=presenter)
    meeting = services.meeting_notice(actor=actor, meeting=meeting)
    # Demo accounts have example.com addresses: mark the notice as sent instead of mailing them on every load.
    meetings.filter(pk=meeting.pk).update(notice_sent_at=meeting.noticed_at)


def council_counts(council_id: int, consortium_id: int) -> dict[str, int]:
    from consortium.council.models import CouncilSeat, DocumentVersion, GovernanceDocument, Meeting, Resolution, Vote

    return {
        "baoqing: 理事席位": CouncilSeat.objects.for_consortium(consortium_id).filter(council_id=council_id).count(),
        "baoqing: 治理文件": GovernanceDocument.objects.for_consortium(consortium_id).count(),
        "baoqing: 文件版本": DocumentVersion.objects.for_consortium(consortium_id).count(),
        "baoqing: 会议": Meeting.objects.for_consortium(consortium_id).filter(council_id=council_id).count(),
        "baoqing: 决议": Resolution.objects.for_consortium(consortium_id).count(),
        "baoqing: 表决票": Vote.objects.for_consortium(consortium_id).count(),
    }
