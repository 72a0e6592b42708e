"""The harness's URL map (bench.settings): the benchmark's yardsticks at /__bench/, then the portal's own map."""

from django.urls import include, path

from partnerhub.urls import urlpatterns as portal_urlpatterns

urlpatterns = [path("__bench/", include("bench.seeding.urls")), *portal_urlpatterns]
