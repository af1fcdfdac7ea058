"""Small helpers of the isolation suite: clients per role, row snapshots, probe payloads, list ids."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.test import Client
from rest_framework import serializers
from rest_framework.test import APIClient

from .routes import Route
from .world import World

PROBE = "isolation-probe"


def api_client(world: World, role: str) -> APIClient:
    client = APIClient()
    user = world.user(role)
    if user is not None:
        client.force_authenticate(user=user)
    return client


def html_client(world: World, role: str) -> Client:
    client = Client()
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    return client


def snapshot(model: type[models.Model], pk: Any) -> dict[str, Any] | None:
    """Every concrete field and many-to-many id list of the row as stored now (None: the row is gone)."""
    row = model._default_manager.filter(pk=pk).first()
    if row is None:
        return None
    data: dict[str, Any] = {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}
    for m2m in model._meta.many_to_many:
        data[m2m.name] = sorted(getattr(row, m2m.name).values_list("pk", flat=True))
    return data


def counts(model_list: list[type[models.Model]]) -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in model_list}


def in_rollback(fn: Any) -> Any:
    """Run ``fn`` in a savepoint that is always rolled back, so a failed denial cannot leak into other checks."""
    with transaction.atomic():
        result = fn()
        transaction.set_rollback(True)
    return result


def probe_payload(route: Route) -> dict[str, Any]:
    """A harmless change: the first writable free-text field of the route's serializer set to a marker."""
    serializer_class = getattr(route.view_class, "serializer_class", None)
    if serializer_class is None:
        return {}
    try:
        fields = serializer_class().fields
    except Exception:  # serializers needing context: fall back to an empty PATCH
        return {}
    for name, fld in fields.items():
        if fld.read_only or type(fld) is not serializers.CharField:
            continue
        max_length = getattr(fld, "max_length", None)
        return {name: PROBE[: max_length or len(PROBE)]}
    return {}


def list_ids(client: Any, url: str) -> tuple[int, set[Any] | None, str]:
    """(status, ids over all pages, problem text) of a list endpoint."""
    ids: set[Any] = set()
    next_url: str | None = f"{url}?page_size=500"
    status = 0
    while next_url:
        response = client.get(next_url)
        status = response.status_code
        if status != 200:
            return status, None, ""
        payload = response.json()
        rows = payload["results"] if isinstance(payload, dict) and "results" in payload else payload
        if not isinstance(rows, list):
            return status, None, f"unexpected list payload {type(payload).__name__}"
        for row in rows:
            if "id" not in row:
                return status, None, "rows have no 'id' field"
            ids.add(row["id"])
        next_url = payload.get("next") if isinstance(payload, dict) else None
    return status, ids, ""
