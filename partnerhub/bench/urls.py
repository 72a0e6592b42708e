"""Bench-only views, mounted at /__bench/ when settings.BENCH_VIEWS is on."""

from django.urls import path

from . import views

app_name = "bench"
urlpatterns = [
    path("ceiling/", views.ceiling, name="ceiling"),
    path("hello/", views.hello, name="hello"),
]
