"""The generic HTML isolation suite: every page pattern outside /api/, /admin/, /static/, /i18n/ × every role.

* patterns with a ``pk`` (and a view with ``model``): B's object answers 404 to everyone but the platform admin,
  A's objects follow the visibility table (write views: 403 when visible but not changeable);
* patterns without kwargs: never a server error, and list pages show only rows the table allows;
* patterns needing other kwargs are either filled from ``EXTRA_KWARGS`` or skipped in ``SKIPPED`` with a reason —
  an unknown one fails the suite with its name.
"""

from __future__ import annotations

import pytest
from django.http import HttpResponse

from consortium.tenancy.mixins import ScopedFileView
from tests.factories import OWNED_FACTORIES

from .helpers import counts, html_client, in_rollback, snapshot
from .routes import Route, html_routes, route_id
from .stats import HTML_ROUTES, ROLES_SEEN, check
from .visibility import EXCEPTIONS, VISIBILITY, can_change, can_read
from .world import ROLES, World

pytestmark = pytest.mark.django_db

#: url name -> values for kwargs other than ``pk``.
EXTRA_KWARGS: dict[str, dict[str, str]] = {
    "unit-transition": {"action": "suspend"},
}
#: url name -> why the pattern is not walked here.
SKIPPED: dict[str, str] = {
    "password_reset_confirm": "needs a signed uid/token pair; covered by tests/web",
    "invitation-accept": "addressed by an invitation token, not a pk; covered by tests/tenancy invitations",
    "kpi-drill": "addressed by a metric key, not a pk; roles and rows in tests/leadership/test_dashboard_pages.py",
}

#: "namespace:name" -> why a visible object may still answer 404 (only the denials are exact there).
#: File downloads (ScopedFileView) are added automatically: the factories attach no files, so a visible row answers
#: 404 "no file"; their denials stay exact.
READABLE_MAY_404: dict[str, str] = {}

ROUTES = html_routes()
PK_ROUTES = [r for r in ROUTES if "pk" in r.kwargs and r.name not in SKIPPED]
PLAIN_ROUTES = [r for r in ROUTES if not r.kwargs]


def _fill(route: Route, pk: int) -> str:
    return route.url(pk=pk, **EXTRA_KWARGS.get(route.name or "", {}))


def _is_scoped(route: Route) -> bool:
    from consortium.tenancy.mixins import ScopedViewMixin

    cls = route.view_class
    return isinstance(cls, type) and issubclass(cls, ScopedViewMixin)


def test_every_pattern_is_walked_or_explicitly_skipped():
    unknown = sorted(
        route.label for route in ROUTES
        if route.kwargs and route.name not in SKIPPED
        and not ("pk" in route.kwargs and set(route.kwargs) - {"pk"} <= set(EXTRA_KWARGS.get(route.name or "", {})))
    )
    assert not unknown, "HTML patterns with kwargs the isolation suite cannot fill (add to SKIPPED with a reason " \
                        "or to EXTRA_KWARGS): " + ", ".join(unknown)
    no_model = sorted(r.label for r in PK_ROUTES if getattr(r.view_class, "model", None) is None)
    assert not no_model, "pk pages whose view has no model: " + ", ".join(no_model)
    stale = set(SKIPPED) - {r.name for r in ROUTES}
    assert not stale, f"SKIPPED names no longer routed: {sorted(stale)}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", PK_ROUTES, ids=route_id)
def test_object_pages_follow_the_table(world: World, route: Route, role: str):
    model = getattr(route.view_class, "model", None)
    if model not in VISIBILITY or (model not in OWNED_FACTORIES and model not in EXCEPTIONS):
        pytest.fail(f"page {route.label}: model {getattr(model, '__name__', model)} is not in the visibility table "
                    "or has no @register builder")
    HTML_ROUTES.add(route.path_display)
    ROLES_SEEN.add(role)
    actor = world.actors[role]
    client = html_client(world, role)
    write_view = bool(getattr(route.view_class, "write_view", False))
    reads = route.allows("get")
    watched = [m for m in VISIBILITY if m in world.objects]
    failures: list[str] = []
    for slot, obj in world.objects[model].items():
        url = _fill(route, obj.pk)
        readable, changeable = can_read(actor, model, obj), can_change(actor, model, obj)
        if reads:
            response: HttpResponse = client.get(url)
            got = response.status_code
            if actor.is_anonymous:
                expected = {302} if _is_scoped(route) else {302, 403, 404}
            elif not readable:
                expected = {404}
            elif write_view and not changeable:
                expected = {403}
            elif f"{route.namespace}:{route.name}" in READABLE_MAY_404 or issubclass(route.view_class, ScopedFileView):
                expected = {200, 404}
            else:
                expected = {200}
            if not check(got in expected):
                failures.append(f"GET {slot} #{obj.pk}: expected {sorted(expected)}, got {got}")
            continue
        # POST-only object actions: only the denials are exercised (nothing may change).
        if world.is_own_b_secretariat(role, slot) or actor.is_platform_admin or (readable and changeable):
            continue
        if actor.is_anonymous:
            expected = {302}
        else:
            expected = {404} if not readable else {403}
        before = (snapshot(model, obj.pk), counts(watched))

        def send(url=url, obj=obj):
            return client.post(url, {}).status_code, (snapshot(model, obj.pk), counts(watched))

        got, after = in_rollback(send)
        if not check(got in expected):
            failures.append(f"POST {slot} #{obj.pk}: expected {sorted(expected)}, got {got}")
        if not check(after == before):
            failures.append(f"POST {slot} #{obj.pk}: data changed")
    assert not failures, f"{route.label} as {role}:\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", PLAIN_ROUTES, ids=route_id)
def test_plain_pages_never_fail_and_list_only_visible_rows(world: World, route: Route, role: str):
    HTML_ROUTES.add(route.path_display)
    ROLES_SEEN.add(role)
    actor = world.actors[role]
    client = html_client(world, role)
    response = client.get(route.url())
    if not route.allows("get"):  # POST-only page (logout, actions without an object): GET is refused, never fails
        expected = {302, 405} if actor.is_anonymous else {405}
        assert check(response.status_code in expected), f"GET {route.label} as {role}: {response.status_code}"
        return
    assert check(response.status_code < 500), f"GET {route.label} as {role}: {response.status_code}"
    if actor.is_anonymous and _is_scoped(route):
        assert check(response.status_code == 302), f"anonymous GET {route.label}: {response.status_code}"
    context = getattr(response, "context", None)
    model = getattr(route.view_class, "model", None)
    if response.status_code == 200 and context is not None and model in VISIBILITY:
        rows = context.get("object_list")
        if rows is not None:
            leaked = [row.pk for row in rows if isinstance(row, model) and not can_read(actor, model, row)]
            assert check(not leaked), f"GET {route.label} as {role} lists rows outside the scope: {leaked}"
