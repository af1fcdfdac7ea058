"""Import-job API: upload (multipart create), list/detail with errors, confirm; templates, exports and kinds."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from consortium.tenancy.api.base import ScopedViewSetMixin
from consortium.tenancy.models import MemberUnit

from .. import services
from ..models import ImportJob
from ..registry import all_importers, get_importer
from ..views import oversize_message, request_too_large, xlsx_response
from .serializers import ImportJobListSerializer, ImportJobSerializer


class ImportJobViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    model = ImportJob
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["kind", "status", "unit"]
    ordering_fields = ["created_at", "id"]

    def scope_queryset(self, queryset):
        queryset = queryset.select_related("unit", "created_by")
        if self.action == "list":
            queryset = queryset.defer("errors", "preview")
        return queryset

    def get_serializer_class(self):
        return ImportJobListSerializer if self.action == "list" else ImportJobSerializer

    def create(self, request, *args, **kwargs):
        if request_too_large(request):
            raise ValidationError({"file": [oversize_message()]})
        response = super().create(request, *args, **kwargs)
        response.status_code = status.HTTP_202_ACCEPTED
        return response

    def perform_scoped_create(self, serializer):
        data = serializer.validated_data
        return services.import_job_create(
            actor=self.request.user, kind=data.get("kind", ""), unit=data.get("unit"), upload=data.get("file")
        )

    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        job = self.get_object()
        job = services.import_job_confirm(actor=request.user, job=job)
        return Response(ImportJobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)

    def _unit(self, request, required: bool) -> MemberUnit | None:
        raw = request.query_params.get("unit") or ""
        if not raw:
            if required:
                raise ValidationError({"unit": [_("请指定单位。")]})
            return None
        try:
            return MemberUnit.objects.visible_to(request.user).get(pk=int(raw))
        except (MemberUnit.DoesNotExist, ValueError):
            raise NotFound()

    def _kind(self, request) -> str:
        kind = request.query_params.get("kind") or ""
        if get_importer(kind) is None:
            raise ValidationError({"kind": [_("未知的导入类型“%(kind)s”。") % {"kind": kind}]})
        return kind

    @extend_schema(
        responses=inline_serializer(
            "ImportKind",
            fields={
                "key": serializers.CharField(),
                "title": serializers.CharField(),
                "sheet": serializers.CharField(),
                "natural_key": serializers.CharField(),
                "columns": serializers.ListField(child=serializers.DictField()),
            },
            many=True,
        )
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def kinds(self, request):
        return Response(
            [
                {
                    "key": i.key,
                    "title": str(i.title),
                    "sheet": i.sheet_name,
                    "natural_key": str(i.natural_key),
                    "columns": [
                        {
                            "key": c.key,
                            "header": str(c.header),
                            "type": c.type,
                            "required": c.required,
                            "choices": c.labels,
                        }
                        for c in i.columns
                    ],
                }
                for i in all_importers()
            ]
        )

    @action(detail=False, methods=["get"])
    def template(self, request):
        kind = self._kind(request)
        filename, content = services.import_template_build(
            actor=request.user, kind=kind, unit=self._unit(request, required=False)
        )
        return xlsx_response(filename, content)

    @action(detail=False, methods=["get"])
    def export(self, request):
        kind = self._kind(request)
        filename, content = services.export_build(actor=request.user, kind=kind, unit=self._unit(request, True))
        return xlsx_response(filename, content)
