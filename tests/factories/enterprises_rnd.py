"""Factories of enterprises.rnd; register builders with @register."""
