"""Pages of matching, one module per area; each module exports ``urlpatterns``."""
