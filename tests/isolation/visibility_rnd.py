"""Visibility entries for enterprises.rnd (merged into visibility.VISIBILITY)."""

from __future__ import annotations

VISIBILITY: dict = {}
