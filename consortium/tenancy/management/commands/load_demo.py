"""``manage.py load_demo``: build (or refresh) the fictional demo data set. Idempotent; one transaction."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from consortium.tenancy.demo import council, kernel
from consortium.tenancy.demo.data import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Load the demo consortia, member units, users and council data (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            context = kernel.load_kernel()
            counts = kernel.kernel_counts(context)
            council_counts = council.load_council(context, stdout=self.stdout)
            counts.update(council_counts)
        for label, value in counts.items():
            self.stdout.write(f"  {label}: {value}")
        users = ", ".join(spec.username for spec in DEMO_USERS)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Accounts ({DEMO_PASSWORD}): {users}"))
