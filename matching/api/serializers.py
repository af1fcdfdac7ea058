"""Serializers of the matching API: shape only. Writes go through ``matching.services``; candidate identity fields
(name, gender, phone, student number) come from ``matching.selectors.candidate_card`` and are present only when the
user may see the student in clear (own school, secretariat, or the school shared the record)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consortium.tenancy.api.base import TenantModelSerializer
from enterprises.choices.demands import DemandKind

from .. import selectors
from ..choices import MatchKind
from ..models import Candidacy, CandidacyStatusChange, MatchRun, MatchSettings, NeedMatch, Recommendation

SHARED_IDS_KEY = "_matching_shared_student_ids"


class CandidateCardSerializer(serializers.Serializer):
    """The student of a recommendation or candidacy as the user may see it (documentation of the ``candidate`` dict)."""

    student_id = serializers.IntegerField()
    school = serializers.CharField()
    programme = serializers.CharField()
    programme_code = serializers.CharField()
    level = serializers.CharField()
    graduation = serializers.CharField()
    status = serializers.CharField()
    skills = serializers.ListField(child=serializers.CharField())
    certificates = serializers.ListField(child=serializers.CharField())
    willing_local = serializers.BooleanField()
    preferred_places = serializers.CharField()
    full = serializers.BooleanField(help_text=_("为真时才包含姓名、性别、手机和学号。"))
    name = serializers.CharField(required=False)
    gender = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    student_no = serializers.CharField(required=False)


class CandidateCardMixin:
    """Adds ``candidate``: one share lookup per response (cached in the root serializer's context)."""

    @extend_schema_field(CandidateCardSerializer)
    def get_candidate(self, obj: Recommendation | Candidacy) -> dict[str, Any]:
        context = self.context  # type: ignore[attr-defined]
        user = context["request"].user
        shared = context.get(SHARED_IDS_KEY)
        if shared is None:
            from schools.selectors import shared_student_ids

            shared = context[SHARED_IDS_KEY] = shared_student_ids(user)
        return selectors.candidate_card(user, obj, shared_ids=shared)


# --- settings and runs --------------------------------------------------------------------------------------------


class MatchSettingsSerializer(TenantModelSerializer):
    # null in /match-settings/current/ until the secretariat first saves (the defaults are shown, nothing is written)
    id = serializers.IntegerField(read_only=True, allow_null=True)
    weights = serializers.JSONField(
        label=_("评分权重"), required=False,
        help_text=_("按评分项给出0到1之间的权重，例如 {\"programme\": 0.4, \"skills\": 0.3}；未给出的项保持原值。"),
    )

    class Meta:
        model = MatchSettings
        fields = ["id", "consortium", "weights", "top_k", "candidate_k", "min_score", "stable", "synonyms",
                  "local_terms", "updated_by", "updated_at"]
        read_only_fields = ["updated_by", "updated_at"]
        validators: list = []


class MatchRunSerializer(TenantModelSerializer):
    """A run: the scope is written on create (``kinds``, ``cohort``, ``demand_kinds``, optional ``weights`` for this
    run only); everything else — status, progress, counts, hash, version, results — is read-only."""

    kinds = serializers.ListField(
        label=_("匹配内容"), child=serializers.ChoiceField(choices=MatchKind.choices), allow_empty=False,
        max_length=len(MatchKind.choices),
    )
    demand_kinds = serializers.ListField(
        label=_("需求类型"), child=serializers.ChoiceField(choices=DemandKind.choices), required=False,
        max_length=len(DemandKind.choices), default=list,
    )
    weights = serializers.DictField(
        label=_("本次权重"), child=serializers.FloatField(min_value=0.0, max_value=1.0), required=False,
        write_only=True, help_text=_("只用于本次运行的权重，未给出的项取联合体设置。"),
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    created_by_name = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()

    class Meta:
        model = MatchRun
        fields = ["id", "consortium", "kinds", "cohort", "demand_kinds", "weights", "params", "input_hash",
                  "algorithm_version", "status", "status_display", "progress", "progress_message", "cancel_requested",
                  "attempts", "counts", "student_count", "demand_count", "recommendation_count", "assignment_count",
                  "need_count", "need_match_count", "total_score", "stats", "error", "created_by", "created_by_name",
                  "created_at", "started_at", "finished_at", "published_at"]
        read_only_fields = ["params", "input_hash", "algorithm_version", "status", "progress", "progress_message",
                            "cancel_requested", "attempts", "student_count", "demand_count", "recommendation_count",
                            "assignment_count", "need_count", "need_match_count", "total_score", "stats", "error",
                            "created_by", "created_at", "started_at", "finished_at", "published_at"]
        validators: list = []

    def get_created_by_name(self, obj: MatchRun) -> str:
        return obj.created_by.display_name if obj.created_by else ""

    def get_counts(self, obj: MatchRun) -> dict[str, int]:
        return {
            "students": obj.student_count, "demands": obj.demand_count,
            "recommendations": obj.recommendation_count, "assignments": obj.assignment_count,
            "needs": obj.need_count, "need_matches": obj.need_match_count,
        }


class RunProgressSerializer(TenantModelSerializer):
    """The small polling payload of a run."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = MatchRun
        fields = ["id", "status", "status_display", "progress", "progress_message", "cancel_requested", "error",
                  "finished_at"]
        read_only_fields = fields


# --- results ------------------------------------------------------------------------------------------------------


class RecommendationSerializer(CandidateCardMixin, TenantModelSerializer):
    demand_position = serializers.CharField(source="demand.position", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise_unit.name", read_only=True)
    school_name = serializers.CharField(source="school_unit.name", read_only=True)
    candidate = serializers.SerializerMethodField()

    class Meta:
        model = Recommendation
        fields = ["id", "run", "student", "demand", "demand_position", "school_unit", "school_name",
                  "enterprise_unit", "enterprise_name", "score", "components", "explanation", "missing_skills",
                  "rank_for_student", "rank_for_demand", "in_plan", "candidate"]
        read_only_fields = fields


class NeedMatchSerializer(TenantModelSerializer):
    need_kind_display = serializers.CharField(source="get_need_kind_display", read_only=True)
    provider_kind_display = serializers.CharField(source="get_provider_kind_display", read_only=True)
    need_title = serializers.SerializerMethodField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    provider_unit_name = serializers.CharField(source="provider_unit.name", read_only=True, default="")

    class Meta:
        model = NeedMatch
        fields = ["id", "run", "need_kind", "need_kind_display", "training_need", "technology_problem", "need_title",
                  "unit", "unit_name", "provider_kind", "provider_kind_display", "provider_id", "provider_label",
                  "provider_unit", "provider_unit_name", "score", "matched_terms", "components", "explanation", "rank"]
        read_only_fields = fields

    def get_need_title(self, obj: NeedMatch) -> str:
        if obj.training_need_id:
            return obj.training_need.topic
        if obj.technology_problem_id:
            return obj.technology_problem.title
        return ""


class CandidacySerializer(CandidateCardMixin, TenantModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    demand_position = serializers.CharField(source="demand.position", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise_unit.name", read_only=True)
    school_name = serializers.CharField(source="school_unit.name", read_only=True)
    explanation = serializers.CharField(source="recommendation.explanation", read_only=True, default="")
    missing_skills = serializers.JSONField(source="recommendation.missing_skills", read_only=True, default=list)
    candidate = serializers.SerializerMethodField()

    class Meta:
        model = Candidacy
        fields = ["id", "student", "demand", "demand_position", "school_unit", "school_name", "enterprise_unit",
                  "enterprise_name", "run", "recommendation", "score", "explanation", "missing_skills", "status",
                  "status_display", "note", "candidate", "created_at", "updated_at", "status_changed_at"]
        read_only_fields = fields


class CandidacyStatusChangeSerializer(TenantModelSerializer):
    # "" for the first entry (created by publishing), which the choice enum of the schema cannot express
    from_status = serializers.CharField(read_only=True, help_text=_("原状态；首条记录为空。"))
    to_status_display = serializers.CharField(source="get_to_status_display", read_only=True)
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = CandidacyStatusChange
        fields = ["id", "candidacy", "school_unit", "enterprise_unit", "from_status", "to_status", "to_status_display",
                  "reason", "actor", "actor_name", "at"]
        read_only_fields = fields

    def get_actor_name(self, obj: CandidacyStatusChange) -> str:
        return obj.actor.display_name if obj.actor else ""


class CandidacyReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("原因"), required=False, allow_blank=True, max_length=2000)


class CandidacyNoteSerializer(serializers.Serializer):
    note = serializers.CharField(label=_("备注"), allow_blank=True, max_length=2000)
