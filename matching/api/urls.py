"""API routes of matching; included under /api/v1/."""

urlpatterns: list = []
