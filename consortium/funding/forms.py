"""Forms of the funding pages: shape only; the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from consortium.tenancy.forms import BootstrapFormMixin
from consortium.tenancy.mixins import TenantModelForm

from . import selectors
from .models import FundingRecord, PolicyDocument


class FundingRecordForm(BootstrapFormMixin, TenantModelForm):
    target = forms.ChoiceField(label=_("资助对象"), required=False, help_text=_("项目、实践中心、订单班等（可选）。"))

    class Meta:
        model = FundingRecord
        fields = ["source", "amount", "year", "recipient", "purpose"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[Any] = [("", _("（不指定）"))]
        choices += selectors.target_choices(self.user, self.consortium_id) if self.consortium_id else []
        self.fields["target"].choices = choices
        self.order_fields(["source", "amount", "year", "recipient", "target", "purpose"])
        instance = self.instance
        if instance.pk and instance.target_type_id:
            self.initial["target"] = (
                f"{instance.target_type.app_label}.{instance.target_type.model}:{instance.target_id}"
            )

    def service_kwargs(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in ("source", "amount", "year", "recipient", "purpose")}

    def target_parts(self) -> tuple[str, str]:
        value = self.cleaned_data.get("target") or ""
        label, _sep, pk = value.partition(":")
        return label, pk


class PolicyDocumentForm(BootstrapFormMixin, TenantModelForm):
    link = forms.URLField(label=_("原文链接"), required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = PolicyDocument
        fields = [
            "title",
            "issuer",
            "document_number",
            "issued_on",
            "status",
            "summary",
            "eligibility",
            "link",
            "attachment",
            "benefiting_units",
        ]
        widgets = {
            "issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "eligibility": forms.Textarea(attrs={"rows": 3}),
            "benefiting_units": forms.SelectMultiple(attrs={"size": 8}),
        }

    def service_kwargs(self) -> dict[str, Any]:
        data = {k: self.cleaned_data[k] for k in self.Meta.fields if k in self.cleaned_data}
        data.pop("benefiting_units", None)
        if not data.get("attachment"):
            data.pop("attachment", None)  # keep the stored file unless a new one is uploaded or cleared
        return data
