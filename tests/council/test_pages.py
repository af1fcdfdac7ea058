from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consortium.council.choices import ResolutionStatus
from consortium.council.models import CouncilSeat, Meeting
from tests.factories.council import (
    AgendaItemFactory,
    AttendanceFactory,
    CouncilSeatFactory,
    DocumentVersionFactory,
    GovernanceDocumentFactory,
    MeetingFactory,
    ResolutionFactory,
)

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(council, seats, consortium):
    meeting = MeetingFactory(council=council, held=True)
    for seat in seats[:7]:
        AttendanceFactory(meeting=meeting, seat=seat)
    AgendaItemFactory(meeting=meeting, title="审议年度工作计划")
    resolution = ResolutionFactory(meeting=meeting, title="关于年度工作计划的决议")
    adopted = ResolutionFactory(
        meeting=meeting,
        number="2026-01",
        status=ResolutionStatus.ADOPTED,
        decided_at=timezone.now(),
        title="已通过的决议",
    )
    version = DocumentVersionFactory(consortium=consortium, adopted=True)
    return {
        "meeting": meeting,
        "resolution": resolution,
        "adopted": adopted,
        "version": version,
        "document": version.document,
        "seat": seats[0],
        "council": council,
    }


def object_pages(w):
    return [
        ("council:council-detail", w["council"].pk),
        ("council:document-detail", w["document"].pk),
        ("council:meeting-detail", w["meeting"].pk),
        ("council:resolution-detail", w["resolution"].pk),
    ]


LIST_PAGES = ["council:meeting-list", "council:document-list", "council:resolution-register"]


@pytest.mark.parametrize("who", ["secretariat", "member", "official"])
def test_pages_render(who, request, world):
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("council:overview")).status_code == 302  # → the council
    for name in LIST_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
    for name, pk in object_pages(world):
        response = client.get(reverse(name, kwargs={"pk": pk}))
        assert response.status_code == 200, name


def test_meeting_detail_shows_quorum_tallies_and_buttons_by_role(world, secretariat, member):
    url = reverse("council:meeting-detail", kwargs={"pk": world["meeting"].pk})
    html = login(secretariat).get(url).content.decode()
    assert "已达法定人数" in html and "出席 7 / 需 6 / 共 9 席" in html
    assert "采用默认规则" in html  # no rules of procedure adopted yet
    assert reverse("council:resolution-decide", kwargs={"pk": world["resolution"].pk}) in html
    html = login(member).get(url).content.decode()
    assert "已达法定人数" in html and "审议年度工作计划" in html
    assert reverse("council:resolution-decide", kwargs={"pk": world["resolution"].pk}) not in html
    assert reverse("council:meeting-close", kwargs={"pk": world["meeting"].pk}) not in html


def test_council_page_groups_seats_by_role(world, member):
    html = login(member).get(reverse("council:council-detail", kwargs={"pk": world["council"].pk})).content.decode()
    chair = world["seat"]  # the chair is listed first, before the members
    member_seat = CouncilSeat.objects.filter(council=world["council"], role="member").first()
    assert html.index(chair.person_name) < html.index(member_seat.person_name)
    assert html.index("<h3") < html.index(chair.person_name)
    assert reverse("council:seat-create", kwargs={"pk": world["council"].pk}) not in html


def test_register_page_lists_only_adopted(world, member):
    html = login(member).get(reverse("council:resolution-register")).content.decode()
    assert "已通过的决议" in html and "2026-01" in html
    assert "关于年度工作计划的决议" not in html


def test_foreign_objects_are_404(world, foreign_council, secretariat, member):
    foreign_meeting = MeetingFactory(council=foreign_council)
    foreign_seat = CouncilSeatFactory(council=foreign_council)
    foreign_doc = DocumentVersionFactory(consortium=foreign_council.consortium, adopted=True).document
    foreign_resolution = ResolutionFactory(meeting=foreign_meeting)
    for user in (secretariat, member):
        client = login(user)
        for name, pk in [
            ("council:council-detail", foreign_council.pk),
            ("council:meeting-detail", foreign_meeting.pk),
            ("council:document-detail", foreign_doc.pk),
            ("council:resolution-detail", foreign_resolution.pk),
            ("council:seat-edit", foreign_seat.pk),
            ("council:meeting-attendance", foreign_meeting.pk),
        ]:
            assert client.get(reverse(name, kwargs={"pk": pk})).status_code == 404, name
    response = login(secretariat).post(reverse("council:meeting-cancel", kwargs={"pk": foreign_meeting.pk}))
    assert response.status_code == 404
    assert Meeting.objects.get(pk=foreign_meeting.pk).status == "noticed"


def test_drafts_hidden_from_member_pages(council, member, secretariat, consortium):
    draft_meeting = MeetingFactory(council=council, draft=True)
    draft_doc = GovernanceDocumentFactory(consortium=consortium)
    DocumentVersionFactory(document=draft_doc)
    client = login(member)
    assert client.get(reverse("council:meeting-detail", kwargs={"pk": draft_meeting.pk})).status_code == 404
    assert client.get(reverse("council:document-detail", kwargs={"pk": draft_doc.pk})).status_code == 404
    response = login(secretariat).post(
        reverse("council:document-share", kwargs={"pk": draft_doc.pk}), {"user": member.pk}
    )
    assert response.status_code == 302
    assert client.get(reverse("council:document-detail", kwargs={"pk": draft_doc.pk})).status_code == 200


def test_member_write_pages_are_403(world, member, official):
    for user in (member, official):
        client = login(user)
        assert client.get(reverse("council:seat-create", kwargs={"pk": world["council"].pk})).status_code == 403
        assert client.get(reverse("council:meeting-edit", kwargs={"pk": world["meeting"].pk})).status_code == 403
        assert client.post(reverse("council:meeting-cancel", kwargs={"pk": world["meeting"].pk})).status_code == 403
        assert client.get(reverse("council:council-create")).status_code == 403


def test_seat_create_page_and_form_errors(secretariat, council, unit):
    client = login(secretariat)
    url = reverse("council:seat-create", kwargs={"pk": council.pk})
    assert client.get(url).status_code == 200
    today = timezone.localdate()
    data = {
        "role": "vice_chair",
        "unit": unit.pk,
        "person_name": "李副理事长",
        "term_start": today,
        "term_end": today - timedelta(days=1),
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "任期结束日期不能早于任期开始日期" in response.content.decode()
    assert not CouncilSeat.objects.exists()
    data["term_end"] = today + timedelta(days=365)
    response = client.post(url, data)
    assert response.status_code == 302
    assert CouncilSeat.objects.get().person_name == "李副理事长"


def test_attendance_vote_and_decide_pages(secretariat, council, seats):
    meeting = MeetingFactory(council=council)
    client = login(secretariat)
    url = reverse("council:meeting-attendance", kwargs={"pk": meeting.pk})
    assert client.get(url).status_code == 200
    data = {f"status_{s.pk}": "present" for s in seats[:6]} | {f"status_{s.pk}": "absent" for s in seats[6:]}
    data[f"status_{seats[5].pk}"] = "proxy"
    response = client.post(url, data)
    assert response.status_code == 200 and "受托人" in response.content.decode()  # proxy without a name
    data[f"proxy_{seats[5].pk}"] = "代理人"
    assert client.post(url, data).status_code == 302
    assert client.post(reverse("council:meeting-hold", kwargs={"pk": meeting.pk})).status_code == 302
    resolution = ResolutionFactory(meeting=meeting)
    vote_url = reverse("council:resolution-vote", kwargs={"pk": resolution.pk})
    page = client.get(vote_url).content.decode()
    assert seats[0].person_name in page and seats[8].person_name not in page  # absent seats cannot vote
    assert client.post(vote_url, {f"choice_{s.pk}": "for" for s in seats[:4]}).status_code == 302
    client.post(reverse("council:resolution-decide", kwargs={"pk": resolution.pk}))
    resolution.refresh_from_db()
    assert resolution.status == "adopted" and resolution.number
    close_url = reverse("council:meeting-close", kwargs={"pk": meeting.pk})
    assert "会议纪要" in client.get(close_url).content.decode()
    response = client.post(close_url, {"minutes": ""})
    assert response.status_code == 200
    assert client.post(close_url, {"minutes": "纪要"}).status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == "closed"


def test_notice_without_quorum_shows_message(secretariat, council, seats):
    meeting = MeetingFactory(council=council, held=True)
    resolution = ResolutionFactory(meeting=meeting)
    client = login(secretariat)
    response = client.post(reverse("council:resolution-decide", kwargs={"pk": resolution.pk}), follow=True)
    assert "未达到法定人数" in response.content.decode()
    resolution.refresh_from_db()
    assert resolution.status == "proposed"


def test_overview_without_council_offers_creation(secretariat, member):
    html = login(secretariat).get(reverse("council:overview")).content.decode()
    assert reverse("council:council-create") in html
    html = login(member).get(reverse("council:overview")).content.decode()
    assert reverse("council:council-create") not in html
    response = login(secretariat).post(reverse("council:council-create"), {"name": "宝清县产教联合体理事会"})
    assert response.status_code == 302


def test_version_upload_page(secretariat, consortium, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    from django.core.files.uploadedfile import SimpleUploadedFile

    doc = GovernanceDocumentFactory(consortium=consortium)
    client = login(secretariat)
    url = reverse("council:version-create", kwargs={"pk": doc.pk})
    response = client.post(url, {"text": "", "attachment": SimpleUploadedFile("a.exe", b"MZ")})
    assert response.status_code == 200 and "不支持的附件类型" in response.content.decode()
    response = client.post(url, {"text": "", "attachment": SimpleUploadedFile("章程.docx", b"PK")})
    assert response.status_code == 302
    version = doc.versions.get()
    response = client.post(reverse("council:version-adopt", kwargs={"pk": version.pk}), {"meeting": ""})
    version.refresh_from_db()
    assert version.status == "adopted"


@pytest.mark.parametrize("name", LIST_PAGES)
def test_list_page_query_count_is_constant(name, member, council, consortium):
    def grow(n):
        for _ in range(n):
            meeting = MeetingFactory(council=council, status="closed")
            ResolutionFactory(
                meeting=meeting,
                status=ResolutionStatus.ADOPTED,
                number=f"2026-{meeting.pk:02d}",
                decided_at=timezone.now(),
            )
            DocumentVersionFactory(consortium=consortium, adopted=True)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(member)
    grow(2)
    client.get(reverse(name))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(name)).status_code == 200
    grow(5)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse(name)).status_code == 200
    assert len(many) == len(few)
