"""Writes of the matching app (issue 6): settings, runs (create, execute, cancel, retry, publish, stale sweep) and the
hiring workflow of candidacies. Keyword-only, ``actor`` first; they raise ValidationError({field: [msg]}) /
PermissionDenied, which the API and the pages turn into 400/403 field messages.

Runs: ``match_run_create`` snapshots the consortium's settings into ``run.params`` (so a run is reproducible) and
enqueues ``matching.tasks.execute_match_run`` on commit; the task calls ``match_run_execute``, which reports progress
with queryset updates (visible to other connections at once), polls ``cancel_requested``, and writes all results in
ONE transaction at the end (deleting the run's previous results first): a killed worker leaves no half-written result,
only a "running" run that ``match_runs_fail_stale`` marks failed and ``match_run_retry`` re-queues.

Candidacies: the enterprise of the demand moves a pair recommended → shortlisted → interview → offer → hired, or
declines; the school of the student may withdraw; the secretariat may take any step. Hiring is exclusive per student
(other open candidacies are withdrawn), sets the student's status and counts the place on the demand through
``enterprises.services.demands.talent_demand_record_fill``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium.tenancy.choices import UnitRole
from consortium.tenancy.models import User
from consortium.tenancy.scoping import is_platform_admin, require_secretariat, unit_roles
from enterprises.choices.demands import DemandKind, transition_problem

from .choices import (
    CANDIDACY_ACTIONS,
    CANDIDACY_OPEN,
    CANDIDACY_TRANSITIONS,
    ENTERPRISE_ACTIONS,
    RUN_DONE,
    RUN_RETRYABLE,
    SCHOOL_ACTIONS,
    CandidacyStatus,
    MatchKind,
    NeedKind,
    RunStatus,
)
from .engine.types import COMPONENTS
from .models import Candidacy, CandidacyStatusChange, MatchRun, MatchSettings, NeedMatch, Recommendation
from .snapshot import parse_synonyms, parse_terms

logger = logging.getLogger(__name__)

SETTINGS_FIELDS = ("weights", "top_k", "candidate_k", "min_score", "stable", "synonyms", "local_terms")
#: A "running" run whose progress has not moved for this long is considered dead (worker killed).
STALE_AFTER = timedelta(minutes=15)
PROGRESS_EVERY = 0.5  # seconds between progress writes
CANCEL_POLL_EVERY = 1.0  # seconds between reads of cancel_requested
BATCH = 2000


# --- helpers ------------------------------------------------------------------------------------------------------


def _pick(fields: Mapping[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(unknown)}")
    return dict(fields)


def _consortium_of(actor: User, consortium_id: int | None) -> int:
    if consortium_id is None:
        consortium_id = getattr(actor, "consortium_id", None)
    if not consortium_id:
        raise ValidationError({"consortium": [_("请指定产教联合体。")]})
    require_secretariat(actor, consortium_id)
    return int(consortium_id)


def validate_weights(value: Any, *, base: Mapping[str, float] | None = None) -> dict[str, float]:
    """Weights by component name, each 0..1, at least one > 0; missing names keep ``base``. Raises ValidationError."""
    if not isinstance(value, Mapping):
        raise ValidationError({"weights": [_("权重格式不正确。")]})
    unknown = sorted(set(map(str, value)) - set(COMPONENTS))
    if unknown:
        raise ValidationError({"weights": [_("未知的评分项：%(n)s。") % {"n": "、".join(unknown)}]})
    weights = {name: float((base or {}).get(name, 0.0)) for name in COMPONENTS}
    for name, raw in value.items():
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise ValidationError({"weights": [_("评分项“%(n)s”的权重须为数字。") % {"n": name}]}) from None
        if not 0.0 <= number <= 1.0 or number != number:
            raise ValidationError({"weights": [_("评分项“%(n)s”的权重须在0到1之间。") % {"n": name}]})
        weights[str(name)] = number
    if not any(w > 0 for w in weights.values()):
        raise ValidationError({"weights": [_("至少一个评分项的权重须大于0。")]})
    return weights


def match_settings_get(*, consortium_id: int) -> MatchSettings:
    """The consortium's settings, created with the defaults on first use."""
    settings_row, _created = MatchSettings.objects.get_or_create(consortium_id=consortium_id)
    return settings_row


def _params_of(settings_row: MatchSettings, weights: dict[str, float]) -> dict[str, Any]:
    synonyms, _bad = parse_synonyms(settings_row.synonyms)
    return {
        "weights": weights,
        "top_k": settings_row.top_k,
        "candidate_k": settings_row.candidate_k,
        "min_score": settings_row.min_score,
        "stable": settings_row.stable,
        "synonyms": synonyms,
        "local_terms": parse_terms(settings_row.local_terms),
    }


# --- settings -----------------------------------------------------------------------------------------------------


@transaction.atomic
def match_settings_update(*, actor: User, consortium_id: int | None = None, **fields: Any) -> MatchSettings:
    """Change the consortium's matching settings (secretariat). Fields: SETTINGS_FIELDS; ``weights`` may be partial
    (the other components keep their weight)."""
    fields = _pick(fields, SETTINGS_FIELDS)
    consortium_id = _consortium_of(actor, consortium_id)
    row = MatchSettings.objects.for_consortium(consortium_id).select_for_update().first()
    if row is None:
        row = match_settings_get(consortium_id=consortium_id)
    if "weights" in fields:
        fields["weights"] = validate_weights(fields["weights"], base=row.weights)
    if "synonyms" in fields:
        _mapping, bad = parse_synonyms(fields["synonyms"])
        if bad:
            message = _("第%(lines)s行格式不正确，应为“同义词=规范词”。") % {"lines": "、".join(map(str, bad))}
            raise ValidationError({"synonyms": [message]})
    for key in ("synonyms", "local_terms"):
        if key in fields:
            fields[key] = str(fields[key] or "").strip()
    for key, value in fields.items():
        setattr(row, key, value)
    row.updated_by = actor if actor.pk else None
    row.full_clean(exclude=["consortium"])
    row.save()
    return row


# --- runs ---------------------------------------------------------------------------------------------------------


def _enqueue(run_id: int, consortium_id: int) -> None:
    """Send the task (called on commit). A broker failure marks the run failed so that it can be retried."""
    from .tasks import execute_match_run

    try:
        result = execute_match_run.apply_async(args=(run_id, consortium_id))
    except Exception as exc:  # the broker is down: say so on the run instead of leaving it queued forever
        logger.exception("could not enqueue match run %s", run_id)
        MatchRun.objects.for_consortium(consortium_id).filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.FAILED, error=_("无法提交后台任务：%(e)s") % {"e": exc}, finished_at=timezone.now()
        )
        return
    MatchRun.objects.for_consortium(consortium_id).filter(pk=run_id, task_id="").update(task_id=result.id or "")


def _clean_list(value: Any, allowed: Iterable[str], field: str, label: str) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    items = [str(v).strip() for v in value if str(v).strip()]
    unknown = sorted(set(items) - set(allowed))
    if unknown:
        raise ValidationError({field: [_("未知的%(l)s：%(v)s。") % {"l": label, "v": "、".join(unknown)}]})
    return sorted(set(items), key=list(allowed).index)


@transaction.atomic
def match_run_create(
    *, actor: User, kinds: Iterable[str], cohort: int | None = None, demand_kinds: Iterable[str] | None = None,
    weights: Mapping[str, Any] | None = None, consortium_id: int | None = None,
) -> MatchRun:
    """Queue a matching run (secretariat). ``kinds`` ⊆ talent/training/technology (at least one); ``cohort`` = the
    graduation year (None: all students); ``demand_kinds`` ⊆ DemandKind (empty: all); ``weights`` override the
    consortium's weights for this run only. The settings are copied into ``run.params``; the task is sent on commit.
    Only one run per consortium may be queued or running at a time."""
    consortium_id = _consortium_of(actor, consortium_id)
    kinds_list = _clean_list(kinds, MatchKind.values, "kinds", _("匹配内容"))
    if not kinds_list:
        raise ValidationError({"kinds": [_("请至少选择一项匹配内容。")]})
    demand_kinds_list = _clean_list(demand_kinds, DemandKind.values, "demand_kinds", _("需求类型"))
    if cohort in ("", None):
        cohort = None
    else:
        try:
            cohort = int(cohort)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValidationError({"cohort": [_("毕业年份须为整数。")]}) from None
        if not 2000 <= cohort <= 2100:
            raise ValidationError({"cohort": [_("毕业年份须在2000到2100之间。")]})
    settings_row = match_settings_get(consortium_id=consortium_id)
    run_weights = validate_weights(weights if weights is not None else {}, base=settings_row.weights)
    busy = (
        MatchRun.objects.for_consortium(consortium_id).select_for_update()
        .filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
    )
    if list(busy.values_list("pk", flat=True)):
        raise ValidationError({"__all__": [_("已有匹配正在排队或运行，请等待其完成或先取消。")]})
    run = MatchRun.objects.create(
        consortium_id=consortium_id,
        created_by=actor if actor.pk else None,
        kinds=kinds_list,
        cohort=cohort,
        demand_kinds=demand_kinds_list,
        params=_params_of(settings_row, run_weights),
        status=RunStatus.QUEUED,
        progress_message=_("排队中"),
    )
    transaction.on_commit(lambda: _enqueue(run.pk, consortium_id))
    return run


def _locked_run(actor: User, run: MatchRun) -> MatchRun:
    require_secretariat(actor, run.consortium_id)
    return MatchRun.objects.for_consortium(run.consortium_id).select_for_update().get(pk=run.pk)


@transaction.atomic
def match_run_cancel(*, actor: User, run: MatchRun) -> MatchRun:
    """Cancel a run (secretariat): a queued run is cancelled at once, a running one is asked to stop (the task
    checks ``cancel_requested`` and ends as cancelled without writing results)."""
    run = _locked_run(actor, run)
    now = timezone.now()
    if run.status == RunStatus.QUEUED:
        run.status = RunStatus.CANCELLED
        run.cancel_requested = True
        run.finished_at = now
        run.progress_message = _("已取消")
    elif run.status == RunStatus.RUNNING:
        run.cancel_requested = True
        run.progress_message = _("正在取消…")
    else:
        raise ValidationError({"status": [_("只有排队中或运行中的匹配可以取消（当前状态：%(s)s）。")
                                          % {"s": run.get_status_display()}]})
    run.save(update_fields=["status", "cancel_requested", "finished_at", "progress_message"])
    return run


@transaction.atomic
def match_run_retry(*, actor: User, run: MatchRun) -> MatchRun:
    """Re-queue a failed or cancelled run with its recorded parameters (secretariat). Its previous results, if any,
    are replaced when the new execution finishes."""
    run = _locked_run(actor, run)
    if run.status not in RUN_RETRYABLE:
        raise ValidationError({"status": [_("只有失败或已取消的匹配可以重新运行（当前状态：%(s)s）。")
                                          % {"s": run.get_status_display()}]})
    busy = MatchRun.objects.for_consortium(run.consortium_id).filter(
        status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
    ).exclude(pk=run.pk)
    if busy.exists():
        raise ValidationError({"__all__": [_("已有匹配正在排队或运行，请等待其完成或先取消。")]})
    run.status = RunStatus.QUEUED
    run.cancel_requested = False
    run.progress = 0
    run.progress_message = _("排队中")
    run.error = ""
    run.task_id = ""
    run.finished_at = None
    run.save(update_fields=["status", "cancel_requested", "progress", "progress_message", "error", "task_id",
                            "finished_at"])
    consortium_id = run.consortium_id
    transaction.on_commit(lambda: _enqueue(run.pk, consortium_id))
    return run


@transaction.atomic
def match_runs_fail_stale(*, consortium_id: int, older_than: timedelta = STALE_AFTER) -> int:
    """Runs "running" without any progress for ``older_than`` → failed (their worker died); they can be retried.
    Idempotent; returns how many runs were marked."""
    cutoff = timezone.now() - older_than
    stale = MatchRun.objects.for_consortium(consortium_id).select_for_update().filter(status=RunStatus.RUNNING)
    stale = stale.filter(heartbeat_at__lt=cutoff) | stale.filter(heartbeat_at__isnull=True, started_at__lt=cutoff)
    ids = list(stale.values_list("pk", flat=True))
    if ids:
        MatchRun.objects.for_consortium(consortium_id).filter(pk__in=ids).update(
            status=RunStatus.FAILED, finished_at=timezone.now(),
            error=_("运行超过%(m)d分钟没有进展，可能是后台进程中断，可重新运行。") % {"m": older_than.seconds // 60},
        )
    return len(ids)


# --- execution (called by the task) -------------------------------------------------------------------------------


class _Reporter:
    """Throttled progress writes and cancel polls of one run, through queryset updates (autocommit: other
    connections see them at once)."""

    def __init__(self, run_id: int, consortium_id: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.run_id, self.consortium_id, self.clock = run_id, consortium_id, clock
        self._last_progress = -1e9
        self._last_poll = -1e9
        self._cancel = False
        self.low, self.high = 0, 100

    def _rows(self) -> Any:
        return MatchRun.objects.for_consortium(self.consortium_id).filter(pk=self.run_id)

    def span(self, low: int, high: int) -> None:
        """Map the engine's 0..100 onto ``low..high`` of the whole run."""
        self.low, self.high = low, high

    def progress(self, percent: int, message: str = "", *, force: bool = False) -> None:
        now = self.clock()
        if not force and now - self._last_progress < PROGRESS_EVERY:
            return
        self._last_progress = now
        scaled = self.low + (self.high - self.low) * max(0, min(100, int(percent))) // 100
        self._rows().filter(status=RunStatus.RUNNING).update(
            progress=max(0, min(100, scaled)), progress_message=str(message)[:200], heartbeat_at=timezone.now()
        )

    def should_cancel(self) -> bool:
        now = self.clock()
        if self._cancel or now - self._last_poll < CANCEL_POLL_EVERY:
            return self._cancel
        self._last_poll = now
        self._cancel = bool(self._rows().values_list("cancel_requested", flat=True).first())
        return self._cancel


class RunCancelled(Exception):
    pass


def _components_json(components: Iterable[Any]) -> list[dict[str, Any]]:
    return [{"name": c.name, "value": round(float(c.value), 6), "detail": c.detail} for c in components]


def _claim(run_id: int, consortium_id: int, task_id: str) -> MatchRun | None:
    """Mark the run running for this execution, or None when there is nothing to do (idempotent redelivery)."""
    with transaction.atomic():
        run = MatchRun.objects.for_consortium(consortium_id).select_for_update().filter(pk=run_id).first()
        if run is None or run.status in RUN_DONE or run.status == RunStatus.FAILED:
            return None
        now = timezone.now()
        if run.status == RunStatus.RUNNING and run.task_id != task_id and run.heartbeat_at \
                and now - run.heartbeat_at < STALE_AFTER:
            return None  # another live execution owns it
        if run.cancel_requested:
            run.status, run.finished_at, run.progress_message = RunStatus.CANCELLED, now, _("已取消")
            run.save(update_fields=["status", "finished_at", "progress_message"])
            return None
        from . import engine

        run.status = RunStatus.RUNNING
        run.started_at = now
        run.finished_at = None
        run.heartbeat_at = now
        run.attempts += 1
        run.task_id = task_id or run.task_id
        run.progress = 0
        run.progress_message = _("读取数据")
        run.error = ""
        run.algorithm_version = str(getattr(engine, "ALGORITHM_VERSION", ""))[:40]
        run.save()
        return run


def _end(run: MatchRun, status: str, **fields: Any) -> None:
    MatchRun.objects.for_consortium(run.consortium_id).filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=status, finished_at=timezone.now(), **fields
    )


def match_run_execute(*, run_id: int, consortium_id: int, task_id: str = "") -> str:
    """Execute a queued run (the body of ``matching.tasks.execute_match_run``). NOT atomic: progress must be visible
    while it runs; the results are written in one transaction at the end. Returns the final status, or "skipped"
    when the run was already done, cancelled, failed or owned by another live execution."""
    run = _claim(run_id, consortium_id, task_id)
    if run is None:
        return "skipped"
    reporter = _Reporter(run.pk, consortium_id)
    try:
        results = _compute(run, reporter)
        return _store(run, task_id, results)
    except RunCancelled:
        _end(run, RunStatus.CANCELLED, progress_message=_("已取消"))
        return RunStatus.CANCELLED
    except Exception as exc:
        logger.exception("match run %s failed", run.pk)
        message = f"{type(exc).__name__}: {exc}"[:2000]
        _end(run, RunStatus.FAILED, error=message, progress_message=_("运行失败"))
        return RunStatus.FAILED


def _compute(run: MatchRun, reporter: _Reporter) -> dict[str, Any]:
    from .engine.explain import explain
    from .engine.match import Cancelled, run_matching
    from .engine.providers import rank_providers
    from .snapshot import build_snapshot

    reporter.progress(1, _("读取数据"), force=True)
    snapshot = build_snapshot(
        run.consortium_id, kinds=run.kinds, cohort=run.cohort, demand_kinds=run.demand_kinds, params=run.params
    )
    MatchRun.objects.for_consortium(run.consortium_id).filter(pk=run.pk).update(
        input_hash=snapshot.input_hash,
        student_count=len(snapshot.students),
        demand_count=len(snapshot.demands),
        need_count=sum(len(rows) for rows in snapshot.needs.values()),
    )
    if reporter.should_cancel():
        raise RunCancelled
    talent_end = 90 if snapshot.needs else 95
    out: dict[str, Any] = {"snapshot": snapshot, "result": None, "provider_matches": {}, "explain": explain}
    if MatchKind.TALENT in run.kinds:
        reporter.span(5, talent_end)
        try:
            out["result"] = run_matching(
                snapshot.students, snapshot.demands, snapshot.params,
                progress=reporter.progress, should_cancel=reporter.should_cancel,
            )
        except Cancelled:
            raise RunCancelled from None
    reporter.span(0, 100)
    for need_kind, needs in snapshot.needs.items():
        if reporter.should_cancel():
            raise RunCancelled
        reporter.progress(talent_end, _("匹配服务方"), force=True)
        out["provider_matches"][need_kind] = rank_providers(
            needs, snapshot.providers[need_kind].rows, k=snapshot.params.top_k, synonyms=snapshot.params.synonyms
        )
    reporter.progress(96, _("保存结果"), force=True)
    return out


def _recommendation_rows(
    run: MatchRun, snapshot: Any, result: Any, explain: Callable[..., str]
) -> list[Recommendation]:
    if result is None:
        return []
    students = {s.id: s for s in snapshot.students}
    demands = {d.id: d for d in snapshot.demands}
    plan = {(a.student_id, a.demand_id): a for a in result.assignments}
    rows: dict[tuple[int, int], Recommendation] = {}
    for rec in result.recommendations:
        key = (rec.student_id, rec.demand_id)
        rows[key] = Recommendation(
            consortium_id=run.consortium_id, run_id=run.pk, student_id=rec.student_id, demand_id=rec.demand_id,
            school_unit_id=students[rec.student_id].unit_id, enterprise_unit_id=demands[rec.demand_id].unit_id,
            score=max(0.0, float(rec.score)), components=_components_json(rec.components),
            explanation=explain(rec.components)[:400], missing_skills=list(rec.missing_skills),
            rank_for_student=rec.rank_for_student, rank_for_demand=rec.rank_for_demand, in_plan=key in plan,
        )
    missing = [key for key in plan if key not in rows]
    if missing:  # a plan pair outside both top-k lists: store it too, with its breakdown, so the plan is complete
        from .engine.scoring import score_pair

        for student_id, demand_id in missing:
            score, components, missing_skills = score_pair(students[student_id], demands[demand_id], snapshot.params)
            rows[(student_id, demand_id)] = Recommendation(
                consortium_id=run.consortium_id, run_id=run.pk, student_id=student_id, demand_id=demand_id,
                school_unit_id=students[student_id].unit_id, enterprise_unit_id=demands[demand_id].unit_id,
                score=max(0.0, float(plan[(student_id, demand_id)].score)),
                components=_components_json(components), explanation=explain(components)[:400],
                missing_skills=list(missing_skills), in_plan=True,
            )
    return [rows[key] for key in sorted(rows)]


def _need_match_rows(run: MatchRun, snapshot: Any, matches: Mapping[str, list[Any]], explain: Callable[..., str]):
    rows = []
    for need_kind, found in matches.items():
        needs = {n.id: n for n in snapshot.needs[need_kind]}
        providers = snapshot.providers[need_kind]
        provider_units = {(p.kind, p.id): p.unit_id for p in providers.rows}
        subject = "training_need_id" if need_kind == NeedKind.TRAINING else "technology_problem_id"
        for match in found:
            key = (match.provider_kind, match.provider_id)
            rows.append(
                NeedMatch(
                    consortium_id=run.consortium_id, run_id=run.pk, need_kind=need_kind,
                    **{subject: match.need_id}, unit_id=needs[match.need_id].unit_id,
                    provider_kind=match.provider_kind, provider_id=match.provider_id,
                    provider_label=providers.labels.get(key, "")[:200], provider_unit_id=provider_units.get(key),
                    score=max(0.0, float(match.score)), matched_terms=list(match.matched_terms),
                    components=_components_json(match.components), explanation=explain(match.components)[:400],
                    rank=match.rank,
                )
            )
    return rows


def _store(run: MatchRun, task_id: str, out: dict[str, Any]) -> str:
    snapshot, result, explain = out["snapshot"], out["result"], out["explain"]
    recommendations = _recommendation_rows(run, snapshot, result, explain)
    need_matches = _need_match_rows(run, snapshot, out["provider_matches"], explain)
    with transaction.atomic():
        current = MatchRun.objects.for_consortium(run.consortium_id).select_for_update().get(pk=run.pk)
        if current.status != RunStatus.RUNNING or (task_id and current.task_id and current.task_id != task_id):
            return "skipped"  # cancelled at the queue, marked stale, or taken over by another execution
        if current.cancel_requested:
            raise RunCancelled
        Recommendation.objects.for_consortium(run.consortium_id).filter(run_id=run.pk).delete()
        NeedMatch.objects.for_consortium(run.consortium_id).filter(run_id=run.pk).delete()
        Recommendation.objects.bulk_create(recommendations, batch_size=BATCH)
        NeedMatch.objects.bulk_create(need_matches, batch_size=BATCH)
        stats = {k: v for k, v in (result.stats if result is not None else {}).items()
                 if isinstance(v, int | float | str)}
        current.status = RunStatus.SUCCEEDED
        current.progress = 100
        current.progress_message = _("已完成")
        current.heartbeat_at = current.finished_at = timezone.now()
        current.recommendation_count = len(recommendations)
        current.assignment_count = len(result.assignments) if result is not None else 0
        current.need_match_count = len(need_matches)
        current.total_score = float(result.total_score) if result is not None else 0.0
        current.stats = stats
        current.save()
    return RunStatus.SUCCEEDED


# --- publish ------------------------------------------------------------------------------------------------------


def _system_reason(text: str) -> str:
    return str(text)[:2000]


@transaction.atomic
def match_run_publish(*, actor: User, run: MatchRun) -> MatchRun:
    """Publish a succeeded run (secretariat): schools and enterprises now see its results, every pair of the
    allocation plan becomes a Candidacy (an existing one for the same student and demand is re-linked to this run,
    never duplicated; students already hired and demands no longer open are skipped), and the unit admins of the
    schools and enterprises involved are e-mailed (task on commit)."""
    from enterprises.models.demands import TalentDemand

    run = _locked_run(actor, run)
    if run.status != RunStatus.SUCCEEDED:
        raise ValidationError({"status": [_("只有已完成的匹配可以发布（当前状态：%(s)s）。")
                                          % {"s": run.get_status_display()}]})
    now = timezone.now()
    plan = list(
        Recommendation.objects.for_consortium(run.consortium_id).filter(run_id=run.pk, in_plan=True)
        .order_by("pk").values_list("pk", "student_id", "demand_id", "school_unit_id", "enterprise_unit_id", "score")
    )
    students = {row[1] for row in plan}
    hired = set(
        Candidacy.objects.for_consortium(run.consortium_id)
        .filter(student_id__in=students, status=CandidacyStatus.HIRED).values_list("student_id", flat=True)
    )
    open_demands = set(
        TalentDemand.objects.for_consortium(run.consortium_id)
        .filter(pk__in={row[2] for row in plan}, status__in=["approved", "partly_filled"])
        .values_list("pk", flat=True)
    )
    existing = {
        (c.student_id, c.demand_id): c
        for c in Candidacy.objects.for_consortium(run.consortium_id).filter(student_id__in=students)
    }
    new: list[Candidacy] = []
    changed: list[Candidacy] = []
    for rec_id, student_id, demand_id, school_id, enterprise_id, score in plan:
        candidacy = existing.get((student_id, demand_id))
        if candidacy is not None:
            candidacy.run_id, candidacy.recommendation_id, candidacy.score = run.pk, rec_id, score
            changed.append(candidacy)
            continue
        if student_id in hired or demand_id not in open_demands:
            continue
        new.append(
            Candidacy(
                consortium_id=run.consortium_id, student_id=student_id, demand_id=demand_id,
                school_unit_id=school_id, enterprise_unit_id=enterprise_id, run_id=run.pk,
                recommendation_id=rec_id, score=score, status=CandidacyStatus.RECOMMENDED,
                created_at=now, status_changed_at=now,
            )
        )
    Candidacy.objects.bulk_update(changed, ["run", "recommendation", "score", "updated_at"], batch_size=BATCH)
    created = Candidacy.objects.bulk_create(new, batch_size=BATCH)
    reason = _system_reason(_("匹配运行 #%(id)s 发布") % {"id": run.pk})
    CandidacyStatusChange.objects.bulk_create(
        [
            CandidacyStatusChange(
                consortium_id=c.consortium_id, candidacy_id=c.pk, school_unit_id=c.school_unit_id,
                enterprise_unit_id=c.enterprise_unit_id, from_status="", to_status=c.status, reason=reason,
                actor=actor if actor.pk else None, at=now,
            )
            for c in created
        ],
        batch_size=BATCH,
    )
    run.status = RunStatus.PUBLISHED
    run.published_at = now
    run.published_by = actor if actor.pk else None
    run.save(update_fields=["status", "published_at", "published_by"])
    consortium_id = run.consortium_id

    def notify() -> None:
        from .tasks import notify_run_published

        try:
            notify_run_published.delay(run.pk, consortium_id)
        except Exception:  # the e-mail is a courtesy: never fail the publish because the broker is down
            logger.exception("could not enqueue the publish notification of run %s", run.pk)

    transaction.on_commit(notify)
    return run


# --- candidacy workflow -------------------------------------------------------------------------------------------


def _record(candidacy: Candidacy, *, actor: User | None, from_status: str, to_status: str, reason: str = "") -> None:
    CandidacyStatusChange.objects.create(
        consortium_id=candidacy.consortium_id, candidacy=candidacy, school_unit_id=candidacy.school_unit_id,
        enterprise_unit_id=candidacy.enterprise_unit_id, from_status=from_status, to_status=to_status,
        reason=reason, actor=actor if actor is not None and actor.pk else None,
    )


def _is_secretariat(actor: User, consortium_id: int) -> bool:
    return is_platform_admin(actor) or (
        actor.is_authenticated and actor.is_active and actor.role == "secretariat"
        and actor.consortium_id == consortium_id
    )


def _require_party(actor: User, candidacy: Candidacy, action: str) -> None:
    if not Candidacy.objects.editable_by(actor).filter(pk=candidacy.pk).exists():
        raise PermissionDenied(_("您无权处理该候选人。"))
    if _is_secretariat(actor, candidacy.consortium_id):
        return
    admin_units = {unit_id for unit_id, role in unit_roles(actor).items() if role == UnitRole.UNIT_ADMIN}
    if action in ENTERPRISE_ACTIONS and candidacy.enterprise_unit_id not in admin_units:
        raise PermissionDenied(_("只有用人企业可以执行此操作。"))
    if action in SCHOOL_ACTIONS and candidacy.school_unit_id not in admin_units:
        raise PermissionDenied(_("只有学生所在学校可以撤回候选人。"))


def _hire_effects(actor: User, candidacy: Candidacy, now: Any) -> None:
    """One hire per student; the student's other open candidacies are withdrawn; the student's status and the
    demand's fill count follow."""
    from enterprises.models.demands import TalentDemand
    from enterprises.services.demands import talent_demand_record_fill
    from schools.choices import StudentStatus
    from schools.models import Student

    # Lock the student first: two hires of the same student (by two enterprises) serialise here.
    Student.objects.for_consortium(candidacy.consortium_id).select_for_update().get(pk=candidacy.student_id)
    if Candidacy.objects.for_consortium(candidacy.consortium_id).filter(
        student_id=candidacy.student_id, status=CandidacyStatus.HIRED
    ).exclude(pk=candidacy.pk).exists():
        raise ValidationError({"status": [_("该学生已被其他岗位录用。")]})
    demand = TalentDemand.objects.for_consortium(candidacy.consortium_id).select_for_update().get(
        pk=candidacy.demand_id
    )
    talent_demand_record_fill(actor=actor, demand=demand, filled_count=demand.filled_count + 1)
    status = {
        DemandKind.INTERNSHIP: StudentStatus.INTERNSHIP,
        DemandKind.ORDER_CLASS_INTAKE: None,  # admitted to an order class: still a student
    }.get(demand.kind, StudentStatus.EMPLOYED)
    if status is not None:
        Student.objects.for_consortium(candidacy.consortium_id).filter(pk=candidacy.student_id).update(
            status=status, updated_at=now
        )
    others = list(
        Candidacy.objects.for_consortium(candidacy.consortium_id).select_for_update()
        .filter(student_id=candidacy.student_id, status__in=list(CANDIDACY_OPEN)).exclude(pk=candidacy.pk)
    )
    reason = _("已被其他岗位录用")
    for other in others:
        previous = other.status
        other.status = CandidacyStatus.WITHDRAWN
        other.status_changed_at = now
        other.save(update_fields=["status", "status_changed_at", "updated_at"])
        _record(other, actor=actor, from_status=previous, to_status=CandidacyStatus.WITHDRAWN, reason=reason)


@transaction.atomic
def candidacy_transition(*, actor: User, candidacy: Candidacy, action: str, reason: str = "") -> Candidacy:
    """Apply a workflow ``action`` (shortlist, interview, offer, hire, decline — the enterprise; withdraw — the
    school; any — the secretariat) and record it. ``hire`` has the effects of ``_hire_effects``."""
    if action not in CANDIDACY_ACTIONS:
        raise ValidationError({"action": [_("未知的操作：%(a)s。") % {"a": action}]})
    candidacy = Candidacy.objects.for_consortium(candidacy.consortium_id).select_for_update().get(pk=candidacy.pk)
    _require_party(actor, candidacy, action)
    target = CANDIDACY_ACTIONS[action]
    labels = {str(k): str(v) for k, v in CandidacyStatus.choices}
    problem = transition_problem(CANDIDACY_TRANSITIONS, labels, candidacy.status, target)
    if problem:
        raise ValidationError({"status": [problem]})
    now = timezone.now()
    if target == CandidacyStatus.HIRED:
        _hire_effects(actor, candidacy, now)
    previous = candidacy.status
    candidacy.status = target
    candidacy.status_changed_at = now
    candidacy.save(update_fields=["status", "status_changed_at", "updated_at"])
    _record(candidacy, actor=actor, from_status=previous, to_status=target, reason=(reason or "").strip())
    return candidacy


def candidacy_shortlist(*, actor: User, candidacy: Candidacy, reason: str = "") -> Candidacy:
    return candidacy_transition(actor=actor, candidacy=candidacy, action="shortlist", reason=reason)


def candidacy_interview(*, actor: User, candidacy: Candidacy, reason: str = "") -> Candidacy:
    return candidacy_transition(actor=actor, candidacy=candidacy, action="interview", reason=reason)


def candidacy_offer(*, actor: User, candidacy: Candidacy, reason: str = "") -> Candidacy:
    return candidacy_transition(actor=actor, candidacy=candidacy, action="offer", reason=reason)


def candidacy_hire(*, actor: User, candidacy: Candidacy, reason: str = "") -> Candidacy:
    return candidacy_transition(actor=actor, candidacy=candidacy, action="hire", reason=reason)


def candidacy_decline(*, actor: User, candidacy: Candidacy, reason: str = "") -> Candidacy:
    return candidacy_transition(actor=actor, candidacy=candidacy, action="decline", reason=reason)


def candidacy_withdraw(*, actor: User, candidacy: Candidacy, reason: str = "") -> Candidacy:
    return candidacy_transition(actor=actor, candidacy=candidacy, action="withdraw", reason=reason)


@transaction.atomic
def candidacy_note_update(*, actor: User, candidacy: Candidacy, note: str) -> Candidacy:
    """Change the free-text note of a candidacy (either party's unit admins, the secretariat)."""
    if not Candidacy.objects.editable_by(actor).filter(pk=candidacy.pk).exists():
        raise PermissionDenied(_("您无权处理该候选人。"))
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationError({"note": [_("备注不能超过2000个字符。")]})
    Candidacy.objects.for_consortium(candidacy.consortium_id).filter(pk=candidacy.pk).update(
        note=note, updated_at=timezone.now()
    )
    candidacy.note = note
    return candidacy


# --- shortlisting any recommended student -------------------------------------------------------------------------

#: Demand statuses that still take candidates (as in ``match_run_publish``).
OPEN_DEMAND_STATUSES = ("approved", "partly_filled")


def _require_recommendation_party(actor: User, recommendation: Recommendation) -> None:
    """The actor sees the recommendation and is a unit admin of its enterprise, or the secretariat."""
    if not Recommendation.objects.visible_to(actor).filter(pk=recommendation.pk).exists():
        raise PermissionDenied(_("您无权处理该推荐。"))
    if _is_secretariat(actor, recommendation.consortium_id):
        return
    admin_units = {unit_id for unit_id, role in unit_roles(actor).items() if role == UnitRole.UNIT_ADMIN}
    if getattr(actor, "role", "") != "member" or recommendation.enterprise_unit_id not in admin_units:
        raise PermissionDenied(_("只有用人企业可以将推荐的学生加入候选。"))


@transaction.atomic
def candidacy_from_recommendation(*, actor: User, recommendation: Recommendation, reason: str = "") -> Candidacy:
    """Shortlist a recommended student of a PUBLISHED run for the recommendation's demand (the demand's enterprise
    admins, the secretariat) — also students outside the allocation plan, who have no candidacy yet.

    The candidacy of the pair (unique per student and demand) is returned unchanged when it is already beyond
    "recommended" (idempotent), shortlisted when it is "recommended", and otherwise created directly as shortlisted
    with the run, the recommendation and the score, and an audit row ""→shortlisted. The demand must still be open and
    the student not hired elsewhere. Race-safe: the student and then the demand are locked (the order of
    ``_hire_effects``), and the unique (student, demand) constraint catches a concurrent publish."""
    from enterprises.models.demands import TalentDemand
    from schools.models import Student

    consortium_id = recommendation.consortium_id
    rec = (
        Recommendation.objects.for_consortium(consortium_id).select_related("run")
        .filter(pk=recommendation.pk).first()
    )
    if rec is None:
        raise ValidationError({"recommendation": [_("该推荐不存在或已随匹配结果更新而删除。")]})
    if rec.run.status != RunStatus.PUBLISHED:
        raise ValidationError({"status": [_("只有已发布匹配的推荐可以加入候选（该匹配当前状态：%(s)s）。")
                                          % {"s": rec.run.get_status_display()}]})
    _require_recommendation_party(actor, rec)
    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise ValidationError({"reason": [_("原因不能超过2000个字符。")]})
    reason = reason or _system_reason(_("由匹配运行 #%(id)s 的推荐加入候选") % {"id": rec.run_id})

    # Lock the student first, then the demand (as a hire does): shortlisting and hiring the same student serialise.
    Student.objects.for_consortium(consortium_id).select_for_update().get(pk=rec.student_id)
    demand = TalentDemand.objects.for_consortium(consortium_id).select_for_update().get(pk=rec.demand_id)
    pair = Candidacy.objects.for_consortium(consortium_id).filter(student_id=rec.student_id, demand_id=rec.demand_id)
    existing = pair.select_for_update().first()
    if existing is not None and existing.status != CandidacyStatus.RECOMMENDED:
        return existing  # already shortlisted or further along (or closed): nothing to do
    if demand.status not in OPEN_DEMAND_STATUSES:
        raise ValidationError({"demand": [_("该岗位需求已不再招聘（当前状态：%(s)s）。")
                                          % {"s": demand.get_status_display()}]})
    if Candidacy.objects.for_consortium(consortium_id).filter(
        student_id=rec.student_id, status=CandidacyStatus.HIRED
    ).exists():
        raise ValidationError({"student": [_("该学生已被其他岗位录用。")]})
    if existing is None:
        now = timezone.now()
        try:
            with transaction.atomic():  # savepoint: a concurrent publish may have created the pair meanwhile
                created = Candidacy.objects.create(
                    consortium_id=consortium_id, student_id=rec.student_id, demand_id=rec.demand_id,
                    school_unit_id=rec.school_unit_id, enterprise_unit_id=rec.enterprise_unit_id, run_id=rec.run_id,
                    recommendation_id=rec.pk, score=rec.score, status=CandidacyStatus.SHORTLISTED,
                    created_at=now, status_changed_at=now,
                )
        except IntegrityError:
            existing = pair.select_for_update().first()
            if existing is None:
                raise
            if existing.status != CandidacyStatus.RECOMMENDED:
                return existing
        else:
            _record(created, actor=actor, from_status="", to_status=CandidacyStatus.SHORTLISTED, reason=reason)
            return created
    return candidacy_transition(actor=actor, candidacy=existing, action="shortlist", reason=reason)
