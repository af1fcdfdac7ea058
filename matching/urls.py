"""Pages of matching; views derive from consortium.tenancy.mixins.ScopedViewMixin."""

app_name = "matching"
urlpatterns: list = []
