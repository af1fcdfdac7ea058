"""Small text helpers for user-facing messages."""

from collections.abc import Iterable

from django.utils.translation import pgettext


def join_list(items: Iterable[object]) -> str:
    """Join names for a message in the user's language: "A、B" in Chinese, "A, B" in English."""
    return pgettext("list separator", "、").join(str(item) for item in items)
