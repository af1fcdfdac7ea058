"""Deterministic, structurally valid (but fictional) unified social credit codes for demo units.

GB 32100-2015 layout: 1 registration authority · 2 organisation type · 3-8 division code · 9-17 organisation code
(GB 11714: 8 body characters + its own check character) · 18 check character (GB 32100).
"""

from __future__ import annotations

import hashlib

from consortium.tenancy.validators import CREDIT_CODE_CHARSET, credit_code_check_char

# (registration authority, organisation type) per unit category.
PREFIXES = {
    "organ": "11",  # 机构编制 · 机关
    "institution": "12",  # 机构编制 · 事业单位
    "social_group": "51",  # 民政 · 社会团体
    "private_non_enterprise": "52",  # 民政 · 民办非企业单位
    "enterprise": "91",  # 工商 · 企业
    "cooperative": "93",  # 工商 · 农民专业合作社
}

_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation code body (digits and capital letters)."""
    total = sum((int(c) if c.isdigit() else ord(c) - ord("A") + 10) * w for c, w in zip(body8, _ORG_CODE_WEIGHTS,
                                                                                       strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def demo_credit_code(name: str, *, division_code: str, category: str) -> str:
    """A valid credit code derived from ``name``: the same name always yields the same code."""
    digest = hashlib.sha256(f"{division_code}:{name}".encode()).digest()
    if category == "enterprise":
        # Codes issued since 2015 usually carry an organisation code starting with "MA".
        body = "MA" + "".join(CREDIT_CODE_CHARSET[b % len(CREDIT_CODE_CHARSET)] for b in digest[:6])
    else:
        body = "".join(str(b % 10) for b in digest[:8])
    first17 = PREFIXES[category] + division_code + body + org_code_check_char(body)
    return first17 + credit_code_check_char(first17)
