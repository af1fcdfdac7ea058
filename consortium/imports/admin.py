from django.contrib import admin

from consortium.tenancy.mixins import ScopedAdmin

from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(ScopedAdmin):
    list_display = ("id", "kind", "unit", "status", "rows_total", "created_count", "updated_count", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("original_filename", "unit__name")
    exclude = ("file",)  # stored privately: no URL to link to
    readonly_fields = (
        "consortium",
        "unit",
        "kind",
        "original_filename",
        "size",
        "sha256",
        "status",
        "progress",
        "rows_total",
        "created_count",
        "updated_count",
        "unchanged_count",
        "errors",
        "error_count",
        "preview",
        "created_by",
        "confirmed_by",
        "created_at",
        "validated_at",
        "confirmed_at",
        "finished_at",
    )

    def has_add_permission(self, request, obj=None):
        return False  # jobs are created by uploading in the portal
