"""Cost of the tenancy chokepoint: ``MemberUnit.objects.visible_to(user)`` vs a plain ``filter(consortium_id=...)``.

Run from the project root: ``.venv/bin/python bench/bench_scoping.py [--units 20000] [--repeat 30]``.
Uses the configured database (DATABASE_URL; SQLite by default) but builds its rows in a throwaway test database
(``bench_<name>``, created and dropped like Django's test runner does), so nothing is left behind.

Each case lists one page (ordered by name) and counts the rows, as a list endpoint does. The scoped cases forget the
user's memoised unit roles before each run (they are memoised per request), so they include every query a
request would pay for
(the user row itself, loaded by the session middleware, is not counted).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consortium.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402

from consortium.tenancy.choices import Role, UnitKind, UnitRole, UnitStatus  # noqa: E402
from consortium.tenancy.models import Consortium, MemberUnit, UnitMembership, User  # noqa: E402
from consortium.tenancy.validators import credit_code_check_char  # noqa: E402

KINDS = [UnitKind.ENTERPRISE, UnitKind.SCHOOL, UnitKind.ASSOCIATION, UnitKind.RESEARCH, UnitKind.GOVERNMENT]
# Mostly active members, some applications and former members (the unit user must not see the applications).
STATUSES = [UnitStatus.ACTIVE] * 16 + [
    UnitStatus.APPLIED, UnitStatus.SUSPENDED, UnitStatus.WITHDRAWN, UnitStatus.REJECTED,
]


def credit_code(serial: int) -> str:
    first17 = f"91230523{serial:09d}"
    return first17 + credit_code_check_char(first17)


def build(n_units: int) -> dict[str, object]:
    first = Consortium.objects.create(name="宝清县产教联合体", region="黑龙江省宝清县", division_code="230523")
    second = Consortium.objects.create(name="友谊县产教联合体", region="黑龙江省友谊县", division_code="230522")
    units = [
        MemberUnit(
            consortium=first if i % 2 == 0 else second,
            kind=KINDS[i % len(KINDS)],
            name=f"成员单位{i:06d}",
            credit_code=credit_code(i),
            status=STATUSES[i % len(STATUSES)],
        )
        for i in range(n_units)
    ]
    MemberUnit.objects.bulk_create(units, batch_size=2000)
    own_unit = MemberUnit.objects.for_consortium(first.pk).filter(status=UnitStatus.ACTIVE).order_by("pk").first()
    secretariat = User.objects.create_user(username="bench_sec", password="x", consortium=first, role=Role.SECRETARIAT)
    member = User.objects.create_user(username="bench_member", password="x", consortium=first, role=Role.MEMBER)
    UnitMembership.objects.create(consortium=first, unit=own_unit, user=member, role=UnitRole.UNIT_ADMIN)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics (PostgreSQL and SQLite alike)
    return {"consortium_id": first.pk, "secretariat_id": secretariat.pk, "member_id": member.pk}


def page_and_count(queryset, page: int) -> tuple[int, int]:
    rows = list(queryset.order_by("name")[:page])
    return len(rows), queryset.count()


def measure(fn, repeat: int) -> tuple[float, int, tuple[int, int]]:
    """Median milliseconds over ``repeat`` runs (after a warm-up), queries per run, and the run's result."""
    for _ in range(3):
        result = fn()
    with CaptureQueriesContext(connection) as captured:
        result = fn()
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), len(captured), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=20000, help="member units across the 2 consortia (default 20000)")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per case (default 30)")
    parser.add_argument("--page", type=int, default=50, help="page size (default 50)")
    args = parser.parse_args()

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        db.setdefault("TEST", {})["NAME"] = f"bench_{db['NAME']}"
    old_config = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        started = time.perf_counter()
        ids = build(args.units)
        print(
            f"{connection.vendor}: {args.units} member units in 2 consortia built in "
            f"{time.perf_counter() - started:.1f}s; page {args.page}, median of {args.repeat} runs\n"
        )
        consortium_id = ids["consortium_id"]

        def baseline():
            return page_and_count(MemberUnit.objects.filter(consortium_id=consortium_id), args.page)

        def scoped(user_id):
            user = User.objects.get(pk=user_id)

            def run():
                user.__dict__.pop("_unit_roles_cache", None)  # as in a new request: unit roles not memoised yet
                return page_and_count(MemberUnit.objects.visible_to(user), args.page)

            return run

        base_ms, base_queries, base_result = measure(baseline, args.repeat)
        rows = [("baseline filter(consortium_id=…)", base_ms, base_queries, base_result)]
        for label, user_id in (("secretariat", ids["secretariat_id"]), ("unit admin", ids["member_id"])):
            ms, queries, result = measure(scoped(user_id), args.repeat)
            rows.append((f"visible_to({label})", ms, queries, result))

        print(f"{'case':<34} {'median ms':>10} {'ratio':>7} {'queries':>8} {'page':>5} {'count':>7}")
        for label, ms, queries, (page_rows, count) in rows:
            print(f"{label:<34} {ms:>10.2f} {ms / base_ms:>6.2f}x {queries:>8} {page_rows:>5} {count:>7}")
    finally:
        teardown_databases(old_config, verbosity=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
