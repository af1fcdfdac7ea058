"""Result and error types of domain bulk upserts, understood by the import framework (services.py, xlsx.py).

Domain services raise ``BulkRowsError`` with row-level messages; the framework maps them to sheet/row/column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class BulkResult:
    """Outcome of a bulk upsert."""

    created: int
    updated: int
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated


class BulkRowsError(ValidationError):
    """Row-level problems of a bulk upsert. Nothing was written.

    ``row_errors`` maps each row's key — the row's ``"_row"`` value when the caller supplied one (e.g. the sheet row
    number), else its 0-based position in ``rows`` — to ``{field: [messages]}``. As a ValidationError it carries
    ``{"rows": ["第N行 字段：消息", ...]}`` so generic handlers show something sensible too."""

    def __init__(self, row_errors: dict[Any, dict[str, list[str]]]):
        self.row_errors = row_errors
        flat = []
        for key, fields in row_errors.items():
            for field, messages in fields.items():
                for message in messages:
                    flat.append(
                        _("第%(row)s行 %(field)s：%(message)s") % {"row": key, "field": field, "message": message}
                    )
        super().__init__({"rows": flat})
