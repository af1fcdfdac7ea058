"""Pure rules of the schools app: no ORM, no request. Unit-tested without a database.

* the part-time teacher cap (plan §三(六): 在20%编制员额内聘请兼职教师);
* the PRC resident identity number (GB 11643, ISO 7064 MOD 11-2 check character);
* the programme code of the 2021 catalogue (6 digits; the first two are the major category's code for the level).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# --- part-time cap ----------------------------------------------------------------------------------------------

PART_TIME_CAP_PERCENT = 20


def part_time_cap(quota: int) -> int:
    """Most part-time teachers a school with staffing quota ``quota`` may have: floor(20 % of the quota)."""
    if quota is None or quota <= 0:
        return 0
    return (int(quota) * PART_TIME_CAP_PERCENT) // 100


def part_time_headroom(quota: int, current: int) -> int:
    """How many more part-time teachers fit under the cap (never negative)."""
    return max(part_time_cap(quota) - max(int(current), 0), 0)


def part_time_allows(quota: int, current: int, adding: int = 1) -> bool:
    """True when ``adding`` more active part-time teachers keep ``current`` within the cap."""
    return current + adding <= part_time_cap(quota)


def part_time_cap_message(quota: int, current: int, adding: int = 1) -> str:
    """The refusal message: states quota, cap, current count, headroom and (for batches) how many were to be added."""
    params = {
        "quota": int(quota or 0),
        "cap": part_time_cap(quota),
        "current": int(current),
        "headroom": part_time_headroom(quota, current),
        "adding": int(adding),
        "percent": PART_TIME_CAP_PERCENT,
    }
    text = (
        _(
            "兼职教师人数不得超过编制员额的%(percent)d%%：编制员额%(quota)d人，兼职教师上限%(cap)d人，"
            "现有兼职教师%(current)d人，剩余可聘%(headroom)d人。"
        )
        % params
    )
    if adding != 1:
        text += " " + _("本次拟新增%(adding)d人。") % params
    return text


def quota_too_low_message(quota: int, current: int) -> str:
    """Refusal when the staffing quota would be lowered below what the current part-time teachers need."""
    needed = -(-int(current) * 100 // PART_TIME_CAP_PERCENT)  # ceil(current / 20 %)
    return _(
        "编制员额不能调低到%(quota)d人：现有兼职教师%(current)d人，按编制员额%(percent)d%%计算，"
        "兼职教师上限将只有%(cap)d人；编制员额至少应为%(needed)d人。"
    ) % {
        "quota": int(quota),
        "current": int(current),
        "percent": PART_TIME_CAP_PERCENT,
        "cap": part_time_cap(quota),
        "needed": needed,
    }


# --- resident identity number -------------------------------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def normalize_id_number(value: str | None) -> str:
    """Strip blanks and upper-case the check character (a lower-case x is common in spreadsheets)."""
    return (value or "").strip().replace(" ", "").upper()


def id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits of a resident ID number."""
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_number_problem(value: str) -> str | None:
    """Why ``value`` is not a valid 18-character resident ID number, or None."""
    if len(value) != 18:
        return _("身份证号码应为18位，当前为%(n)d位。") % {"n": len(value)}
    if not value[:17].isdigit():
        return _("身份证号码前17位应为数字。")
    if not (value[17].isdigit() or value[17] == "X"):
        return _("身份证号码第18位应为数字或X。")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return _("身份证号码第7至14位的出生日期“%(birth)s”无效。") % {"birth": value[6:14]}
    if birth.year < 1900 or birth > date.today():
        return _("身份证号码第7至14位的出生日期“%(birth)s”无效。") % {"birth": value[6:14]}
    expected = id_check_char(value[:17])
    if value[17] != expected:
        return _("身份证号码校验位错误：第18位应为“%(expected)s”，而不是“%(got)s”。") % {
            "expected": expected,
            "got": value[17],
        }
    return None


def validate_id_number(value: str) -> None:
    """Model-field validator (blank values are allowed by the field, not checked here)."""
    if not value:
        return
    problem = id_number_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_id_number")


# --- programme codes ----------------------------------------------------------------------------------------------


def programme_code_problem(code: str, level: str, category_code: str | None) -> str | None:
    """Why ``code`` is not a valid programme code for ``level`` in the major category whose code at that level is
    ``category_code`` (None: the category does not exist at that level), or None."""
    if not (len(code) == 6 and code.isdigit()):
        return _("专业代码应为6位数字，当前为“%(code)s”。") % {"code": code}
    if not category_code:
        return _("所选专业大类在该层次没有代码。")
    if code[:2] != category_code:
        return _("专业代码前两位应为专业大类代码“%(expected)s”（该层次），而不是“%(got)s”。") % {
            "expected": category_code,
            "got": code[:2],
        }
    return None


# --- masking ------------------------------------------------------------------------------------------------------


def mask_id_number(value: str | None) -> str:
    """``230523199001011234`` → ``2305**********1234``; short or empty values are masked entirely."""
    value = value or ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """``13812345678`` → ``138****5678``; other lengths keep only the last 2 characters."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) >= 11:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    return "*" * max(len(value) - 2, 0) + value[-2:]


def mask_name(value: str | None) -> str:
    """``张三丰`` → ``张**``: the family name only."""
    value = value or ""
    return value[:1] + "*" * (len(value) - 1) if value else ""


def practice_hours_problem(start: date | None, end: date | None, hours: int | None) -> str | None:
    """Enterprise-practice sanity: end not before start, and no more hours than the days allow (24 h a day)."""
    if start and end and end < start:
        return _("结束日期不能早于开始日期。")
    if start and end and hours is not None and hours > ((end - start).days + 1) * 24:
        return _("实践时长%(hours)d小时超过了%(days)d天的最大可能时长（每天24小时）。") % {
            "hours": hours,
            "days": (end - start).days + 1,
        }
    return None
