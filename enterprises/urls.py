"""Pages of enterprises; views derive from consortium.tenancy.mixins.ScopedViewMixin."""

app_name = "enterprises"
urlpatterns: list = []
