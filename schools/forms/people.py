"""Forms of the people pages (teachers, pool, professors, studios, training bases, students).

They validate shape only; ``schools.services`` decides and writes. Model-choice fields are scoped by
``TenantModelForm`` (``visible_to``) and narrowed further to what the actor may write for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from consortium.tenancy.choices import UnitKind, UnitStatus
from consortium.tenancy.forms import BootstrapFormMixin, SearchInput
from consortium.tenancy.mixins import TenantModelForm
from consortium.tenancy.models import Industry, MemberUnit
from consortium.tenancy.text import join_list

from ..choices import CertificateKind, Employment, ProfessorKind, StudentStatus, StudioKind, TrainingBaseKind
from ..models import (
    EVIDENCE_EXTENSIONS,
    DualQualification,
    EnterprisePractice,
    IndustryProfessor,
    PoolExpert,
    Programme,
    ProgrammeOffering,
    Student,
    StudentCertificate,
    Studio,
    Teacher,
    TrainingBase,
)

EVIDENCE_MAX_BYTES = getattr(settings, "ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
#: Leading bytes of the accepted evidence formats (a renamed .exe is refused even with a .pdf name).
EVIDENCE_SIGNATURES = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "docx": (b"PK\x03\x04",),
}

YES_NO = [("", _("全部")), ("yes", _("是")), ("no", _("否"))]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m", **kwargs)


def writable_units(user: Any, *, schools_only: bool = True):
    """Active member units the user may register people for (unit admins: their units; secretariat: all)."""
    qs = MemberUnit.objects.editable_by(user).filter(status=UnitStatus.ACTIVE)
    if schools_only:
        qs = qs.filter(kind=UnitKind.SCHOOL)
    return qs.order_by("name")


class PeopleModelForm(BootstrapFormMixin, TenantModelForm):
    """Base: on create a ``unit`` field offers the units the actor may write for; on edit the unit is fixed."""

    schools_only = True
    unit_label = _("学校")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields.pop("unit", None)
        elif "unit" in self.fields:
            self.fields["unit"].queryset = writable_units(self.user, schools_only=self.schools_only)
            self.fields["unit"].empty_label = None
            self.fields["unit"].label = self.unit_label

    def unit_ids(self) -> list[int]:
        """Units whose related rows (programmes, teachers, offerings) the form may offer."""
        if self.instance.pk:
            return [self.instance.unit_id]
        return list(self.fields["unit"].queryset.values_list("pk", flat=True)) if "unit" in self.fields else []

    def service_fields(self, *exclude: str) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in {"unit", *exclude}}


# --- filters ------------------------------------------------------------------------------------------------------


class _FilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100, widget=SearchInput())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if "unit" in self.fields:
            self.fields["unit"].queryset = (
                MemberUnit.objects.visible_to(user).filter(kind=UnitKind.SCHOOL).order_by("name")
            )

    def values(self) -> dict[str, Any]:
        """Cleaned values; invalid ones (a foreign id, an unknown choice) are dropped, the valid ones still apply."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "")}


class TeacherFilterForm(_FilterForm):
    unit = forms.ModelChoiceField(
        label=_("学校"), required=False, queryset=MemberUnit.objects.none(), empty_label=_("全部学校")
    )
    employment = forms.ChoiceField(label=_("聘用方式"), required=False, choices=[("", _("全部")), *Employment.choices])
    dual = forms.ChoiceField(label=_("双师型"), required=False, choices=YES_NO)
    active = forms.ChoiceField(label=_("在职"), required=False, choices=YES_NO)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("姓名、职称或专长")


class StudentFilterForm(_FilterForm):
    unit = forms.ModelChoiceField(
        label=_("学校"), required=False, queryset=MemberUnit.objects.none(), empty_label=_("全部学校")
    )
    programme = forms.ModelChoiceField(
        label=_("专业"), required=False, queryset=Programme.objects.none(), empty_label=_("全部专业")
    )
    cohort = forms.IntegerField(label=_("入学年级"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *StudentStatus.choices])
    graduation = forms.IntegerField(label=_("预计毕业年份"), required=False, min_value=2000, max_value=2100)
    local = forms.ChoiceField(label=_("愿意本地就业"), required=False, choices=YES_NO)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("学号、姓名（仅限可查看的记录）或技能")
        self.fields["programme"].queryset = (
            Programme.objects.visible_to(self.user).select_related("unit").order_by("unit__name", "code")
        )
        self.fields["programme"].label_from_instance = lambda p: f"{p.code} {p.name}（{p.unit.name}）"


class PoolFilterForm(_FilterForm):
    industry = forms.ModelChoiceField(
        label=_("擅长产业"), required=False, queryset=Industry.objects.none(), empty_label=_("全部产业")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("姓名、专长或可授课专业")
        self.fields["industry"].queryset = Industry.objects.visible_to(self.user)


class UnitKindFilterForm(_FilterForm):
    """Search + owning unit + kind (professors, studios, training bases); ``kind_choices`` set per page."""

    unit = forms.ModelChoiceField(
        label=_("单位"), required=False, queryset=MemberUnit.objects.none(), empty_label=_("全部单位")
    )
    kind = forms.ChoiceField(label=_("类别"), required=False, choices=[])

    def __init__(self, *args: Any, kind_choices: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = MemberUnit.objects.visible_to(self.user).order_by("name")
        self.fields["kind"].choices = [("", _("全部类别")), *kind_choices]


class ExpiringFilterForm(BootstrapFormMixin, forms.Form):
    days = forms.IntegerField(label=_("提前天数"), required=False, min_value=1, max_value=3650, initial=90)


class PracticeTotalsFilterForm(_FilterForm):
    unit = forms.ModelChoiceField(
        label=_("学校"), required=False, queryset=MemberUnit.objects.none(), empty_label=_("全部学校")
    )
    since = forms.DateField(label=_("开始日期（起）"), required=False, widget=DateInput())
    until = forms.DateField(label=_("开始日期（止）"), required=False, widget=DateInput())


# --- teachers -----------------------------------------------------------------------------------------------------


class TeacherForm(PeopleModelForm):
    class Meta:
        model = Teacher
        fields = [
            "unit",
            "name",
            "gender",
            "employment",
            "source_unit",
            "title",
            "qualifications",
            "programmes",
            "id_number",
            "phone",
            "is_active",
            "in_shared_pool",
            "expertise",
        ]
        widgets = {
            "qualifications": forms.Textarea(attrs={"rows": 3}),
            "expertise": forms.Textarea(attrs={"rows": 3}),
            "programmes": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programmes"].queryset = (
            Programme.objects.visible_to(self.user).filter(unit_id__in=self.unit_ids()).order_by("code")
        )
        self.fields["source_unit"].queryset = MemberUnit.objects.visible_to(self.user).order_by("name")
        self.fields["id_number"].help_text = _("18位居民身份证号码，仅本校和秘书处可见。")

    def clean_id_number(self) -> str:
        return (self.cleaned_data.get("id_number") or "").strip().upper()


class DualQualificationForm(PeopleModelForm):
    class Meta:
        model = DualQualification
        fields = ["level", "certified_on", "expires_on", "evidence", "evidence_file"]
        widgets = {
            "certified_on": DateInput(),
            "expires_on": DateInput(),
            "evidence": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence_file"].help_text = _("支持 %(types)s，不超过 %(size)d MB。") % {
            "types": join_list(EVIDENCE_EXTENSIONS),
            "size": EVIDENCE_MAX_BYTES // (1024 * 1024),
        }
        self.fields["evidence_file"].widget.attrs["accept"] = ",".join(f".{e}" for e in EVIDENCE_EXTENSIONS)

    def clean_evidence_file(self) -> Any:
        upload = self.cleaned_data.get("evidence_file")
        if not upload or not hasattr(upload, "content_type"):  # unchanged (an existing file) or none
            return upload
        extension = Path(upload.name).suffix.lower().lstrip(".")
        if extension not in EVIDENCE_EXTENSIONS:
            raise forms.ValidationError(
                _("不支持的文件类型“%(ext)s”：请上传 %(types)s 格式的证明材料。")
                % {"ext": extension or "—", "types": join_list(EVIDENCE_EXTENSIONS)}
            )
        if upload.size > EVIDENCE_MAX_BYTES:
            raise forms.ValidationError(
                _("文件过大（%(size).1f MB）：证明材料不能超过 %(max)d MB。")
                % {"size": upload.size / (1024 * 1024), "max": EVIDENCE_MAX_BYTES // (1024 * 1024)}
            )
        head = upload.read(8)
        upload.seek(0)
        if not any(head.startswith(sig) for sig in EVIDENCE_SIGNATURES[extension]):
            raise forms.ValidationError(
                _("文件内容与扩展名“%(ext)s”不符，请上传真实的 %(ext)s 文件。") % {"ext": extension}
            )
        return upload


class PracticeForm(PeopleModelForm):
    class Meta:
        model = EnterprisePractice
        fields = ["host_unit", "host_name", "start_date", "end_date", "hours", "content"]
        widgets = {"start_date": DateInput(), "end_date": DateInput(), "content": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host_unit"].queryset = MemberUnit.objects.visible_to(self.user).order_by("name")
        self.fields["host_name"].help_text = _("实践单位不是联合体成员时填写名称。")


# --- professors, studios, training bases, pool ---------------------------------------------------------------------


class ProfessorForm(PeopleModelForm):
    unit_label = _("聘任学校")

    class Meta:
        model = IndustryProfessor
        fields = [
            "unit",
            "person_name",
            "kind",
            "from_unit",
            "term_start",
            "term_end",
            "workload_hours_per_year",
            "outputs",
            "teacher",
        ]
        widgets = {"term_start": DateInput(), "term_end": DateInput(), "outputs": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_unit"].queryset = MemberUnit.objects.visible_to(self.user).order_by("name")
        self.fields["teacher"].queryset = (
            Teacher.objects.visible_to(self.user).filter(unit_id__in=self.unit_ids(), is_active=True).order_by("name")
        )
        self.fields["kind"].choices = ProfessorKind.choices


class StudioForm(PeopleModelForm):
    schools_only = False
    unit_label = _("依托单位")

    class Meta:
        model = Studio
        fields = ["unit", "kind", "name", "lead_name", "partner_unit", "established_on", "description"]
        widgets = {"established_on": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner_unit"].queryset = MemberUnit.objects.visible_to(self.user).order_by("name")
        self.fields["kind"].choices = StudioKind.choices
        self.fields["kind"].help_text = _("大师工作室依托职业学校，名师工作室依托企业。")


class TrainingBaseForm(PeopleModelForm):
    schools_only = False
    unit_label = _("依托单位")

    class Meta:
        model = TrainingBase
        fields = ["unit", "name", "kind", "capacity", "address", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = TrainingBaseKind.choices


class PoolExpertForm(PeopleModelForm):
    schools_only = False
    unit_label = _("所属单位")

    class Meta:
        model = PoolExpert
        fields = [
            "unit",
            "name",
            "expertise",
            "industries",
            "programme_keywords",
            "available_hours_per_term",
            "bio",
            "is_listed",
        ]
        widgets = {
            "expertise": forms.Textarea(attrs={"rows": 3}),
            "bio": forms.Textarea(attrs={"rows": 3}),
            "industries": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industries"].queryset = Industry.objects.visible_to(self.user)
        self.fields["bio"].help_text = _("兼职教师库在联合体内公开，请勿填写身份证号、电话等个人信息。")


class EngagementRequestForm(BootstrapFormMixin, forms.Form):
    school_unit = forms.ModelChoiceField(label=_("申请学校"), queryset=MemberUnit.objects.none(), empty_label=None)
    period_start = forms.DateField(label=_("聘用开始"), widget=DateInput())
    period_end = forms.DateField(label=_("聘用结束"), widget=DateInput())
    hours = forms.IntegerField(label=_("授课时数"), min_value=0, max_value=10000, initial=0)
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, expert: PoolExpert, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school_unit"].queryset = (
            writable_units(user).filter(consortium_id=expert.consortium_id).exclude(pk=expert.unit_id)
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("聘用结束日期不能早于开始日期。"))
        return cleaned


class EngagementDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("同意")), ("decline", _("拒绝"))])
    reason = forms.CharField(required=False, max_length=2000)


# --- students -----------------------------------------------------------------------------------------------------


class StudentForm(PeopleModelForm):
    expected_graduation = forms.DateField(
        label=_("预计毕业时间"),
        widget=MonthInput(),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        help_text=_("按月填写。"),
    )

    class Meta:
        model = Student
        fields = [
            "unit",
            "offering",
            "student_no",
            "name",
            "gender",
            "id_number",
            "phone",
            "cohort",
            "expected_graduation",
            "status",
            "skills",
            "willing_to_work_locally",
            "preferred_industries",
            "preferred_places",
        ]
        widgets = {
            "skills": forms.Textarea(attrs={"rows": 2}),
            "preferred_industries": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offering"].queryset = (
            ProgrammeOffering.objects.visible_to(self.user)
            .filter(unit_id__in=self.unit_ids())
            .select_related("programme", "unit")
            .order_by("unit__name", "-year", "programme__code")
        )
        self.fields["offering"].label_from_instance = lambda o: (
            f"{o.programme.code} {o.programme.name}（{o.year}）· {o.unit.name}"
        )
        self.fields["preferred_industries"].queryset = Industry.objects.visible_to(self.user)

    def clean_id_number(self) -> str:
        return (self.cleaned_data.get("id_number") or "").strip().upper()


class StudentCertificateForm(PeopleModelForm):
    class Meta:
        model = StudentCertificate
        fields = ["kind", "name", "level", "issued_on", "issuer"]
        widgets = {"issued_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = CertificateKind.choices


class StudentShareForm(BootstrapFormMixin, forms.Form):
    unit = forms.ModelChoiceField(
        label=_("共享给成员单位"), queryset=MemberUnit.objects.none(), empty_label=_("请选择")
    )

    def __init__(self, *args: Any, user: Any, student: Student, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            MemberUnit.objects.visible_to(user)
            .filter(consortium_id=student.consortium_id, status=UnitStatus.ACTIVE)
            .exclude(pk=student.unit_id)
            .order_by("name")
        )
