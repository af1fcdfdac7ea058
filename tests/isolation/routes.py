"""Discovery of every URL pattern of the project, walked from the resolver (nothing is listed by hand).

Used by the isolation suite and the architecture tests, so a route added later is covered automatically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

API_PREFIX = "api/v1/"
#: HTML walk skips these prefixes (the API has its own walk; admin, i18n, static and media are not portal pages).
HTML_EXCLUDED_PREFIXES = ("api/", "admin/", "static/", "i18n/", "media/", "__debug__/")


def _pattern_text(pattern: Any) -> str:
    text = str(pattern)
    return text[1:] if text.startswith("^") else text


@dataclass(frozen=True)
class Route:
    """One URL pattern with its full path template, the kwargs it needs and its view."""

    path: str  # e.g. "api/v1/units/(?P<pk>[^/.]+)/$" or "council/meetings/<int:pk>/"
    name: str | None
    namespace: str | None
    callback: Any
    kwargs: frozenset[str] = field(default_factory=frozenset)

    @property
    def view_class(self) -> type | None:
        """The class behind the view: DRF sets ``cls``, Django's ``as_view`` sets ``view_class``."""
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    @property
    def actions(self) -> dict[str, str]:
        """DRF viewset routes: {http method: action}; plain views: {}."""
        return dict(getattr(self.callback, "actions", None) or {})

    @property
    def label(self) -> str:
        cls = self.view_class
        view = f"{cls.__module__}.{cls.__qualname__}" if cls else getattr(self.callback, "__qualname__", "?")
        return f"/{self.path_display} ({view})"

    @cached_property
    def path_display(self) -> str:
        text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", self.path)
        return text.replace("^", "").replace("$", "").replace("\\", "")

    def allows(self, method: str) -> bool:
        """Whether the route dispatches ``method`` (else the answer is 405 whatever the object)."""
        method = method.lower()
        cls = self.view_class
        if cls is not None and method not in getattr(cls, "http_method_names", [method]):
            return False
        if self.actions:
            return method in self.actions
        if cls is not None:
            return hasattr(cls, method)
        return True

    def url(self, **kwargs: Any) -> str:
        """Build the URL by filling the path template (works for regex and path() converters)."""
        text = self.path
        for key, value in kwargs.items():
            text, count = re.subn(rf"\(\?P<{key}>[^)]*\)", str(value), text)
            if not count:
                text = re.sub(rf"<(?:\w+:)?{key}>", str(value), text)
        text = text.replace("^", "").replace("$", "").replace("\\", "")
        if "<" in text or "(?P" in text:
            raise ValueError(f"missing kwargs for {self.path}: {kwargs}")
        return "/" + text


def iter_routes(resolver: URLResolver | None = None, prefix: str = "", kwargs: frozenset[str] = frozenset(),
                namespace: str | None = None):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        text = prefix + _pattern_text(entry.pattern)
        names = kwargs | frozenset(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            full_ns = ":".join(p for p in (namespace, ns) if p) or None
            yield from iter_routes(entry, text, names, full_ns)
        elif isinstance(entry, URLPattern):
            yield Route(text, entry.name, namespace, entry.callback, names)


def api_routes() -> list[Route]:
    """Routes under /api/v1/ without the DRF format-suffix duplicates."""
    return [r for r in iter_routes() if r.path.startswith(API_PREFIX) and "format" not in r.kwargs]


def html_routes() -> list[Route]:
    return [r for r in iter_routes() if not r.path.startswith(HTML_EXCLUDED_PREFIXES)]


def api_model_routes() -> list[Route]:
    return [r for r in api_routes() if getattr(r.view_class, "model", None) is not None]


def api_detail_routes() -> list[Route]:
    """Detail routes of model viewsets (retrieve) — one per viewset."""
    return [r for r in api_model_routes() if r.kwargs == {"pk"} and r.actions.get("get") == "retrieve"]


def api_list_routes() -> list[Route]:
    return [r for r in api_model_routes() if not r.kwargs and r.actions.get("get") == "list"]


def api_create_routes() -> list[Route]:
    """Every list-level route under /api/v1/ that takes POST (creating), incl. extra list actions."""
    return [r for r in api_model_routes() if not r.kwargs and "post" in r.actions]


def api_object_action_routes() -> list[Route]:
    """Extra detail actions (approve, revoke, ...): unsafe methods on one object."""
    return [
        r for r in api_model_routes()
        if r.kwargs == {"pk"} and r.actions and r.actions.get("get") != "retrieve"
    ]


def route_id(route: Route) -> str:
    return route.path_display


#: DRF views under /api/v1/ that legitimately have no ``model`` (and bypass the scoped base), with the reason.
API_NON_MODEL_VIEWS: dict[str, str] = {
    "consortium.tenancy.api.views.ApplicationViewSet": "public join application: create only, reads no tenant data",
    "rest_framework.authtoken.views.ObtainAuthToken": "token login: exchanges credentials, reads no tenant data",
    "rest_framework.routers.APIRootView": "the router's index of route names",
}
