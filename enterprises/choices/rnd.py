"""rnd: choices (see issue 4)."""
