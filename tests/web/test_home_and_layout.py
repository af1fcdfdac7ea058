"""Home page per role, the base layout (navigation, language switch, logout form) and the auth pages."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.urls import reverse

from consortium.tenancy import views
from consortium.tenancy.mixins import ScopedViewMixin
from tests.factories.tenancy import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_secretariat_home_shows_figures_chart_and_full_navigation(world, login):
    response = login(world.secretariat).get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans"' in html
    dashboard = response.context["dashboard"]
    assert dashboard["pending_count"] == 1  # the other consortium's application is not counted
    assert dashboard["active_count"] == 2
    assert [u.name for u in dashboard["pending_applications"]] == ["申请中的合作社"]
    chart = json.loads(re.search(r'id="unit-kind-data"[^>]*>(.*?)</script>', html).group(1))
    assert sorted((row["name"], row["value"]) for row in chart) == [("企业", 1), ("职业学校", 1)]
    for text, url in [("成员单位", reverse("unit-list")), ("入会申请", reverse("application-list")),
                      ("会议", reverse("council:meeting-list")), ("决议登记", reverse("council:resolution-register")),
                      ("API 文档", reverse("api-docs"))]:
        assert text in html and url in html
    assert reverse("unit-create") in html
    assert f'action="{reverse("logout")}" method="post"' in html
    assert f'action="{reverse("set_language")}" method="post"' in html
    assert "hx-headers" in html and "X-CSRFToken" in html


def test_official_home_is_read_only(world, login):
    response = login(world.official).get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["dashboard"]["pending_count"] == 1
    assert reverse("unit-create") not in html
    assert reverse("invitation-list") not in html
    assert reverse("council:overview") in html


def test_unit_admin_home_shows_own_unit_memberships_and_invitations(world, login):
    from tests.factories.tenancy import InvitationFactory

    InvitationFactory(unit=world.unit, email="open@example.com", invited_by=world.unit_admin)
    InvitationFactory(unit=world.neighbour, email="elsewhere@example.com")
    response = login(world.unit_admin).get(reverse("home"))
    html = response.content.decode()
    dashboard = response.context["dashboard"]
    assert [u.name for u in dashboard["my_units"]] == [world.unit.name]
    assert [m.unit_id for m in dashboard["my_memberships"]] == [world.unit.pk]
    assert [i.email for i in dashboard["open_invitations"]] == ["open@example.com"]
    assert "pending_count" not in dashboard
    assert reverse("invitation-list") in html
    assert reverse("unit-detail", kwargs={"pk": world.unit.pk}) in html
    assert reverse("application-list") not in html


def test_unit_staff_home_has_no_invitation_link(world, login):
    response = login(world.unit_staff).get(reverse("home"))
    assert response.status_code == 200
    assert [u.pk for u in response.context["dashboard"]["my_units"]] == [world.unit.pk]
    assert reverse("invitation-list") not in response.content.decode()


def test_platform_admin_home_lists_consortia_with_counts(world, login):
    admin = UserFactory(platform_admin=True)
    response = login(admin).get(reverse("home"))
    rows = {row["consortium"].name: (row["total"], row["active"], row["applied"])
            for row in response.context["dashboard"]["consortia"]}
    assert rows == {"宝清县产教联合体": (3, 2, 1), "邻县产教联合体": (2, 1, 1)}


def test_language_switch_sets_html_lang(world, login):
    client = login(world.secretariat)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    assert '<html lang="en"' in client.get(reverse("home")).content.decode()


def test_login_logout_flow(world, client):
    world.secretariat.set_password(PASSWORD)
    world.secretariat.save()
    response = client.post(reverse("login"), {"username": "mishuchu", "password": "wrong"})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(reverse("login"), {"username": "mishuchu", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("logout")).status_code == 405  # logout is a POST form
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "您已安全退出" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_password_reset_sends_mail_and_change_requires_old_password(world, client, login):
    world.unit_admin.email = "admin@example.com"
    world.unit_admin.save()
    response = client.post(reverse("password_reset"), {"email": "admin@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and "/accounts/reset/" in mail.outbox[0].body
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        assert client.get(reverse(name)).status_code == 200
    client = login(world.unit_admin)
    old_hash = world.unit_admin.password
    response = client.post(reverse("password_change"), {
        "old_password": "nope", "new_password1": "Xq9!longpass", "new_password2": "Xq9!longpass"})
    assert response.status_code == 200 and "old_password" in response.context["form"].errors
    world.unit_admin.refresh_from_db()
    assert world.unit_admin.password == old_hash


def test_every_view_is_scoped_or_declared_public():
    view_classes = [obj for obj in vars(views).values()
                    if isinstance(obj, type) and issubclass(obj, views.View) and obj.__module__ == views.__name__]
    unscoped = {cls for cls in view_classes if not issubclass(cls, ScopedViewMixin)}
    assert unscoped == set(views.PUBLIC_VIEWS)
