"""Admin registrations, one module per area."""

from . import demands, order_classes, rnd  # noqa: F401
