"""API of matching: results of runs (recommendations, provider matches) and the hiring workflow (candidacies).

Recommendations and provider matches are read-only; a unit sees the rows of published runs where it is one of the
parties. ``POST match-recommendations/{id}/shortlist/`` puts a recommended student on the demand's shortlist
(``matching.services.candidacy_from_recommendation``: the demand's enterprise admins, the secretariat).
Candidacies move through POST actions that call ``matching.services.candidacy_transition`` (the enterprise:
shortlist, interview, offer, hire, decline; the school: withdraw; the secretariat: any). Candidate identity fields
appear only when the user may see the student in clear (``candidate.full``).
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.tenancy.api.base import TenantReadOnlyViewSet

from .. import services
from ..filtersets import CandidacyFilterSet, NeedMatchFilterSet, RecommendationFilterSet
from ..models import Candidacy, CandidacyStatusChange, NeedMatch, Recommendation
from .serializers import (
    CandidacyNoteSerializer,
    CandidacyReasonSerializer,
    CandidacySerializer,
    CandidacyStatusChangeSerializer,
    NeedMatchSerializer,
    RecommendationSerializer,
)

_STUDENT = ("student__unit", "student__offering__programme", "student__offering__programme__major_category")


def _certificates() -> Prefetch:
    from schools.models import StudentCertificate

    return Prefetch("student__certificates", queryset=StudentCertificate.objects.order_by("-issued_on", "pk"))


class RecommendationViewSet(TenantReadOnlyViewSet):
    model = Recommendation
    serializer_class = RecommendationSerializer
    filterset_class = RecommendationFilterSet
    ordering_fields = ["score", "rank_for_demand", "rank_for_student"]

    def scope_queryset(self, queryset):
        return (
            queryset.select_related("demand", "school_unit", "enterprise_unit", *_STUDENT)
            .prefetch_related(_certificates())
            .order_by("run_id", "demand_id", "rank_for_demand", "pk")
        )

    @extend_schema(request=CandidacyReasonSerializer, responses=CandidacySerializer)
    @action(detail=True, methods=["post"])
    def shortlist(self, request, pk=None):
        """Enterprise (unit admins of the demand's enterprise) or secretariat: put this recommended student of a
        published run on the demand's shortlist; returns the candidacy (created as shortlisted, or the existing one
        — shortlisted if it was recommended, unchanged if further along). 400 when the run is not published, the
        demand no longer open or the student hired elsewhere; 404 out of scope."""
        # Read scope only: units never edit recommendations, the service decides who may shortlist (else 403).
        recommendation = self.get_visible_object()
        payload = CandidacyReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        candidacy = services.candidacy_from_recommendation(
            actor=request.user, recommendation=recommendation, reason=payload.validated_data.get("reason", "")
        )
        row = (
            Candidacy.objects.visible_to(request.user)
            .select_related("demand", "school_unit", "enterprise_unit", "recommendation", *_STUDENT)
            .prefetch_related(_certificates()).get(pk=candidacy.pk)
        )
        return Response(CandidacySerializer(row, context=self.get_serializer_context()).data)


class NeedMatchViewSet(TenantReadOnlyViewSet):
    model = NeedMatch
    serializer_class = NeedMatchSerializer
    filterset_class = NeedMatchFilterSet
    ordering_fields = ["score", "rank"]

    def scope_queryset(self, queryset):
        return queryset.select_related("training_need", "technology_problem", "unit", "provider_unit").order_by(
            "run_id", "need_kind", "training_need_id", "technology_problem_id", "rank", "pk"
        )


class CandidacyViewSet(TenantReadOnlyViewSet):
    model = Candidacy
    serializer_class = CandidacySerializer
    filterset_class = CandidacyFilterSet
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["score", "status_changed_at", "created_at"]

    def scope_queryset(self, queryset):
        return (
            queryset.select_related("demand", "school_unit", "enterprise_unit", "recommendation", *_STUDENT)
            .prefetch_related(_certificates())
            .order_by("-score", "pk")
        )

    def _transition(self, request, name: str):
        candidacy = self.get_object()
        payload = CandidacyReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        moved = services.candidacy_transition(
            actor=request.user, candidacy=candidacy, action=name, reason=payload.validated_data.get("reason", "")
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=moved.pk)).data)

    @extend_schema(request=CandidacyReasonSerializer)
    @action(detail=True, methods=["post"])
    def shortlist(self, request, pk=None):
        """Enterprise: recommended → shortlisted."""
        return self._transition(request, "shortlist")

    @extend_schema(request=CandidacyReasonSerializer)
    @action(detail=True, methods=["post"])
    def interview(self, request, pk=None):
        """Enterprise: shortlisted → interview."""
        return self._transition(request, "interview")

    @extend_schema(request=CandidacyReasonSerializer)
    @action(detail=True, methods=["post"])
    def offer(self, request, pk=None):
        """Enterprise: interview → offer."""
        return self._transition(request, "offer")

    @extend_schema(request=CandidacyReasonSerializer)
    @action(detail=True, methods=["post"])
    def hire(self, request, pk=None):
        """Enterprise: offer → hired (the student's status and the demand's fill count follow)."""
        return self._transition(request, "hire")

    @extend_schema(request=CandidacyReasonSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Enterprise: decline the candidate."""
        return self._transition(request, "decline")

    @extend_schema(request=CandidacyReasonSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """School: withdraw its student."""
        return self._transition(request, "withdraw")

    @extend_schema(request=CandidacyNoteSerializer)
    @action(detail=True, methods=["post"])
    def note(self, request, pk=None):
        """Either party: change the free-text note."""
        candidacy = self.get_object()
        payload = CandidacyNoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.candidacy_note_update(actor=request.user, candidacy=candidacy, note=payload.validated_data["note"])
        return Response(self.get_serializer(self.get_queryset().get(pk=candidacy.pk)).data)


class CandidacyStatusChangeViewSet(TenantReadOnlyViewSet):
    model = CandidacyStatusChange
    serializer_class = CandidacyStatusChangeSerializer
    filterset_fields = ["candidacy", "to_status"]

    def scope_queryset(self, queryset):
        return queryset.select_related("actor").order_by("candidacy_id", "at", "pk")


router = SimpleRouter()
router.register("match-recommendations", RecommendationViewSet, basename="matchrecommendation")
router.register("need-matches", NeedMatchViewSet, basename="needmatch")
router.register("candidacies", CandidacyViewSet, basename="candidacy")
router.register("candidacy-status-changes", CandidacyStatusChangeViewSet, basename="candidacystatuschange")
