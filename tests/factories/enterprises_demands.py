"""Factories of enterprises.demands; register builders with @register."""
