"""demands: selectors (see issue 4)."""
