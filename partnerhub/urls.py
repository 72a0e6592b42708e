"""URL map: the portal at /, allauth at /accounts/, the operators' admin at /admin/."""

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from partnerhub.core import views as core_views

# Staff sign in through allauth: its rate limits and MFA apply to /admin/ too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # allauth's documented wrap
admin.site.site_header = "PartnerHub operations"
admin.site.site_title = "PartnerHub operations"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("health/", core_views.health, name="health"),
    path("healthz/", core_views.healthz, name="healthz"),
    path("", include("partnerhub.accounts.urls")),
    path("", include("enrollment.urls")),
    path("", include("agreements.urls")),
    path("", include("relationships.urls")),
    path("", include("customers.urls")),
    path("", include("partnerhub.core.urls")),
]

if settings.BENCH_VIEWS:
    urlpatterns.insert(0, path("__bench/", include("partnerhub.bench.urls")))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
