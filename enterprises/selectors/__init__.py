"""Enterprises app selectors, one module per area: demands, order_classes, rnd."""
