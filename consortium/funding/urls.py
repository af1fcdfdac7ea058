"""Pages of policy and funding, mounted at /funding/ (namespace "funding")."""

from .views import urlpatterns  # noqa: F401

app_name = "funding"
