"""order_classes: services (see issue 4)."""
