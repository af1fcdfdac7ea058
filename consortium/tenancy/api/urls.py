from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("consortia", views.ConsortiumViewSet, basename="consortium")
router.register("industries", views.IndustryViewSet, basename="industry")
router.register("local-chains", views.LocalChainViewSet, basename="localchain")
router.register("units", views.MemberUnitViewSet, basename="memberunit")
router.register("unit-status-changes", views.UnitStatusChangeViewSet, basename="unitstatuschange")
router.register("users", views.UserViewSet, basename="user")
router.register("memberships", views.MembershipViewSet, basename="unitmembership")
router.register("invitations", views.InvitationViewSet, basename="invitation")
router.register("applications", views.ApplicationViewSet, basename="application")

urlpatterns = router.urls
