"""demands: admin (see issue 4)."""
