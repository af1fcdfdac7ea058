from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from consortium.tenancy.api.base import ScopedPrimaryKeyRelatedField, TenantModelSerializer, scoped_field
from consortium.tenancy.models import User

from ..choices import AttendanceStatus, VoteChoice
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


class CreateOnlyMixin:
    """Parent foreign keys are chosen on create and never move afterwards."""

    create_only_fields: tuple[str, ...] = ()

    def get_fields(self):
        fields = super().get_fields()
        if getattr(self, "instance", None) is not None:
            for name in self.create_only_fields:
                if name in fields:
                    fields[name].read_only = True
        return fields


class CouncilSerializer(TenantModelSerializer):
    class Meta:
        model = Council
        fields = ["id", "consortium", "name", "established_on", "description"]
        validators: list = []  # one council per consortium: checked by the service with a field message


class CouncilSeatSerializer(CreateOnlyMixin, TenantModelSerializer):
    create_only_fields = ("council",)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = CouncilSeat
        fields = [
            "id",
            "consortium",
            "council",
            "role",
            "role_display",
            "unit",
            "unit_name",
            "person_name",
            "person_title",
            "user",
            "term_start",
            "term_end",
            "is_active",
        ]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        start = attrs.get("term_start", getattr(self.instance, "term_start", None))
        end = attrs.get("term_end", getattr(self.instance, "term_end", None))
        if start and end and end < start:
            raise serializers.ValidationError({"term_end": _("任期结束日期不能早于任期开始日期。")})
        return attrs


class SeatEndSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, label=_("结束日期"))


class GovernanceDocumentSerializer(CreateOnlyMixin, TenantModelSerializer):
    create_only_fields = ("kind",)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    adopted_version_no = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = GovernanceDocument
        fields = ["id", "consortium", "kind", "kind_display", "title", "adopted_version_no", "created_at"]
        read_only_fields = ["created_at"]
        validators: list = []


class DocumentShareSerializer(serializers.Serializer):
    user = ScopedPrimaryKeyRelatedField(queryset=User.objects.all(), label=_("用户"))


class DocumentVersionSerializer(CreateOnlyMixin, TenantModelSerializer):
    create_only_fields = ("document",)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    attachment = serializers.FileField(
        required=False,
        write_only=True,
        allow_null=True,
        validators=DocumentVersion._meta.get_field("attachment").validators,
    )
    attachment_url = serializers.SerializerMethodField()
    attachment_name = serializers.SerializerMethodField()

    class Meta:
        model = DocumentVersion
        fields = [
            "id",
            "consortium",
            "document",
            "version_no",
            "text",
            "attachment",
            "attachment_url",
            "attachment_name",
            "status",
            "status_display",
            "adopted_at_meeting",
            "adopted_on",
            "quorum_numerator",
            "quorum_denominator",
            "pass_rule",
            "created_at",
        ]
        read_only_fields = ["version_no", "status", "adopted_at_meeting", "adopted_on", "created_at"]
        validators: list = []

    def get_attachment_url(self, obj) -> str | None:
        if not obj.attachment:
            return None
        return reverse("documentversion-attachment", kwargs={"pk": obj.pk})

    def get_attachment_name(self, obj) -> str | None:
        return obj.attachment.name.rsplit("/", 1)[-1] if obj.attachment else None


class VersionAdoptSerializer(serializers.Serializer):
    meeting = scoped_field(Meeting, required=False, allow_null=True, label=_("通过会议"))
    adopted_on = serializers.DateField(required=False, allow_null=True, label=_("通过日期"))


class MeetingSerializer(CreateOnlyMixin, TenantModelSerializer):
    create_only_fields = ("council",)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "consortium",
            "council",
            "title",
            "kind",
            "kind_display",
            "scheduled_at",
            "location",
            "notice",
            "status",
            "status_display",
            "minutes",
            "rules_version",
            "noticed_at",
            "notice_sent_at",
            "created_at",
        ]
        read_only_fields = ["status", "rules_version", "noticed_at", "notice_sent_at", "created_at"]


class MeetingCloseSerializer(serializers.Serializer):
    minutes = serializers.CharField(required=False, allow_blank=True, label=_("会议纪要"))


class QuorumSerializer(serializers.Serializer):
    seat_count = serializers.IntegerField()
    present_count = serializers.IntegerField()
    required = serializers.IntegerField()
    met = serializers.BooleanField()
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    pass_rule = serializers.CharField()
    pass_rule_display = serializers.CharField()
    is_default = serializers.BooleanField()
    rules_version_id = serializers.IntegerField(allow_null=True)


class AgendaItemSerializer(CreateOnlyMixin, TenantModelSerializer):
    create_only_fields = ("meeting",)

    class Meta:
        model = AgendaItem
        fields = ["id", "consortium", "meeting", "position", "title", "description", "presenter"]
        extra_kwargs = {"position": {"required": False}}


class AttendanceSerializer(TenantModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    seat_name = serializers.CharField(source="seat.person_name", read_only=True)
    unit_name = serializers.CharField(source="seat.unit.name", read_only=True)

    class Meta:
        model = Attendance
        fields = [
            "id",
            "consortium",
            "meeting",
            "seat",
            "seat_name",
            "unit_name",
            "status",
            "status_display",
            "proxy_name",
        ]


class AttendanceEntrySerializer(serializers.Serializer):
    seat = scoped_field(CouncilSeat, label=_("理事席位"))
    status = serializers.ChoiceField(choices=AttendanceStatus.choices, label=_("出席情况"))
    proxy_name = serializers.CharField(required=False, allow_blank=True, max_length=60, label=_("受托人"))


class AttendanceBulkSerializer(serializers.Serializer):
    entries = AttendanceEntrySerializer(many=True, allow_empty=False, label=_("出席登记"))


class ResolutionSerializer(CreateOnlyMixin, TenantModelSerializer):
    create_only_fields = ("meeting",)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    meeting_title = serializers.CharField(source="meeting.title", read_only=True)
    votes_for = serializers.IntegerField(read_only=True, default=0)
    votes_against = serializers.IntegerField(read_only=True, default=0)
    votes_abstain = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Resolution
        fields = [
            "id",
            "consortium",
            "meeting",
            "meeting_title",
            "agenda_item",
            "number",
            "title",
            "text",
            "status",
            "status_display",
            "decided_at",
            "votes_for",
            "votes_against",
            "votes_abstain",
        ]
        read_only_fields = ["number", "status", "decided_at"]
        validators: list = []


class VoteSerializer(TenantModelSerializer):
    choice_display = serializers.CharField(source="get_choice_display", read_only=True)
    seat_name = serializers.CharField(source="seat.person_name", read_only=True)

    class Meta:
        model = Vote
        fields = ["id", "consortium", "resolution", "seat", "seat_name", "choice", "choice_display"]


class VoteEntrySerializer(serializers.Serializer):
    seat = scoped_field(CouncilSeat, label=_("理事席位"))
    choice = serializers.ChoiceField(choices=VoteChoice.choices, label=_("表决意见"))


class VoteBulkSerializer(serializers.Serializer):
    votes = VoteEntrySerializer(many=True, allow_empty=False, label=_("表决票"))
