"""Unit pages: list (scope, search, filters, constant query count), detail, edit, create, status actions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consortium.tenancy.choices import UnitKind, UnitStatus
from consortium.tenancy.models import MemberUnit, UnitStatusChange
from tests.factories.tenancy import (
    IndustryFactory,
    LocalChainFactory,
    MemberUnitFactory,
    credit_code,
)

pytestmark = pytest.mark.django_db


def _names(response) -> set[str]:
    return {unit.name for unit in response.context["units"]}


# --- list -----------------------------------------------------------------------------------------------------


def test_list_scope_per_role(world, login):
    own = {world.unit.name, world.neighbour.name}
    assert _names(login(world.secretariat).get(reverse("unit-list"))) == own | {world.applied.name}
    assert _names(login(world.official).get(reverse("unit-list"))) == own | {world.applied.name}
    # members see the directory of active units, never other applications or other consortia
    assert _names(login(world.unit_staff).get(reverse("unit-list"))) == own
    assert _names(login(world.foreign_secretariat).get(reverse("unit-list"))) == {
        world.foreign.name, world.foreign_applied.name}


def test_list_search_and_filters(world, login):
    client = login(world.secretariat)
    assert _names(client.get(reverse("unit-list"), {"q": "职业技术"})) == {world.unit.name}
    code = world.neighbour.credit_code
    assert _names(client.get(reverse("unit-list"), {"q": code.lower()})) == {world.neighbour.name}
    assert _names(client.get(reverse("unit-list"), {"kind": UnitKind.SCHOOL})) == {world.unit.name}
    assert _names(client.get(reverse("unit-list"), {"status": UnitStatus.APPLIED})) == {world.applied.name}
    industry = world.unit.industries.get()
    chain = world.unit.local_chains.get()
    assert _names(client.get(reverse("unit-list"), {"industry": industry.pk})) == {world.unit.name}
    assert _names(client.get(reverse("unit-list"), {"chain": chain.pk})) == {world.unit.name}
    # a chain of another consortium is not a valid choice: the filter is ignored, not applied to foreign data
    foreign_chain = LocalChainFactory(consortium=world.other_consortium)
    response = client.get(reverse("unit-list"), {"chain": foreign_chain.pk, "kind": UnitKind.SCHOOL})
    assert response.status_code == 200
    assert _names(response) == {world.unit.name}
    assert "chain" in response.context["filter_form"].errors


def test_list_htmx_returns_the_results_fragment(world, login):
    response = login(world.secretariat).get(reverse("unit-list"), {"q": "职业"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'data-testid="unit-table"' in html
    assert world.unit.name in html and world.neighbour.name not in html


def test_list_query_count_is_constant(world, login):
    client = login(world.secretariat)
    industries = [IndustryFactory() for _ in range(3)]
    chain = LocalChainFactory(consortium=world.consortium)

    def add_units(n: int, offset: int) -> None:
        for i in range(n):
            unit = MemberUnitFactory(consortium=world.consortium, credit_code=credit_code(5000 + offset + i))
            unit.industries.set(industries)
            unit.local_chains.add(chain)

    add_units(3, 0)
    client.get(reverse("unit-list"))  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("unit-list")).status_code == 200
    add_units(15, 100)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("unit-list"))
    assert len(response.context["units"]) == 20
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_list_paginates(world, login):
    for i in range(25):
        MemberUnitFactory(consortium=world.consortium, credit_code=credit_code(7000 + i))
    client = login(world.secretariat)
    first = client.get(reverse("unit-list"))
    second = client.get(reverse("unit-list"), {"page": 2})
    assert len(first.context["units"]) == 20
    assert len(second.context["units"]) == 8
    assert not _names(first) & _names(second)


# --- detail ---------------------------------------------------------------------------------------------------


def test_detail_out_of_scope_is_404(world, login):
    assert login(world.secretariat).get(reverse("unit-detail", kwargs={"pk": world.foreign.pk})).status_code == 404
    staff = login(world.unit_staff)
    assert staff.get(reverse("unit-detail", kwargs={"pk": world.applied.pk})).status_code == 404
    assert staff.get(reverse("unit-detail", kwargs={"pk": 999999})).status_code == 404


def test_detail_members_visible_to_secretariat_and_own_admin_only(world, login):
    url = reverse("unit-detail", kwargs={"pk": world.unit.pk})
    for user in (world.secretariat, world.unit_admin):
        response = login(user).get(url)
        assert response.context["can_see_members"]
        assert {m.user.username for m in response.context["members"]} == {"xuexiao_admin", "xuexiao_staff"}
        assert 'data-testid="unit-members"' in response.content.decode()
    response = login(world.unit_staff).get(url)
    assert response.status_code == 200
    assert 'data-testid="unit-members"' not in response.content.decode()
    # the admin of one unit does not see the staff of a neighbour
    response = login(world.unit_admin).get(reverse("unit-detail", kwargs={"pk": world.neighbour.pk}))
    assert response.status_code == 200 and not response.context["can_see_members"]


def test_detail_shows_actions_only_to_secretariat(world, login):
    url = reverse("unit-detail", kwargs={"pk": world.applied.pk})
    actions = [a.name for a in login(world.secretariat).get(url).context["actions"]]
    assert actions == ["approve", "reject"]
    assert login(world.official).get(url).context["actions"] == []


# --- edit / create --------------------------------------------------------------------------------------------


def _unit_post(unit: MemberUnit, **changes) -> dict:
    data = {
        "kind": unit.kind, "name": unit.name, "credit_code": unit.credit_code, "contact_person": unit.contact_person,
        "contact_phone": unit.contact_phone, "contact_email": unit.contact_email, "address": unit.address,
        "website": unit.website, "description": unit.description,
        "industries": [i.pk for i in unit.industries.all()], "local_chains": [c.pk for c in unit.local_chains.all()],
    }
    data.update(changes)
    return data


def test_unit_admin_edits_own_unit(world, login):
    url = reverse("unit-edit", kwargs={"pk": world.unit.pk})
    client = login(world.unit_admin)
    form = client.get(url).context["form"]
    offered_chains = [c.pk for c in form.fields["local_chains"].queryset]
    chains_before = set(world.unit.local_chains.all())
    response = client.post(url, _unit_post(world.unit, contact_person="李主任", address="宝清县城",
                                           local_chains=[pk for pk in offered_chains if pk in
                                                         {c.pk for c in chains_before}]))
    assert response.status_code == 302, response.context["form"].errors
    world.unit.refresh_from_db()
    assert (world.unit.contact_person, world.unit.address) == ("李主任", "宝清县城")
    assert set(world.unit.local_chains.all()) == chains_before  # nothing dropped behind the editor's back


def test_unit_admin_is_offered_own_consortium_chains_only(world, login):
    own_extra = LocalChainFactory(consortium=world.consortium)
    LocalChainFactory(consortium=world.other_consortium)
    form = login(world.unit_admin).get(reverse("unit-edit", kwargs={"pk": world.unit.pk})).context["form"]
    assert set(form.fields["local_chains"].queryset) == {*world.unit.local_chains.all(), own_extra}


def test_edit_denied_for_neighbour_official_and_staff(world, login):
    for user, unit, status in [(world.unit_admin, world.neighbour, 403), (world.official, world.unit, 403),
                               (world.unit_staff, world.unit, 403), (world.unit_admin, world.foreign, 404)]:
        url = reverse("unit-edit", kwargs={"pk": unit.pk})
        client = login(user)
        assert client.get(url).status_code == status
        assert client.post(url, _unit_post(unit, name="被篡改的名称")).status_code == status
        unit.refresh_from_db()
        assert unit.name != "被篡改的名称"


def test_edit_bad_credit_code_shows_field_error_and_changes_nothing(world, login):
    url = reverse("unit-edit", kwargs={"pk": world.unit.pk})
    bad = world.unit.credit_code[:17] + ("0" if world.unit.credit_code[17] != "0" else "1")
    response = login(world.unit_admin).post(url, _unit_post(world.unit, credit_code=bad, contact_person="新人"))
    assert response.status_code == 200
    assert "校验位错误" in str(response.context["form"].errors["credit_code"])
    assert "is-invalid" in response.content.decode()
    world.unit.refresh_from_db()
    assert world.unit.contact_person == "张三"


def test_edit_duplicate_name_is_a_field_error(world, login):
    url = reverse("unit-edit", kwargs={"pk": world.unit.pk})
    response = login(world.secretariat).post(url, _unit_post(world.unit, name=world.neighbour.name))
    assert response.status_code == 200
    assert "同名" in str(response.context["form"].errors["name"])
    world.unit.refresh_from_db()
    assert world.unit.name == "宝清县职业技术学校"


def test_edit_cannot_attach_foreign_chain(world, login):
    foreign_chain = LocalChainFactory(consortium=world.other_consortium)
    url = reverse("unit-edit", kwargs={"pk": world.unit.pk})
    response = login(world.secretariat).post(url, _unit_post(world.unit, local_chains=[foreign_chain.pk]))
    assert response.status_code == 200 and "local_chains" in response.context["form"].errors
    assert foreign_chain not in world.unit.local_chains.all()


def test_secretariat_creates_active_unit(world, login):
    client = login(world.secretariat)
    assert client.get(reverse("unit-create")).status_code == 200
    data = {"kind": UnitKind.GOVERNMENT, "name": "宝清县人社局", "credit_code": credit_code(9999).lower(),
            "contact_person": "", "contact_phone": "", "contact_email": "", "address": "", "website": "",
            "description": ""}
    response = client.post(reverse("unit-create"), data)
    unit = MemberUnit.objects.get(name="宝清县人社局")
    assert response.status_code == 302 and response["Location"] == reverse("unit-detail", kwargs={"pk": unit.pk})
    assert (unit.consortium_id, unit.status, unit.credit_code) == (world.consortium.pk, UnitStatus.ACTIVE,
                                                                  credit_code(9999))


def test_create_denied_to_non_secretariat(world, login):
    for user in (world.unit_admin, world.official):
        client = login(user)
        assert client.get(reverse("unit-create")).status_code == 403
        assert client.post(reverse("unit-create"), {"kind": "school", "name": "偷偷登记"}).status_code == 403
    assert not MemberUnit.objects.filter(name="偷偷登记").exists()


def test_create_bad_input_shows_errors(world, login):
    response = login(world.secretariat).post(reverse("unit-create"), {"kind": "school", "name": "",
                                                                      "credit_code": "123"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "name" in errors and "18位" in str(errors["credit_code"])
    assert MemberUnit.objects.filter(consortium=world.consortium).count() == 3


# --- status actions -------------------------------------------------------------------------------------------


def _transition(client, unit, action, **data):
    return client.post(reverse("unit-transition", kwargs={"pk": unit.pk, "action": action}), data)


def test_secretariat_approves_application(world, login):
    response = _transition(login(world.secretariat), world.applied, "approve")
    assert response.status_code == 302
    world.applied.refresh_from_db()
    world.applicant.refresh_from_db()
    assert world.applied.status == UnitStatus.ACTIVE and world.applicant.is_active
    assert UnitStatusChange.objects.filter(unit=world.applied, to_status=UnitStatus.ACTIVE).exists()


def test_reject_without_reason_is_a_message_not_an_error(world, login):
    client = login(world.secretariat)
    response = client.post(reverse("unit-transition", kwargs={"pk": world.applied.pk, "action": "reject"}),
                           {"reason": "  "}, follow=True)
    assert response.status_code == 200
    assert "必须填写原因" in response.content.decode()
    world.applied.refresh_from_db()
    assert world.applied.status == UnitStatus.APPLIED
    _transition(client, world.applied, "reject", reason="材料不全")
    world.applied.refresh_from_db()
    assert world.applied.status == UnitStatus.REJECTED


def test_invalid_transition_is_a_message(world, login):
    response = login(world.secretariat).post(
        reverse("unit-transition", kwargs={"pk": world.unit.pk, "action": "approve"}), follow=True)
    assert response.status_code == 200
    assert "不能执行" in response.content.decode()
    world.unit.refresh_from_db()
    assert world.unit.status == UnitStatus.ACTIVE


def test_transition_denied_and_out_of_scope(world, login):
    assert _transition(login(world.official), world.applied, "approve").status_code == 403
    assert _transition(login(world.unit_admin), world.unit, "suspend", reason="x").status_code == 403
    assert _transition(login(world.secretariat), world.foreign_applied, "approve").status_code == 404
    assert _transition(login(world.secretariat), world.applied, "explode").status_code == 404
    assert login(world.secretariat).get(
        reverse("unit-transition", kwargs={"pk": world.applied.pk, "action": "approve"})).status_code == 405
    for unit in (world.applied, world.unit, world.foreign_applied):
        status = unit.status
        unit.refresh_from_db()
        assert unit.status == status


def test_transition_next_must_be_local(world, login):
    response = _transition(login(world.secretariat), world.applied, "approve", next="https://evil.example/")
    assert response["Location"] == reverse("unit-detail", kwargs={"pk": world.applied.pk})


# --- applications ---------------------------------------------------------------------------------------------


def test_application_list(world, login):
    response = login(world.secretariat).get(reverse("application-list"))
    assert [u.name for u in response.context["applications"]] == [world.applied.name]
    assert [m.user.username for m in response.context["applications"][0].applicants] == [world.applicant.username]
    assert response.context["can_decide"]
    official = login(world.official).get(reverse("application-list"))
    assert official.status_code == 200 and not official.context["can_decide"]
    assert login(world.unit_admin).get(reverse("application-list")).status_code == 403


def test_application_list_reject_from_list_returns_there(world, login):
    url = reverse("application-list")
    response = _transition(login(world.secretariat), world.applied, "reject", reason="不符合条件", next=url)
    assert response["Location"] == url
    world.applied.refresh_from_db()
    assert world.applied.status == UnitStatus.REJECTED
