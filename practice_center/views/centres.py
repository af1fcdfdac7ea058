"""Pages of practice_center: centres."""

urlpatterns: list = []
