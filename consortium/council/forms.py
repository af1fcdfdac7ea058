"""Forms of the council pages. They validate shape; the services decide."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from consortium.tenancy.mixins import TenantModelForm
from consortium.tenancy.models import User

from .choices import AttendanceStatus, MeetingStatus, VoteChoice
from .models import AgendaItem, Council, CouncilSeat, DocumentVersion, GovernanceDocument, Meeting, Resolution

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def apply_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form: known fields get their message, the rest is non-field."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


class BootstrapMixin:
    def _style(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            else:
                widget.attrs.setdefault("class", "form-control")


class StyledTenantForm(BootstrapMixin, TenantModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class StyledForm(BootstrapMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class CouncilForm(StyledTenantForm):
    class Meta:
        model = Council
        fields = ["name", "established_on", "description"]
        widgets = {"established_on": DATE, "description": forms.Textarea(attrs={"rows": 4})}


class SeatForm(StyledTenantForm):
    class Meta:
        model = CouncilSeat
        fields = ["role", "unit", "person_name", "person_title", "user", "term_start", "term_end"]
        widgets = {"term_start": DATE, "term_end": DATE}


class SeatEndForm(StyledForm):
    on = forms.DateField(label=_("结束日期"), required=False, widget=DATE)


class DocumentForm(StyledTenantForm):
    class Meta:
        model = GovernanceDocument
        fields = ["kind", "title"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["kind"].disabled = True


class VersionForm(StyledTenantForm):
    class Meta:
        model = DocumentVersion
        fields = ["text", "attachment", "quorum_numerator", "quorum_denominator", "pass_rule"]
        widgets = {"text": forms.Textarea(attrs={"rows": 12})}

    def __init__(self, *args: Any, document: GovernanceDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if document.kind != "rules_of_procedure":
            for name in ("quorum_numerator", "quorum_denominator", "pass_rule"):
                del self.fields[name]


class AdoptForm(StyledForm):
    meeting = forms.ModelChoiceField(queryset=Meeting.objects.none(), required=False, label=_("通过会议"))
    adopted_on = forms.DateField(required=False, label=_("通过日期"), widget=DATE)

    def __init__(self, *args: Any, user: Any, consortium_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.visible_to(user).filter(
            consortium_id=consortium_id, status__in=[MeetingStatus.HELD, MeetingStatus.CLOSED]
        )


class ShareForm(StyledForm):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label=_("共享给用户"))

    def __init__(self, *args: Any, user: Any, consortium_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.visible_to(user)
            .filter(consortium_id=consortium_id, is_active=True)
            .exclude(role__in=["secretariat", "official"])
        )


class MeetingForm(StyledTenantForm):
    class Meta:
        model = Meeting
        fields = ["title", "kind", "scheduled_at", "location", "notice", "minutes"]
        widgets = {
            "scheduled_at": DATETIME,
            "notice": forms.Textarea(attrs={"rows": 5}),
            "minutes": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheduled_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        if not self.instance.pk:
            del self.fields["minutes"]
        elif self.instance.status == MeetingStatus.HELD:
            for name in self.fields:
                if name != "minutes":
                    self.fields[name].disabled = True


class CloseForm(StyledForm):
    minutes = forms.CharField(label=_("会议纪要"), widget=forms.Textarea(attrs={"rows": 10}))


class AgendaItemForm(StyledTenantForm):
    class Meta:
        model = AgendaItem
        fields = ["position", "title", "description", "presenter"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class ResolutionForm(StyledTenantForm):
    class Meta:
        model = Resolution
        fields = ["agenda_item", "title", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = self.fields["agenda_item"].queryset.filter(meeting=meeting)


class AttendanceForm(StyledForm):
    """One status (and proxy name) per seat of the meeting."""

    def __init__(self, *args: Any, seats: list, current: dict, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seats = seats
        for seat in seats:
            record = current.get(seat.pk)
            self.fields[f"status_{seat.pk}"] = forms.ChoiceField(
                label=str(seat),
                choices=AttendanceStatus.choices,
                initial=record.status if record else AttendanceStatus.PRESENT,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"proxy_{seat.pk}"] = forms.CharField(
                label=_("受托人"),
                required=False,
                max_length=60,
                initial=record.proxy_name if record else "",
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )

    def rows(self) -> list:
        return [(seat, self[f"status_{seat.pk}"], self[f"proxy_{seat.pk}"]) for seat in self.seats]

    def entries(self) -> list[dict]:
        return [
            {
                "seat": seat,
                "status": self.cleaned_data[f"status_{seat.pk}"],
                "proxy_name": self.cleaned_data[f"proxy_{seat.pk}"],
            }
            for seat in self.seats
        ]


class VoteForm(StyledForm):
    """One choice per attending seat; seats left blank do not vote."""

    def __init__(self, *args: Any, seats: list, current: dict, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seats = seats
        for seat in seats:
            self.fields[f"choice_{seat.pk}"] = forms.ChoiceField(
                label=str(seat),
                required=False,
                choices=[("", "—"), *VoteChoice.choices],
                initial=current.get(seat.pk, ""),
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    def rows(self) -> list:
        return [(seat, self[f"choice_{seat.pk}"]) for seat in self.seats]

    def votes(self) -> list[dict]:
        return [
            {"seat": seat, "choice": self.cleaned_data[f"choice_{seat.pk}"]}
            for seat in self.seats
            if self.cleaned_data.get(f"choice_{seat.pk}")
        ]
