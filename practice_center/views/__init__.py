"""Pages of practice_center, one module per area; each module exports ``urlpatterns``."""
