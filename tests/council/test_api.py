from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consortium.council.choices import ResolutionStatus
from consortium.council.models import Council, CouncilSeat, GovernanceDocument, Meeting, Resolution
from tests.factories.council import (
    AttendanceFactory,
    CouncilSeatFactory,
    DocumentVersionFactory,
    GovernanceDocumentFactory,
    MeetingFactory,
    ResolutionFactory,
    VoteFactory,
)
from tests.factories.tenancy import UserFactory

from .conftest import api_client

pytestmark = pytest.mark.django_db

API = "/api/v1/"


def test_seat_list_exact_result_set_and_foreign_404(member, seats, foreign_council):
    foreign_seat = CouncilSeatFactory(council=foreign_council)
    client = api_client(member)
    response = client.get(API + "council-seats/", {"page_size": 100})
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {s.pk for s in seats}
    assert client.get(f"{API}council-seats/{foreign_seat.pk}/").status_code == 404
    assert client.get(f"{API}council-seats/999999/").status_code == 404


def test_member_cannot_write_seat(member, seats):
    client = api_client(member)
    response = client.patch(f"{API}council-seats/{seats[0].pk}/", {"person_name": "改"}, format="json")
    assert response.status_code == 403
    seats[0].refresh_from_db()
    assert seats[0].person_name != "改"


def test_secretariat_creates_seat_and_bad_term_is_400(secretariat, council, unit):
    client = api_client(secretariat)
    today = timezone.localdate()
    payload = {
        "council": council.pk,
        "role": "chair",
        "unit": unit.pk,
        "person_name": "王理事长",
        "term_start": str(today),
        "term_end": str(today + timedelta(days=1000)),
    }
    response = client.post(API + "council-seats/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["role_display"] == "理事长"
    bad = {**payload, "term_end": str(today - timedelta(days=1))}
    response = client.post(API + "council-seats/", bad, format="json")
    assert response.status_code == 400 and "term_end" in response.json()
    assert CouncilSeat.objects.count() == 1


def test_seat_with_foreign_unit_is_400(secretariat, council, other_consortium):
    from tests.factories.tenancy import MemberUnitFactory

    foreign_unit = MemberUnitFactory(consortium=other_consortium)
    today = str(timezone.localdate())
    response = api_client(secretariat).post(
        API + "council-seats/",
        {"council": council.pk, "unit": foreign_unit.pk, "person_name": "甲", "term_start": today, "term_end": today},
        format="json",
    )
    assert response.status_code == 400 and "unit" in response.json()


def test_second_council_is_400(secretariat, council):
    response = api_client(secretariat).post(API + "councils/", {"name": "又一个"}, format="json")
    assert response.status_code == 400 and "name" in response.json()
    assert Council.objects.count() == 1


def test_document_draft_share_flow(secretariat, member, consortium, other_consortium):
    client = api_client(secretariat)
    response = client.post(API + "documents/", {"kind": "rules_of_procedure", "title": "议事规程"}, format="json")
    assert response.status_code == 201
    doc_id = response.json()["id"]
    bad = client.post(API + "document-versions/", {"document": doc_id, "text": "x"}, format="json")
    assert bad.status_code == 400 and "quorum_numerator" in bad.json()
    response = client.post(
        API + "document-versions/",
        {
            "document": doc_id,
            "text": "第一条",
            "quorum_numerator": 2,
            "quorum_denominator": 3,
            "pass_rule": "majority_all",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    version_id = response.json()["id"]

    member_client = api_client(member)
    assert member_client.get(f"{API}documents/{doc_id}/").status_code == 404
    assert member_client.get(f"{API}document-versions/{version_id}/").status_code == 404

    stranger = UserFactory(consortium=other_consortium)
    response = client.post(f"{API}documents/{doc_id}/share/", {"user": stranger.pk}, format="json")
    assert response.status_code == 400 and "user" in response.json()
    response = client.post(f"{API}documents/{doc_id}/share/", {"user": member.pk}, format="json")
    assert response.status_code == 200
    assert member_client.get(f"{API}documents/{doc_id}/").status_code == 200
    assert member_client.get(f"{API}document-versions/{version_id}/").status_code == 200

    response = client.post(f"{API}document-versions/{version_id}/adopt/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "adopted"
    response = client.post(f"{API}document-versions/{version_id}/adopt/", {}, format="json")
    assert response.status_code == 400 and "status" in response.json()


def test_attachment_upload_and_bad_extension(secretariat, member, consortium, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    doc = GovernanceDocumentFactory(consortium=consortium)
    client = api_client(secretariat)
    response = client.post(
        API + "document-versions/",
        {"document": doc.pk, "attachment": SimpleUploadedFile("virus.exe", b"MZ")},
        format="multipart",
    )
    assert response.status_code == 400 and "attachment" in response.json()
    assert "不支持的附件类型" in response.json()["attachment"][0]
    response = client.post(
        API + "document-versions/",
        {"document": doc.pk, "attachment": SimpleUploadedFile("章程.pdf", b"%PDF-1.4 test")},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    url = response.json()["attachment_url"]
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 test"
    assert api_client(member).get(url).status_code == 404  # a draft's attachment stays private
    from django.test import Client

    page_client = Client()
    page_client.force_login(member)
    page_url = f"/council/versions/{response.json()['id']}/attachment/"
    assert page_client.get(page_url).status_code == 404
    page_client.force_login(secretariat)
    assert page_client.get(page_url).status_code == 200


def test_meeting_flow_over_api(secretariat, council, seats, django_capture_on_commit_callbacks):
    client = api_client(secretariat)
    response = client.post(
        API + "meetings/",
        {"council": council.pk, "title": "第一次理事会", "scheduled_at": timezone.now().isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    mid = response.json()["id"]
    assert client.post(f"{API}meetings/{mid}/hold/").status_code == 400  # draft cannot be held
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{API}meetings/{mid}/notice/").json()["status"] == "noticed"
    entries = [{"seat": s.pk, "status": "present"} for s in seats[:5]] + [{"seat": seats[5].pk, "status": "proxy"}]
    response = client.post(f"{API}meetings/{mid}/attendance/", {"entries": entries}, format="json")
    assert response.status_code == 400  # proxy without a name
    entries[-1]["proxy_name"] = "赵代理"
    response = client.post(f"{API}meetings/{mid}/attendance/", {"entries": entries}, format="json")
    assert response.status_code == 200 and len(response.json()) == 6
    quorum = client.get(f"{API}meetings/{mid}/quorum/").json()
    assert quorum == {**quorum, "seat_count": 9, "present_count": 6, "required": 6, "met": True, "is_default": True}
    assert client.post(f"{API}meetings/{mid}/hold/").status_code == 200

    response = client.post(API + "resolutions/", {"meeting": mid, "title": "关于年度计划的决议"}, format="json")
    assert response.status_code == 201
    rid = response.json()["id"]
    response = client.post(
        f"{API}resolutions/{rid}/votes/", {"votes": [{"seat": seats[8].pk, "choice": "for"}]}, format="json"
    )
    assert response.status_code == 400 and "votes" in response.json()  # absent seat
    votes = [{"seat": s.pk, "choice": "for"} for s in seats[:4]] + [{"seat": seats[4].pk, "choice": "bogus"}]
    response = client.post(f"{API}resolutions/{rid}/votes/", {"votes": votes}, format="json")
    assert response.status_code == 400
    response = client.post(f"{API}resolutions/{rid}/votes/", {"votes": votes[:4]}, format="json")
    assert response.status_code == 200 and response.json()["votes_for"] == 4
    response = client.post(f"{API}resolutions/{rid}/decide/")
    assert response.status_code == 200
    assert response.json()["status"] == "adopted" and response.json()["number"].endswith("-01")
    assert client.post(f"{API}meetings/{mid}/close/", {"minutes": ""}, format="json").status_code == 400
    response = client.post(f"{API}meetings/{mid}/close/", {"minutes": "会议纪要正文"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "closed"


def test_vote_without_quorum_is_400_with_message(secretariat, council, seats):
    meeting = MeetingFactory(council=council, held=True)
    AttendanceFactory(meeting=meeting, seat=seats[0])
    resolution = ResolutionFactory(meeting=meeting)
    response = api_client(secretariat).post(
        f"{API}resolutions/{resolution.pk}/votes/", {"votes": [{"seat": seats[0].pk, "choice": "for"}]}, format="json"
    )
    assert response.status_code == 400
    assert "未达到法定人数" in response.json()["quorum"][0]


def test_actions_on_foreign_meeting_are_404(secretariat, foreign_council):
    foreign = MeetingFactory(council=foreign_council)
    client = api_client(secretariat)
    for action in ("notice", "hold", "cancel", "close"):
        assert client.post(f"{API}meetings/{foreign.pk}/{action}/").status_code == 404
    assert client.get(f"{API}meetings/{foreign.pk}/quorum/").status_code == 404
    assert Meeting.objects.get(pk=foreign.pk).status == "noticed"


def test_member_action_is_403(member, council):
    meeting = MeetingFactory(council=council)
    assert api_client(member).post(f"{API}meetings/{meeting.pk}/hold/").status_code == 403
    assert Meeting.objects.get(pk=meeting.pk).status == "noticed"


def test_draft_meeting_hidden_from_member_in_api(member, council):
    draft = MeetingFactory(council=council, draft=True)
    client = api_client(member)
    assert client.get(f"{API}meetings/{draft.pk}/").status_code == 404
    assert client.get(API + "meetings/").json()["results"] == []


def test_register_lists_adopted_by_number(member, council, foreign_council):
    meeting = MeetingFactory(council=council, status="closed")
    for number in ("2026-02", "2026-01", "2025-07"):
        ResolutionFactory(meeting=meeting, number=number, status=ResolutionStatus.ADOPTED, decided_at=timezone.now())
    ResolutionFactory(meeting=meeting, status=ResolutionStatus.REJECTED)
    ResolutionFactory(meeting=MeetingFactory(council=foreign_council), number="2026-03", status="adopted")
    client = api_client(member)
    rows = client.get(API + "resolutions/register/").json()["results"]
    assert [r["number"] for r in rows] == ["2025-07", "2026-01", "2026-02"]
    rows = client.get(API + "resolutions/", {"status": "adopted", "ordering": "number"}).json()["results"]
    assert [r["number"] for r in rows] == ["2025-07", "2026-01", "2026-02"]


def test_invalid_ids_are_400_not_500(secretariat, council):
    client = api_client(secretariat)
    response = client.post(API + "meetings/", {"council": "abc", "title": "", "scheduled_at": "nope"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"council", "title", "scheduled_at"}
    meeting = MeetingFactory(council=council)
    response = client.post(f"{API}meetings/{meeting.pk}/attendance/", {"entries": "x"}, format="json")
    assert response.status_code == 400
    response = client.post(
        f"{API}meetings/{meeting.pk}/attendance/", {"entries": [{"seat": 999999, "status": "present"}]}, format="json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("route", "build"),
    [
        ("council-seats/", lambda c, n: [CouncilSeatFactory(council=c) for _ in range(n)]),
        ("meetings/", lambda c, n: [MeetingFactory(council=c) for _ in range(n)]),
        ("resolutions/", lambda c, n: [ResolutionFactory(meeting=MeetingFactory(council=c)) for _ in range(n)]),
        (
            "votes/",
            lambda c, n: [
                VoteFactory(resolution=ResolutionFactory(meeting=MeetingFactory(council=c))) for _ in range(n)
            ],
        ),
        ("attendances/", lambda c, n: [AttendanceFactory(meeting=MeetingFactory(council=c)) for _ in range(n)]),
        ("documents/", lambda c, n: [DocumentVersionFactory(consortium=c.consortium, adopted=True) for _ in range(n)]),
        ("document-versions/", lambda c, n: [DocumentVersionFactory(consortium=c.consortium) for _ in range(n)]),
    ],
)
def test_list_query_count_is_constant(member, council, route, build):
    client = api_client(member)
    build(council, 2)
    client.get(API + route)  # warm-up: per-user memoisation
    with CaptureQueriesContext(connection) as few:
        assert client.get(API + route).status_code == 200
    build(council, 6)
    with CaptureQueriesContext(connection) as many:
        response = client.get(API + route)
    assert response.status_code == 200
    assert len(many) == len(few)


def test_models_registered_for_isolation_suite():
    from tests.factories import OWNED_FACTORIES

    for model in (Council, CouncilSeat, GovernanceDocument, Meeting, Resolution):
        assert model in OWNED_FACTORIES


def test_attachment_of_version_without_file_is_204(member, consortium):
    version = DocumentVersionFactory(consortium=consortium, adopted=True)
    assert api_client(member).get(f"{API}document-versions/{version.pk}/attachment/").status_code == 204


@pytest.mark.parametrize("who", ["member", "official"])
def test_non_secretariat_create_is_403_even_with_bad_body(who, request, council):
    client = api_client(request.getfixturevalue(who))
    for route in ("councils/", "council-seats/", "documents/", "meetings/", "resolutions/"):
        assert client.post(API + route, {}, format="json").status_code == 403, route
    assert Meeting.objects.count() == 0
