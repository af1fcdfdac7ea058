"""rnd: services (see issue 4)."""
