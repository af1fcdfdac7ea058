"""API routes of practice_center; included under /api/v1/."""

from .bookings import router as bookings_router
from .centres import router as centres_router
from .training import router as training_router

urlpatterns = [*centres_router.urls, *bookings_router.urls, *training_router.urls]
