"""API of matching: results."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
