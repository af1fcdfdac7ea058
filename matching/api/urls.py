"""API routes of matching; included under /api/v1/."""

from .gap import router as gap_router
from .results import router as results_router
from .runs import router as runs_router

urlpatterns = [*runs_router.urls, *results_router.urls, *gap_router.urls]
