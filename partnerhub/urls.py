"""URL map: the portal at /, allauth at /accounts/, the operators' admin at /admin/."""

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from partnerhub.core.observability.metrics import metrics_view
from partnerhub.portal import views as portal_views

# Staff sign in through allauth: its rate limits and MFA apply to /admin/ too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # allauth's documented wrap
admin.site.site_header = "PartnerHub operations"
admin.site.site_title = "PartnerHub operations"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("health/", portal_views.health, name="health"),
    path("healthz/", portal_views.healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),  # Prometheus; a 404 unless METRICS_TOKEN is set
    path("", include("partnerhub.accounts.urls")),
    path("", include("enrollment.urls")),
    path("", include("agreements.urls")),
    path("", include("relationships.urls")),
    path("", include("customers.urls")),
    path("", include("access.urls")),
    path("", include("transfers.urls")),
    path("", include("billing.urls")),
    path("", include("partnerhub.portal.urls")),
    path("", include("api.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
