"""programmes pages."""

urlpatterns: list = []
