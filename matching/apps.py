from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("供需对接")

    def ready(self) -> None:
        # Register the Celery tasks (execute_match_run, fail_stale_runs, notify_run_published) with the app.
        from . import tasks  # noqa: F401
