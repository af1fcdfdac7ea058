"""order_classes: models (see issue 4)."""
