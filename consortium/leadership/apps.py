from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadershipConfig(AppConfig):
    """Leadership group, plan tasks and supervision, KPIs, dashboards and scheduled reports (plan §四)."""

    name = "consortium.leadership"
    label = "leadership"
    verbose_name = _("组织实施与督导")
