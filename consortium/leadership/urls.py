"""Pages of the leadership layer, mounted at /leadership/ (namespace "leadership")."""

from .views import dashboard, reports, tasks

app_name = "leadership"
urlpatterns = [*tasks.urlpatterns, *dashboard.urlpatterns, *reports.urlpatterns]
