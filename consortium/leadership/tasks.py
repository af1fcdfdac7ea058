"""Celery tasks of the leadership layer (names fixed with ``name=`` so the shipped beat entries find them).

The tasks live next to the code they run; this module imports them so that Celery's autodiscovery registers them.
"""

from .kpis.tasks import refresh_kpis, refresh_kpis_all  # noqa: F401
from .reports.tasks import deliver_report, generate_report, run_scheduled_report  # noqa: F401
from .tasks_reminders import send_task_reminders, send_task_reminders_all  # noqa: F401
