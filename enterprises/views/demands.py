"""demands: views (see issue 4)."""
"""Pages of demands (see issue 4)."""

urlpatterns: list = []
