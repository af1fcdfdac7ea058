"""order_classes: views (see issue 4)."""
"""Pages of order_classes (see issue 4)."""

urlpatterns: list = []
