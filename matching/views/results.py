"""Pages of matching: results."""

urlpatterns: list = []
