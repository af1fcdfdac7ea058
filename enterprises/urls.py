"""Pages of the enterprises app, mounted at /enterprises/ (namespace "enterprises")."""

from .views import demands, order_classes, rnd

app_name = "enterprises"
urlpatterns = [*demands.urlpatterns, *order_classes.urlpatterns, *rnd.urlpatterns]
