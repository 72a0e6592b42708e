"""Account settings → API (HTML pages of the portal, trailing slashes as the other settings pages)."""

from django.urls import path

from ..views import settings

urlpatterns = [
    path("settings/api/", settings.client_list, name="clientsui-list"),
    path("settings/api/new/", settings.client_create, name="clientsui-create"),
    path("settings/api/<int:pk>/", settings.client_detail, name="clientsui-detail"),
    path("settings/api/<int:pk>/created/", settings.client_created, name="clientsui-created"),
    path("settings/api/<int:pk>/revoke/", settings.client_revoke, name="clientsui-revoke"),
]
