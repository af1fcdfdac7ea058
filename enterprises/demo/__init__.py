"""Demo data of the enterprises app, discovered by ``load_demo`` (see consortium/tenancy/demo/domains.py)."""

from . import demands, order_classes, rnd


def load(*, consortium, secretariat, stdout) -> None:
    for area in (demands, order_classes, rnd):
        area.load(consortium=consortium, secretariat=secretariat, stdout=stdout)
