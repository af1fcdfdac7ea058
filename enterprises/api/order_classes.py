"""API of order classes and modern industry colleges (serializers, viewsets, router).

Every viewset derives from the scoped base. Writes go through ``enterprises.services.order_classes``. The lifecycle
actions (``transition``, ``confirm``, ``share``) fetch the class through the visible scope and let the service
check the acting party (the partner enterprise may act on its steps without being able to edit the record);
``enrol`` (bulk) needs the class to be editable. Students' personal fields are masked unless the user may see them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from consortium.tenancy.api.base import (
    TenantModelSerializer,
    TenantModelViewSet,
    TenantReadOnlyViewSet,
)
from schools.models import Student

from ..choices.order_classes import TRANSITIONS, EnrolmentStatus
from ..models.order_classes import (
    Assessment,
    AssessmentScore,
    CollegeAnnualReport,
    CollegeGovernanceMember,
    CollegeMember,
    Employment,
    ModernIndustryCollege,
    OrderClass,
    OrderClassEnrolment,
    OrderClassStageChange,
    RetentionCheck,
    TeachingResource,
    TeamMember,
    TrainingPlanItem,
)
from ..selectors import order_classes as selectors
from ..services import order_classes as services


def _data(serializer: serializers.BaseSerializer, *drop: str) -> dict[str, Any]:
    data = dict(serializer.validated_data)
    for key in ("consortium", *drop):
        data.pop(key, None)
    return data


class CleanUpdateSerializer(TenantModelSerializer):
    """Updates run the model's ``full_clean`` (one-row invariants) before saving."""

    def update(self, instance, validated_data):
        validated_data.pop("consortium", None)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        instance.full_clean()
        instance.save()
        return instance


# --- serializers ----------------------------------------------------------------------------------------------


class OrderClassSerializer(TenantModelSerializer):
    enrolled_count = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = OrderClass
        fields = [
            "id",
            "consortium",
            "unit",
            "partner_unit",
            "college",
            "kind",
            "name",
            "programme",
            "cohort",
            "quota",
            "cost_school_pct",
            "cost_enterprise_pct",
            "cost_government_pct",
            "cost_note",
            "employment_commitment",
            "committed_positions",
            "stage",
            "proposed_by",
            "starts_on",
            "ends_on",
            "school_confirmed_at",
            "enterprise_confirmed_at",
            "enrolled_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["stage", "proposed_by", "school_confirmed_at", "enterprise_confirmed_at"]


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=sorted(TRANSITIONS))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class EnrolSerializer(serializers.Serializer):
    students = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=500)
    consent_on = serializers.DateField()
    enrolled_on = serializers.DateField(required=False, allow_null=True, default=None)


class EnrolmentSerializer(TenantModelSerializer):
    student_label = serializers.SerializerMethodField()

    class Meta:
        model = OrderClassEnrolment
        fields = [
            "id",
            "consortium",
            "unit",
            "order_class",
            "student",
            "student_label",
            "consent_on",
            "status",
            "enrolled_on",
            "note",
        ]
        read_only_fields = ["unit", "status"]

    def get_student_label(self, obj: OrderClassEnrolment) -> str:
        return selectors.student_label(self.context["request"].user, obj)


class StageChangeSerializer(TenantModelSerializer):
    class Meta:
        model = OrderClassStageChange
        fields = [
            "id",
            "consortium",
            "unit",
            "order_class",
            "from_stage",
            "to_stage",
            "party",
            "actor",
            "reason",
            "changed_at",
        ]
        read_only_fields = fields


def _child_serializer(child_model: type, child_fields: list[str]) -> type:
    class Meta:
        model = child_model
        fields = ["id", "consortium", "unit", "order_class", *child_fields]
        read_only_fields = ["unit"]

    return type(f"{child_model.__name__}Serializer", (CleanUpdateSerializer,), {"Meta": Meta, "__module__": __name__})


TrainingPlanItemSerializer = _child_serializer(TrainingPlanItem, list(services.PLAN_FIELDS))
TeamMemberSerializer = _child_serializer(TeamMember, list(services.TEAM_FIELDS))
TeachingResourceSerializer = _child_serializer(TeachingResource, list(services.RESOURCE_FIELDS))
AssessmentSerializer = _child_serializer(Assessment, list(services.ASSESSMENT_FIELDS))


class AssessmentScoreSerializer(CleanUpdateSerializer):
    final_score = serializers.DecimalField(max_digits=5, decimal_places=1, read_only=True)

    class Meta:
        model = AssessmentScore
        fields = [
            "id",
            "consortium",
            "unit",
            "assessment",
            "enrolment",
            "school_score",
            "enterprise_score",
            "final_score",
        ]
        read_only_fields = ["unit"]


class EmploymentSerializer(CleanUpdateSerializer):
    class Meta:
        model = Employment
        fields = ["id", "consortium", "unit", "order_class", "enrolment", "employed_on", "position"]
        read_only_fields = ["unit", "order_class"]


class RetentionCheckSerializer(CleanUpdateSerializer):
    class Meta:
        model = RetentionCheck
        fields = ["id", "consortium", "unit", "order_class", "enrolment", "months", "still_employed", "checked_on"]
        read_only_fields = ["unit", "order_class"]


class CollegeSerializer(TenantModelSerializer):
    class Meta:
        model = ModernIndustryCollege
        fields = ["id", "consortium", "unit", "name", "description", "established_on", "programmes", "created_at"]
        validators: list = []  # the (consortium, name) uniqueness is checked by the service (model full_clean)


class CollegeMemberSerializer(CleanUpdateSerializer):
    class Meta:
        model = CollegeMember
        fields = ["id", "consortium", "unit", "college", "member_unit", "role", "note"]
        read_only_fields = ["unit"]


class CollegeGovernanceSerializer(CleanUpdateSerializer):
    class Meta:
        model = CollegeGovernanceMember
        fields = ["id", "consortium", "unit", "college", *services.GOVERNANCE_FIELDS]
        read_only_fields = ["unit"]


class CollegeReportSerializer(CleanUpdateSerializer):
    class Meta:
        model = CollegeAnnualReport
        fields = ["id", "consortium", "unit", "college", "year", *services.REPORT_FIELDS]
        read_only_fields = ["unit"]


# --- viewsets -------------------------------------------------------------------------------------------------


class NoBodySerializer(serializers.Serializer):
    """Actions that take no request body."""


class OrderClassViewSet(TenantModelViewSet):
    model = OrderClass
    serializer_class = OrderClassSerializer
    filterset_fields = ["stage", "kind", "unit", "partner_unit", "college", "cohort"]
    search_fields = ["name"]

    def scope_queryset(self, queryset):
        return (
            queryset.select_related("unit", "partner_unit", "programme")
            .annotate(enrolled_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)))
            .order_by("-cohort", "name", "id")
        )

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        return services.order_class_create(
            actor=self.request.user, unit=data.pop("unit"), partner_unit=data.pop("partner_unit"), **data
        )

    def perform_scoped_update(self, serializer):
        return services.order_class_update(
            actor=self.request.user, order_class=serializer.instance, **_data(serializer, "unit", "partner_unit")
        )

    def perform_scoped_destroy(self, instance):
        services.order_class_delete(actor=self.request.user, order_class=instance)

    @extend_schema(request=TransitionSerializer, responses=OrderClassSerializer)
    @action(detail=True, methods=["post"], serializer_class=TransitionSerializer)
    def transition(self, request, pk=None):
        """Apply a lifecycle transition (body: ``action``, optional ``reason``); refused with the reason."""
        order_class = self.get_visible_object()
        if not services.parties_of(request.user, order_class):
            raise PermissionDenied(_("只有学校、合作企业的单位管理员或秘书处可以推进订单班。"))
        payload = TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        obj = services.order_class_transition(actor=request.user, order_class=order_class, **payload.validated_data)
        return Response(
            OrderClassSerializer(self.get_queryset().get(pk=obj.pk), context=self.get_serializer_context()).data
        )

    @extend_schema(request=NoBodySerializer, responses=OrderClassSerializer)
    @action(detail=True, methods=["post"], serializer_class=NoBodySerializer)
    def confirm(self, request, pk=None):
        """The school's or the enterprise's confirmation of the tripartite agreement."""
        obj = services.order_class_confirm(actor=request.user, order_class=self.get_visible_object())
        return Response(
            OrderClassSerializer(self.get_queryset().get(pk=obj.pk), context=self.get_serializer_context()).data
        )

    @extend_schema(
        request=NoBodySerializer,
        responses=inline_serializer("OrderClassShareResult", {"users": serializers.IntegerField()}),
    )
    @action(detail=True, methods=["post"], serializer_class=NoBodySerializer)
    def share(self, request, pk=None):
        """Re-share the class with the partner unit's active users (e.g. after new users joined)."""
        count = services.order_class_share(actor=request.user, order_class=self.get_visible_object())
        return Response({"users": count})

    @extend_schema(request=EnrolSerializer, responses={201: EnrolmentSerializer(many=True)})
    @action(detail=True, methods=["post"], serializer_class=EnrolSerializer, pagination_class=None)
    def enrol(self, request, pk=None):
        """Bulk enrolment (all-or-nothing, up to the quota): ``students`` ids, ``consent_on``, ``enrolled_on``."""
        order_class = self.get_object()  # unsafe method: must be editable
        payload = EnrolSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ids = payload.validated_data["students"]
        students = list(Student.objects.visible_to(request.user).filter(pk__in=ids))
        missing = sorted(set(ids) - {s.pk for s in students})
        if missing:
            raise serializers.ValidationError({"students": [_("学生%(pk)s不存在。") % {"pk": pk} for pk in missing]})
        created = services.enrolments_create(
            actor=request.user,
            order_class=order_class,
            students=students,
            consent_on=payload.validated_data["consent_on"],
            enrolled_on=payload.validated_data["enrolled_on"],
        )
        rows = OrderClassEnrolment.objects.visible_to(request.user).filter(pk__in=[e.pk for e in created])
        return Response(
            EnrolmentSerializer(rows.select_related("student"), many=True, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class EnrolmentViewSet(TenantModelViewSet):
    model = OrderClassEnrolment
    serializer_class = EnrolmentSerializer
    filterset_fields = ["order_class", "status"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scope_queryset(self, queryset):
        return queryset.select_related("student")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        return services.enrolment_create(
            actor=self.request.user,
            order_class=data["order_class"],
            student=data["student"],
            consent_on=data.get("consent_on"),
            enrolled_on=data.get("enrolled_on"),
        )

    def perform_scoped_update(self, serializer):
        instance = serializer.instance
        data = _data(serializer, "order_class", "student", "unit")
        for name, value in data.items():
            setattr(instance, name, value)
        instance.full_clean()
        instance.save()
        return instance

    def perform_scoped_destroy(self, instance):
        services.enrolment_withdraw(actor=self.request.user, enrolment=instance)


class StageChangeViewSet(TenantReadOnlyViewSet):
    model = OrderClassStageChange
    serializer_class = StageChangeSerializer
    filterset_fields = ["order_class"]


class _ChildViewSet(TenantModelViewSet):
    create_service: Any = None

    def perform_scoped_create(self, serializer):
        data = _data(serializer, "unit")
        order_class = data.pop("order_class")
        return type(self).create_service(actor=self.request.user, order_class=order_class, **data)

    def perform_scoped_update(self, serializer):
        serializer.validated_data.pop("order_class", None)
        return serializer.save()

    def perform_scoped_destroy(self, instance):
        services.child_delete(actor=self.request.user, obj=instance)


class TrainingPlanItemViewSet(_ChildViewSet):
    model = TrainingPlanItem
    serializer_class = TrainingPlanItemSerializer
    filterset_fields = ["order_class", "taught_by"]
    create_service = staticmethod(services.plan_item_create)


class TeamMemberViewSet(_ChildViewSet):
    model = TeamMember
    serializer_class = TeamMemberSerializer
    filterset_fields = ["order_class", "side"]
    create_service = staticmethod(services.team_member_create)


class TeachingResourceViewSet(_ChildViewSet):
    model = TeachingResource
    serializer_class = TeachingResourceSerializer
    filterset_fields = ["order_class", "kind"]
    create_service = staticmethod(services.resource_create)


class AssessmentViewSet(_ChildViewSet):
    model = Assessment
    serializer_class = AssessmentSerializer
    filterset_fields = ["order_class"]
    create_service = staticmethod(services.assessment_create)


class AssessmentScoreViewSet(TenantModelViewSet):
    model = AssessmentScore
    serializer_class = AssessmentScoreSerializer
    filterset_fields = ["assessment", "enrolment"]

    def scope_queryset(self, queryset):
        return queryset.select_related("assessment")

    def perform_scoped_create(self, serializer):
        data = _data(serializer, "unit")
        return services.score_record(actor=self.request.user, **data)

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "unit", "assessment", "enrolment")
        instance = serializer.instance
        return services.score_record(
            actor=self.request.user, assessment=instance.assessment, enrolment=instance.enrolment, **data
        )


class EmploymentViewSet(TenantModelViewSet):
    model = Employment
    serializer_class = EmploymentSerializer
    filterset_fields = ["order_class"]

    def perform_scoped_create(self, serializer):
        data = _data(serializer, "unit", "order_class")
        return services.employment_record(actor=self.request.user, **data)

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "unit", "order_class")
        data.setdefault("employed_on", serializer.instance.employed_on)
        data.setdefault("position", serializer.instance.position)
        data["enrolment"] = serializer.instance.enrolment
        return services.employment_record(actor=self.request.user, **data)


class RetentionCheckViewSet(TenantModelViewSet):
    model = RetentionCheck
    serializer_class = RetentionCheckSerializer
    filterset_fields = ["order_class", "months"]

    def perform_scoped_create(self, serializer):
        data = _data(serializer, "unit", "order_class")
        return services.retention_record(actor=self.request.user, **data)


class CollegeViewSet(TenantModelViewSet):
    model = ModernIndustryCollege
    serializer_class = CollegeSerializer
    search_fields = ["name"]
    filterset_fields = ["unit"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit").prefetch_related("programmes")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        return services.college_create(
            actor=self.request.user, unit=data.pop("unit"), programmes=data.pop("programmes", []), **data
        )

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "unit")
        return services.college_update(
            actor=self.request.user, college=serializer.instance, programmes=data.pop("programmes", None), **data
        )


class CollegeMemberViewSet(TenantModelViewSet):
    model = CollegeMember
    serializer_class = CollegeMemberSerializer
    filterset_fields = ["college", "role"]

    def perform_scoped_create(self, serializer):
        return services.college_member_add(actor=self.request.user, **_data(serializer, "unit"))


class CollegeGovernanceViewSet(TenantModelViewSet):
    model = CollegeGovernanceMember
    serializer_class = CollegeGovernanceSerializer
    filterset_fields = ["college"]

    def perform_scoped_create(self, serializer):
        data = _data(serializer, "unit")
        return services.college_governance_add(actor=self.request.user, college=data.pop("college"), **data)


class CollegeReportViewSet(TenantModelViewSet):
    model = CollegeAnnualReport
    serializer_class = CollegeReportSerializer
    filterset_fields = ["college", "year"]

    def perform_scoped_create(self, serializer):
        data = _data(serializer, "unit")
        return services.college_report_upsert(
            actor=self.request.user, college=data.pop("college"), year=data.pop("year"), **data
        )


router = DefaultRouter()
router.include_root_view = False
router.register("order-classes", OrderClassViewSet, basename="orderclass")
router.register("order-class-enrolments", EnrolmentViewSet, basename="orderclassenrolment")
router.register("order-class-stage-changes", StageChangeViewSet, basename="orderclassstagechange")
router.register("order-class-plan-items", TrainingPlanItemViewSet, basename="trainingplanitem")
router.register("order-class-team", TeamMemberViewSet, basename="teammember")
router.register("order-class-resources", TeachingResourceViewSet, basename="teachingresource")
router.register("order-class-assessments", AssessmentViewSet, basename="assessment")
router.register("order-class-scores", AssessmentScoreViewSet, basename="assessmentscore")
router.register("order-class-employments", EmploymentViewSet, basename="orderclassemployment")
router.register("order-class-retention-checks", RetentionCheckViewSet, basename="retentioncheck")
router.register("industry-colleges", CollegeViewSet, basename="industrycollege")
router.register("industry-college-members", CollegeMemberViewSet, basename="industrycollegemember")
router.register("industry-college-governance", CollegeGovernanceViewSet, basename="industrycollegegovernance")
router.register("industry-college-reports", CollegeReportViewSet, basename="industrycollegereport")
