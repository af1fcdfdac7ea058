"""demands: services (see issue 4)."""
