"""The Django admin, walked for every registered model on the demo data: never a 500, and scoped for the secretariat."""

from __future__ import annotations

import io

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse

from consortium.tenancy.models import MemberUnit, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("load_demo", stdout=io.StringIO())


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _admin_urls(model) -> list[str]:
    app_label, model_name = model._meta.app_label, model._meta.model_name
    urls = []
    for name in ("changelist", "add"):
        try:
            urls.append(reverse(f"admin:{app_label}_{model_name}_{name}"))
        except NoReverseMatch:
            pass
    first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    if first is not None:
        urls.append(reverse(f"admin:{app_label}_{model_name}_change", args=[first]))
    return urls


def test_every_admin_page_answers_without_error(demo):
    problems = []
    for username in ("platform", "secretariat", "official"):
        client = _client(username)
        for model in admin.site._registry:
            for url in _admin_urls(model):
                status = client.get(url).status_code
                if status >= 500:
                    problems.append(f"{username} {url}: {status}")
    assert not problems, "\n".join(problems)


def test_secretariat_admin_lists_only_its_own_consortium(demo):
    secretariat = User.objects.get(username="secretariat")
    foreign_unit = MemberUnit.objects.exclude(consortium_id=secretariat.consortium_id).first()
    client = _client("secretariat")
    changelist = client.get(reverse("admin:tenancy_memberunit_changelist"))
    assert changelist.status_code == 200
    assert foreign_unit.name not in changelist.content.decode()
    # A foreign row's change page is not reachable (the admin answers as for a missing row).
    change = client.get(reverse("admin:tenancy_memberunit_change", args=[foreign_unit.pk]))
    assert change.status_code in (302, 404)
    assert foreign_unit.name not in change.content.decode()
