"""Choices of the matching app (issue 6) and the candidacy workflow as pure data.

``CANDIDACY_TRANSITIONS`` (from-status -> allowed to-statuses) and ``CANDIDACY_ACTIONS`` (verb -> target status) are
the whole workflow; ``matching.services`` checks them with ``enterprises.choices.demands.transition_problem`` and adds
the party checks (``ENTERPRISE_ACTIONS`` / ``SCHOOL_ACTIONS``; the secretariat may take any action).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MatchKind(models.TextChoices):
    """What a run matches."""

    TALENT = "talent", _("人才供需")
    TRAINING = "training", _("员工培训")
    TECHNOLOGY = "technology", _("技术攻关")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("运行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")
    PUBLISHED = "published", _("已发布")


#: Runs the task still has to (or may again) work on.
RUN_ACTIVE = frozenset({RunStatus.QUEUED, RunStatus.RUNNING})
#: Runs whose results are final: a repeated delivery of the task does nothing.
RUN_DONE = frozenset({RunStatus.SUCCEEDED, RunStatus.PUBLISHED, RunStatus.CANCELLED})
#: Runs that may be re-queued (``match_run_retry``).
RUN_RETRYABLE = frozenset({RunStatus.FAILED, RunStatus.CANCELLED})


class CandidacyStatus(models.TextChoices):
    RECOMMENDED = "recommended", _("已推荐")
    SHORTLISTED = "shortlisted", _("入围")
    INTERVIEW = "interview", _("面试")
    OFFER = "offer", _("录用意向")
    HIRED = "hired", _("已录用")
    DECLINED = "declined", _("已婉拒")
    WITHDRAWN = "withdrawn", _("已撤回")


#: Candidacies still in progress (a hire withdraws the student's other open candidacies).
CANDIDACY_OPEN = frozenset(
    {CandidacyStatus.RECOMMENDED, CandidacyStatus.SHORTLISTED, CandidacyStatus.INTERVIEW, CandidacyStatus.OFFER}
)

CANDIDACY_TRANSITIONS: dict[str, frozenset[str]] = {
    CandidacyStatus.RECOMMENDED: frozenset(
        {CandidacyStatus.SHORTLISTED, CandidacyStatus.DECLINED, CandidacyStatus.WITHDRAWN}
    ),
    CandidacyStatus.SHORTLISTED: frozenset(
        {CandidacyStatus.INTERVIEW, CandidacyStatus.DECLINED, CandidacyStatus.WITHDRAWN}
    ),
    CandidacyStatus.INTERVIEW: frozenset({CandidacyStatus.OFFER, CandidacyStatus.DECLINED, CandidacyStatus.WITHDRAWN}),
    CandidacyStatus.OFFER: frozenset({CandidacyStatus.HIRED, CandidacyStatus.DECLINED, CandidacyStatus.WITHDRAWN}),
    CandidacyStatus.HIRED: frozenset(),
    CandidacyStatus.DECLINED: frozenset(),
    CandidacyStatus.WITHDRAWN: frozenset(),
}

#: Workflow verbs (API/page actions) -> target status.
CANDIDACY_ACTIONS: dict[str, str] = {
    "shortlist": CandidacyStatus.SHORTLISTED,
    "interview": CandidacyStatus.INTERVIEW,
    "offer": CandidacyStatus.OFFER,
    "hire": CandidacyStatus.HIRED,
    "decline": CandidacyStatus.DECLINED,
    "withdraw": CandidacyStatus.WITHDRAWN,
}
#: Verbs of the enterprise (the demand's owner) and of the school (the student's owner).
ENTERPRISE_ACTIONS = frozenset({"shortlist", "interview", "offer", "hire", "decline"})
SCHOOL_ACTIONS = frozenset({"withdraw"})


class NeedKind(models.TextChoices):
    TRAINING = "training", _("员工培训需求")
    TECHNOLOGY = "technology", _("技术攻关需求")


class ProviderKind(models.TextChoices):
    CENTRE = "centre", _("实践中心")
    COURSE = "course", _("培训课程")
    TEACHER = "teacher", _("教师")
    PROFESSOR = "professor", _("产业教授")
    EXPERT = "expert", _("兼职教师库专家")
    PLATFORM = "platform", _("研发平台")


#: Which providers serve which kind of need.
PROVIDERS_FOR_NEED: dict[str, tuple[str, ...]] = {
    NeedKind.TRAINING: (ProviderKind.CENTRE, ProviderKind.COURSE, ProviderKind.EXPERT, ProviderKind.TEACHER,
                        ProviderKind.PROFESSOR),
    NeedKind.TECHNOLOGY: (ProviderKind.TEACHER, ProviderKind.PROFESSOR, ProviderKind.EXPERT, ProviderKind.PLATFORM),
}
