"""Bench-only views, mounted at /__bench/ by bench.urls (bench.settings only)."""

from django.urls import path

from . import views

app_name = "bench"
urlpatterns = [
    path("ceiling/", views.ceiling, name="ceiling"),
    path("hello/", views.hello, name="hello"),
]
