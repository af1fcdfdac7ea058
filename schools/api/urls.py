"""API routes of schools; included under /api/v1/ (kebab-case resource names)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("catalogue-major-categories", views.ProgrammeMajorCategoryViewSet, basename="programmemajorcategory")
router.register("school-profiles", views.SchoolProfileViewSet, basename="schoolprofile")
router.register("campuses", views.CampusViewSet, basename="campus")
router.register("programmes", views.ProgrammeViewSet, basename="programme")
router.register("programme-groups", views.ProgrammeGroupViewSet, basename="programmegroup")
router.register("programme-offerings", views.ProgrammeOfferingViewSet, basename="programmeoffering")
router.register("programme-links", views.ProgrammeLinkViewSet, basename="programmeindustrylink")
router.register("teachers", views.TeacherViewSet, basename="teacher")
router.register("dual-qualifications", views.DualQualificationViewSet, basename="dualqualification")
router.register("industry-professors", views.IndustryProfessorViewSet, basename="industryprofessor")
router.register("studios", views.StudioViewSet, basename="studio")
router.register("pool-experts", views.PoolExpertViewSet, basename="poolexpert")
router.register("engagement-requests", views.EngagementRequestViewSet, basename="engagementrequest")
router.register("enterprise-practices", views.EnterprisePracticeViewSet, basename="enterprisepractice")
router.register("practice-totals", views.PracticeTotalViewSet, basename="practicetotal")
router.register("training-bases", views.TrainingBaseViewSet, basename="trainingbase")
router.register("students", views.StudentViewSet, basename="student")
router.register("student-certificates", views.StudentCertificateViewSet, basename="studentcertificate")

urlpatterns = router.urls
