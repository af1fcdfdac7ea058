"""Enterprises app choices, one module per area: demands, order_classes, rnd."""
