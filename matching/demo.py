"""Matching part of the demo data; ``manage.py load_demo`` finds it (protocol: ``consortium.tenancy.demo.domains``).

``matching`` is the last domain app in ``INSTALLED_APPS``, so it runs after the schools (students), enterprises
(demands, needs) and practice-centre (centres, courses) demo data of the same consortium exist.

For the Baoqing demo consortium, acting as the demo secretariat through ``matching.services``:

* the matching settings: the county's towns as local place names and a few skill synonyms (school wording → the
  wording enterprises use in their demands);
* a run over talent, staff-training and technology needs, executed synchronously here (``match_run_execute``, the body
  of the Celery task: ``make run`` only starts its worker after the demo is loaded; the task the service enqueues on
  commit then finds the run done and skips it), and published (candidacies for the plan, e-mails to the units);
* the hiring workflow on a handful of candidacies, each step by the party that takes it — the enterprise's demo unit
  admin where the enterprise has one (``enterprise_admin``, 北辰煤电), otherwise the secretariat on the enterprise's
  behalf; the school's demo unit admin withdraws one: some shortlisted, some at interview, a couple of offers, three
  hires (student status and demand fill counts follow), one declined, one withdrawn;
* a later run (talent only, the 2027 cohort, heavier skill weight) left succeeded and unpublished, so the secretariat
  sees a run that member units do not.

Deterministic (results depend only on the demo data) and idempotent: once the consortium has a published run,
nothing is written. Other consortia get nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from consortium.tenancy.choices import UnitRole
from consortium.tenancy.demo.data import BAOQING, DEMO_USERS
from consortium.tenancy.models import Consortium, UnitMembership, User
from enterprises.choices.demands import DemandKind

from . import services
from .choices import CANDIDACY_OPEN, CandidacyStatus, MatchKind, RunStatus
from .models import Candidacy, MatchRun, MatchSettings, NeedMatch, Recommendation

#: Place names that make a job local: the county, its towns and townships, the development zone.
LOCAL_TERMS = (
    "宝清",
    "宝清镇",
    "七星泡镇",
    "青原镇",
    "夹信子镇",
    "龙头镇",
    "小城子镇",
    "朝阳乡",
    "万金山乡",
    "尖山子乡",
    "七星河乡",
    "宝清经济开发区",
)

#: School wording = the wording enterprises use in their demands ("同义词=规范词").
SYNONYMS = (
    "高处作业=高空作业",
    "电站运维巡检、光伏电站运维=光伏运维",
    "电气设备维护=电气运维",
    "导游讲解=讲解",
    "大型农机驾驶、智能农机驾驶=农机操作",
    "应急救援=急救",
    "电焊、电气焊=焊接",
    "仓库管理=仓储管理",
    "食品安全快速检测=理化检验",
)

PUBLISHED_KINDS = (MatchKind.TALENT, MatchKind.TRAINING, MatchKind.TECHNOLOGY)
#: The later, unpublished run: talent only, one cohort, skills weighted up (programme down) — sums to 1 as the defaults.
LATER_COHORT = 2027
LATER_WEIGHTS = {"programme": 0.30, "skills": 0.40}

SHORTLIST, INTERVIEW, OFFER, HIRE, DECLINE, WITHDRAW = "shortlist", "interview", "offer", "hire", "decline", "withdraw"

REASONS = {
    SHORTLIST: "简历与岗位要求相符，进入初选。",
    INTERVIEW: "已约定到企业现场面试和实操考核。",
    OFFER: "面试和实操考核通过，发出录用意向。",
    HIRE: "已签订协议，按约定日期到岗。",
    DECLINE: "实操考核未达到岗位要求，本次不予录用。",
    WITHDRAW: "学生本人选择升学深造，学校撤回推荐。",
}


@dataclass(frozen=True)
class Step:
    """Where one demo candidacy ends up, and the actions that take it there from "recommended"."""

    target: str
    actions: tuple[str, ...]


HIRED = Step(CandidacyStatus.HIRED, (SHORTLIST, INTERVIEW, OFFER, HIRE))
OFFERED = Step(CandidacyStatus.OFFER, (SHORTLIST, INTERVIEW, OFFER))
INTERVIEWING = Step(CandidacyStatus.INTERVIEW, (SHORTLIST, INTERVIEW))
SHORTLISTED = Step(CandidacyStatus.SHORTLISTED, (SHORTLIST,))
DECLINED = Step(CandidacyStatus.DECLINED, (SHORTLIST, INTERVIEW, DECLINE))
WITHDRAWN = Step(CandidacyStatus.WITHDRAWN, (SHORTLIST, WITHDRAW))

#: The workflow of the demo, in the order candidacies are picked (the best-placed ones first).
WORKFLOW: tuple[Step, ...] = (
    HIRED, HIRED, HIRED,
    OFFERED, OFFERED,
    INTERVIEWING, INTERVIEWING, INTERVIEWING,
    SHORTLISTED, SHORTLISTED, SHORTLISTED, SHORTLISTED,
    DECLINED,
    WITHDRAWN,
)
#: Hires change the student's status to employed / internship; an order-class intake does not, so it is not hired here.
HIRE_KINDS = frozenset({DemandKind.EMPLOYMENT, DemandKind.INTERNSHIP, DemandKind.APPRENTICESHIP})


def load(*, consortium: Consortium, secretariat: User, stdout: Any = None) -> dict[str, int] | None:
    """Build the matching demo of ``consortium`` (see the module docstring); returns the counts to print."""
    if consortium.name != BAOQING.name:
        return None
    cid = consortium.pk
    runs = MatchRun.objects.for_consortium(cid)
    if runs.filter(status=RunStatus.PUBLISHED).exists():
        return _counts(cid, stdout)
    if runs.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists():
        if stdout is not None:  # somebody's run is under way: leave the consortium alone
            stdout.write("  matching: a run is queued or running, demo runs skipped\n")
        return _counts(cid, stdout)
    _settings(secretariat, cid)
    run = services.match_run_create(actor=secretariat, kinds=PUBLISHED_KINDS, consortium_id=cid)
    _execute(run)
    run = services.match_run_publish(actor=secretariat, run=run)
    _workflow(consortium, secretariat, run)
    later = services.match_run_create(
        actor=secretariat, kinds=[MatchKind.TALENT], cohort=LATER_COHORT, weights=LATER_WEIGHTS, consortium_id=cid
    )
    _execute(later)
    return _counts(cid, stdout)


def _settings(actor: User, consortium_id: int) -> None:
    wanted = {"local_terms": "\n".join(LOCAL_TERMS), "synonyms": "\n".join(SYNONYMS)}
    row = MatchSettings.objects.for_consortium(consortium_id).first()
    if row is None or any(getattr(row, key) != value for key, value in wanted.items()):
        services.match_settings_update(actor=actor, consortium_id=consortium_id, **wanted)


def _execute(run: MatchRun) -> None:
    status = services.match_run_execute(run_id=run.pk, consortium_id=run.consortium_id)
    if status != RunStatus.SUCCEEDED:
        error = MatchRun.objects.for_consortium(run.consortium_id).filter(pk=run.pk).values_list("error", flat=True)
        raise RuntimeError(f"demo match run #{run.pk} ended {status}: {error.first() or ''}")


def _unit_admins(consortium_id: int) -> dict[int, User]:
    """The demo accounts that are unit admins in this consortium, by unit."""
    usernames = [spec.username for spec in DEMO_USERS if spec.unit_role == UnitRole.UNIT_ADMIN]
    memberships = (
        UnitMembership.objects.for_consortium(consortium_id)
        .filter(role=UnitRole.UNIT_ADMIN, is_active=True, user__is_active=True, user__username__in=usernames)
        .select_related("user")
        .order_by("unit_id", "user__username")
    )
    admins: dict[int, User] = {}
    for membership in memberships:
        admins.setdefault(membership.unit_id, membership.user)
    return admins


def _workflow(consortium: Consortium, secretariat: User, run: MatchRun) -> None:
    """Move the run's candidacies along ``WORKFLOW``. Candidacies of an enterprise with a demo admin go first (that
    account then has a pipeline to show), then the best scores, spread over the other enterprises (one step each
    while some are left)."""
    admins = _unit_admins(consortium.pk)
    candidacies = list(
        Candidacy.objects.for_consortium(consortium.pk)
        .filter(run=run, status=CandidacyStatus.RECOMMENDED)
        .select_related("demand")
        .order_by("-score", "pk")
    )
    candidacies.sort(key=lambda c: c.enterprise_unit_id not in admins)  # stable: keeps the score order inside
    used: set[int] = set()
    enterprises_used: set[int] = set()
    for step in WORKFLOW:
        candidacy = _pick(candidacies, used, enterprises_used - set(admins), _fits(step, admins))
        if candidacy is None:
            continue
        used.add(candidacy.pk)
        enterprises_used.add(candidacy.enterprise_unit_id)
        for action in step.actions:
            if action == WITHDRAW:
                actor = admins.get(candidacy.school_unit_id, secretariat)
            else:
                actor = admins.get(candidacy.enterprise_unit_id, secretariat)
            candidacy = services.candidacy_transition(
                actor=actor, candidacy=candidacy, action=action, reason=REASONS[action]
            )


def _fits(step: Step, admins: Mapping[int, User]) -> Callable[[Candidacy], bool]:
    def fits(candidacy: Candidacy) -> bool:
        if step is HIRED and candidacy.demand.kind not in HIRE_KINDS:
            return False
        if step is WITHDRAWN:  # withdrawn by the school itself: a school with a demo admin
            return candidacy.school_unit_id in admins and candidacy.enterprise_unit_id not in admins
        return True

    return fits


def _pick(
    candidacies: list[Candidacy], used: set[int], enterprises_used: set[int], fits: Callable[[Candidacy], bool]
) -> Candidacy | None:
    free = [c for c in candidacies if c.pk not in used and fits(c)]
    fresh = [c for c in free if c.enterprise_unit_id not in enterprises_used]
    return (fresh or free or [None])[0]


def _counts(consortium_id: int, stdout: Any) -> dict[str, int]:
    candidacies = Candidacy.objects.for_consortium(consortium_id)
    counts = {
        "匹配运行": MatchRun.objects.for_consortium(consortium_id).count(),
        "已发布匹配": MatchRun.objects.for_consortium(consortium_id).filter(status=RunStatus.PUBLISHED).count(),
        "匹配推荐": Recommendation.objects.for_consortium(consortium_id).count(),
        "服务方推荐": NeedMatch.objects.for_consortium(consortium_id).count(),
        "候选人": candidacies.count(),
        "候选人（进行中）": candidacies.filter(status__in=list(CANDIDACY_OPEN)).count(),
        "已录用": candidacies.filter(status=CandidacyStatus.HIRED).count(),
    }
    if stdout is not None:
        stdout.write("  matching: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + "\n")
    return counts
