"""Forms of the matching pages: shape only; ``matching.services`` decides and writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from consortium.tenancy.forms import BootstrapFormMixin
from consortium.tenancy.mixins import TenantModelForm
from enterprises.choices.demands import DemandKind

from .choices import CANDIDACY_ACTIONS, CandidacyStatus, MatchKind, RunStatus
from .engine.explain import COMPONENT_LABELS
from .engine.types import COMPONENTS, DEFAULT_WEIGHTS
from .models import MatchSettings

#: Labels of the score components: the engine's own words (its explanations read "专业对口 +0.40 · 技能 3/4 +0.27").
WEIGHT_LABELS: dict[str, Any] = {name: _(COMPONENT_LABELS.get(name, name)) for name in COMPONENTS}

SETTINGS_FIELDS = ("top_k", "candidate_k", "min_score", "stable", "synonyms", "local_terms")


def weight_field_name(component: str) -> str:
    return f"weight_{component}"


class MatchSettingsForm(BootstrapFormMixin, TenantModelForm):
    """The consortium's matching parameters; one weight field (0–1) per score component."""

    class Meta:
        model = MatchSettings
        fields = list(SETTINGS_FIELDS)
        widgets = {
            "min_score": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
            "synonyms": forms.Textarea(attrs={"rows": 5, "placeholder": "电焊=焊接"}),
            "local_terms": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        weights = dict(DEFAULT_WEIGHTS)
        if isinstance(self.instance.weights, dict):
            weights.update(self.instance.weights)
        for component in COMPONENTS:
            name = weight_field_name(component)
            self.fields[name] = forms.FloatField(
                label=WEIGHT_LABELS.get(component, component), min_value=0.0, max_value=1.0,
                initial=round(float(weights.get(component, 0.0)), 4),
                widget=forms.NumberInput(attrs={
                    "step": "0.01", "min": "0", "max": "1", "class": "form-control form-control-sm weight-input",
                    "data-component": component,
                }),
            )
        self.order_fields([weight_field_name(c) for c in COMPONENTS] + list(SETTINGS_FIELDS))

    def weight_fields(self) -> list[Any]:
        return [self[weight_field_name(c)] for c in COMPONENTS]

    def other_fields(self) -> list[Any]:
        return [self[name] for name in SETTINGS_FIELDS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        weights = [cleaned.get(weight_field_name(c)) for c in COMPONENTS]
        if all(w is not None for w in weights) and sum(weights) <= 0:
            self.add_error(None, _("权重不能全部为0。"))
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in SETTINGS_FIELDS}
        data["weights"] = {c: float(self.cleaned_data[weight_field_name(c)]) for c in COMPONENTS}
        return data


class RunCreateForm(BootstrapFormMixin, forms.Form):
    """Scope of a new run: what to match, which graduation year, which demand kinds."""

    kinds = forms.MultipleChoiceField(
        label=_("匹配内容"), choices=MatchKind.choices, widget=forms.CheckboxSelectMultiple,
        initial=[MatchKind.TALENT],
    )
    cohort = forms.IntegerField(
        label=_("毕业年份"), required=False, min_value=2000, max_value=2100,
        help_text=_("只匹配该年毕业的学生；留空表示全部学生。"),
    )
    demand_kinds = forms.MultipleChoiceField(
        label=_("需求类型"), choices=DemandKind.choices, widget=forms.CheckboxSelectMultiple, required=False,
        help_text=_("不选表示全部类型。"),
    )

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "kinds": list(self.cleaned_data["kinds"]),
            "cohort": self.cleaned_data.get("cohort"),
            "demand_kinds": list(self.cleaned_data.get("demand_kinds") or []),
        }


class RunFilterForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *RunStatus.choices])


class CandidacyActionForm(forms.Form):
    """One workflow step on a candidacy (the service checks who may take it)."""

    action = forms.ChoiceField(choices=[(name, name) for name in CANDIDACY_ACTIONS])
    reason = forms.CharField(required=False, max_length=2000)
    next = forms.CharField(required=False, max_length=500)


class CandidacyFilterForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *CandidacyStatus.choices])
