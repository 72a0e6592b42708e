"""/api/oauth/token/, /api/v1/… (no trailing slash, as Partner Center's), the OpenAPI document and its pages."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from .views import oauth, organization

app_name = "api"

urlpatterns = [
    path("api/oauth/token/", oauth.token, name="token"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("api/docs/redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("api/v1/organization", organization.OrganizationView.as_view(), name="organization"),
    path("", include("api.routes.commerce")),
]
