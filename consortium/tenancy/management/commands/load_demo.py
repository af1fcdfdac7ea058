"""``manage.py load_demo``: build (or refresh) the fictional demo data set. Idempotent; one transaction.

Order: kernel (reference data, consortia, units, users), council, then the ``demo`` module of every installed domain
app (discovered through the app registry, see ``consortium.tenancy.demo.domains`` for the protocol) once per demo
consortium, acting as that consortium's demo secretariat.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from consortium.tenancy.demo import council, domains, kernel
from consortium.tenancy.demo.data import DEMO_PASSWORD, DEMO_SETS, DEMO_USERS


def demo_secretariat(context: kernel.DemoContext, consortium_key: str) -> Any:
    """The demo secretariat user of the demo consortium ``consortium_key``."""
    for spec in DEMO_USERS:
        if spec.role == "secretariat" and spec.consortium == consortium_key:
            return context.users[spec.username]
    raise CommandError(f"demo consortium {consortium_key!r} has no secretariat user")


class Command(BaseCommand):
    help = "Load the demo consortia, member units, users, council data and the domain apps' demo data (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            context = kernel.load_kernel()
            counts: dict[str, Any] = kernel.kernel_counts(context)
            counts.update(council.load_council(context, stdout=self.stdout))
            for demo in domains.discover(stdout=self.stdout):
                for spec in DEMO_SETS:
                    key = spec.consortium.key
                    result = demo.load(
                        consortium=context.consortia[key],
                        secretariat=demo_secretariat(context, key),
                        stdout=self.stdout,
                    )
                    for label, value in (result or {}).items():
                        counts[f"{key}: {label}"] = value
        for label, value in counts.items():
            self.stdout.write(f"  {label}: {value}")
        users = ", ".join(spec.username for spec in DEMO_USERS)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Accounts ({DEMO_PASSWORD}): {users}"))
