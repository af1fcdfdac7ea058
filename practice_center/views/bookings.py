"""Pages of practice_center: bookings."""

urlpatterns: list = []
