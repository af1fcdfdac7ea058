"""Stub: replaced by its owner."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
