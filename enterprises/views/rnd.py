"""rnd: views (see issue 4)."""
"""Pages of rnd (see issue 4)."""

urlpatterns: list = []
