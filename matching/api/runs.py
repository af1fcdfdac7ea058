"""API of matching: runs."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
