"""Import-job API routes (filled in by the import work)."""

urlpatterns: list = []
