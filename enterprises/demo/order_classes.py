"""Demo data for enterprises.order_classes (called by enterprises.demo.load)."""


def load(*, consortium, secretariat, stdout) -> None:
    """Idempotent: build this area's demo rows for ``consortium`` acting as ``secretariat``."""
