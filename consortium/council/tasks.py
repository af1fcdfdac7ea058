"""Background jobs of the council app: ids and an explicit consortium id, re-fetch, idempotent."""

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .choices import MeetingStatus
from .models import Meeting
from .selectors import meeting_seats


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_meeting_notice(self, *, meeting_id: int, consortium_id: int) -> int:
    """E-mail the notice to every seat holder with a portal e-mail; marks the meeting so a retry sends nothing."""
    meeting = Meeting.objects.for_consortium(consortium_id).select_related("council").filter(pk=meeting_id).first()
    if meeting is None or meeting.status != MeetingStatus.NOTICED or meeting.notice_sent_at is not None:
        return 0
    recipients = sorted(
        {seat.user.email for seat in meeting_seats(meeting) if seat.user_id and seat.user.email and seat.user.is_active}
    )
    if recipients:
        with translation.override(settings.LANGUAGE_CODE):
            link = settings.PORTAL_BASE_URL + reverse("council:meeting-detail", kwargs={"pk": meeting.pk})
            when = date_format(timezone.localtime(meeting.scheduled_at), "DATETIME_FORMAT")
            subject = _("会议通知：%(title)s") % {"title": meeting.title}
            body = _("%(council)s定于%(when)s在%(location)s召开%(title)s。\n\n%(notice)s\n\n详情：%(link)s") % {
                "council": meeting.council.name,
                "when": when,
                "location": meeting.location or "-",
                "title": meeting.title,
                "notice": meeting.notice,
                "link": link,
            }
            connection = get_connection()
            for address in recipients:  # one message each: seat holders do not see each other's addresses
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], connection=connection)
    Meeting.objects.for_consortium(consortium_id).filter(pk=meeting_id, notice_sent_at__isnull=True).update(
        notice_sent_at=timezone.now()
    )
    return len(recipients)
