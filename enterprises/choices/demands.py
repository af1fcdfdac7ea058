"""Choices and the review workflow of the demand side (issue 4): enterprise profiles, talent demands, staff-training
needs and technology problems.

The lifecycles are pure data (``DEMAND_TRANSITIONS`` / ``NEED_TRANSITIONS``: from-status -> allowed to-statuses) and
``transition_problem`` is the one pure function that decides whether a move is allowed; the services
(``enterprises.services.demands``) call it for all three kinds of need and add the role checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class EnterpriseSize(models.TextChoices):
    MICRO = "micro", _("微型")
    SMALL = "small", _("小型")
    MEDIUM = "medium", _("中型")
    LARGE = "large", _("大型")


class ZoneType(models.TextChoices):
    DEVELOPMENT_ZONE = "development_zone", _("开发区/产业园区")
    COUNTY_TOWN = "county_town", _("县城")
    TOWNSHIP = "township", _("乡镇")
    OTHER = "other", _("其他")


class DemandKind(models.TextChoices):
    EMPLOYMENT = "employment", _("就业")
    INTERNSHIP = "internship", _("实习")
    APPRENTICESHIP = "apprenticeship", _("学徒")
    ORDER_CLASS_INTAKE = "order_class_intake", _("订单班招收")


class EducationLevel(models.TextChoices):
    ANY = "any", _("不限")
    SECONDARY = "secondary", _("中职")
    ASSOCIATE = "associate", _("高职专科")
    BACHELOR = "bachelor", _("本科及以上")


class DemandStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已发布")
    PARTLY_FILLED = "partly_filled", _("部分满足")
    FILLED = "filled", _("已满足")
    EXPIRED = "expired", _("已过期")
    WITHDRAWN = "withdrawn", _("已撤回")


class NeedStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("已退回")
    PUBLISHED = "published", _("已发布")
    CLOSED = "closed", _("已关闭")
    WITHDRAWN = "withdrawn", _("已撤回")


#: Talent demands: from-status -> allowed to-statuses. Edits are allowed in draft and returned only.
DEMAND_TRANSITIONS: dict[str, frozenset[str]] = {
    DemandStatus.DRAFT: frozenset({DemandStatus.SUBMITTED, DemandStatus.WITHDRAWN}),
    DemandStatus.SUBMITTED: frozenset({DemandStatus.APPROVED, DemandStatus.RETURNED, DemandStatus.WITHDRAWN}),
    DemandStatus.RETURNED: frozenset({DemandStatus.SUBMITTED, DemandStatus.WITHDRAWN}),
    DemandStatus.APPROVED: frozenset(
        {DemandStatus.PARTLY_FILLED, DemandStatus.FILLED, DemandStatus.EXPIRED, DemandStatus.WITHDRAWN}
    ),
    DemandStatus.PARTLY_FILLED: frozenset({DemandStatus.FILLED, DemandStatus.EXPIRED, DemandStatus.WITHDRAWN}),
    DemandStatus.FILLED: frozenset(),
    DemandStatus.EXPIRED: frozenset(),
    DemandStatus.WITHDRAWN: frozenset(),
}

#: Staff-training needs and technology problems share this review workflow.
NEED_TRANSITIONS: dict[str, frozenset[str]] = {
    NeedStatus.DRAFT: frozenset({NeedStatus.SUBMITTED, NeedStatus.WITHDRAWN}),
    NeedStatus.SUBMITTED: frozenset({NeedStatus.PUBLISHED, NeedStatus.RETURNED, NeedStatus.WITHDRAWN}),
    NeedStatus.RETURNED: frozenset({NeedStatus.SUBMITTED, NeedStatus.WITHDRAWN}),
    NeedStatus.PUBLISHED: frozenset({NeedStatus.CLOSED, NeedStatus.WITHDRAWN}),
    NeedStatus.CLOSED: frozenset(),
    NeedStatus.WITHDRAWN: frozenset(),
}

DEMAND_PUBLISHED = frozenset({DemandStatus.APPROVED, DemandStatus.PARTLY_FILLED, DemandStatus.FILLED})
DEMAND_EDITABLE = frozenset({DemandStatus.DRAFT, DemandStatus.RETURNED})
NEED_PUBLISHED = frozenset({NeedStatus.PUBLISHED, NeedStatus.CLOSED})
NEED_EDITABLE = frozenset({NeedStatus.DRAFT, NeedStatus.RETURNED})

#: Workflow actions (the API/page verbs) -> target status, per lifecycle.
DEMAND_ACTIONS: dict[str, str] = {
    "submit": DemandStatus.SUBMITTED,
    "approve": DemandStatus.APPROVED,
    "return": DemandStatus.RETURNED,
    "withdraw": DemandStatus.WITHDRAWN,
    "expire": DemandStatus.EXPIRED,
}
NEED_ACTIONS: dict[str, str] = {
    "submit": NeedStatus.SUBMITTED,
    "approve": NeedStatus.PUBLISHED,
    "return": NeedStatus.RETURNED,
    "withdraw": NeedStatus.WITHDRAWN,
    "close": NeedStatus.CLOSED,
}
#: Actions only the secretariat (or a platform admin) may take: an enterprise never publishes itself.
SECRETARIAT_ACTIONS = frozenset({"approve", "return", "expire"})
#: Actions that need a reason.
REASON_REQUIRED_ACTIONS = frozenset({"return"})


def transition_problem(
    transitions: Mapping[str, frozenset[str]], labels: Mapping[str, Any], current: str, target: str
) -> str | None:
    """None when ``current -> target`` is allowed, else a message naming both statuses (pure; no ORM)."""
    if target in transitions.get(current, frozenset()):
        return None
    return gettext("不能从“%(current)s”变更为“%(target)s”。") % {
        "current": labels.get(current, current),
        "target": labels.get(target, target),
    }


def fill_status(headcount: int, filled_count: int) -> str:
    """Status implied by a fill count of a published demand (pure)."""
    if filled_count >= headcount:
        return DemandStatus.FILLED
    if filled_count > 0:
        return DemandStatus.PARTLY_FILLED
    return DemandStatus.APPROVED
