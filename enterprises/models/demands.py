"""demands: models (see issue 4)."""
