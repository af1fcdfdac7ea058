"""Factories of enterprises.order_classes; register builders with @register."""
