"""Pages of practice_center: training."""

urlpatterns: list = []
