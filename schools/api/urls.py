"""API routes of schools; included under /api/v1/."""

urlpatterns: list = []
