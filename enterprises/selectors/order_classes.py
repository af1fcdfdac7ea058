"""order_classes: selectors (see issue 4)."""
