from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("consortium.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("council/", include("consortium.council.urls")),
    path("imports/", include("consortium.imports.urls")),
    path("funding/", include("consortium.funding.urls")),
    path("schools/", include("schools.urls")),
    path("enterprises/", include("enterprises.urls")),
    path("practice/", include("practice_center.urls")),
    path("matching/", include("matching.urls")),
    path("leadership/", include("consortium.leadership.urls")),
    path("", include("consortium.tenancy.urls")),
]

# MEDIA_ROOT is deliberately not served: uploaded files are tenant data and are only downloaded through scoped views.
