from django.contrib import admin

from consortium.tenancy.mixins import ScopedAdmin

from .models import FundingRecord, PolicyDocument


@admin.register(FundingRecord)
class FundingRecordAdmin(ScopedAdmin):
    list_display = ("year", "source", "amount", "recipient", "target_type", "target_id", "consortium")
    list_filter = ("source", "year")
    list_select_related = ("recipient", "target_type", "consortium")
    search_fields = ("purpose", "recipient__name")
    exclude = ("created_by",)


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(ScopedAdmin):
    list_display = ("title", "issuer", "issued_on", "status", "consortium")
    list_filter = ("status",)
    search_fields = ("title", "issuer", "document_number")
    filter_horizontal = ("benefiting_units",)
