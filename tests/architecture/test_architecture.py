"""Architecture rules of DESIGN.md §3–4, checked on the code itself (routes walked, sources parsed)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import views as auth_views
from rest_framework import serializers, viewsets

from consortium.tenancy.api.base import ScopedViewSetMixin, TenantModelSerializer, TenantModelViewSet
from consortium.tenancy.mixins import ScopedViewMixin
from consortium.tenancy.models import TenantModel, User
from tests.isolation.routes import API_NON_MODEL_VIEWS, api_routes, html_routes

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_APPS = ("schools", "enterprises", "practice_center", "matching")
KERNEL_PACKAGES = ("consortium/tenancy", "consortium/council", "consortium/imports", "consortium/funding")


def _dotted(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _api_view_classes() -> dict[type, str]:
    found: dict[type, str] = {}
    for route in api_routes():
        cls = route.view_class
        if cls is None:
            found.setdefault(type(route.callback), route.label)  # a plain function view
        else:
            found.setdefault(cls, route.label)
    return found


# --- (a) every API view goes through the scoped base ---------------------------------------------------------


def test_every_api_view_derives_from_the_scoped_base():
    offenders = sorted(
        f"{_dotted(cls)} at {label}" for cls, label in _api_view_classes().items()
        if not (isinstance(cls, type) and issubclass(cls, ScopedViewSetMixin))
        and _dotted(cls) not in API_NON_MODEL_VIEWS
    )
    assert not offenders, "API views that bypass ScopedViewSetMixin: " + "; ".join(offenders)


def test_allowlisted_api_views_serve_no_tenant_queryset():
    """The exceptions may not read tenant data: no queryset, no model, no list/retrieve."""
    for cls in _api_view_classes():
        if not isinstance(cls, type) or _dotted(cls) not in API_NON_MODEL_VIEWS:
            continue
        assert getattr(cls, "queryset", None) is None, _dotted(cls)
        assert getattr(cls, "model", None) is None, _dotted(cls)
        assert not hasattr(cls, "list") and not hasattr(cls, "retrieve"), _dotted(cls)


def test_api_walk_finds_the_kernel_viewsets():
    names = {cls.__name__ for cls in _api_view_classes() if isinstance(cls, type)}
    assert {"MemberUnitViewSet", "UserViewSet", "InvitationViewSet", "ApplicationViewSet"} <= names


def test_a_viewset_bypassing_the_base_would_be_reported():
    """The check itself fails on a plain ModelViewSet (guards against a vacuous walk)."""

    class RogueViewSet(viewsets.ModelViewSet):
        queryset = User.objects.none()

    assert not issubclass(RogueViewSet, ScopedViewSetMixin)
    assert _dotted(RogueViewSet) not in API_NON_MODEL_VIEWS


# --- (b) tenant serializers derive from TenantModelSerializer ---------------------------------------------------


def _serializers_of(cls: type) -> set[type]:
    found = set()
    if getattr(cls, "serializer_class", None):
        found.add(cls.serializer_class)
    for extra in getattr(cls, "get_extra_actions", lambda: [])():
        serializer = getattr(extra, "kwargs", {}).get("serializer_class")
        if serializer:
            found.add(serializer)
    # Nested serializers used as fields.
    for serializer in list(found):
        for fld in getattr(serializer, "_declared_fields", {}).values():
            nested = getattr(fld, "child", fld)
            if isinstance(nested, serializers.BaseSerializer):
                found.add(type(nested))
    return found


def test_tenant_serializers_derive_from_tenant_model_serializer():
    offenders = []
    for cls in _api_view_classes():
        if not (isinstance(cls, type) and issubclass(cls, ScopedViewSetMixin)):
            continue
        for serializer in _serializers_of(cls):
            meta_model = getattr(getattr(serializer, "Meta", None), "model", None)
            if (
                isinstance(meta_model, type) and issubclass(meta_model, TenantModel)
                and not issubclass(serializer, TenantModelSerializer)
            ):
                offenders.append(f"{_dotted(serializer)} (model {meta_model.__name__}, used by {cls.__name__})")
    assert not offenders, "serializers of tenant models not derived from TenantModelSerializer: " + "; ".join(
        sorted(set(offenders))
    )


# --- (c) every HTML view goes through the scoped mixin ----------------------------------------------------------


def _public_views() -> tuple:
    try:
        from consortium.tenancy.views import PUBLIC_VIEWS
    except ImportError:  # pragma: no cover - the pages are added by the front-end work
        return ()
    return tuple(PUBLIC_VIEWS)


def _is_django_auth_view(cls: type) -> bool:
    return any(base.__module__ == auth_views.__name__ for base in cls.__mro__)


def test_every_html_view_derives_from_the_scoped_mixin():
    public = _public_views()
    offenders = []
    for route in html_routes():
        cls = route.view_class
        if cls is None:
            name = getattr(route.callback, "__qualname__", route.callback)
            offenders.append(f"function view {name} at {route.label}")
            continue
        if issubclass(cls, ScopedViewMixin) or cls in public or _is_django_auth_view(cls):
            continue
        offenders.append(route.label)
    assert not offenders, "HTML views not derived from ScopedViewMixin (nor in PUBLIC_VIEWS): " + "; ".join(offenders)


def test_public_views_are_really_routed_and_not_scoped():
    routed = {route.view_class for route in html_routes()}
    for view in _public_views():
        assert view in routed, f"PUBLIC_VIEWS lists {_dotted(view)} which is not routed"


# --- (d) the protected methods cannot be overridden ------------------------------------------------------------


@pytest.mark.parametrize(
    "method", ["get_queryset", "get_object", "perform_create", "perform_update", "perform_destroy"]
)
def test_viewset_cannot_override_protected_methods(method):
    with pytest.raises(TypeError, match=method):
        type("Rogue", (TenantModelViewSet,), {"__module__": "tests.rogue", method: lambda self, *a, **k: None})


@pytest.mark.parametrize("method", ["get_queryset", "get_object"])
def test_view_mixin_cannot_override_protected_methods(method):
    from django.views.generic import DetailView

    with pytest.raises(TypeError, match=method):
        type("RoguePage", (ScopedViewMixin, DetailView), {"__module__": "tests.rogue", method: lambda self: None})


def test_hooks_remain_overridable():
    from django.views.generic import DetailView

    type("FineViewSet", (TenantModelViewSet,), {"__module__": "tests.fine", "scope_queryset": lambda self, qs: qs})
    type("FinePage", (ScopedViewMixin, DetailView), {"__module__": "tests.fine", "scope_queryset": lambda s, qs: qs})


def test_subclass_of_a_subclass_is_checked_too():
    base = type("Base", (TenantModelViewSet,), {"__module__": "tests.fine"})
    with pytest.raises(TypeError):
        type("Child", (base,), {"__module__": "tests.rogue", "get_queryset": lambda self: None})


# --- (e) no .objects.all() on tenant models in request code ----------------------------------------------------

SCAN_ROOTS = ("consortium", *DOMAIN_APPS)
SCAN_EXCLUDED_PARTS = {"migrations", "tests", "demo"}
SCAN_EXCLUDED_FILES = {"admin.py", "scoping.py"}


def _scanned_files() -> list[Path]:
    files = []
    for root in SCAN_ROOTS:
        for path in (ROOT / root).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if SCAN_EXCLUDED_PARTS & set(rel.parts) or path.name in SCAN_EXCLUDED_FILES:
                continue
            if "management" in rel.parts and "commands" in rel.parts:
                continue
            files.append(path)
    return files


def _tenant_model_names() -> set[str]:
    return {m.__name__ for m in apps.get_models() if issubclass(m, TenantModel) or m is User}


def find_unscoped_all_calls(source: str, tenant_names: set[str]) -> list[tuple[int, str]]:
    """``Name.objects.all()`` (or ``module.Name.objects.all()``) calls on a tenant model name.

    Allowed: the ``queryset=`` of a ``Scoped*`` field (``ScopedPrimaryKeyRelatedField(queryset=X.objects.all())``),
    which is narrowed with ``visible_to`` for every request.
    """
    tree = ast.parse(source)
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            func_name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if func_name.startswith("Scoped"):
                allowed.update(id(kw.value) for kw in node.keywords if kw.arg == "queryset")
    hits = []
    for node in ast.walk(tree):
        if id(node) in allowed:
            continue
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "all"):
            continue
        manager = node.func.value
        if not (isinstance(manager, ast.Attribute) and manager.attr in ("objects", "_default_manager")):
            continue
        owner = manager.value
        name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else None
        if name in tenant_names:
            hits.append((node.lineno, f"{name}.{manager.attr}.all()"))
    return hits


def test_the_scanner_finds_what_it_should():
    sample = (
        "a = MemberUnit.objects.all()\nb = models.Invitation.objects.all()\nc = Industry.objects.all()\n"
        "d = ScopedPrimaryKeyRelatedField(queryset=MemberUnit.objects.all())\n"
        "e = PrimaryKeyRelatedField(queryset=MemberUnit.objects.all())\n"
    )
    assert find_unscoped_all_calls(sample, {"MemberUnit", "Invitation"}) == [
        (1, "MemberUnit.objects.all()"),
        (2, "Invitation.objects.all()"),
        (5, "MemberUnit.objects.all()"),
    ]


def test_no_objects_all_on_tenant_models_in_request_code():
    names = _tenant_model_names()
    assert {"MemberUnit", "Invitation", "LocalChain"} <= names
    files = _scanned_files()
    assert any(p.name == "services.py" for p in files)
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for path in files
        for line, text in find_unscoped_all_calls(path.read_text(encoding="utf-8"), names)
    ]
    assert not offenders, "use visible_to/editable_by (or for_consortium in tasks): " + "; ".join(offenders)


# --- (f) layering ------------------------------------------------------------------------------------------------


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def _layer_violations(packages: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            for module in _imported_modules(path):
                if any(module == f or module.startswith(f + ".") for f in forbidden):
                    found.append(f"{path.relative_to(ROOT)} imports {module}")
    return found


def test_kernel_imports_no_domain_app():
    violations = _layer_violations(KERNEL_PACKAGES, (*DOMAIN_APPS, "consortium.leadership"))
    assert not violations, "; ".join(violations)


def test_nothing_below_imports_the_leadership_layer():
    """Leadership reads every app; no app (kernel, domain, matching) may import it (DESIGN.md §4)."""
    violations = _layer_violations((*KERNEL_PACKAGES, *DOMAIN_APPS), ("consortium.leadership",))
    assert not violations, "; ".join(violations)


def test_sibling_domain_apps_do_not_import_matching_or_leadership():
    violations = _layer_violations(("schools", "enterprises", "practice_center"), ("matching", "consortium.leadership"))
    assert not violations, "; ".join(violations)
