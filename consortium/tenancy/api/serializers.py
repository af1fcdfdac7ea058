from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import (
    Consortium,
    Industry,
    Invitation,
    LocalChain,
    MemberUnit,
    UnitMembership,
    UnitStatusChange,
    User,
)
from ..validators import normalize_credit_code, validate_credit_code
from .base import TenantModelSerializer


class ConsortiumSerializer(serializers.ModelSerializer):
    class Meta:
        model = Consortium
        fields = ["id", "name", "short_name", "region", "division_code", "established_on", "status"]


class IndustrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Industry
        fields = ["id", "code", "name", "name_en", "group_code", "group_name", "group_name_en", "position"]


class LocalChainSerializer(TenantModelSerializer):
    class Meta:
        model = LocalChain
        fields = ["id", "consortium", "name", "name_en", "description", "industries", "position"]


class CreditCodeField(serializers.CharField):
    """Upper-cases and trims before validating, so "91230523..." in lower case is accepted."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 18)
        kwargs.setdefault("label", _("统一社会信用代码"))
        super().__init__(**kwargs)
        self.validators.append(validate_credit_code)

    def to_internal_value(self, data):
        return normalize_credit_code(super().to_internal_value(data))


class MemberUnitSerializer(TenantModelSerializer):
    credit_code = CreditCodeField()
    status = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = MemberUnit
        fields = [
            "id",
            "consortium",
            "kind",
            "kind_display",
            "name",
            "credit_code",
            "contact_person",
            "contact_phone",
            "contact_email",
            "address",
            "website",
            "description",
            "industries",
            "local_chains",
            "status",
            "status_display",
            "joined_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["joined_on", "created_at", "updated_at"]
        validators: list = []  # uniqueness is checked by the service with a field message


class UnitTransitionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, label=_("原因"))


class UnitStatusChangeSerializer(TenantModelSerializer):
    decided_by_name = serializers.CharField(source="decided_by.display_name", read_only=True, default="")

    class Meta:
        model = UnitStatusChange
        fields = ["id", "unit", "from_status", "to_status", "reason", "decided_by", "decided_by_name", "decided_at"]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "consortium", "role", "role_display", "is_active"]


class MembershipSerializer(TenantModelSerializer):
    user_name = serializers.CharField(source="user.display_name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = UnitMembership
        fields = ["id", "consortium", "unit", "unit_name", "user", "user_name", "role", "title", "is_active"]
        read_only_fields = ["unit", "user"]


class InvitationSerializer(TenantModelSerializer):
    class Meta:
        model = Invitation
        fields = [
            "id",
            "consortium",
            "unit",
            "email",
            "full_name",
            "role",
            "invited_by",
            "created_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
            "sent_at",
        ]
        read_only_fields = ["invited_by", "created_at", "expires_at", "accepted_at", "revoked_at", "sent_at"]


class ApplicationSerializer(serializers.Serializer):
    """Anonymous self-registration of a unit (join application) with its first admin account."""

    consortium = serializers.PrimaryKeyRelatedField(
        queryset=Consortium.objects.open_for_applications(), label=_("产教联合体")
    )
    kind = serializers.ChoiceField(choices=MemberUnit._meta.get_field("kind").choices, label=_("单位类型"))
    name = serializers.CharField(max_length=120, label=_("单位名称"))
    credit_code = CreditCodeField()
    contact_person = serializers.CharField(max_length=40, label=_("联系人"))
    contact_phone = serializers.CharField(max_length=30, label=_("联系电话"))
    contact_email = serializers.EmailField(label=_("联系邮箱"))
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, label=_("地址"))
    description = serializers.CharField(required=False, allow_blank=True, label=_("简介"))
    industries = serializers.PrimaryKeyRelatedField(queryset=Industry.objects.all(), many=True, required=False)
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$", label=_("用户名"))
    password = serializers.CharField(write_only=True, min_length=8, label=_("密码"))
    full_name = serializers.CharField(max_length=60, label=_("姓名"))
