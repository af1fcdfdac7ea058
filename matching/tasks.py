"""Background jobs of matching. Tasks take ids and an explicit consortium id, re-fetch, and are idempotent.

* ``execute_match_run(run_id, consortium_id)`` – runs a queued match run (``services.match_run_execute``).
  ``acks_late`` + ``reject_on_worker_lost``: a worker killed mid-run gets the message redelivered; the results are
  written in one transaction at the end, so nothing half-written is ever visible. A repeated delivery of a finished
  run does nothing.
* ``fail_stale_runs()`` – beat entry (every 10 minutes, migration 0002): runs "running" without progress for
  ``services.STALE_AFTER`` → failed, so the secretariat can re-run them (``match_run_retry``).
* ``notify_run_published(run_id, consortium_id)`` – e-mails the unit admins of the schools and enterprises of a
  published run's plan, once (``MatchRun.notified_at``).
"""

from __future__ import annotations

from collections import defaultdict

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consortium.tenancy.choices import ConsortiumStatus, UnitRole
from consortium.tenancy.models import Consortium, MemberUnit, UnitMembership

from .choices import RunStatus
from .models import MatchRun, Recommendation
from .services import match_run_execute, match_runs_fail_stale


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def execute_match_run(self, run_id: int, consortium_id: int) -> str:
    """Execute match run ``run_id`` of ``consortium_id``; returns the final status (or "skipped")."""
    return match_run_execute(run_id=run_id, consortium_id=consortium_id, task_id=self.request.id or "")


@shared_task(acks_late=True, reject_on_worker_lost=True)
def fail_stale_runs() -> int:
    """Beat entry: mark stale running runs failed in every active consortium. Returns how many runs were marked."""
    ids = list(Consortium.objects.filter(status=ConsortiumStatus.ACTIVE).values_list("pk", flat=True))
    return sum(match_runs_fail_stale(consortium_id=consortium_id) for consortium_id in ids)


@shared_task(
    bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def notify_run_published(self, run_id: int, consortium_id: int) -> int:
    """E-mail the unit admins of every school and enterprise with a pair in the published run's plan. Sent once per
    run (``notified_at``). Returns the number of e-mails sent."""
    with transaction.atomic():
        run = (
            MatchRun.objects.for_consortium(consortium_id).select_for_update()
            .filter(pk=run_id, status=RunStatus.PUBLISHED, notified_at__isnull=True).first()
        )
        if run is None:
            return 0
        students: dict[int, set[int]] = defaultdict(set)  # school -> students in the plan
        demands: dict[int, set[int]] = defaultdict(set)  # enterprise -> demands in the plan
        candidates: dict[int, int] = defaultdict(int)  # enterprise -> pairs
        for school_id, enterprise_id, student_id, demand_id in (
            Recommendation.objects.for_consortium(consortium_id).filter(run_id=run.pk, in_plan=True)
            .values_list("school_unit_id", "enterprise_unit_id", "student_id", "demand_id")
        ):
            students[school_id].add(student_id)
            demands[enterprise_id].add(demand_id)
            candidates[enterprise_id] += 1
        units = set(students) | set(demands)
        names = dict(MemberUnit.objects.for_consortium(consortium_id).filter(pk__in=units).values_list("pk", "name"))
        admins: dict[int, set[str]] = defaultdict(set)
        for unit_id, email in (
            UnitMembership.objects.for_consortium(consortium_id)
            .filter(unit_id__in=units, role=UnitRole.UNIT_ADMIN, is_active=True, user__is_active=True)
            .exclude(user__email="").values_list("unit_id", "user__email")
        ):
            admins[unit_id].add(email.lower())
        link = settings.PORTAL_BASE_URL.rstrip("/") + "/matching/"
        sent = 0
        with translation.override(settings.LANGUAGE_CODE):
            for unit_id in sorted(units):
                if not admins.get(unit_id):
                    continue
                lines = []
                if unit_id in students:
                    lines.append(_("本校 %(n)d 名学生列入了匹配方案。") % {"n": len(students[unit_id])})
                if unit_id in demands:
                    lines.append(
                        _("贵单位 %(d)d 个岗位收到 %(c)d 名推荐候选人。")
                        % {"d": len(demands[unit_id]), "c": candidates[unit_id]}
                    )
                subject = _("%(unit)s：人才匹配结果已发布（第%(id)d次匹配）") % {
                    "unit": names.get(unit_id, ""), "id": run.pk,
                }
                send_mail(
                    subject,
                    "\n".join([*lines, _("请登录平台查看：%(link)s") % {"link": link}]),
                    settings.DEFAULT_FROM_EMAIL,
                    sorted(admins[unit_id]),
                )
                sent += 1
        run.notified_at = timezone.now()
        run.save(update_fields=["notified_at"])
    return sent
