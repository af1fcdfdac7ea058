"""API of practice_center: bookings."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
