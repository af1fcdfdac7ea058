"""Pages of the practice_center app, mounted at /practice/ (namespace "practice_center")."""

from .views import bookings, centres, stats, training

app_name = "practice_center"
urlpatterns = [*centres.urlpatterns, *bookings.urlpatterns, *training.urlpatterns, *stats.urlpatterns]
