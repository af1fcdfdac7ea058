"""Demo data for enterprises.rnd (called by enterprises.demo.load)."""


def load(*, consortium, secretariat, stdout) -> None:
    """Idempotent: build this area's demo rows for ``consortium`` acting as ``secretariat``."""
