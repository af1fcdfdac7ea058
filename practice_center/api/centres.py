"""API of practice_center: centres."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
