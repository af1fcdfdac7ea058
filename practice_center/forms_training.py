"""Forms of the social-training and production pages: shape only; ``practice_center.services`` decides and writes.

Also the presentation helpers the pages and the API share: ``can_see_trainee_personal`` / ``mask_personal``
(trainees' ID numbers and phones) and ``certificate_numbers`` (pure: the next free numbers for the bulk issue form).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consortium.tenancy.forms import BootstrapFormMixin
from consortium.tenancy.mixins import TenantModelForm
from consortium.tenancy.models import MemberUnit
from consortium.tenancy.scoping import is_platform_admin, unit_roles

from .choices import ProductionKind, TrainingStatus
from .models import PracticeCentre, ProductionRecord, Trainee, TrainingSession
from .services import PRODUCTION_FIELDS, SESSION_FIELDS, TRAINEE_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_HOURS = Decimal("9999.9")


def can_see_trainee_personal(user: Any, session: TrainingSession) -> bool:
    """ID numbers and phones of a session's trainees: the organising unit, the secretariat and officials."""
    if is_platform_admin(user):
        return True
    if not (user.is_authenticated and user.consortium_id == session.consortium_id):
        return False
    if user.role in ("secretariat", "official"):
        return True
    return user.role == "member" and session.unit_id in unit_roles(user)


def mask_personal(value: str) -> str:
    """Keep the first 3 and last 4 characters of an ID number or phone."""
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}" if len(value) > 7 else "*" * len(value)


def certificate_numbers(prefix: str, count: int, used: Iterable[str], *, width: int = 3) -> list[str]:
    """``count`` numbers ``<prefix><seq>`` (seq zero-padded to ``width``) not in ``used``, in increasing order."""
    taken = set(used)
    result: list[str] = []
    seq = 0
    while len(result) < count:
        seq += 1
        number = f"{prefix}{seq:0{width}d}"
        if number not in taken:
            result.append(number)
    return result


def default_certificate_prefix(session: TrainingSession) -> str:
    return f"PX{session.start_date:%Y}{session.pk:04d}-"


class ServiceKwargsMixin:
    service_fields: tuple[str, ...] = ()

    def service_kwargs(self) -> dict[str, Any]:
        cleaned = self.cleaned_data  # type: ignore[attr-defined]
        return {name: cleaned[name] for name in self.service_fields if name in cleaned}


# --- training sessions --------------------------------------------------------------------------------------------


class TrainingSessionForm(ServiceKwargsMixin, BootstrapFormMixin, TenantModelForm):
    """Create: organising unit (a unit the user administers) and centre (visible, offering social training).
    Edit: the centre and the organiser stay."""

    service_fields = SESSION_FIELDS

    class Meta:
        model = TrainingSession
        fields = ["centre", *SESSION_FIELDS]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["centre"]
        else:
            self.fields["centre"].queryset = (
                self.fields["centre"].queryset.filter(offers_social_training=True).order_by("name")
            )
            self.fields["unit"] = forms.ModelChoiceField(
                label=_("组织单位"),
                queryset=MemberUnit.objects.editable_by(self.user)
                .filter(consortium_id=self.consortium_id)
                .order_by("name"),
            )
            self.order_fields(["unit", "centre", *SESSION_FIELDS])
        self.fields["status"].initial = TrainingStatus.PLANNED
        self.fields["hours"].min_value = Decimal("0.1")
        self.fields["hours"].max_value = MAX_HOURS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("结业日期不能早于开班日期。"))
        if cleaned.get("trainer_teacher") and cleaned.get("trainer_expert"):
            self.add_error("trainer_expert", _("培训教师和企业专家只能选择其一。"))
        return cleaned


# --- trainees -----------------------------------------------------------------------------------------------------


class TraineeForm(ServiceKwargsMixin, BootstrapFormMixin, TenantModelForm):
    """A trainee's data; on edit also attendance, completion and the certificate (each through its service)."""

    service_fields = TRAINEE_FIELDS
    RECORD_FIELDS = ("attended_hours", "completed", "certificate_no", "certificate_issued_on")

    class Meta:
        model = Trainee
        fields = [*TRAINEE_FIELDS, "attended_hours", "completed", "certificate_no", "certificate_issued_on"]
        widgets = {"certificate_issued_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employer_unit"].queryset = self.fields["employer_unit"].queryset.order_by("name")
        if not self.instance.pk:
            for name in self.RECORD_FIELDS:
                del self.fields[name]
        else:
            self.fields["attended_hours"].max_value = self.instance.session.hours

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "certificate_no" in self.fields and cleaned.get("certificate_no") and not cleaned.get("completed"):
            self.add_error("certificate_no", _("学员结业后才能发放证书。"))
        return cleaned


class AttendanceForm(BootstrapFormMixin, forms.Form):
    """Attended hours and completion of every trainee of a session (one row per trainee)."""

    def __init__(self, *args: Any, session: TrainingSession, trainees: list[Trainee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session, self.trainees = session, trainees
        for trainee in trainees:
            self.fields[f"hours_{trainee.pk}"] = forms.DecimalField(
                label=trainee.name,
                min_value=0,
                max_value=session.hours,
                decimal_places=1,
                max_digits=6,
                initial=trainee.attended_hours,
            )
            self.fields[f"done_{trainee.pk}"] = forms.BooleanField(
                label=_("结业"), required=False, initial=trainee.completed
            )

    def rows(self) -> list[tuple[Trainee, Any, Any]]:
        return [(t, self[f"hours_{t.pk}"], self[f"done_{t.pk}"]) for t in self.trainees]

    def attendance(self) -> dict[int, Decimal]:
        return {t.pk: self.cleaned_data[f"hours_{t.pk}"] for t in self.trainees}

    def completed_ids(self) -> list[int]:
        return [t.pk for t in self.trainees if self.cleaned_data.get(f"done_{t.pk}")]


class CertificateIssueForm(BootstrapFormMixin, forms.Form):
    """Issue certificate numbers to every completed trainee of a session that has none yet."""

    prefix = forms.CharField(
        label=_("证书编号前缀"), max_length=40, help_text=_("编号为“前缀+三位序号”，已使用的编号自动跳过。")
    )
    issued_on = forms.DateField(label=_("发证日期"), widget=DATE)

    def __init__(self, *args: Any, session: TrainingSession, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["prefix"].initial = default_certificate_prefix(session)
        self.fields["issued_on"].initial = timezone.localdate()

    def clean_prefix(self) -> str:
        prefix = self.cleaned_data["prefix"].strip()
        if not prefix:
            raise forms.ValidationError(_("请填写证书编号前缀。"))
        return prefix


# --- production -----------------------------------------------------------------------------------------------------


class ProductionRecordForm(ServiceKwargsMixin, BootstrapFormMixin, TenantModelForm):
    """Create: the centre among those the user administers (owner/operator) — the recording unit is derived."""

    service_fields = PRODUCTION_FIELDS

    class Meta:
        model = ProductionRecord
        fields = ["centre", *PRODUCTION_FIELDS]
        widgets = {"date": DATE, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["centre"]
        else:
            self.fields["centre"].queryset = (
                PracticeCentre.objects.editable_by(self.user).filter(consortium_id=self.consortium_id).order_by("name")
            )
            self.fields["date"].initial = timezone.localdate()
        self.fields["kind"].initial = ProductionKind.PRODUCTION
        self.fields["client_unit"].queryset = self.fields["client_unit"].queryset.order_by("name")
        self.fields["value"].min_value = 0

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("client_unit") and not (cleaned.get("client_name") or "").strip():
            self.add_error("client_name", _("请选择客户成员单位或填写客户名称。"))
        return cleaned


class TrainingFilterForm(BootstrapFormMixin, forms.Form):
    """GET filters of the session list: centre, status, year (bad values are ignored, never an error page)."""

    centre = forms.ModelChoiceField(label=_("实践中心"), queryset=PracticeCentre.objects.none(), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部状态")), *TrainingStatus.choices], required=False)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
