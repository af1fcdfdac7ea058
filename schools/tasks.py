"""Background jobs of the schools app. Tasks take ids and an explicit consortium id, re-fetch, and are idempotent.

Beat: schedule ``schools.tasks.warn_expiring_certifications_all`` daily (django-celery-beat, DatabaseScheduler); it
fans out one ``warn_expiring_certifications`` per active consortium.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consortium.tenancy.choices import ConsortiumStatus, UnitRole
from consortium.tenancy.models import Consortium, UnitMembership

from .models import DualQualification

DEFAULT_WARNING_DAYS = 90


@shared_task(
    bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def warn_expiring_certifications(self, consortium_id: int, within_days: int = DEFAULT_WARNING_DAYS) -> int:
    """E-mail the unit admins of each school about dual-qualification certifications that expire within
    ``within_days`` (or already expired) and have not been warned about for their current expiry date.

    Idempotent: each certification is warned once per expiry date (``warned_expires_on``); renewing it (a new
    ``expires_on``) re-arms the warning. Returns the number of certifications warned about."""
    today = timezone.localdate()
    due = (
        DualQualification.objects.for_consortium(consortium_id)
        .filter(expires_on__isnull=False, expires_on__lte=today + timedelta(days=within_days), teacher__is_active=True)
        .filter(Q(warned_expires_on__isnull=True) | ~Q(warned_expires_on=F("expires_on")))
        .select_related("teacher", "unit")
        .order_by("unit_id", "expires_on")
    )
    by_unit: dict[int, list[DualQualification]] = defaultdict(list)
    for certification in due:
        by_unit[certification.unit_id].append(certification)
    if not by_unit:
        return 0
    admins: dict[int, list[str]] = defaultdict(list)
    for unit_id, email in (
        UnitMembership.objects.for_consortium(consortium_id)
        .filter(unit_id__in=list(by_unit), role=UnitRole.UNIT_ADMIN, is_active=True, user__is_active=True)
        .exclude(user__email="")
        .values_list("unit_id", "user__email")
    ):
        admins[unit_id].append(email)
    warned = 0
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        for unit_id, certifications in by_unit.items():
            if not admins.get(unit_id):
                continue  # nobody to tell yet: stays due, and is warned once the school has an admin
            lines = [
                _("%(teacher)s：%(level)s双师型认定，有效期至%(date)s（%(state)s）")
                % {
                    "teacher": c.teacher.name,
                    "level": c.get_level_display(),
                    "date": c.expires_on,
                    "state": _("已过期") if c.expires_on < today else _("即将到期"),
                }
                for c in certifications
            ]
            send_mail(
                _("%(unit)s：%(n)d项双师型教师认定即将到期或已过期")
                % {"unit": certifications[0].unit.name, "n": len(certifications)},
                _("以下双师型教师认定需要复核或续期：") + "\n" + "\n".join(lines),
                settings.DEFAULT_FROM_EMAIL,
                sorted(set(admins[unit_id])),
            )
            # Record the expiry date that was warned about (a renewal changes expires_on → warned again).
            DualQualification.objects.for_consortium(consortium_id).filter(
                pk__in=[c.pk for c in certifications]
            ).update(warned_at=now, warned_expires_on=F("expires_on"))
            warned += len(certifications)
    return warned


@shared_task(acks_late=True, reject_on_worker_lost=True)
def warn_expiring_certifications_all(within_days: int = DEFAULT_WARNING_DAYS) -> int:
    """Beat entry: fan out one task per active consortium. Returns the number of consortia."""
    ids = list(
        Consortium.objects.filter(status__in=[ConsortiumStatus.ACTIVE, ConsortiumStatus.PREPARING]).values_list(
            "pk", flat=True
        )
    )
    for consortium_id in ids:
        warn_expiring_certifications.delay(consortium_id, within_days)
    return len(ids)
