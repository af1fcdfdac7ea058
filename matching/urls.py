"""Pages of the matching app, mounted at /matching/ (namespace "matching")."""

from .views import gap, results, runs

app_name = "matching"
urlpatterns = [*runs.urlpatterns, *results.urlpatterns, *gap.urlpatterns]
