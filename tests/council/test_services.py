from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from consortium.council import services
from consortium.council.choices import (
    AttendanceStatus,
    DocumentKind,
    MeetingStatus,
    PassRule,
    ResolutionStatus,
    VersionStatus,
)
from consortium.council.models import DocumentVersion, GovernanceDocument, Meeting, Resolution, Vote
from consortium.council.selectors import meeting_quorum
from tests.factories.council import (
    CouncilSeatFactory,
    DocumentVersionFactory,
    GovernanceDocumentFactory,
    MeetingFactory,
    ResolutionFactory,
)
from tests.factories.tenancy import UserFactory

pytestmark = pytest.mark.django_db


def _attend(actor, meeting, seats, n, status=AttendanceStatus.PRESENT):
    entries = [{"seat": s, "status": status if i < n else AttendanceStatus.ABSENT} for i, s in enumerate(seats)]
    for entry in entries:
        if entry["status"] == AttendanceStatus.PROXY:
            entry["proxy_name"] = "代理人"
    return services.attendance_record(actor=actor, meeting=meeting, entries=entries)


def _held_meeting(secretariat, council, seats, present):
    meeting = MeetingFactory(council=council)
    _attend(secretariat, meeting, seats, present)
    return services.meeting_hold(actor=secretariat, meeting=meeting)


# --- council & seats ------------------------------------------------------------------------------------------


def test_only_one_council_per_consortium(secretariat, council):
    with pytest.raises(ValidationError) as exc:
        services.council_create(actor=secretariat, consortium=council.consortium, name="第二个理事会")
    assert "name" in exc.value.message_dict


def test_member_and_official_cannot_write(member, official, council, unit):
    for actor in (member, official):
        with pytest.raises(PermissionDenied):
            services.seat_create(
                actor=actor,
                council=council,
                unit=unit,
                person_name="某人",
                term_start=timezone.localdate(),
                term_end=timezone.localdate(),
            )


def test_foreign_secretariat_cannot_write(foreign_secretariat, council):
    with pytest.raises(PermissionDenied):
        services.council_update(actor=foreign_secretariat, council=council, name="改名")


def test_seat_rejects_foreign_unit_and_bad_term(secretariat, council, other_consortium):
    from tests.factories.tenancy import MemberUnitFactory

    foreign_unit = MemberUnitFactory(consortium=other_consortium)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.seat_create(
            actor=secretariat, council=council, unit=foreign_unit, person_name="甲", term_start=today, term_end=today
        )
    assert "unit" in exc.value.message_dict
    own_unit = MemberUnitFactory(consortium=council.consortium)
    with pytest.raises(ValidationError) as exc:
        services.seat_create(
            actor=secretariat,
            council=council,
            unit=own_unit,
            person_name="甲",
            term_start=today,
            term_end=today - timedelta(days=1),
        )
    assert "term_end" in exc.value.message_dict


def test_seat_end_shortens_term(secretariat, seats):
    seat = services.seat_end(actor=secretariat, seat=seats[0], on=timezone.localdate() - timedelta(days=1))
    assert not seat.is_active
    with pytest.raises(ValidationError):
        services.seat_end(actor=secretariat, seat=seats[1], on=seats[1].term_start - timedelta(days=1))


# --- documents ------------------------------------------------------------------------------------------------


def _rules_doc(secretariat, consortium, **version):
    doc = services.document_create(
        actor=secretariat, consortium=consortium, kind=DocumentKind.RULES_OF_PROCEDURE, title="议事规程"
    )
    defaults = {
        "text": "第一条",
        "quorum_numerator": 1,
        "quorum_denominator": 2,
        "pass_rule": PassRule.TWO_THIRDS_PRESENT,
    }
    return doc, services.version_create(actor=secretariat, document=doc, **{**defaults, **version})


def test_rules_of_procedure_need_quorum_and_pass_rule(secretariat, consortium):
    doc = services.document_create(
        actor=secretariat, consortium=consortium, kind=DocumentKind.RULES_OF_PROCEDURE, title="议事规程"
    )
    with pytest.raises(ValidationError) as exc:
        services.version_create(actor=secretariat, document=doc, text="x", quorum_numerator=3, quorum_denominator=2)
    assert set(exc.value.message_dict) >= {"quorum_numerator", "pass_rule"}
    assert not DocumentVersion.objects.filter(document=doc).exists()


def test_second_charter_is_refused(secretariat, consortium):
    services.document_create(actor=secretariat, consortium=consortium, kind=DocumentKind.CHARTER, title="章程")
    with pytest.raises(ValidationError) as exc:
        services.document_create(actor=secretariat, consortium=consortium, kind=DocumentKind.CHARTER, title="章程2")
    assert "kind" in exc.value.message_dict


def test_adopting_supersedes_previous_version(secretariat, consortium):
    doc, v1 = _rules_doc(secretariat, consortium)
    services.version_adopt(actor=secretariat, version=v1)
    v2 = services.version_create(
        actor=secretariat,
        document=doc,
        text="修订",
        quorum_numerator=2,
        quorum_denominator=3,
        pass_rule=PassRule.MAJORITY_ALL,
    )
    assert v2.version_no == 2
    services.version_adopt(actor=secretariat, version=v2)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == (VersionStatus.SUPERSEDED, VersionStatus.ADOPTED)
    with pytest.raises(ValidationError):
        services.version_adopt(actor=secretariat, version=v1)  # only drafts can be adopted


def test_adopt_at_meeting_requires_held_meeting(secretariat, consortium, council):
    doc, v1 = _rules_doc(secretariat, consortium)
    with pytest.raises(ValidationError) as exc:
        services.version_adopt(actor=secretariat, version=v1, meeting=MeetingFactory(council=council))
    assert "meeting" in exc.value.message_dict
    held = MeetingFactory(council=council, held=True)
    v1 = services.version_adopt(actor=secretariat, version=v1, meeting=held)
    assert v1.adopted_at_meeting == held and v1.adopted_on == held.meeting_date


@override_settings(ATTACHMENT_MAX_BYTES=10)
def test_attachment_extension_and_size_are_checked(secretariat, consortium):
    doc = GovernanceDocumentFactory(consortium=consortium)
    with pytest.raises(ValidationError) as exc:
        services.version_create(actor=secretariat, document=doc, attachment=SimpleUploadedFile("a.exe", b"MZ"))
    assert "不支持的附件类型" in str(exc.value.message_dict["attachment"])
    with pytest.raises(ValidationError) as exc:
        services.version_create(actor=secretariat, document=doc, attachment=SimpleUploadedFile("a.pdf", b"x" * 11))
    assert "附件过大" in str(exc.value.message_dict["attachment"])


def test_draft_hidden_from_members_until_shared(secretariat, official, member, consortium):
    doc = GovernanceDocumentFactory(consortium=consortium)
    draft = DocumentVersionFactory(document=doc)
    assert not GovernanceDocument.objects.visible_to(member).filter(pk=doc.pk).exists()
    assert not DocumentVersion.objects.visible_to(member).filter(pk=draft.pk).exists()
    assert GovernanceDocument.objects.visible_to(official).filter(pk=doc.pk).exists()

    services.document_share(actor=secretariat, document=doc, user=member)

    assert GovernanceDocument.objects.visible_to(member).filter(pk=doc.pk).exists()
    assert DocumentVersion.objects.visible_to(member).filter(pk=draft.pk).exists()
    assert not GovernanceDocument.objects.editable_by(member).filter(pk=doc.pk).exists()
    other = UserFactory(consortium=consortium)
    assert not GovernanceDocument.objects.visible_to(other).filter(pk=doc.pk).exists()  # share is per user
    # guardian object permission only, never a global one
    assert not member.user_permissions.exists()


def test_share_refuses_other_consortium(secretariat, consortium, other_consortium):
    doc = GovernanceDocumentFactory(consortium=consortium)
    stranger = UserFactory(consortium=other_consortium)
    with pytest.raises(ValidationError) as exc:
        services.document_share(actor=secretariat, document=doc, user=stranger)
    assert "user" in exc.value.message_dict
    assert not GovernanceDocument.objects.visible_to(stranger).filter(pk=doc.pk).exists()


def test_share_is_secretariat_only(member, consortium):
    doc = GovernanceDocumentFactory(consortium=consortium)
    with pytest.raises(PermissionDenied):
        services.document_share(actor=member, document=doc, user=member)


def test_adopted_document_visible_consortium_wide_not_outside(member, consortium, other_consortium):
    version = DocumentVersionFactory(consortium=consortium, adopted=True)
    assert GovernanceDocument.objects.visible_to(member).filter(pk=version.document_id).exists()
    outsider = UserFactory(consortium=other_consortium, secretariat=True)
    assert not GovernanceDocument.objects.visible_to(outsider).filter(pk=version.document_id).exists()


# --- meetings -------------------------------------------------------------------------------------------------


def test_notice_takes_rules_and_mails_seat_holders_once(
    secretariat, consortium, council, seats, django_capture_on_commit_callbacks
):
    doc, rules = _rules_doc(secretariat, consortium)
    services.version_adopt(actor=secretariat, version=rules)
    holder = UserFactory(consortium=consortium, email="lizhang@example.com")
    services.seat_update(actor=secretariat, seat=seats[0], user=holder)
    meeting = services.meeting_create(
        actor=secretariat, council=council, title="第一次会议", scheduled_at=timezone.now() + timedelta(days=3)
    )
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.meeting_notice(actor=secretariat, meeting=meeting)
    assert meeting.status == MeetingStatus.NOTICED and meeting.rules_version == rules
    assert [m.to for m in mail.outbox] == [["lizhang@example.com"]]
    assert "第一次会议" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.meeting_notice(actor=secretariat, meeting=meeting)  # idempotent
    assert callbacks == [] and len(mail.outbox) == 1
    from consortium.council.tasks import send_meeting_notice

    assert send_meeting_notice(meeting_id=meeting.pk, consortium_id=consortium.pk) == 0  # retry sends nothing
    assert send_meeting_notice(meeting_id=meeting.pk, consortium_id=consortium.pk + 1000) == 0


def test_meeting_transitions_are_enforced(secretariat, council):
    meeting = MeetingFactory(council=council, draft=True)
    with pytest.raises(ValidationError) as exc:
        services.meeting_hold(actor=secretariat, meeting=meeting)
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.attendance_record(actor=secretariat, meeting=meeting, entries=[])
    services.meeting_cancel(actor=secretariat, meeting=meeting)
    with pytest.raises(ValidationError):
        services.meeting_notice(actor=secretariat, meeting=Meeting.objects.get(pk=meeting.pk))


def test_close_requires_minutes_and_decided_resolutions(secretariat, council, seats):
    meeting = _held_meeting(secretariat, council, seats, 9)
    with pytest.raises(ValidationError) as exc:
        services.meeting_close(actor=secretariat, meeting=meeting, minutes="  ")
    assert "minutes" in exc.value.message_dict
    ResolutionFactory(meeting=meeting)
    with pytest.raises(ValidationError) as exc:
        services.meeting_close(actor=secretariat, meeting=meeting, minutes="纪要")
    assert "待表决" in str(exc.value)
    Resolution.objects.filter(meeting=meeting).update(status=ResolutionStatus.REJECTED)
    assert services.meeting_close(actor=secretariat, meeting=meeting, minutes="纪要").status == MeetingStatus.CLOSED


def test_attendance_rejects_seat_outside_term_and_proxy_without_name(secretariat, council, seats):
    meeting = MeetingFactory(council=council)
    retired = CouncilSeatFactory(
        council=council,
        term_start=timezone.localdate() - timedelta(days=900),
        term_end=timezone.localdate() - timedelta(days=10),
    )
    with pytest.raises(ValidationError):
        services.attendance_record(
            actor=secretariat, meeting=meeting, entries=[{"seat": retired, "status": AttendanceStatus.PRESENT}]
        )
    with pytest.raises(ValidationError) as exc:
        services.attendance_record(
            actor=secretariat, meeting=meeting, entries=[{"seat": seats[0], "status": AttendanceStatus.PROXY}]
        )
    assert "受托人" in str(exc.value)
    assert not meeting.attendances.exists()


# --- quorum, votes and outcome --------------------------------------------------------------------------------


def test_vote_refused_without_quorum_with_clear_message(secretariat, council, seats):
    meeting = _held_meeting(secretariat, council, seats, 5)  # default quorum 2/3 of 9 = 6
    resolution = services.resolution_propose(actor=secretariat, meeting=meeting, title="议案")
    with pytest.raises(ValidationError) as exc:
        services.vote_record(actor=secretariat, resolution=resolution, votes=[{"seat": seats[0], "choice": "for"}])
    message = exc.value.message_dict["quorum"][0]
    assert "9" in message and "5" in message and "6" in message
    assert not Vote.objects.exists()
    with pytest.raises(ValidationError):
        services.resolution_decide(actor=secretariat, resolution=resolution)


def test_proxy_counts_for_quorum_and_may_vote(secretariat, council, seats):
    meeting = MeetingFactory(council=council)
    _attend(secretariat, meeting, seats, 6, status=AttendanceStatus.PROXY)
    assert meeting_quorum(meeting)["met"] is True
    meeting = services.meeting_hold(actor=secretariat, meeting=meeting)
    resolution = services.resolution_propose(actor=secretariat, meeting=meeting, title="议案")
    services.vote_record(actor=secretariat, resolution=resolution, votes=[{"seat": seats[0], "choice": "for"}])
    with pytest.raises(ValidationError) as exc:  # seat 8 was absent
        services.vote_record(actor=secretariat, resolution=resolution, votes=[{"seat": seats[8], "choice": "for"}])
    assert "votes" in exc.value.message_dict


def test_outcome_and_numbering(secretariat, council, seats):
    meeting = _held_meeting(secretariat, council, seats, 7)
    year = timezone.localdate().year
    adopted = []
    for _ in range(2):
        r = services.resolution_propose(actor=secretariat, meeting=meeting, title="通过的议案")
        services.vote_record(
            actor=secretariat,
            resolution=r,
            votes=[{"seat": s, "choice": "for"} for s in seats[:4]]
            + [{"seat": s, "choice": "against"} for s in seats[4:7]],
        )
        adopted.append(services.resolution_decide(actor=secretariat, resolution=r))
    assert [r.number for r in adopted] == [f"{year}-01", f"{year}-02"]
    assert all(r.status == ResolutionStatus.ADOPTED for r in adopted)

    tie = services.resolution_propose(actor=secretariat, meeting=meeting, title="未通过的议案")
    services.vote_record(
        actor=secretariat,
        resolution=tie,
        votes=[{"seat": s, "choice": "for"} for s in seats[:3]]
        + [{"seat": s, "choice": "abstain"} for s in seats[3:7]],
    )
    tie = services.resolution_decide(actor=secretariat, resolution=tie)
    assert tie.status == ResolutionStatus.REJECTED and tie.number == ""  # 3 of 7 present is not more than half
    with pytest.raises(ValidationError):
        services.resolution_decide(actor=secretariat, resolution=tie)


def test_rules_of_procedure_in_force_are_used(secretariat, consortium, council, seats):
    doc, rules = _rules_doc(secretariat, consortium)  # quorum 1/2, two thirds of those present
    services.version_adopt(actor=secretariat, version=rules)
    meeting = services.meeting_create(actor=secretariat, council=council, title="会", scheduled_at=timezone.now())
    meeting = services.meeting_notice(actor=secretariat, meeting=meeting)
    _attend(secretariat, meeting, seats, 5)
    info = meeting_quorum(meeting)
    assert (info["required"], info["met"], info["is_default"]) == (5, True, False)
    meeting = services.meeting_hold(actor=secretariat, meeting=meeting)
    r = services.resolution_propose(actor=secretariat, meeting=meeting, title="议案")
    services.vote_record(actor=secretariat, resolution=r, votes=[{"seat": s, "choice": "for"} for s in seats[:3]])
    # 3 of 5 present is a majority but not two thirds
    assert services.resolution_decide(actor=secretariat, resolution=r).status == ResolutionStatus.REJECTED


def test_numbering_is_per_consortium(secretariat, foreign_secretariat, council, seats, foreign_council):
    from tests.factories.council import CouncilSeatFactory as Seat

    foreign_seats = [Seat(council=foreign_council) for _ in range(3)]
    for actor, c, s in ((secretariat, council, seats), (foreign_secretariat, foreign_council, foreign_seats)):
        meeting = _held_meeting(actor, c, s, len(s))
        r = services.resolution_propose(actor=actor, meeting=meeting, title="议案")
        services.vote_record(actor=actor, resolution=r, votes=[{"seat": x, "choice": "for"} for x in s])
        assert services.resolution_decide(actor=actor, resolution=r).number.endswith("-01")


def test_draft_meeting_hidden_from_members(member, official, council):
    draft = MeetingFactory(council=council, draft=True)
    noticed = MeetingFactory(council=council)
    assert list(Meeting.objects.visible_to(member).order_by("pk")) == [noticed]
    assert set(Meeting.objects.visible_to(official)) == {draft, noticed}
