from __future__ import annotations

from typing import Any

from rest_framework import serializers

from consortium.tenancy.api.base import TenantModelSerializer
from consortium.tenancy.scoping import is_platform_admin

from ..models import ImportJob


class ImportJobSerializer(TenantModelSerializer):
    """A job: uploaded with ``kind``, ``unit`` and ``file`` (multipart); everything else is reported back."""

    file = serializers.FileField(write_only=True, allow_empty_file=True)
    kind_title = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "consortium",
            "unit",
            "kind",
            "kind_title",
            "file",
            "original_filename",
            "size",
            "sha256",
            "status",
            "status_display",
            "progress",
            "rows_total",
            "created_count",
            "updated_count",
            "unchanged_count",
            "error_count",
            "errors",
            "created_by",
            "created_at",
            "validated_at",
            "confirmed_at",
            "finished_at",
        ]
        read_only_fields = [f for f in fields if f not in ("unit", "kind", "file", "consortium")]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if is_platform_admin(user) and attrs.get("unit") is not None and not attrs.get("consortium"):
            attrs["consortium"] = attrs["unit"].consortium  # the job lives in its unit's consortium
        return super().validate(attrs)


class ImportJobListSerializer(ImportJobSerializer):
    class Meta(ImportJobSerializer.Meta):
        fields = [f for f in ImportJobSerializer.Meta.fields if f != "errors"]
        read_only_fields = ImportJobSerializer.Meta.read_only_fields
