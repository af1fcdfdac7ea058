from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .mixins import ScopedAdmin
from .models import Consortium, Industry, Invitation, LocalChain, MemberUnit, UnitMembership, UnitStatusChange, User
from .scoping import is_platform_admin


@admin.register(Consortium)
class ConsortiumAdmin(ScopedAdmin):
    list_display = ["name", "region", "division_code", "status", "established_on"]
    list_filter = ["status"]
    search_fields = ["name", "region"]

    def has_add_permission(self, request, obj=None):
        return is_platform_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_platform_admin(request.user) or (
            self._role(request) == "secretariat"
            and (obj is None or Consortium.objects.editable_by(request.user).filter(pk=obj.pk).exists())
        )

    def has_delete_permission(self, request, obj=None):
        return is_platform_admin(request.user)


@admin.register(Industry)
class IndustryAdmin(ScopedAdmin):
    """Provincial reference data: everyone in the admin reads it, platform admins edit it."""

    list_display = ["code", "name", "group_name", "position"]
    list_filter = ["group_name"]
    search_fields = ["code", "name"]

    def has_add_permission(self, request, obj=None):
        return is_platform_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_platform_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_platform_admin(request.user)


@admin.register(LocalChain)
class LocalChainAdmin(ScopedAdmin):
    list_display = ["name", "consortium", "position"]
    list_filter = ["consortium"]
    filter_horizontal = ["industries"]


class StatusChangeInline(admin.TabularInline):
    model = UnitStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "reason", "decided_by", "decided_at"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MemberUnit)
class MemberUnitAdmin(ScopedAdmin):
    list_display = ["name", "kind", "status", "credit_code", "consortium", "joined_on"]
    list_filter = ["kind", "status", "consortium"]
    search_fields = ["name", "credit_code", "contact_person"]
    filter_horizontal = ["industries", "local_chains"]
    readonly_fields = ["status"]
    inlines = [StatusChangeInline]


@admin.register(UnitStatusChange)
class UnitStatusChangeAdmin(ScopedAdmin):
    list_display = ["unit", "from_status", "to_status", "decided_by", "decided_at"]
    list_filter = ["to_status"]


@admin.register(UnitMembership)
class UnitMembershipAdmin(ScopedAdmin):
    list_display = ["user", "unit", "role", "is_active"]
    list_filter = ["role", "is_active"]


@admin.register(Invitation)
class InvitationAdmin(ScopedAdmin):
    list_display = ["email", "unit", "role", "created_at", "accepted_at", "revoked_at"]
    readonly_fields = ["token", "sent_at", "accepted_at", "accepted_user"]


@admin.register(User)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    list_display = ["username", "full_name", "email", "consortium", "role", "is_active"]
    list_filter = ["role", "is_active", "consortium"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("产教联合体"), {"fields": ("consortium", "role", "full_name", "phone")}),
    )
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, (_("产教联合体"), {"fields": ("consortium", "role")}))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if is_platform_admin(request.user):
            return fieldsets
        # Only platform admins grant superuser status, staff status or global permissions.
        hidden = {"is_superuser", "is_staff", "groups", "user_permissions"}
        return [(name, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]}) for name, opts in fieldsets]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        field = super().formfield_for_choice_field(db_field, request, **kwargs)
        if db_field.name == "role" and not is_platform_admin(request.user):
            field.choices = [c for c in field.choices if c[0] != "platform_admin"]
        return field
