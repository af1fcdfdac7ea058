"""Pages of matching: runs."""

urlpatterns: list = []
