"""Pages of schools; views derive from consortium.tenancy.mixins.ScopedViewMixin."""

app_name = "schools"
urlpatterns: list = []
