from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from .. import services
from ..choices import UnitStatus
from ..models import Consortium, Industry, Invitation, LocalChain, MemberUnit, UnitMembership, UnitStatusChange, User
from .base import TenantFilterSet, TenantModelViewSet, TenantReadOnlyViewSet
from .serializers import (
    ApplicationSerializer,
    ConsortiumSerializer,
    IndustrySerializer,
    InvitationSerializer,
    LocalChainSerializer,
    MembershipSerializer,
    MemberUnitSerializer,
    UnitStatusChangeSerializer,
    UnitTransitionSerializer,
    UserSerializer,
)


class ConsortiumViewSet(TenantReadOnlyViewSet):
    model = Consortium
    serializer_class = ConsortiumSerializer
    search_fields = ["name", "region"]


class IndustryViewSet(TenantModelViewSet):
    """Provincial reference data: every signed-in user reads, platform admins edit."""

    model = Industry
    serializer_class = IndustrySerializer
    filterset_fields = ["group_code"]
    search_fields = ["name", "code"]
    pagination_class = None


class LocalChainViewSet(TenantModelViewSet):
    model = LocalChain
    serializer_class = LocalChainSerializer
    search_fields = ["name"]

    def scope_queryset(self, queryset):
        return queryset.prefetch_related("industries")


class MemberUnitFilterSet(TenantFilterSet):
    class Meta:
        model = MemberUnit
        fields = {"kind": ["exact"], "status": ["exact"], "industries": ["exact"], "local_chains": ["exact"]}


class MemberUnitViewSet(TenantModelViewSet):
    """Member units. Creating here is the secretariat's direct registration; applicants use /api/v1/applications/."""

    model = MemberUnit
    serializer_class = MemberUnitSerializer
    filterset_class = MemberUnitFilterSet
    search_fields = ["name", "credit_code", "contact_person"]
    ordering_fields = ["name", "kind", "status", "joined_on", "created_at"]

    def scope_queryset(self, queryset):
        return queryset.prefetch_related("industries", "local_chains")

    def perform_scoped_create(self, serializer):
        data = dict(serializer.validated_data)
        consortium = data.pop("consortium")
        return services.unit_create(actor=self.request.user, consortium=consortium, **data)

    def perform_scoped_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("consortium", None)
        return services.unit_update(actor=self.request.user, unit=serializer.instance, **data)

    def perform_scoped_destroy(self, instance):
        raise PermissionDenied(_("成员单位不能删除，请使用“退出”或“驳回”。"))

    def _transition(self, request, to_status):
        unit = self.get_object()
        payload = UnitTransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        unit = services.unit_transition(
            actor=request.user, unit=unit, to_status=to_status, reason=payload.validated_data.get("reason", "")
        )
        return Response(self.get_serializer(unit).data)

    @extend_schema(request=UnitTransitionSerializer, responses=MemberUnitSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(request, UnitStatus.ACTIVE)

    @extend_schema(request=UnitTransitionSerializer, responses=MemberUnitSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._transition(request, UnitStatus.REJECTED)

    @extend_schema(request=UnitTransitionSerializer, responses=MemberUnitSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self._transition(request, UnitStatus.SUSPENDED)

    @extend_schema(request=UnitTransitionSerializer, responses=MemberUnitSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        return self._transition(request, UnitStatus.ACTIVE)

    @extend_schema(request=UnitTransitionSerializer, responses=MemberUnitSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._transition(request, UnitStatus.WITHDRAWN)


class UnitStatusChangeViewSet(TenantReadOnlyViewSet):
    model = UnitStatusChange
    serializer_class = UnitStatusChangeSerializer
    filterset_fields = ["unit", "to_status"]

    def scope_queryset(self, queryset):
        return queryset.select_related("decided_by")


class UserViewSet(TenantReadOnlyViewSet):
    model = User
    serializer_class = UserSerializer
    search_fields = ["username", "full_name", "email"]
    filterset_fields = ["role", "is_active"]

    @action(detail=False, methods=["get"])
    def me(self, request):
        return Response(self.get_serializer(request.user).data)


class MembershipViewSet(TenantModelViewSet):
    model = UnitMembership
    serializer_class = MembershipSerializer
    filterset_fields = ["unit", "role", "is_active"]
    http_method_names = ["get", "patch", "head", "options"]

    def scope_queryset(self, queryset):
        return queryset.select_related("user", "unit")


class InvitationViewSet(TenantModelViewSet):
    model = Invitation
    serializer_class = InvitationSerializer
    filterset_fields = ["unit"]
    http_method_names = ["get", "post", "head", "options"]

    def perform_scoped_create(self, serializer):
        data = serializer.validated_data
        return services.invitation_create(
            actor=self.request.user,
            unit=data["unit"],
            email=data["email"],
            role=data.get("role", "unit_staff"),
            full_name=data.get("full_name", ""),
        )

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        invitation = services.invitation_revoke(actor=request.user, invitation=self.get_object())
        return Response(self.get_serializer(invitation).data)


class ApplicationViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Public join application (no tenant data is read): creates an 'applied' unit and its inactive admin."""

    serializer_class = ApplicationSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "applications"

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            validate_password(data["password"])
        except DjangoValidationError as exc:
            return Response({"password": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        unit_keys = (
            "kind",
            "name",
            "credit_code",
            "contact_person",
            "contact_phone",
            "contact_email",
            "address",
            "description",
        )
        unit = services.unit_apply(
            consortium=data["consortium"],
            unit_fields={k: data.get(k, "") for k in unit_keys},
            industries=data.get("industries"),
            username=data["username"],
            password=data["password"],
            email=data["contact_email"],
            full_name=data["full_name"],
            phone=data["contact_phone"],
        )
        return Response({"id": unit.pk, "status": unit.status}, status=status.HTTP_201_CREATED)
