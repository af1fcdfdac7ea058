from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("councils", views.CouncilViewSet, basename="council")
router.register("council-seats", views.CouncilSeatViewSet, basename="councilseat")
router.register("documents", views.GovernanceDocumentViewSet, basename="governancedocument")
router.register("document-versions", views.DocumentVersionViewSet, basename="documentversion")
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("agenda-items", views.AgendaItemViewSet, basename="agendaitem")
router.register("attendances", views.AttendanceViewSet, basename="attendance")
router.register("resolutions", views.ResolutionViewSet, basename="resolution")
router.register("votes", views.VoteViewSet, basename="vote")

urlpatterns = router.urls
