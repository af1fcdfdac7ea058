"""API routes of the enterprises app; included under /api/v1/."""

from .demands import router as demands_router
from .order_classes import router as order_classes_router
from .rnd import router as rnd_router

urlpatterns = [*demands_router.urls, *order_classes_router.urls, *rnd_router.urls]
