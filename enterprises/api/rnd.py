"""API of rnd (see issue 4)."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
