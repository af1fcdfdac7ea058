"""Stub: replaced by its owner."""

urlpatterns: list = []
