"""API of practice_center: training."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
