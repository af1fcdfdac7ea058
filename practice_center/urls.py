"""Pages of practice_center; views derive from consortium.tenancy.mixins.ScopedViewMixin."""

app_name = "practice_center"
urlpatterns: list = []
