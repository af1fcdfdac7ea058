"""API of matching: gap."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
