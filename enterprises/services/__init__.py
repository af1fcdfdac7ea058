"""Enterprises app services, one module per area: demands, order_classes, rnd."""
