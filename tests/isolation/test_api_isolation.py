"""The generic API isolation suite: every route under /api/v1/ × every role × objects of A1, A2 and B.

Routes come from the URL resolver, expectations from ``visibility.VISIBILITY``; a route whose model is missing from
the table or from ``tests.factories.OWNED_FACTORIES`` fails with its name, so later routes are covered automatically.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import OWNED_FACTORIES

from .helpers import api_client, counts, in_rollback, list_ids, probe_payload, snapshot
from .routes import (
    API_NON_MODEL_VIEWS,
    Route,
    api_create_routes,
    api_detail_routes,
    api_list_routes,
    api_object_action_routes,
    api_routes,
    route_id,
)
from .stats import API_ROUTES, ROLES_SEEN, check
from .visibility import EXCEPTIONS, VISIBILITY, can_change, can_read
from .world import ROLES, World

pytestmark = pytest.mark.django_db

DETAIL_ROUTES = api_detail_routes()
LIST_ROUTES = api_list_routes()
CREATE_ROUTES = api_create_routes()
ACTION_ROUTES = api_object_action_routes()
WRITE_ROLES = [r for r in ROLES if r != "platform_admin"]  # the platform admin may change everything
ANON_STATUSES = {401, 403}
MISSING_PK = 987654321


def _model(route: Route) -> type:
    """The route's model, or fail naming the route when the suite cannot cover it."""
    model = route.view_class.model
    problems = []
    if model not in VISIBILITY:
        problems.append(f"{model.__name__} has no entry in tests/isolation/visibility.py VISIBILITY")
    if model not in OWNED_FACTORIES and model not in EXCEPTIONS:
        problems.append(f"{model.__name__} has no @register builder in tests/factories (OWNED_FACTORIES)")
    if problems:
        pytest.fail(f"route {route.label} is not covered by the isolation suite: " + "; ".join(problems))
    API_ROUTES.add(route.path_display)
    return model


def _record(failures: list[str], ok: bool, text: str) -> None:
    if not check(ok):
        failures.append(text)


def _write_expectation(world: World, route: Route, role: str, method: str, model: type, slot: str, obj: Any):
    """Expected statuses of an unsafe request, or None when the actor may legitimately change the object."""
    actor = world.actors[role]
    if actor.is_anonymous:
        return ANON_STATUSES
    if not route.allows(method):
        return {405}
    if not can_read(actor, model, obj):
        return {404}
    if not can_change(actor, model, obj):
        return {403}
    return None


def test_routes_exist_and_non_model_views_are_declared():
    """The walk finds the kernel routes, and every DRF view without ``model`` is an explicit exception."""
    paths = {r.path_display for r in DETAIL_ROUTES}
    for expected in ("api/v1/units/<pk>/", "api/v1/users/<pk>/", "api/v1/invitations/<pk>/"):
        assert expected in paths
    undeclared = sorted(
        r.label for r in api_routes()
        if getattr(r.view_class, "model", None) is None
        and f"{r.view_class.__module__}.{r.view_class.__qualname__}" not in API_NON_MODEL_VIEWS
    )
    assert not undeclared, "API views without a model (cannot be isolation-checked): " + ", ".join(undeclared)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", DETAIL_ROUTES, ids=route_id)
def test_detail_read(world: World, route: Route, role: str):
    model = _model(route)
    ROLES_SEEN.add(role)
    actor = world.actors[role]
    client = api_client(world, role)
    failures: list[str] = []
    for slot, obj in world.objects[model].items():
        response = client.get(route.url(pk=obj.pk))
        got = response.status_code
        if actor.is_anonymous:
            _record(failures, got in ANON_STATUSES, f"{slot}: anonymous got {got}")
            continue
        expected = 200 if can_read(actor, model, obj) else 404
        _record(failures, got == expected, f"{slot} #{obj.pk}: expected {expected}, got {got}")
        if got == expected == 200:
            body = response.json()
            _record(failures, body.get("id", obj.pk) == obj.pk, f"{slot}: body is another row: {body.get('id')}")
    if not actor.is_anonymous:
        # Out of scope must look exactly like missing.
        missing = client.get(route.url(pk=MISSING_PK))
        _record(failures, missing.status_code == 404, f"missing pk: expected 404, got {missing.status_code}")
        foreign = world.objects[model].get("B")
        if foreign is not None and not can_read(actor, model, foreign):
            body = client.get(route.url(pk=foreign.pk)).content
            _record(failures, body == missing.content, f"foreign 404 body {body!r} != missing {missing.content!r}")
    assert not failures, f"{route.label} as {role}:\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", LIST_ROUTES, ids=route_id)
def test_list_returns_exactly_the_visible_rows(world: World, route: Route, role: str):
    model = _model(route)
    ROLES_SEEN.add(role)
    actor = world.actors[role]
    status, ids, problem = list_ids(api_client(world, role), route.url())
    if actor.is_anonymous:
        assert check(status in ANON_STATUSES), f"{route.label}: anonymous got {status}"
        return
    assert check(status == 200 and ids is not None), f"{route.label} as {role}: status {status} {problem}"
    expected = {row.pk for row in model._default_manager.all() if can_read(actor, model, row)}
    slots = {obj.pk: slot for slot, obj in world.objects[model].items()}
    unexpected = sorted((pk, slots.get(pk, "-")) for pk in ids - expected)
    missing = sorted((pk, slots.get(pk, "-")) for pk in expected - ids)
    assert check(ids == expected), (
        f"{route.label} as {role}: unexpected (pk, slot) {unexpected}, missing {missing}"
    )
    for slot in ("A1", "A2", "B"):  # the world's own objects are part of the comparison
        obj = world.objects[model].get(slot)
        if obj is not None:
            assert check((obj.pk in ids) == can_read(actor, model, obj))


@pytest.mark.parametrize("role", WRITE_ROLES)
@pytest.mark.parametrize("route", DETAIL_ROUTES, ids=route_id)
def test_denied_writes_change_nothing(world: World, route: Route, role: str):
    model = _model(route)
    ROLES_SEEN.add(role)
    client = api_client(world, role)
    payload = probe_payload(route)
    failures: list[str] = []
    for slot, obj in world.objects[model].items():
        if world.is_own_b_secretariat(role, slot):
            continue  # the control user owns B's objects
        for method in ("patch", "delete"):
            expected = _write_expectation(world, route, role, method, model, slot, obj)
            if expected is None:
                continue
            before = snapshot(model, obj.pk)
            url = route.url(pk=obj.pk)

            def send(method=method, url=url, obj=obj):
                response = client.patch(url, payload, format="json") if method == "patch" else client.delete(url)
                return response.status_code, snapshot(model, obj.pk)

            got, after = in_rollback(send)
            _record(failures, got in expected, f"{method.upper()} {slot}: expected {sorted(expected)}, got {got}")
            _record(failures, after == before, f"{method.upper()} {slot}: the row changed: {before} -> {after}")
    assert not failures, f"{route.label} as {role}:\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("role", WRITE_ROLES)
@pytest.mark.parametrize("route", ACTION_ROUTES, ids=route_id)
def test_object_actions_respect_scope(world: World, route: Route, role: str):
    """Extra detail actions (approve, revoke, ...): out of scope 404, visible but not changeable 403, nothing moved."""
    model = _model(route)
    ROLES_SEEN.add(role)
    actor = world.actors[role]
    client = api_client(world, role)
    watched = [m for m in VISIBILITY if m in world.objects]
    failures: list[str] = []
    for slot, obj in world.objects[model].items():
        if world.is_own_b_secretariat(role, slot):
            continue
        url = route.url(pk=obj.pk)
        for method in route.actions:
            if method in ("get", "head", "options"):
                got = client.get(url).status_code
                if actor.is_anonymous:
                    _record(failures, got in ANON_STATUSES, f"GET {slot}: anonymous got {got}")
                elif can_read(actor, model, obj):
                    _record(failures, got not in (404, 500), f"GET {slot}: visible object answered {got}")
                else:
                    _record(failures, got == 404, f"GET {slot}: expected 404, got {got}")
                continue
            expected = _write_expectation(world, route, role, method, model, slot, obj)
            if expected is None:
                continue
            before = (snapshot(model, obj.pk), counts(watched))

            def send(method=method, url=url, obj=obj):
                response = getattr(client, method)(url, {}, format="json")
                return response.status_code, (snapshot(model, obj.pk), counts(watched))

            got, after = in_rollback(send)
            _record(failures, got in expected, f"{method.upper()} {slot}: expected {sorted(expected)}, got {got}")
            _record(failures, after == before, f"{method.upper()} {slot}: data changed")
    assert not failures, f"{route.label} as {role}:\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("role", ["a_official", "anonymous"])
@pytest.mark.parametrize("route", CREATE_ROUTES, ids=route_id)
def test_read_only_roles_create_nothing(world: World, route: Route, role: str):
    """The official (read-only) and anonymous visitors never create anything: 403/405 (401), no row added."""
    _model(route)
    ROLES_SEEN.add(role)
    client = api_client(world, role)
    watched = [m for m in VISIBILITY if m in world.objects]
    before = counts(watched)

    def send():
        return client.post(route.url(), {}, format="json").status_code, counts(watched)

    got, after = in_rollback(send)
    allowed = ANON_STATUSES if role == "anonymous" else {403, 405}
    assert check(got in allowed), f"POST {route.label} as {role}: expected {sorted(allowed)}, got {got}"
    assert check(after == before), f"POST {route.label} as {role} changed row counts: {before} -> {after}"
