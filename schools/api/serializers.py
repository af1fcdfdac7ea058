"""API serializers of the schools app (DESIGN.md §4): shape validation and presentation only.

Writes are delegated to ``schools.services`` by the viewsets; these serializers never save by themselves. Personal
fields are shown in clear only where ``schools.selectors`` says so: teachers' ID number and phone are masked for
everyone but the owning school and the secretariat; a student's identifying fields are nulled in "public" view mode.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consortium.tenancy.api.base import TenantModelSerializer, scoped_field
from consortium.tenancy.choices import UnitRole
from consortium.tenancy.models import Industry, LocalChain, MemberUnit
from consortium.tenancy.scoping import unit_roles

from .. import selectors
from ..models import (
    STUDENT_PERSONAL_FIELDS,
    TEACHER_PERSONAL_FIELDS,
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
from ..rules import mask_id_number, mask_phone

TEACHER_MASKS = {"id_number": mask_id_number, "phone": mask_phone}


def _request_user(serializer: serializers.BaseSerializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


# --- base classes -------------------------------------------------------------------------------------------------


class MonthField(serializers.DateField):
    """A month: accepts ``YYYY-MM`` as well as a full date, stored as the first day of that month."""

    default_error_messages = {"invalid": _("日期格式错误，请使用YYYY-MM或YYYY-MM-DD。")}

    def to_internal_value(self, value: Any) -> date:
        if isinstance(value, str):
            text = value.strip().replace("/", "-").replace(".", "-")
            parts = text.split("-")
            if len(parts) == 2:
                try:
                    return date(int(parts[0]), int(parts[1]), 1)
                except ValueError:
                    self.fail("invalid")
        result = super().to_internal_value(value)
        if isinstance(result, datetime):  # pragma: no cover - DateField already refuses datetimes
            result = result.date()
        return result.replace(day=1)


class SchoolsSerializer(TenantModelSerializer):
    """Base of the schools serializers.

    * ``create_only_fields`` (the owning unit, parent rows) are chosen on create and read-only afterwards;
    * when ``unit`` is omitted on create, the actor's only unit where they are unit admin is used;
    * model-level uniqueness is checked by the services (with the model's own message), not by DRF validators.
    """

    create_only_fields: tuple[str, ...] = ("unit",)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if getattr(self, "instance", None) is not None and not isinstance(self.instance, list | tuple):
            for name in self.create_only_fields:
                if name in fields:
                    fields[name].read_only = True
        return fields

    def build_relational_field(self, field_name: str, relation_info: Any) -> Any:
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        if field_name == "unit":
            kwargs["required"] = False
        return field_class, kwargs

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and "unit" in self.fields and not self.fields["unit"].read_only:
            if attrs.get("unit") is None:
                unit = self._default_unit()
                if unit is None:
                    raise serializers.ValidationError({"unit": [_("请选择所属单位。")]})
                attrs["unit"] = unit
        return super().validate(attrs)

    def _default_unit(self) -> MemberUnit | None:
        user = _request_user(self)
        if user is None or not user.is_authenticated or getattr(user, "role", None) != "member":
            return None
        admin_units = [pk for pk, role in unit_roles(user).items() if role == UnitRole.UNIT_ADMIN]
        if len(admin_units) != 1:
            return None
        return MemberUnit.objects.visible_to(user).filter(pk=admin_units[0]).first()


class ActionReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, label=_("原因"))


# --- reference ----------------------------------------------------------------------------------------------------


class ProgrammeMajorCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgrammeMajorCategory
        fields = ["id", "name", "name_en", "code_secondary", "code_associate", "code_bachelor", "position"]


# --- schools ------------------------------------------------------------------------------------------------------


class SchoolProfileSerializer(SchoolsSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = SchoolProfile
        fields = [
            "id",
            "consortium",
            "unit",
            "unit_name",
            "level",
            "level_display",
            "staffing_quota",
            "enrolment",
            "founded_year",
            "notes",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        validators: list = []


class PartTimeStatusSerializer(serializers.Serializer):
    quota = serializers.IntegerField(label=_("编制员额"))
    cap = serializers.IntegerField(label=_("兼职教师上限"))
    current = serializers.IntegerField(label=_("现有兼职教师"))
    headroom = serializers.IntegerField(label=_("剩余可聘"))


class CampusSerializer(SchoolsSerializer):
    class Meta:
        model = Campus
        fields = ["id", "consortium", "unit", "unit_name", "school", "name", "address", "area_mu", "building_area_m2"]
        read_only_fields = ["school"]
        validators: list = []


# --- programmes ---------------------------------------------------------------------------------------------------


class ProgrammeSerializer(SchoolsSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    major_category_name = serializers.CharField(source="major_category.name", read_only=True)

    class Meta:
        model = Programme
        fields = [
            "id",
            "consortium",
            "unit",
            "unit_name",
            "level",
            "level_display",
            "code",
            "name",
            "major_category",
            "major_category_name",
            "is_active",
            "description",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        extra_kwargs = {"major_category": {"required": False}}
        validators: list = []


class ProgrammeLinkSerializer(TenantModelSerializer):
    industry_name = serializers.CharField(source="industry.name", read_only=True, allow_null=True)
    local_chain_name = serializers.CharField(source="local_chain.name", read_only=True, allow_null=True)

    class Meta:
        model = ProgrammeIndustryLink
        fields = [
            "id",
            "consortium",
            "unit",
            "programme",
            "industry",
            "industry_name",
            "local_chain",
            "local_chain_name",
            "weight",
        ]
        read_only_fields = fields


class LinkItemSerializer(serializers.Serializer):
    """One target of a programme's mapping: an industry OR a local chain, with a weight 1–100."""

    industry = scoped_field(Industry, required=False, allow_null=True, label=_("产业"))
    local_chain = scoped_field(LocalChain, required=False, allow_null=True, label=_("本地产业链"))
    weight = serializers.IntegerField(min_value=1, max_value=100, default=100, label=_("对应权重"))


class ProgrammeLinksSerializer(serializers.Serializer):
    """The whole mapping of one programme (PUT replaces it)."""

    links = LinkItemSerializer(many=True, allow_empty=True)


class ProgrammeGroupSerializer(SchoolsSerializer):
    class Meta:
        model = ProgrammeGroup
        fields = ["id", "consortium", "unit", "unit_name", "name", "lead_programme", "programmes", "description"]
        extra_kwargs = {"programmes": {"required": False}}
        validators: list = []


class ProgrammeOfferingSerializer(SchoolsSerializer):
    create_only_fields = ("programme", "year")
    programme_code = serializers.CharField(source="programme.code", read_only=True)
    programme_name = serializers.CharField(source="programme.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    priority_class_display = serializers.CharField(source="get_priority_class_display", read_only=True)

    class Meta:
        model = ProgrammeOffering
        fields = [
            "id",
            "consortium",
            "unit",
            "unit_name",
            "programme",
            "programme_code",
            "programme_name",
            "year",
            "planned_intake",
            "reported_enrolled",
            "status",
            "status_display",
            "priority_class",
            "priority_class_display",
            "note",
        ]
        read_only_fields = ["unit"]
        validators: list = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if self.instance is None:
            programme = attrs.get("programme")
            if (
                programme is not None
                and ProgrammeOffering.objects.filter(programme=programme, year=attrs.get("year")).exists()
            ):
                raise serializers.ValidationError({"year": [_("该专业本年度的开设记录已存在。")]})
        return attrs


class SupplyQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, label=_("年度"))
    graduation_year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, label=_("毕业年份"))
    unit = scoped_field(MemberUnit, required=False, label=_("学校"))


class SupplyRowSerializer(serializers.Serializer):
    offering_id = serializers.IntegerField()
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()
    programme_id = serializers.IntegerField()
    programme_code = serializers.CharField()
    programme_name = serializers.CharField()
    year = serializers.IntegerField()
    total = serializers.IntegerField()
    studying = serializers.IntegerField()
    internship = serializers.IntegerField()
    graduated = serializers.IntegerField()
    employed = serializers.IntegerField()
    further_study = serializers.IntegerField()
    expected_graduates = serializers.IntegerField()
    willing_local = serializers.IntegerField()


# --- teachers -----------------------------------------------------------------------------------------------------


class TeacherSerializer(SchoolsSerializer):
    """ID number and phone: written by those who may edit the teacher; read in clear only by the owning school,
    the secretariat and platform admins (``selectors.can_see_personal``), masked for everyone else."""

    employment_display = serializers.CharField(source="get_employment_display", read_only=True)
    source_unit_name = serializers.CharField(source="source_unit.name", read_only=True, allow_null=True)
    personal_masked = serializers.SerializerMethodField(label=_("个人信息已隐藏"))

    class Meta:
        model = Teacher
        fields = [
            "id",
            "consortium",
            "unit",
            "unit_name",
            "name",
            "gender",
            "employment",
            "employment_display",
            "source_unit",
            "source_unit_name",
            "title",
            "qualifications",
            "programmes",
            "id_number",
            "phone",
            "personal_masked",
            "is_active",
            "in_shared_pool",
            "expertise",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"programmes": {"required": False}}
        validators: list = []

    def _can_see(self, obj: Teacher) -> bool:
        return selectors.can_see_personal(_request_user(self), obj.unit_id, obj.consortium_id)

    def get_personal_masked(self, obj: Teacher) -> bool:
        return not self._can_see(obj)

    def to_representation(self, instance: Teacher) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self._can_see(instance):
            for field in TEACHER_PERSONAL_FIELDS:
                data[field] = TEACHER_MASKS[field](getattr(instance, field))
        return data


class DualQualificationSerializer(SchoolsSerializer):
    create_only_fields = ("teacher",)
    teacher_name = serializers.CharField(source="teacher.name", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    is_expired = serializers.SerializerMethodField(label=_("已过期"))

    class Meta:
        model = DualQualification
        fields = [
            "id",
            "consortium",
            "unit",
            "unit_name",
            "teacher",
            "teacher_name",
            "level",
            "level_display",
            "evidence",
            "evidence_file",
            "certified_on",
            "expires_on",
            "is_expired",
        ]
        read_only_fields = ["unit"]
        validators: list = []

    def get_is_expired(self, obj: DualQualification) -> bool:
        return bool(obj.expires_on and obj.expires_on < timezone.localdate())


class IndustryProfessorSerializer(SchoolsSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    from_unit_name = serializers.CharField(source="from_unit.name", read_only=True, allow_null=True)

    class Meta:
        model = IndustryProfessor
        fields = [
            "id",
            "consortium",
            "unit",
            "unit_name",
            "person_name",
            "from_unit",
            "from_unit_name",
            "kind",
            "kind_display",
            "term_start",
            "term_end",
            "workload_hours_per_year",
            "outputs",
            "teacher",
        ]
        validators: list = []


class StudioSerializer(SchoolsSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    partner_unit_name = serializers.CharField(source="partner_unit.name", read_only=True, allow_null=True)

    class Meta:
        model = Studio
        fields = [
            "id",
            "consortium",
            "unit",
            "unit_name",
            "kind",
            "kind_display",
            "name",
            "lead_name",
            "partner_unit",
            "partner_unit_name",
            "established_on",
            "description",
        ]
        validators: list = []


class PoolExpertSerializer(SchoolsSerializer):
    """Non-personal fields only: contact goes through the owning unit."""

    create_only_fields = ("unit", "teacher")

    class Meta:
        model = PoolExpert
        fields = [
            "id",
            "consortium",
            "unit",
            "unit_name",
            "name",
            "expertise",
            "industries",
            "programme_keywords",
            "available_hours_per_term",
            "bio",
            "teacher",
            "is_listed",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"industries": {"required": False}, "teacher": {"required": False}}
        validators: list = []


class EngagementRequestSerializer(SchoolsSerializer):
    """Created by the requesting school (``school_unit``); the expert's unit (``unit``) follows from the expert."""

    create_only_fields = ("school_unit", "expert")
    school_unit_name = serializers.CharField(source="school_unit.name", read_only=True)
    expert_name = serializers.CharField(source="expert.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = EngagementRequest
        fields = [
            "id",
            "consortium",
            "school_unit",
            "school_unit_name",
            "unit",
            "unit_name",
            "expert",
            "expert_name",
            "period_start",
            "period_end",
            "hours",
            "note",
            "status",
            "status_display",
            "requested_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_reason",
            "created_teacher",
        ]
        read_only_fields = [
            "unit",
            "status",
            "requested_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_reason",
            "created_teacher",
        ]
        validators: list = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The requesting school plays the role ``unit`` plays elsewhere: default it the same way.
        if self.instance is None and attrs.get("school_unit") is None:
            unit = self._default_unit()
            if unit is None:
                raise serializers.ValidationError({"school_unit": [_("请选择申请学校。")]})
            attrs["school_unit"] = unit
        start, end = attrs.get("period_start"), attrs.get("period_end")
        if start and end and end < start:
            raise serializers.ValidationError({"period_end": [_("聘用结束日期不能早于开始日期。")]})
        return TenantModelSerializer.validate(self, attrs)

    def build_relational_field(self, field_name: str, relation_info: Any) -> Any:
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        if field_name == "school_unit":
            kwargs["required"] = False
        return field_class, kwargs


class EngagementDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField(label=_("同意"))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, label=_("审批意见"))


class EnterprisePracticeSerializer(SchoolsSerializer):
    create_only_fields = ("teacher",)
    teacher_name = serializers.CharField(source="teacher.name", read_only=True)
    host_unit_name = serializers.CharField(source="host_unit.name", read_only=True, allow_null=True)

    class Meta:
        model = EnterprisePractice
        fields = [
            "id",
            "consortium",
            "unit",
            "unit_name",
            "teacher",
            "teacher_name",
            "host_unit",
            "host_unit_name",
            "host_name",
            "start_date",
            "end_date",
            "hours",
            "content",
        ]
        read_only_fields = ["unit"]
        validators: list = []


class PracticeTotalQuerySerializer(serializers.Serializer):
    unit = scoped_field(MemberUnit, required=False, label=_("学校"))
    since = serializers.DateField(required=False, label=_("开始日期不早于"))
    until = serializers.DateField(required=False, label=_("开始日期不晚于"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("since") and attrs.get("until") and attrs["until"] < attrs["since"]:
            raise serializers.ValidationError({"until": [_("结束日期不能早于开始日期。")]})
        return attrs


class TeacherPracticeTotalSerializer(TenantModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    practice_hours = serializers.IntegerField(read_only=True, label=_("实践总时长（小时）"))
    practice_count = serializers.IntegerField(read_only=True, label=_("实践次数"))

    class Meta:
        model = Teacher
        fields = ["id", "unit", "unit_name", "name", "employment", "is_active", "practice_hours", "practice_count"]
        read_only_fields = fields


class SchoolPracticeTotalSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField(source="unit__name")
    hours = serializers.IntegerField()
    records = serializers.IntegerField()
    teachers = serializers.IntegerField()


class TrainingBaseSerializer(SchoolsSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = TrainingBase
        fields = [
            "id",
            "consortium",
            "unit",
            "unit_name",
            "name",
            "kind",
            "kind_display",
            "capacity",
            "address",
            "description",
            "is_active",
        ]
        validators: list = []


# --- students -----------------------------------------------------------------------------------------------------


class StudentSerializer(SchoolsSerializer):
    """Personal fields (``STUDENT_PERSONAL_FIELDS``) are null in "public" view mode (``selectors.student_view_mode``).

    The viewset puts ``shared_student_ids`` (computed once per request) into the context so a list costs no extra
    query per row."""

    create_only_fields = ("unit",)
    expected_graduation = MonthField(label=_("预计毕业时间"))
    programme_code = serializers.CharField(source="offering.programme.code", read_only=True)
    programme_name = serializers.CharField(source="offering.programme.name", read_only=True)
    offering_year = serializers.IntegerField(source="offering.year", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    view_mode = serializers.SerializerMethodField(label=_("查看模式"))

    class Meta:
        model = Student
        fields = [
            "id",
            "consortium",
            "unit",
            "unit_name",
            "offering",
            "programme_code",
            "programme_name",
            "offering_year",
            "student_no",
            "name",
            "gender",
            "id_number",
            "phone",
            "cohort",
            "expected_graduation",
            "status",
            "status_display",
            "skills",
            "willing_to_work_locally",
            "preferred_industries",
            "preferred_places",
            "view_mode",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Personal fields are null in "public" view mode, so the schema says nullable; a null sent on write is
        # refused by the model's validation with a field message.
        extra_kwargs = {
            "preferred_industries": {"required": False},
            **{field: {"allow_null": True} for field in STUDENT_PERSONAL_FIELDS},
        }
        validators: list = []

    def _mode(self, obj: Student) -> str:
        shared = self.context.get("shared_student_ids")
        shared_ids = shared() if callable(shared) else shared
        return selectors.student_view_mode(_request_user(self), obj, shared_ids)

    @extend_schema_field(OpenApiTypes.STR)
    def get_view_mode(self, obj: Student) -> str:
        return self._mode(obj)

    def to_representation(self, instance: Student) -> dict[str, Any]:
        data = super().to_representation(instance)
        if data.get("view_mode") != "full":
            for field in STUDENT_PERSONAL_FIELDS:
                data[field] = None
        return data


class StudentShareSerializer(serializers.Serializer):
    unit = scoped_field(MemberUnit, label=_("共享给单位"))


class StudentShareResultSerializer(serializers.Serializer):
    users = serializers.IntegerField(label=_("涉及用户数"))


class StudentCertificateSerializer(SchoolsSerializer):
    create_only_fields = ("student",)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = StudentCertificate
        fields = [
            "id",
            "consortium",
            "unit",
            "unit_name",
            "student",
            "kind",
            "kind_display",
            "name",
            "level",
            "issued_on",
            "issuer",
        ]
        read_only_fields = ["unit"]
        validators: list = []
