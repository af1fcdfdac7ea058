"""order_classes: forms (see issue 4)."""
