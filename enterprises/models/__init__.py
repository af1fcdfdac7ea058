"""Enterprises app models, one module per area (issue 4)."""

from .demands import *  # noqa: F401,F403
from .order_classes import *  # noqa: F401,F403
from .rnd import *  # noqa: F401,F403
