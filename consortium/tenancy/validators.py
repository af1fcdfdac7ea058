"""Unified social credit code (统一社会信用代码) per GB 32100-2015, and administrative division codes."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

# 31 characters: digits and capitals without I, O, Z, S, V.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a credit code."""
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a valid credit code, or None. Pure; used by the validator and by imports."""
    if len(code) != 18:
        return _("统一社会信用代码应为18位，当前为%(n)d位。") % {"n": len(code)}
    for position, char in enumerate(code, start=1):
        if char not in CREDIT_CODE_CHARSET:
            return _("统一社会信用代码第%(pos)d位的字符“%(char)s”无效（不使用I、O、Z、S、V）。") % {
                "pos": position,
                "char": char,
            }
    if not code[2:8].isdigit():
        return _("统一社会信用代码第3至8位应为行政区划代码（6位数字）。")
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return _("统一社会信用代码校验位错误：第18位应为“%(expected)s”，而不是“%(got)s”。") % {
            "expected": expected,
            "got": code[17],
        }
    return None


def validate_credit_code(value: str) -> None:
    problem = credit_code_problem(value or "")
    if problem:
        raise ValidationError(problem, code="invalid_credit_code")


def normalize_credit_code(value: str) -> str:
    return (value or "").strip().upper()


def validate_division_code(value: str) -> None:
    if not (len(value) == 6 and value.isdigit()):
        raise ValidationError(_("行政区划代码应为6位数字。"), code="invalid_division_code")


@deconstructible
class MaxFileSizeValidator:
    """Rejects uploads larger than ``settings.ATTACHMENT_MAX_BYTES`` (read at validation time)."""

    def __call__(self, value: Any) -> None:
        limit = settings.ATTACHMENT_MAX_BYTES
        size = getattr(value, "size", 0) or 0
        if size > limit:
            raise ValidationError(
                _("附件过大：%(size)s MB，最大允许 %(limit)s MB。")
                % {"size": f"{size / 1048576:.1f}", "limit": f"{limit / 1048576:.0f}"},
                code="file_too_large",
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MaxFileSizeValidator)


validate_upload_size = MaxFileSizeValidator()
