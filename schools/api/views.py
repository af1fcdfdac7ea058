"""API viewsets of the schools app. Every viewset derives from the scoped base; every write goes through
``schools.services`` (which enforce permissions, same-school relations and the part-time cap); reads of aggregates go
through ``schools.selectors``. List querysets join or prefetch what the serializers show, so a list costs a constant
number of queries whatever its length."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from consortium.tenancy.api.base import TenantModelViewSet, TenantReadOnlyViewSet

from .. import filtersets, selectors, services
from ..models import (
    Campus,
    DualQualification,
    EngagementRequest,
    EnterprisePractice,
    IndustryProfessor,
    PoolExpert,
    Programme,
    ProgrammeGroup,
    ProgrammeIndustryLink,
    ProgrammeMajorCategory,
    ProgrammeOffering,
    SchoolProfile,
    Student,
    StudentCertificate,
    Studio,
    Teacher,
    TrainingBase,
)
from .serializers import (
    CampusSerializer,
    DualQualificationSerializer,
    EngagementDecisionSerializer,
    EngagementRequestSerializer,
    EnterprisePracticeSerializer,
    IndustryProfessorSerializer,
    PartTimeStatusSerializer,
    PoolExpertSerializer,
    PracticeTotalQuerySerializer,
    ProgrammeGroupSerializer,
    ProgrammeLinkSerializer,
    ProgrammeLinksSerializer,
    ProgrammeMajorCategorySerializer,
    ProgrammeOfferingSerializer,
    ProgrammeSerializer,
    SchoolPracticeTotalSerializer,
    SchoolProfileSerializer,
    StudentCertificateSerializer,
    StudentSerializer,
    StudentShareResultSerializer,
    StudentShareSerializer,
    StudioSerializer,
    SupplyQuerySerializer,
    SupplyRowSerializer,
    TeacherPracticeTotalSerializer,
    TeacherSerializer,
    TrainingBaseSerializer,
)

NO_DELETE = ["get", "post", "put", "patch", "head", "options"]
CREATE_AND_READ = ["get", "post", "head", "options"]


def _data(serializer: serializers.BaseSerializer, *drop: str) -> dict[str, Any]:
    """The validated data minus the consortium (set by the service from the unit) and the ``drop``ped keys."""
    data = dict(serializer.validated_data)
    for key in ("consortium", *drop):
        data.pop(key, None)
    return data


def _query(serializer_class: type[serializers.Serializer], request: Any, view: Any) -> dict[str, Any]:
    """Validated query parameters (400 with field messages on bad input)."""
    payload = serializer_class(data=request.query_params, context=view.get_serializer_context())
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


# --- reference ----------------------------------------------------------------------------------------------------


class ProgrammeMajorCategoryViewSet(TenantReadOnlyViewSet):
    """The 2021 catalogue's major categories (global reference data; maintained by platform admins)."""

    model = ProgrammeMajorCategory
    serializer_class = ProgrammeMajorCategorySerializer
    search_fields = ["name", "code_secondary", "code_associate", "code_bachelor"]
    pagination_class = None


# --- schools ------------------------------------------------------------------------------------------------------


class SchoolProfileViewSet(TenantModelViewSet):
    model = SchoolProfile
    serializer_class = SchoolProfileSerializer
    filterset_class = filtersets.SchoolProfileFilterSet
    search_fields = ["unit__name"]
    ordering_fields = ["staffing_quota", "enrolment", "founded_year"]
    http_method_names = NO_DELETE  # a profile goes with its member unit

    def scope_queryset(self, queryset):
        return queryset.select_related("unit")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        unit = data.pop("unit")
        return services.school_profile_upsert(actor=self.request.user, unit=unit, **data)

    def perform_scoped_update(self, serializer):
        return services.school_profile_update(
            actor=self.request.user, profile=serializer.instance, **_data(serializer, "unit")
        )

    @extend_schema(responses=PartTimeStatusSerializer)
    @action(detail=True, methods=["get"], url_path="part-time-status")
    def part_time_status(self, request, pk=None):
        """Quota, cap (20 % of the quota), current active part-time teachers and headroom."""
        profile = self.get_object()
        result = selectors.part_time_status(request.user, profile.unit)
        if result is None:  # pragma: no cover - the profile was just read through the same scope
            raise NotFound()
        return Response(PartTimeStatusSerializer(result).data)


class CampusViewSet(TenantModelViewSet):
    model = Campus
    serializer_class = CampusSerializer
    filterset_fields = ["unit", "school"]
    search_fields = ["name", "address"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        unit = data.pop("unit")
        return services.campus_create(actor=self.request.user, unit=unit, **data)

    def perform_scoped_update(self, serializer):
        return services.campus_update(actor=self.request.user, campus=serializer.instance, **_data(serializer, "unit"))

    def perform_scoped_destroy(self, instance):
        services.campus_delete(actor=self.request.user, campus=instance)


# --- programmes ---------------------------------------------------------------------------------------------------


class ProgrammeViewSet(TenantModelViewSet):
    model = Programme
    serializer_class = ProgrammeSerializer
    filterset_class = filtersets.ProgrammeFilterSet
    search_fields = ["name", "code", "unit__name"]
    ordering_fields = ["code", "name", "level"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "major_category")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        unit = data.pop("unit")
        return services.programme_create(actor=self.request.user, unit=unit, **data)

    def perform_scoped_update(self, serializer):
        return services.programme_update(
            actor=self.request.user, programme=serializer.instance, **_data(serializer, "unit")
        )

    def perform_scoped_destroy(self, instance):
        services.programme_delete(actor=self.request.user, programme=instance)

    @extend_schema(methods=["GET"], responses=ProgrammeLinkSerializer(many=True))
    @extend_schema(methods=["PUT"], request=ProgrammeLinksSerializer, responses=ProgrammeLinkSerializer(many=True))
    @action(detail=True, methods=["get", "put"], pagination_class=None)
    def links(self, request, pk=None):
        """The programme's mapping to 4567 industries and local chains (PUT replaces it as a whole)."""
        programme = self.get_object()  # PUT: get_object also requires the programme to be editable
        if request.method == "PUT":
            payload = ProgrammeLinksSerializer(data=request.data, context=self.get_serializer_context())
            payload.is_valid(raise_exception=True)
            services.programme_link_set(actor=request.user, programme=programme, links=payload.validated_data["links"])
        links = (
            ProgrammeIndustryLink.objects.visible_to(request.user)
            .filter(programme=programme)
            .select_related("industry", "local_chain")
        )
        return Response(ProgrammeLinkSerializer(links, many=True, context=self.get_serializer_context()).data)


class ProgrammeGroupViewSet(TenantModelViewSet):
    model = ProgrammeGroup
    serializer_class = ProgrammeGroupSerializer
    filterset_fields = ["unit", "lead_programme", "programmes"]
    search_fields = ["name"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit").prefetch_related(
            Prefetch("programmes", queryset=Programme.objects.only("pk"))
        )

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        unit = data.pop("unit")
        programmes = data.pop("programmes", [])
        return services.programme_group_create(actor=self.request.user, unit=unit, programmes=programmes, **data)

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "unit")
        programmes = data.pop("programmes", None)
        return services.programme_group_update(
            actor=self.request.user, group=serializer.instance, programmes=programmes, **data
        )

    def perform_scoped_destroy(self, instance):
        services.programme_group_delete(actor=self.request.user, group=instance)


class ProgrammeOfferingViewSet(TenantModelViewSet):
    model = ProgrammeOffering
    serializer_class = ProgrammeOfferingSerializer
    filterset_class = filtersets.ProgrammeOfferingFilterSet
    search_fields = ["programme__name", "programme__code", "unit__name"]
    ordering_fields = ["year", "planned_intake", "status"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "programme")

    def perform_scoped_create(self, serializer):
        data = _data(serializer, "unit")
        offering, _created = services.offering_upsert(
            actor=self.request.user, programme=data.pop("programme"), year=data.pop("year"), **data
        )
        return offering

    def perform_scoped_update(self, serializer):
        offering = serializer.instance
        data = _data(serializer, "unit", "programme", "year")
        offering, _created = services.offering_upsert(
            actor=self.request.user, programme=offering.programme, year=offering.year, **data
        )
        return offering

    def perform_scoped_destroy(self, instance):
        services.offering_delete(actor=self.request.user, offering=instance)

    @extend_schema(parameters=[SupplyQuerySerializer], responses=SupplyRowSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def supply(self, request):
        """Graduate supply per programme offering, derived from the student records (``selectors.supply_by_offering``).

        Filters: ``year`` (offering year), ``graduation_year`` (for ``expected_graduates``; default this year),
        ``unit`` (a school)."""
        params = _query(SupplyQuerySerializer, request, self)
        rows = selectors.supply_by_offering(request.user, **params)
        return Response(SupplyRowSerializer(rows, many=True).data)


class ProgrammeLinkViewSet(TenantReadOnlyViewSet):
    """Programme ↔ industry / local chain mapping rows (read-only here; write through ``programmes/{id}/links/``)."""

    model = ProgrammeIndustryLink
    serializer_class = ProgrammeLinkSerializer
    filterset_fields = ["unit", "programme", "industry", "local_chain"]

    def scope_queryset(self, queryset):
        return queryset.select_related("industry", "local_chain")


# --- teachers -----------------------------------------------------------------------------------------------------


class TeacherViewSet(TenantModelViewSet):
    """Teachers of a school (own school, secretariat and officials). ID number and phone are masked for everyone
    except the owning school and the secretariat. A teacher is deactivated, not deleted."""

    model = Teacher
    serializer_class = TeacherSerializer
    filterset_class = filtersets.TeacherFilterSet
    search_fields = ["name", "title", "expertise"]
    ordering_fields = ["name", "employment", "created_at"]
    http_method_names = NO_DELETE

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "source_unit").prefetch_related(
            Prefetch("programmes", queryset=Programme.objects.only("pk"))
        )

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        unit = data.pop("unit")
        programmes = data.pop("programmes", [])
        return services.teacher_create(actor=self.request.user, unit=unit, programmes=programmes, **data)

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "unit")
        programmes = data.pop("programmes", None)
        return services.teacher_update(
            actor=self.request.user, teacher=serializer.instance, programmes=programmes, **data
        )

    @extend_schema(request=None, responses=TeacherSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """The teacher no longer works at the school (frees a part-time place; unlists the pool entry)."""
        teacher = services.teacher_deactivate(actor=request.user, teacher=self.get_object())
        return Response(self.get_serializer(teacher).data)


class DualQualificationViewSet(TenantModelViewSet):
    model = DualQualification
    serializer_class = DualQualificationSerializer
    filterset_class = filtersets.DualQualificationFilterSet
    search_fields = ["teacher__name", "evidence"]
    ordering_fields = ["expires_on", "certified_on"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "teacher")

    def perform_scoped_create(self, serializer):
        data = _data(serializer, "unit")
        teacher = data.pop("teacher")
        return services.dual_qualification_create(actor=self.request.user, teacher=teacher, **data)

    def perform_scoped_update(self, serializer):
        return services.dual_qualification_update(
            actor=self.request.user, certification=serializer.instance, **_data(serializer, "unit", "teacher")
        )

    def perform_scoped_destroy(self, instance):
        services.dual_qualification_delete(actor=self.request.user, certification=instance)


class IndustryProfessorViewSet(TenantModelViewSet):
    model = IndustryProfessor
    serializer_class = IndustryProfessorSerializer
    filterset_fields = ["unit", "kind", "from_unit"]
    search_fields = ["person_name", "outputs"]
    ordering_fields = ["term_start", "term_end", "person_name"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "from_unit")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        unit = data.pop("unit")
        return services.professor_create(actor=self.request.user, unit=unit, **data)

    def perform_scoped_update(self, serializer):
        return services.professor_update(
            actor=self.request.user, professor=serializer.instance, **_data(serializer, "unit")
        )

    def perform_scoped_destroy(self, instance):
        services.professor_delete(actor=self.request.user, professor=instance)


class StudioViewSet(TenantModelViewSet):
    model = Studio
    serializer_class = StudioSerializer
    filterset_fields = ["unit", "kind", "partner_unit"]
    search_fields = ["name", "lead_name"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "partner_unit")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        unit = data.pop("unit")
        return services.studio_create(actor=self.request.user, unit=unit, **data)

    def perform_scoped_update(self, serializer):
        return services.studio_update(actor=self.request.user, studio=serializer.instance, **_data(serializer, "unit"))

    def perform_scoped_destroy(self, instance):
        services.studio_delete(actor=self.request.user, studio=instance)


class PoolExpertViewSet(TenantModelViewSet):
    """The consortium's shared part-time teacher pool: listed entries are searchable consortium-wide (``q``,
    ``industry``); only non-personal fields are served."""

    model = PoolExpert
    serializer_class = PoolExpertSerializer
    filterset_class = filtersets.PoolExpertFilterSet
    ordering_fields = ["name", "available_hours_per_term", "created_at"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit").prefetch_related("industries")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        unit = data.pop("unit")
        industries = data.pop("industries", [])
        return services.pool_expert_create(actor=self.request.user, unit=unit, industries=industries, **data)

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "unit", "teacher")
        industries = data.pop("industries", None)
        return services.pool_expert_update(
            actor=self.request.user, expert=serializer.instance, industries=industries, **data
        )

    def perform_scoped_destroy(self, instance):
        services.pool_expert_delete(actor=self.request.user, expert=instance)


class EngagementRequestViewSet(TenantModelViewSet):
    """A school asks to engage a pool expert; the expert's unit decides (``decide``); the school may ``withdraw``.
    Approval creates a part-time teacher in the school, within the part-time cap."""

    model = EngagementRequest
    serializer_class = EngagementRequestSerializer
    filterset_class = filtersets.EngagementRequestFilterSet
    ordering_fields = ["created_at", "period_start", "status"]
    http_method_names = CREATE_AND_READ

    def scope_queryset(self, queryset):
        return queryset.select_related("school_unit", "unit", "expert")

    def perform_scoped_create(self, serializer):
        data = _data(serializer, "unit")
        return services.engagement_request(actor=self.request.user, **data)

    @extend_schema(request=EngagementDecisionSerializer, responses=EngagementRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        engagement = self.get_object()
        payload = EngagementDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        engagement = services.engagement_decide(
            actor=request.user,
            engagement=engagement,
            approve=payload.validated_data["approve"],
            reason=payload.validated_data.get("reason", ""),
        )
        return Response(self.get_serializer(engagement).data)

    @extend_schema(request=None, responses=EngagementRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        engagement = services.engagement_withdraw(actor=request.user, engagement=self.get_object())
        return Response(self.get_serializer(engagement).data)


# --- enterprise practice and training bases -----------------------------------------------------------------------


class EnterprisePracticeViewSet(TenantModelViewSet):
    model = EnterprisePractice
    serializer_class = EnterprisePracticeSerializer
    filterset_class = filtersets.EnterprisePracticeFilterSet
    search_fields = ["teacher__name", "host_name", "host_unit__name", "content"]
    ordering_fields = ["start_date", "hours"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "teacher", "host_unit")

    def perform_scoped_create(self, serializer):
        data = _data(serializer, "unit")
        teacher = data.pop("teacher")
        return services.practice_create(actor=self.request.user, teacher=teacher, **data)

    def perform_scoped_update(self, serializer):
        return services.practice_update(
            actor=self.request.user, practice=serializer.instance, **_data(serializer, "unit", "teacher")
        )

    def perform_scoped_destroy(self, instance):
        services.practice_delete(actor=self.request.user, practice=instance)


class PracticeTotalViewSet(TenantReadOnlyViewSet):
    """Enterprise-practice totals per teacher (``selectors.practice_totals_by_teacher``: one row per visible
    teacher) and per school (``by-school``). Filters: ``unit``, ``since``/``until`` (practice start dates)."""

    model = Teacher
    serializer_class = TeacherPracticeTotalSerializer
    filter_backends: list = []  # the selector does the filtering (validated query parameters)

    def scope_queryset(self, queryset):
        # The selector starts from the same ``Teacher.objects.visible_to(user)`` and adds the annotations.
        params = _query(PracticeTotalQuerySerializer, self.request, self)
        return selectors.practice_totals_by_teacher(self.request.user, **params)

    @extend_schema(parameters=[PracticeTotalQuerySerializer], responses=TeacherPracticeTotalSerializer(many=True))
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=[OpenApiParameter("since", str), OpenApiParameter("until", str)],
        responses=SchoolPracticeTotalSerializer(many=True),
    )
    @action(detail=False, methods=["get"], url_path="by-school", pagination_class=None)
    def by_school(self, request):
        params = _query(PracticeTotalQuerySerializer, request, self)
        params.pop("unit", None)
        rows = selectors.practice_totals_by_school(request.user, **params)
        return Response(SchoolPracticeTotalSerializer(rows, many=True).data)


class TrainingBaseViewSet(TenantModelViewSet):
    model = TrainingBase
    serializer_class = TrainingBaseSerializer
    filterset_fields = ["unit", "kind", "is_active"]
    search_fields = ["name", "address"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        unit = data.pop("unit")
        return services.training_base_create(actor=self.request.user, unit=unit, **data)

    def perform_scoped_update(self, serializer):
        return services.training_base_update(
            actor=self.request.user, base=serializer.instance, **_data(serializer, "unit")
        )

    def perform_scoped_destroy(self, instance):
        services.training_base_delete(actor=self.request.user, base=instance)


# --- students -----------------------------------------------------------------------------------------------------


class _SharedIds:
    """``selectors.shared_student_ids`` computed at most once per request (and only when a row needs it)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.value: set[int] | None = None

    def __call__(self) -> set[int]:
        if self.value is None:
            self.value = selectors.shared_student_ids(self.user)
        return self.value


class StudentViewSet(TenantModelViewSet):
    """Students and graduates. Every user of the consortium lists them (the supply side of matching); the personal
    fields are null unless the user may see them (owning school, secretariat, or the record was shared)."""

    model = Student
    serializer_class = StudentSerializer
    filterset_class = filtersets.StudentFilterSet
    search_fields = ["skills", "preferred_places", "offering__programme__name"]
    ordering_fields = ["cohort", "expected_graduation", "status"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "offering__programme").prefetch_related("preferred_industries")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not hasattr(self, "_shared_ids"):
            self._shared_ids = _SharedIds(self.request.user)
        context["shared_student_ids"] = self._shared_ids
        return context

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        unit = data.pop("unit")
        industries = data.pop("preferred_industries", [])
        return services.student_create(actor=self.request.user, unit=unit, preferred_industries=industries, **data)

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "unit")
        industries = data.pop("preferred_industries", None)
        return services.student_update(
            actor=self.request.user, student=serializer.instance, preferred_industries=industries, **data
        )

    def perform_scoped_destroy(self, instance):
        services.student_delete(actor=self.request.user, student=instance)

    def _share(self, request, service):
        student = self.get_object()
        payload = StudentShareSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        users = service(actor=request.user, student=student, unit=payload.validated_data["unit"])
        return Response(StudentShareResultSerializer({"users": users}).data, status=status.HTTP_200_OK)

    @extend_schema(request=StudentShareSerializer, responses=StudentShareResultSerializer)
    @action(detail=True, methods=["post"])
    def share(self, request, pk=None):
        """Share the full record (incl. personal fields) with the users of a partner unit."""
        return self._share(request, services.student_share)

    @extend_schema(request=StudentShareSerializer, responses=StudentShareResultSerializer)
    @action(detail=True, methods=["post"])
    def unshare(self, request, pk=None):
        """Withdraw a share from the users of a unit."""
        return self._share(request, services.student_unshare)


class StudentCertificateViewSet(TenantModelViewSet):
    model = StudentCertificate
    serializer_class = StudentCertificateSerializer
    filterset_fields = ["unit", "student", "kind"]
    search_fields = ["name", "issuer"]

    def scope_queryset(self, queryset):
        return queryset.select_related("unit")

    def perform_scoped_create(self, serializer):
        data = _data(serializer, "unit")
        student = data.pop("student")
        return services.student_certificate_create(actor=self.request.user, student=student, **data)

    def perform_scoped_update(self, serializer):
        return services.student_certificate_update(
            actor=self.request.user, certificate=serializer.instance, **_data(serializer, "unit", "student")
        )

    def perform_scoped_destroy(self, instance):
        services.student_certificate_delete(actor=self.request.user, certificate=instance)
