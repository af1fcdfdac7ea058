"""API routes of the leadership layer; included under /api/v1/ (prefix "leadership/")."""

from .kpis import router as kpis_router
from .reports import router as reports_router
from .tasks import router as tasks_router

urlpatterns = [*tasks_router.urls, *kpis_router.urls, *reports_router.urls]
