"""Enumerations of the council app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SeatRole(models.TextChoices):
    CHAIR = "chair", _("理事长")
    VICE_CHAIR = "vice_chair", _("副理事长")
    SECRETARY_GENERAL = "secretary_general", _("秘书长")
    MEMBER = "member", _("理事")


class DocumentKind(models.TextChoices):
    CHARTER = "charter", _("章程")
    RULES_OF_PROCEDURE = "rules_of_procedure", _("议事规程")
    ASSESSMENT_INCENTIVE = "assessment_incentive", _("考核激励办法")
    OTHER = "other", _("其他")


#: Kinds of which a consortium keeps exactly one document (its versions carry the history).
SINGLE_DOCUMENT_KINDS = frozenset(
    {DocumentKind.CHARTER, DocumentKind.RULES_OF_PROCEDURE, DocumentKind.ASSESSMENT_INCENTIVE}
)


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草案")
    ADOPTED = "adopted", _("已通过")
    SUPERSEDED = "superseded", _("已废止")


class PassRule(models.TextChoices):
    MAJORITY_PRESENT = "majority_present", _("出席过半数")
    MAJORITY_ALL = "majority_all", _("全体过半数")
    TWO_THIRDS_PRESENT = "two_thirds_present", _("出席三分之二")
    TWO_THIRDS_ALL = "two_thirds_all", _("全体三分之二")


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("定期会议")
    EXTRAORDINARY = "extraordinary", _("临时会议")


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    NOTICED = "noticed", _("已通知")
    HELD = "held", _("已召开")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已取消")


# from-status -> allowed to-statuses. Pure data; the services enforce it.
MEETING_TRANSITIONS: dict[str, set[str]] = {
    MeetingStatus.DRAFT: {MeetingStatus.NOTICED, MeetingStatus.CANCELLED},
    MeetingStatus.NOTICED: {MeetingStatus.HELD, MeetingStatus.CANCELLED},
    MeetingStatus.HELD: {MeetingStatus.CLOSED},
    MeetingStatus.CLOSED: set(),
    MeetingStatus.CANCELLED: set(),
}


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("出席")
    PROXY = "proxy", _("委托出席")
    LEAVE = "leave", _("请假")
    ABSENT = "absent", _("缺席")


#: Statuses that count towards the quorum and may vote.
ATTENDING_STATUSES = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.PROXY})


class ResolutionStatus(models.TextChoices):
    PROPOSED = "proposed", _("待表决")
    ADOPTED = "adopted", _("已通过")
    REJECTED = "rejected", _("未通过")


class VoteChoice(models.TextChoices):
    FOR = "for", _("赞成")
    AGAINST = "against", _("反对")
    ABSTAIN = "abstain", _("弃权")


#: Used when the consortium has no adopted rules of procedure (stated in the UI).
DEFAULT_QUORUM_NUMERATOR = 2
DEFAULT_QUORUM_DENOMINATOR = 3
DEFAULT_PASS_RULE = PassRule.MAJORITY_PRESENT
