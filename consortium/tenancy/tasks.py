"""Background jobs of the kernel. Tasks take ids and an explicit consortium id, re-fetch, and are idempotent."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .choices import UnitStatus
from .models import Invitation, MemberUnit


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation(self, *, invitation_id: int, consortium_id: int) -> bool:
    invitation = (
        Invitation.objects.for_consortium(consortium_id).select_related("unit").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.sent_at or not invitation.is_open:
        return False  # gone, already sent (retry after a crash) or no longer valid
    with translation.override(settings.LANGUAGE_CODE):
        link = settings.PORTAL_BASE_URL + reverse("invitation-accept", kwargs={"token": invitation.token})
        send_mail(
            _("邀请您加入%(unit)s") % {"unit": invitation.unit.name},
            _("您好！%(unit)s邀请您使用产教联合体门户。请在7天内打开以下链接设置账号：\n%(link)s")
            % {"unit": invitation.unit.name, "link": link},
            settings.DEFAULT_FROM_EMAIL,
            [invitation.email],
        )
    Invitation.objects.for_consortium(consortium_id).filter(pk=invitation_id).update(sent_at=timezone.now())
    return True


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_application_decision(self, *, unit_id: int, consortium_id: int) -> int:
    unit = MemberUnit.objects.for_consortium(consortium_id).filter(pk=unit_id).first()
    if unit is None:
        return 0
    recipients = [e for e in unit.memberships.values_list("user__email", flat=True) if e]
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        if unit.status == UnitStatus.ACTIVE:
            subject = _("入会申请已通过：%(unit)s") % {"unit": unit.name}
            body = _("您的单位已成为产教联合体正式成员，现在可以登录门户：%(link)s") % {
                "link": settings.PORTAL_BASE_URL + reverse("login")
            }
        else:
            reason = unit.status_changes.filter(to_status=unit.status).values_list("reason", flat=True).first() or ""
            subject = _("入会申请未通过：%(unit)s") % {"unit": unit.name}
            body = _("很抱歉，您的入会申请未通过。原因：%(reason)s") % {"reason": reason}
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return len(recipients)
