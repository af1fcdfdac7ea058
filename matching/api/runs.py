"""API of matching: the consortium's settings and the runs (create → task; cancel, publish, retry).

Settings: readable by every member of the consortium (the weights explain the scores); the secretariat writes.
``/match-settings/current/`` is the caller's consortium's row (created with the defaults on first use).
Runs: the secretariat creates and acts; officials read every run; units read published runs only.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.tenancy.api.base import TenantModelViewSet

from .. import services
from ..filtersets import MatchRunFilterSet
from ..models import MatchRun, MatchSettings
from .serializers import MatchRunSerializer, MatchSettingsSerializer, RunProgressSerializer


def _data(serializer: drf_serializers.BaseSerializer, *drop: str) -> dict[str, Any]:
    data = dict(serializer.validated_data)
    for key in ("consortium", *drop):
        data.pop(key, None)
    return data


class MatchSettingsViewSet(TenantModelViewSet):
    model = MatchSettings
    serializer_class = MatchSettingsSerializer
    http_method_names = ["get", "put", "patch", "head", "options"]

    def scope_queryset(self, queryset):
        return queryset.select_related("updated_by").order_by("consortium_id")

    def perform_scoped_update(self, serializer):
        return services.match_settings_update(
            actor=self.request.user, consortium_id=serializer.instance.consortium_id, **_data(serializer)
        )

    @extend_schema(request=MatchSettingsSerializer, responses=MatchSettingsSerializer)
    @action(detail=False, methods=["get", "patch"], pagination_class=None, filter_backends=[])
    def current(self, request):
        """The settings of the caller's consortium (defaults until the secretariat changes them); PATCH: secretariat."""
        consortium_id = getattr(request.user, "consortium_id", None)
        if not consortium_id:
            raise NotFound(_("您不属于任何产教联合体。"))
        if request.method == "GET":
            row = self.get_queryset().filter(consortium_id=consortium_id).first()
            if row is None:  # nobody saved settings yet: show the defaults without writing on a read
                row = MatchSettings(consortium_id=consortium_id)
            return Response(self.get_serializer(row).data)
        row = self.get_queryset().filter(consortium_id=consortium_id).first() or MatchSettings(
            consortium_id=consortium_id
        )
        serializer = self.get_serializer(row, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        saved = services.match_settings_update(actor=request.user, consortium_id=consortium_id, **_data(serializer))
        return Response(self.get_serializer(saved).data)


class MatchRunViewSet(TenantModelViewSet):
    model = MatchRun
    serializer_class = MatchRunSerializer
    filterset_class = MatchRunFilterSet
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["created_at", "finished_at", "total_score"]

    def scope_queryset(self, queryset):
        return queryset.select_related("created_by").order_by("-created_at", "-id")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        return services.match_run_create(
            actor=self.request.user, kinds=data["kinds"], cohort=data.get("cohort"),
            demand_kinds=data.get("demand_kinds") or [], weights=data.get("weights"),
            consortium_id=serializer.validated_data["consortium"].pk,
        )

    def _act(self, service: Any):
        run = self.get_object()
        moved = service(actor=self.request.user, run=run)
        return Response(self.get_serializer(self.get_queryset().get(pk=moved.pk)).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a queued run, or ask a running one to stop."""
        return self._act(services.match_run_cancel)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a succeeded run: units see its results; the plan's pairs become candidacies."""
        return self._act(services.match_run_publish)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Re-queue a failed or cancelled run with its recorded parameters."""
        return self._act(services.match_run_retry)

    @extend_schema(request=None, responses=RunProgressSerializer)
    @action(detail=True, methods=["get"], serializer_class=RunProgressSerializer)
    def progress(self, request, pk=None):
        """Status and progress only (for polling)."""
        return Response(RunProgressSerializer(self.get_object()).data)

router = SimpleRouter()
router.register("match-settings", MatchSettingsViewSet, basename="matchsettings")
router.register("match-runs", MatchRunViewSet, basename="matchrun")
