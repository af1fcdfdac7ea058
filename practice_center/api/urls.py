"""API routes of practice_center; included under /api/v1/."""

urlpatterns: list = []
