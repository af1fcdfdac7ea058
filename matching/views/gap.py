"""Pages of matching: gap."""

urlpatterns: list = []
