"""Import-job API routes (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from .api.views import ImportJobViewSet

router = SimpleRouter()
router.register("import-jobs", ImportJobViewSet, basename="importjob")

urlpatterns = router.urls
