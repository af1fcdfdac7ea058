"""Background runs of import jobs: ids only, explicit consortium, idempotent, safe to re-deliver."""

from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def run_import(self, *, job_id: int, consortium_id: int, dry_run: bool) -> str:
    """Dry run (parse, validate, service in a rolled-back transaction) or apply (one committed transaction)."""
    return services.import_job_run(job_id=job_id, consortium_id=consortium_id, dry_run=dry_run)
