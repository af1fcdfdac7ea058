"""Pages of practice_center: stats."""

urlpatterns: list = []
