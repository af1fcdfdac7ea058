"""Enumerations of order classes (订单班 / 订制班 / 委托培养班) and modern industry colleges (plan §三(五))."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from consortium.tenancy.text import join_list


class OrderClassKind(models.TextChoices):
    ORDER = "order", _("订单班")
    CUSTOMISED = "customised", _("订制班")
    COMMISSIONED = "commissioned", _("委托培养班")


class OrderClassStage(models.TextChoices):
    PROPOSED = "proposed", _("已提议")
    AGREED = "agreed", _("已签订三方协议")
    ENROLLING = "enrolling", _("招生组班")
    TRAINING = "training", _("联合培养")
    ASSESSING = "assessing", _("联合考核")
    GRADUATED = "graduated", _("已毕业")
    EMPLOYED = "employed", _("已就业")
    RETENTION_TRACKING = "retention_tracking", _("留任跟踪")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class Party(models.TextChoices):
    SCHOOL = "school", _("学校")
    ENTERPRISE = "enterprise", _("企业")
    SECRETARIAT = "secretariat", _("秘书处")


class ProposedBy(models.TextChoices):
    SCHOOL = "school", _("学校")
    ENTERPRISE = "enterprise", _("企业")


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("在班")
    WITHDRAWN = "withdrawn", _("已退出")
    GRADUATED = "graduated", _("已毕业")


class TaughtBy(models.TextChoices):
    SCHOOL = "school", _("学校")
    ENTERPRISE = "enterprise", _("企业")
    BOTH = "both", _("校企共同")


class TeamSide(models.TextChoices):
    SCHOOL = "school", _("学校教师")
    ENTERPRISE = "enterprise", _("企业导师")


class ResourceKind(models.TextChoices):
    COURSEWARE = "courseware", _("课件")
    TEXTBOOK = "textbook", _("教材")
    VIDEO = "video", _("视频")
    CASE = "case", _("案例")
    EQUIPMENT = "equipment", _("设备场地")
    OTHER = "other", _("其他")


class RetentionMonths(models.IntegerChoices):
    SIX = 6, _("6个月")
    TWELVE = 12, _("12个月")


class CollegeRole(models.TextChoices):
    GOVERNMENT = "government", _("政府部门")
    INDUSTRY = "industry", _("行业协会")
    ENTERPRISE = "enterprise", _("企业")
    SCHOOL = "school", _("学校")
    RESEARCH = "research", _("科研院所")


# --- pure rules (no ORM; unit-tested without a database) ------------------------------------------------------
# Kept next to the enumerations they read: the stage table is data, the checks are plain functions.

from dataclasses import dataclass  # noqa: E402
from decimal import ROUND_HALF_UP, Decimal  # noqa: E402

from django.utils.translation import gettext  # noqa: E402

S = OrderClassStage
P = Party


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    parties: frozenset[str]
    label: object


#: The lifecycle: action -> allowed source stages, target stage, parties who may do it.
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "agree", (S.PROPOSED,), S.AGREED, frozenset({P.SCHOOL, P.ENTERPRISE, P.SECRETARIAT}), _("确认三方协议")
        ),
        Transition("open_enrolment", (S.AGREED,), S.ENROLLING, frozenset({P.SCHOOL, P.SECRETARIAT}), _("开始招生组班")),
        Transition(
            "start_training", (S.ENROLLING,), S.TRAINING, frozenset({P.SCHOOL, P.SECRETARIAT}), _("开始联合培养")
        ),
        Transition(
            "start_assessment", (S.TRAINING,), S.ASSESSING, frozenset({P.SCHOOL, P.ENTERPRISE}), _("开始联合考核")
        ),
        Transition("graduate", (S.ASSESSING,), S.GRADUATED, frozenset({P.SCHOOL}), _("确认毕业")),
        Transition(
            "record_employment", (S.GRADUATED,), S.EMPLOYED, frozenset({P.ENTERPRISE, P.SECRETARIAT}), _("确认企业就业")
        ),
        Transition(
            "track_retention",
            (S.EMPLOYED,),
            S.RETENTION_TRACKING,
            frozenset({P.ENTERPRISE, P.SCHOOL}),
            _("开始留任跟踪"),
        ),
        Transition("close", (S.RETENTION_TRACKING,), S.CLOSED, frozenset({P.SCHOOL, P.SECRETARIAT}), _("结束")),
        Transition(
            "cancel",
            (S.PROPOSED, S.AGREED, S.ENROLLING),
            S.CANCELLED,
            frozenset({P.SCHOOL, P.ENTERPRISE, P.SECRETARIAT}),
            _("取消"),
        ),
    )
}

#: Who is expected to move each stage on (shown on the timeline).
STAGE_OWNERS: dict[str, str] = {
    S.PROPOSED: P.ENTERPRISE,  # both parties confirm; the partner's confirmation is what is usually awaited
    S.AGREED: P.SCHOOL,
    S.ENROLLING: P.SCHOOL,
    S.TRAINING: P.SCHOOL,
    S.ASSESSING: P.SCHOOL,
    S.GRADUATED: P.ENTERPRISE,
    S.EMPLOYED: P.ENTERPRISE,
    S.RETENTION_TRACKING: P.SCHOOL,
    S.CLOSED: P.SECRETARIAT,
    S.CANCELLED: P.SECRETARIAT,
}

#: The main path, in order (for the timeline).
STAGE_PATH: tuple[str, ...] = (
    S.PROPOSED,
    S.AGREED,
    S.ENROLLING,
    S.TRAINING,
    S.ASSESSING,
    S.GRADUATED,
    S.EMPLOYED,
    S.RETENTION_TRACKING,
    S.CLOSED,
)


def transition_problem(
    stage: str,
    action: str,
    parties: set[str] | frozenset[str],
    *,
    school_confirmed: bool = True,
    enterprise_confirmed: bool = True,
    cost_problem: str | None = None,
    enrolled: int = 1,
) -> str | None:
    """Why ``parties`` may not apply ``action`` to a class in ``stage`` (None: allowed)."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        return gettext("未知的操作：%(action)s。") % {"action": action}
    if stage not in transition.sources:
        return gettext("当前阶段为“%(stage)s”，不能执行“%(action)s”；允许的阶段：%(allowed)s。") % {
            "stage": OrderClassStage(stage).label,
            "action": transition.label,
            "allowed": join_list(str(OrderClassStage(s).label) for s in transition.sources),
        }
    if not (set(parties) & transition.parties):
        return gettext("“%(action)s”只能由%(parties)s执行。") % {
            "action": transition.label,
            "parties": join_list(str(Party(p).label) for p in sorted(transition.parties)),
        }
    if action == "agree":
        if not (school_confirmed and enterprise_confirmed):
            return gettext("三方协议须由学校和企业双方确认后才能生效。")
        if cost_problem:
            return cost_problem
    if action == "start_training" and enrolled < 1:
        return gettext("尚无在班学生，不能开始培养。")
    return None


def next_actions(stage: str, parties: set[str] | frozenset[str]) -> list[Transition]:
    """Transitions out of ``stage`` that one of ``parties`` may perform (guards aside)."""
    return [t for t in TRANSITIONS.values() if stage in t.sources and set(parties) & t.parties]


def cost_sharing_problem(school: int | None, enterprise: int | None, government: int | None) -> str | None:
    """Cost-sharing percentages: each 0–100 and together 100 % (all zero: not yet agreed)."""
    values = [int(v or 0) for v in (school, enterprise, government)]
    if any(v < 0 or v > 100 for v in values):
        return gettext("分担比例须在0到100之间。")
    total = sum(values)
    if total not in (0, 100):
        return gettext("学校、企业、政府分担比例之和须为100%%，当前为%(total)d%%。") % {"total": total}
    return None


def quota_headroom(quota: int, enrolled: int) -> int:
    return max(int(quota or 0) - int(enrolled or 0), 0)


def quota_allows(quota: int, enrolled: int, adding: int = 1) -> bool:
    return int(enrolled) + int(adding) <= int(quota or 0)


def quota_message(quota: int, enrolled: int, adding: int = 1) -> str:
    """Refusal text stating the quota, the enrolled count and the headroom (and the batch size)."""
    params = {
        "quota": int(quota or 0),
        "enrolled": int(enrolled),
        "headroom": quota_headroom(quota, enrolled),
        "adding": int(adding),
    }
    text = gettext("超出订单班名额：名额%(quota)d人，已在班%(enrolled)d人，剩余%(headroom)d人。") % params
    if adding != 1:
        text += " " + gettext("本次拟新增%(adding)d人。") % params
    return text


def final_score(
    school: Decimal | float | None, enterprise: Decimal | float | None, school_weight: int = 50
) -> Decimal | None:
    """Jointly graded score: ``school_weight`` % school + the rest enterprise, one decimal.

    None while a part is missing."""
    if school is None or enterprise is None:
        return None
    weight = Decimal(int(school_weight)) / Decimal(100)
    value = Decimal(str(school)) * weight + Decimal(str(enterprise)) * (Decimal(1) - weight)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` as a percentage with one decimal (None when ``whole`` is 0)."""
    if not whole:
        return None
    return round(100.0 * part / whole, 1)


def retention_rates(checks: list[tuple[int, bool]]) -> dict[int, float | None]:
    """{6: %, 12: %} of checks that found the graduate still employed, per check month (None: no checks)."""
    result: dict[int, float | None] = {}
    for months in (6, 12):
        found = [still for m, still in checks if m == months]
        result[months] = rate(sum(1 for s in found if s), len(found))
    return result


def average(values: list[Decimal | None]) -> Decimal | None:
    present = [Decimal(str(v)) for v in values if v is not None]
    if not present:
        return None
    return (sum(present) / len(present)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
