"""Visibility entries for enterprises.order_classes (merged into visibility.VISIBILITY)."""

from __future__ import annotations

VISIBILITY: dict = {}
