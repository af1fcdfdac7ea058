"""order_classes: admin (see issue 4)."""
