"""Visibility entries for enterprises.demands (merged into visibility.VISIBILITY)."""

from __future__ import annotations

VISIBILITY: dict = {}
