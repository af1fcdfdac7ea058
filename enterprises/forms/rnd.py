"""Forms of the R&D pages: shape only; ``enterprises.services.rnd`` decides and writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from consortium.tenancy.forms import BootstrapFormMixin
from consortium.tenancy.mixins import TenantModelForm
from consortium.tenancy.models import MemberUnit

from ..choices.rnd import CoBuilderRole, ProjectAction
from ..models.rnd import Achievement, AchievementTransfer, ProjectMilestone, RnDPlatform, RnDProject, TechnicalService
from ..services.rnd import (
    ACHIEVEMENT_FIELDS,
    MILESTONE_FIELDS,
    PLATFORM_FIELDS,
    PROJECT_FIELDS,
    SERVICE_FIELDS,
    TRANSFER_FIELDS,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OwnerFieldMixin:
    """``unit``: the owning unit, offered among the units the user may write for (create only)."""

    def setup_owner(self, creating: bool, label: Any) -> None:
        if creating:
            self.fields["unit"] = forms.ModelChoiceField(  # type: ignore[attr-defined]
                label=label,
                queryset=MemberUnit.objects.editable_by(self.user)
                .filter(  # type: ignore[attr-defined]
                    consortium_id=self.consortium_id  # type: ignore[attr-defined]
                )
                .order_by("name"),
            )
            self.order_fields(["unit", *self.fields])  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        cleaned = self.cleaned_data  # type: ignore[attr-defined]
        return {name: cleaned[name] for name in self.service_fields if name in cleaned}  # type: ignore[attr-defined]


class PlatformForm(OwnerFieldMixin, BootstrapFormMixin, TenantModelForm):
    service_fields = PLATFORM_FIELDS
    co_builders = forms.ModelMultipleChoiceField(
        label=_("共建单位"), queryset=MemberUnit.objects.none(), required=False
    )
    supporters = forms.ModelMultipleChoiceField(
        label=_("技术支撑单位"), queryset=MemberUnit.objects.none(), required=False
    )

    class Meta:
        model = RnDPlatform
        fields = list(PLATFORM_FIELDS)
        widgets = {"established_on": DATE, "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = MemberUnit.objects.visible_to(self.user).filter(consortium_id=self.consortium_id).order_by("name")
        for name in ("co_builders", "supporters"):
            self.fields[name].queryset = units
        if self.instance.pk:
            links = list(self.instance.co_builder_links.all())
            self.initial["co_builders"] = [x.unit_id for x in links if x.role == CoBuilderRole.CO_BUILDER]
            self.initial["supporters"] = [x.unit_id for x in links if x.role == CoBuilderRole.SUPPORTER]
        self.setup_owner(not self.instance.pk, _("牵头单位"))

    def co_builder_pairs(self) -> list[tuple[MemberUnit, str]]:
        pairs = [(unit, CoBuilderRole.CO_BUILDER.value) for unit in self.cleaned_data.get("co_builders") or []]
        pairs += [(unit, CoBuilderRole.SUPPORTER.value) for unit in self.cleaned_data.get("supporters") or []]
        return pairs


class ProjectForm(OwnerFieldMixin, BootstrapFormMixin, TenantModelForm):
    service_fields = PROJECT_FIELDS

    class Meta:
        model = RnDProject
        fields = [*PROJECT_FIELDS, "partners"]
        widgets = {"start_on": DATE, "end_on": DATE, "summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_owner(not self.instance.pk, _("申报单位"))


class TransitionForm(BootstrapFormMixin, forms.Form):
    action = forms.ChoiceField(label=_("操作"), choices=ProjectAction.choices)
    reason = forms.CharField(
        label=_("原因/说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class MilestoneForm(OwnerFieldMixin, BootstrapFormMixin, TenantModelForm):
    service_fields = MILESTONE_FIELDS

    class Meta:
        model = ProjectMilestone
        fields = list(MILESTONE_FIELDS)
        widgets = {"due_on": DATE, "done_on": DATE, "note": forms.Textarea(attrs={"rows": 2})}


class TechnicalServiceForm(OwnerFieldMixin, BootstrapFormMixin, TenantModelForm):
    service_fields = SERVICE_FIELDS

    class Meta:
        model = TechnicalService
        fields = list(SERVICE_FIELDS)
        widgets = {"delivered_on": DATE, "outcome": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_owner(not self.instance.pk, _("服务提供单位"))


class AchievementForm(OwnerFieldMixin, BootstrapFormMixin, TenantModelForm):
    service_fields = ACHIEVEMENT_FIELDS

    class Meta:
        model = Achievement
        fields = list(ACHIEVEMENT_FIELDS)
        widgets = {"obtained_on": DATE, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_owner(not self.instance.pk, _("权属单位"))


class TransferForm(OwnerFieldMixin, BootstrapFormMixin, TenantModelForm):
    service_fields = TRANSFER_FIELDS

    class Meta:
        model = AchievementTransfer
        fields = list(TRANSFER_FIELDS)
        widgets = {"transferred_on": DATE, "note": forms.Textarea(attrs={"rows": 2})}

    def _post_clean(self) -> None:
        # The one-licensee rule is checked by the service (with a field message), not by the model constraint here.
        pass
