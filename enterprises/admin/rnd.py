"""rnd: admin (see issue 4)."""
