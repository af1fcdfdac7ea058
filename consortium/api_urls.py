"""Every API route lives under /api/v1/ and is assembled here."""

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("", include("consortium.tenancy.api.urls")),
    path("", include("consortium.council.api.urls")),
    path("", include("consortium.imports.api_urls")),
    path("", include("consortium.funding.api.urls")),
    path("", include("schools.api.urls")),
    path("", include("enterprises.api.urls")),
    path("", include("practice_center.api.urls")),
    path("", include("matching.api.urls")),
    path("", include("consortium.leadership.api.urls")),
]
