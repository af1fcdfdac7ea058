"""Council API. Every viewset derives from the scoped base; writes go through services."""

from django.db.models import OuterRef, Subquery
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from consortium.tenancy.api.base import TenantFilterSet, TenantModelViewSet, TenantReadOnlyViewSet
from consortium.tenancy.scoping import is_platform_admin

from .. import selectors, services
from ..choices import VersionStatus
from ..models import (
    AgendaItem,
    Attendance,
    Council,
    CouncilSeat,
    DocumentVersion,
    GovernanceDocument,
    Meeting,
    Resolution,
    Vote,
)
from .serializers import (
    AgendaItemSerializer,
    AttendanceBulkSerializer,
    AttendanceSerializer,
    CouncilSeatSerializer,
    CouncilSerializer,
    DocumentShareSerializer,
    DocumentVersionSerializer,
    GovernanceDocumentSerializer,
    MeetingCloseSerializer,
    MeetingSerializer,
    QuorumSerializer,
    ResolutionSerializer,
    SeatEndSerializer,
    VersionAdoptSerializer,
    VoteBulkSerializer,
    VoteSerializer,
)

NO_DELETE = ["get", "post", "put", "patch", "head", "options"]


class SecretariatCreates(permissions.BasePermission):
    """Only the secretariat writes council data: refuse other roles' creates with 403 before validating the body.

    Object routes are left to ``get_object`` so that foreign objects still answer 404 (not 403).
    """

    message = gettext_lazy("只有秘书处可以执行此操作。")

    def has_permission(self, request, view):
        if getattr(view, "action", None) != "create":
            return True
        user = request.user
        return is_platform_admin(user) or getattr(user, "role", None) == "secretariat"


class CouncilViewSetMixin:
    permission_classes = [permissions.IsAuthenticated, SecretariatCreates]


def _data(serializer, *drop):
    data = dict(serializer.validated_data)
    for key in ("consortium", *drop):
        data.pop(key, None)
    return data


class CouncilViewSet(CouncilViewSetMixin, TenantModelViewSet):
    model = Council
    serializer_class = CouncilSerializer
    http_method_names = NO_DELETE

    def perform_scoped_create(self, serializer):
        data = dict(serializer.validated_data)
        consortium = data.pop("consortium")
        return services.council_create(actor=self.request.user, consortium=consortium, **data)

    def perform_scoped_update(self, serializer):
        return services.council_update(actor=self.request.user, council=serializer.instance, **_data(serializer))


class CouncilSeatFilterSet(TenantFilterSet):
    class Meta:
        model = CouncilSeat
        fields = {"council": ["exact"], "role": ["exact"], "unit": ["exact"], "term_end": ["gte", "lte"]}


class CouncilSeatViewSet(CouncilViewSetMixin, TenantModelViewSet):
    model = CouncilSeat
    serializer_class = CouncilSeatSerializer
    filterset_class = CouncilSeatFilterSet
    search_fields = ["person_name", "unit__name"]
    ordering_fields = ["role", "person_name", "term_start", "term_end"]
    http_method_names = NO_DELETE

    def scope_queryset(self, queryset):
        return queryset.select_related("unit")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        council = data.pop("council")
        return services.seat_create(actor=self.request.user, council=council, **data)

    def perform_scoped_update(self, serializer):
        return services.seat_update(actor=self.request.user, seat=serializer.instance, **_data(serializer, "council"))

    @extend_schema(request=SeatEndSerializer, responses=CouncilSeatSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        seat = self.get_object()
        payload = SeatEndSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        seat = services.seat_end(actor=request.user, seat=seat, on=payload.validated_data.get("on"))
        return Response(self.get_serializer(seat).data)


class GovernanceDocumentViewSet(CouncilViewSetMixin, TenantModelViewSet):
    model = GovernanceDocument
    serializer_class = GovernanceDocumentSerializer
    filterset_fields = ["kind"]
    search_fields = ["title"]
    http_method_names = NO_DELETE

    def scope_queryset(self, queryset):
        adopted = DocumentVersion.objects.filter(document=OuterRef("pk"), status=VersionStatus.ADOPTED)
        return queryset.annotate(adopted_version_no=Subquery(adopted.values("version_no")[:1]))

    def perform_scoped_create(self, serializer):
        data = dict(serializer.validated_data)
        consortium = data.pop("consortium")
        return services.document_create(actor=self.request.user, consortium=consortium, **data)

    def perform_scoped_update(self, serializer):
        data = _data(serializer, "kind")
        return services.document_update(
            actor=self.request.user, document=serializer.instance, title=data.get("title", serializer.instance.title)
        )

    @extend_schema(request=DocumentShareSerializer, responses=GovernanceDocumentSerializer)
    @action(detail=True, methods=["post"])
    def share(self, request, pk=None):
        document = self.get_object()
        payload = DocumentShareSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        services.document_share(actor=request.user, document=document, user=payload.validated_data["user"])
        return Response(self.get_serializer(document).data)


class DocumentVersionViewSet(CouncilViewSetMixin, TenantModelViewSet):
    model = DocumentVersion
    serializer_class = DocumentVersionSerializer
    filterset_fields = ["document", "status"]
    http_method_names = NO_DELETE

    def scope_queryset(self, queryset):
        return queryset.select_related("document")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        document = data.pop("document")
        return services.version_create(actor=self.request.user, document=document, **data)

    def perform_scoped_update(self, serializer):
        return services.version_update(
            actor=self.request.user, version=serializer.instance, **_data(serializer, "document")
        )

    @extend_schema(request=VersionAdoptSerializer, responses=DocumentVersionSerializer)
    @action(detail=True, methods=["post"])
    def adopt(self, request, pk=None):
        version = self.get_object()
        payload = VersionAdoptSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        version = services.version_adopt(
            actor=request.user,
            version=version,
            meeting=payload.validated_data.get("meeting"),
            adopted_on=payload.validated_data.get("adopted_on"),
        )
        return Response(self.get_serializer(version).data)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 204: None})
    @action(detail=True, methods=["get"])
    def attachment(self, request, pk=None):
        """Download the attachment through the scope (drafts stay private)."""
        version = self.get_object()
        if not version.attachment:
            # 204, not 404: the version exists and is visible, it just has no file (404 means "not yours/none").
            return Response(status=status.HTTP_204_NO_CONTENT)
        try:
            handle = version.attachment.open("rb")
        except FileNotFoundError:
            raise NotFound(_("附件文件不存在。"))
        return FileResponse(handle, as_attachment=True, filename=version.attachment.name.rsplit("/", 1)[-1])


class MeetingViewSet(CouncilViewSetMixin, TenantModelViewSet):
    model = Meeting
    serializer_class = MeetingSerializer
    filterset_fields = ["status", "kind", "council"]
    search_fields = ["title", "location"]
    ordering_fields = ["scheduled_at", "title"]
    http_method_names = NO_DELETE

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        council = data.pop("council")
        return services.meeting_create(actor=self.request.user, council=council, **data)

    def perform_scoped_update(self, serializer):
        return services.meeting_update(
            actor=self.request.user, meeting=serializer.instance, **_data(serializer, "council")
        )

    def _respond(self, meeting):
        return Response(self.get_serializer(meeting).data)

    @extend_schema(request=None, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def notice(self, request, pk=None):
        return self._respond(services.meeting_notice(actor=request.user, meeting=self.get_object()))

    @extend_schema(request=None, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        return self._respond(services.meeting_hold(actor=request.user, meeting=self.get_object()))

    @extend_schema(request=MeetingCloseSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        meeting = self.get_object()
        payload = MeetingCloseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        minutes = payload.validated_data.get("minutes")
        return self._respond(services.meeting_close(actor=request.user, meeting=meeting, minutes=minutes))

    @extend_schema(request=None, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._respond(services.meeting_cancel(actor=request.user, meeting=self.get_object()))

    @extend_schema(request=AttendanceBulkSerializer, responses=AttendanceSerializer(many=True))
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        meeting = self.get_object()
        payload = AttendanceBulkSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        records = services.attendance_record(
            actor=request.user, meeting=meeting, entries=payload.validated_data["entries"]
        )
        records = (
            Attendance.objects.visible_to(request.user)
            .filter(pk__in=[r.pk for r in records])
            .select_related("seat__unit")
        )
        return Response(AttendanceSerializer(records, many=True, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=QuorumSerializer)
    @action(detail=True, methods=["get"])
    def quorum(self, request, pk=None):
        return Response(QuorumSerializer(selectors.meeting_quorum(self.get_object())).data)


class AgendaItemViewSet(CouncilViewSetMixin, TenantModelViewSet):
    model = AgendaItem
    serializer_class = AgendaItemSerializer
    filterset_fields = ["meeting"]

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        meeting = data.pop("meeting")
        return services.agenda_item_create(actor=self.request.user, meeting=meeting, **data)

    def perform_scoped_update(self, serializer):
        return services.agenda_item_update(
            actor=self.request.user, item=serializer.instance, **_data(serializer, "meeting")
        )

    def perform_scoped_destroy(self, instance):
        services.agenda_item_delete(actor=self.request.user, item=instance)


class AttendanceViewSet(TenantReadOnlyViewSet):
    model = Attendance
    serializer_class = AttendanceSerializer
    filterset_fields = ["meeting", "seat", "status"]

    def scope_queryset(self, queryset):
        return queryset.select_related("seat__unit")


class ResolutionFilterSet(TenantFilterSet):
    class Meta:
        model = Resolution
        fields = {"meeting": ["exact"], "status": ["exact"], "number": ["exact", "startswith"]}


class ResolutionViewSet(CouncilViewSetMixin, TenantModelViewSet):
    model = Resolution
    serializer_class = ResolutionSerializer
    filterset_class = ResolutionFilterSet
    search_fields = ["title", "number", "text"]
    ordering_fields = ["number", "decided_at", "id"]
    http_method_names = NO_DELETE

    def scope_queryset(self, queryset):
        return queryset.select_related("meeting").annotate(**selectors.tally_annotations()).order_by("meeting", "id")

    def perform_scoped_create(self, serializer):
        data = _data(serializer)
        meeting = data.pop("meeting")
        return services.resolution_propose(actor=self.request.user, meeting=meeting, **data)

    def perform_scoped_update(self, serializer):
        return services.resolution_update(
            actor=self.request.user, resolution=serializer.instance, **_data(serializer, "meeting")
        )

    def perform_scoped_destroy(self, instance):
        raise PermissionDenied(_("决议不能删除。"))

    def _fresh(self, resolution):
        return self.get_queryset().get(pk=resolution.pk)

    @extend_schema(request=VoteBulkSerializer, responses=ResolutionSerializer)
    @action(detail=True, methods=["post"])
    def votes(self, request, pk=None):
        resolution = self.get_object()
        payload = VoteBulkSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        services.vote_record(actor=request.user, resolution=resolution, votes=payload.validated_data["votes"])
        return Response(self.get_serializer(self._fresh(resolution)).data)

    @extend_schema(request=None, responses=ResolutionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        resolution = services.resolution_decide(actor=request.user, resolution=self.get_object())
        return Response(self.get_serializer(self._fresh(resolution)).data)

    @extend_schema(responses=ResolutionSerializer(many=True))
    @action(detail=False, methods=["get"])
    def register(self, request):
        """The resolutions register: adopted resolutions ordered by number."""
        queryset = self.filter_queryset(self.get_queryset()).filter(status="adopted").order_by("number")
        page = self.paginate_queryset(queryset)
        if page is not None:
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        return Response(self.get_serializer(queryset, many=True).data, status=status.HTTP_200_OK)


class VoteViewSet(TenantReadOnlyViewSet):
    model = Vote
    serializer_class = VoteSerializer
    filterset_fields = ["resolution", "seat", "choice"]

    def scope_queryset(self, queryset):
        return queryset.select_related("seat")
