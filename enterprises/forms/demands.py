"""demands: forms (see issue 4)."""
