"""Account settings → API → Webhooks (HTML pages, under /settings/api/webhooks/)."""

from django.urls import path

from api.views import webhooks_ui as views

urlpatterns = [
    path("settings/api/webhooks/", views.endpoint_list, name="webhooks-endpoint-list"),
    path("settings/api/webhooks/new/", views.endpoint_create, name="webhooks-endpoint-create"),
    path("settings/api/webhooks/<int:pk>/", views.endpoint_detail, name="webhooks-endpoint-detail"),
    path("settings/api/webhooks/<int:pk>/edit/", views.endpoint_update, name="webhooks-endpoint-update"),
    path("settings/api/webhooks/<int:pk>/delete/", views.endpoint_delete, name="webhooks-endpoint-delete"),
    path("settings/api/webhooks/<int:pk>/toggle/", views.endpoint_toggle, name="webhooks-endpoint-toggle"),
    path("settings/api/webhooks/<int:pk>/rotate/", views.endpoint_rotate, name="webhooks-endpoint-rotate"),
    path("settings/api/webhooks/<int:pk>/test/", views.endpoint_test, name="webhooks-endpoint-test"),
    path(
        "settings/api/webhooks/<int:pk>/deliveries/<int:delivery_pk>/redeliver/",
        views.delivery_redeliver,
        name="webhooks-delivery-redeliver",
    ),
]
