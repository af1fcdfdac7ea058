"""rnd: selectors (see issue 4)."""
