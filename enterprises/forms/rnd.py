"""rnd: forms (see issue 4)."""
