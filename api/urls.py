"""/api/oauth/token/, /api/v1/… (no trailing slash, as Partner Center's), the OpenAPI document and its pages."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import problems
from .views import oauth, organization

app_name = "api"

urlpatterns = [
    path("api/oauth/token/", oauth.token, name="token"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from the sidecar's static files; its settings script is a separate file (no inline script).
    # ReDoc is not served: its page loads Google's fonts and runs an inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/docs.html"),
        name="docs",
    ),  # fmt: skip
    path("api/v1/organization", organization.OrganizationView.as_view(), name="organization"),
    path("", include("api.routes.clientsui")),
    path("", include("api.routes.webhooks_ui")),
    path("", include("api.routes.partners")),
    path("", include("api.routes.commerce")),
    path("", include("api.routes.access")),
    path("", include("api.routes.transfers")),
    path("", include("api.routes.billing")),
    path("", include("api.routes.reseller_account")),
    path("", include("api.routes.billing_accounts")),
]

# Last, after every route above: any other path under /api/ answers a problem document (404), not HTML.
urlpatterns.append(path("api/<path:rest>", problems.not_found, name="not-found"))
