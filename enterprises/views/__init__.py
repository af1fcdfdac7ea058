"""Enterprises app views, one module per area: demands, order_classes, rnd."""
