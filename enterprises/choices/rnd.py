"""R&D (plan §三(七)): enumerations and the project lifecycle as pure data plus one pure function."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlatformKind(models.TextChoices):
    ENGINEERING_CENTRE = "engineering_centre", _("工程技术研究中心")
    INDUSTRY_INNOVATION = "industry_innovation", _("产业创新中心")
    TECH_INNOVATION = "tech_innovation", _("技术创新中心")
    OTHER = "other", _("其他")


class PlatformLevel(models.TextChoices):
    COUNTY = "county", _("县级")
    CITY = "city", _("市级")
    PROVINCE = "province", _("省级")
    NATIONAL = "national", _("国家级")


class CoBuilderRole(models.TextChoices):
    CO_BUILDER = "co_builder", _("共建单位")
    SUPPORTER = "supporter", _("技术支撑单位")


class ProjectStatus(models.TextChoices):
    PROPOSED = "proposed", _("已申报")
    APPROVED = "approved", _("已立项")
    IN_PROGRESS = "in_progress", _("实施中")
    CLOSURE_REVIEW = "closure_review", _("结题申请")
    CLOSED = "closed", _("结题通过")
    TERMINATED = "terminated", _("已终止")


#: Project statuses readable consortium-wide (the project was approved by the secretariat and is not terminated).
#: Proposals and terminated projects stay with the proposer, its partners, the secretariat and officials.
PUBLIC_PROJECT_STATUSES = (
    ProjectStatus.APPROVED,
    ProjectStatus.IN_PROGRESS,
    ProjectStatus.CLOSURE_REVIEW,
    ProjectStatus.CLOSED,
)


class ProjectAction(models.TextChoices):
    APPROVE = "approve", _("批准立项")
    START = "start", _("启动实施")
    SUBMIT_CLOSURE = "submit_closure", _("申请结题")
    ACCEPT_CLOSURE = "accept_closure", _("结题通过")
    REJECT_CLOSURE = "reject_closure", _("结题不通过")
    TERMINATE = "terminate", _("终止项目")


class Party(models.TextChoices):
    PROPOSER = "proposer", _("申报单位")
    SECRETARIAT = "secretariat", _("秘书处")


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    parties: frozenset[str]
    reason_required: bool = False


#: action -> allowed source statuses, target status, who may take it, whether a reason is required. Pure data.
PROJECT_TRANSITIONS: dict[str, Transition] = {
    ProjectAction.APPROVE: Transition(
        frozenset({ProjectStatus.PROPOSED}), ProjectStatus.APPROVED, frozenset({Party.SECRETARIAT})
    ),
    ProjectAction.START: Transition(
        frozenset({ProjectStatus.APPROVED}), ProjectStatus.IN_PROGRESS, frozenset({Party.PROPOSER})
    ),
    ProjectAction.SUBMIT_CLOSURE: Transition(
        frozenset({ProjectStatus.IN_PROGRESS}), ProjectStatus.CLOSURE_REVIEW, frozenset({Party.PROPOSER})
    ),
    ProjectAction.ACCEPT_CLOSURE: Transition(
        frozenset({ProjectStatus.CLOSURE_REVIEW}), ProjectStatus.CLOSED, frozenset({Party.SECRETARIAT})
    ),
    # closure rejected: back to in progress, with the reviewers' reason
    ProjectAction.REJECT_CLOSURE: Transition(
        frozenset({ProjectStatus.CLOSURE_REVIEW}),
        ProjectStatus.IN_PROGRESS,
        frozenset({Party.SECRETARIAT}),
        reason_required=True,
    ),
    ProjectAction.TERMINATE: Transition(
        frozenset({ProjectStatus.PROPOSED, ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS}),
        ProjectStatus.TERMINATED,
        frozenset({Party.PROPOSER, Party.SECRETARIAT}),
        reason_required=True,
    ),
}


class TransitionRefused(Exception):
    """A refused project transition: ``field`` names the input at fault; ``permission`` marks a wrong party."""

    def __init__(self, field: str, message: str, *, permission: bool = False) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.permission = permission


def project_next_status(status: str, action: str, parties: frozenset[str] | set[str], reason: str = "") -> str:
    """Pure: the status a project moves to when ``parties`` take ``action``; raises TransitionRefused."""
    transition = PROJECT_TRANSITIONS.get(action)
    if transition is None:
        raise TransitionRefused("action", str(_("未知的操作。")))
    if not (transition.parties & set(parties)):
        raise TransitionRefused("action", str(_("您无权对该项目执行此操作。")), permission=True)
    if status not in transition.sources:
        raise TransitionRefused(
            "action",
            str(_("项目当前状态为“%(status)s”，不能执行“%(action)s”。"))
            % {"status": ProjectStatus(status).label, "action": ProjectAction(action).label},
        )
    if transition.reason_required and not (reason or "").strip():
        raise TransitionRefused("reason", str(_("执行此操作必须填写原因。")))
    return transition.target


def project_allowed_actions(status: str, parties: frozenset[str] | set[str]) -> list[str]:
    """Pure: the actions ``parties`` may take from ``status`` (for buttons)."""
    return [
        action
        for action, transition in PROJECT_TRANSITIONS.items()
        if status in transition.sources and transition.parties & set(parties)
    ]


class ServiceKind(models.TextChoices):
    CONSULTING = "consulting", _("技术咨询")
    PROCESS_IMPROVEMENT = "process_improvement", _("工艺改进")
    PRODUCT_UPGRADE = "product_upgrade", _("产品升级")
    TESTING = "testing", _("检验检测")
    TRAINING = "training", _("技术培训")
    OTHER = "other", _("其他")


class AchievementKind(models.TextChoices):
    PATENT = "patent", _("专利")
    SOFTWARE_COPYRIGHT = "software_copyright", _("软件著作权")
    RESULT = "result", _("科技成果")
    STANDARD = "standard", _("标准")


class TransferMode(models.TextChoices):
    TRANSFER = "transfer", _("转让")
    LICENSE = "license", _("许可")
    EQUITY = "equity", _("作价入股")
