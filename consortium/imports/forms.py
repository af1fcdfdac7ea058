"""Upload form: shape only (kind, unit, file); the service checks the file and permissions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consortium.tenancy.forms import BootstrapFormMixin
from consortium.tenancy.models import MemberUnit

from .registry import all_importers
from .xlsx import MAX_UPLOAD_BYTES


class ImportUploadForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("导入类型"))
    unit = forms.ModelChoiceField(label=_("所属单位"), queryset=MemberUnit.objects.none())
    file = forms.FileField(
        allow_empty_file=True,  # the service explains why an empty file is refused
        label=_("Excel 文件"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per request so it follows the user's language (a class-level % would freeze it at import).
        self.fields["file"].help_text = gettext("请使用下载的模板填写，.xlsx 格式，不超过 %(mb)d MB。") % {
            "mb": MAX_UPLOAD_BYTES // 1024 // 1024
        }
        importers = all_importers()
        self.fields["kind"].choices = [(i.key, str(i.title)) for i in importers]
        unit_ids: set[int] = set()
        for importer in importers:
            unit_ids.update(importer.importable_units(user).values_list("pk", flat=True))
        self.fields["unit"].queryset = MemberUnit.objects.visible_to(user).filter(pk__in=unit_ids).order_by("name")
        if len(unit_ids) == 1:
            self.fields["unit"].initial = next(iter(unit_ids))
