"""rnd: models (see issue 4)."""
