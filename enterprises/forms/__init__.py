"""Enterprises app forms, one module per area: demands, order_classes, rnd."""
