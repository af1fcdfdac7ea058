"""Pages of the schools app, mounted at /schools/ (namespace "schools")."""

from .views import people, programmes

app_name = "schools"
urlpatterns = [*programmes.urlpatterns, *people.urlpatterns]
