"""API routes of the funding kernel app; included under /api/v1/."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("funding-records", views.FundingRecordViewSet, basename="fundingrecord")
router.register("policies", views.PolicyDocumentViewSet, basename="policydocument")

urlpatterns = router.urls
