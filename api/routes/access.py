"""Admin relationships (api/views/access.py). Ids are taken as any path segment and read by the views."""

from django.urls import path

from ..views import access as views

urlpatterns = [
    path(
        "api/v1/customers/<str:customer_id>/admin-relationships",
        views.AdminRelationshipListView.as_view(),
        name="access-relationships",
    ),
    path(
        "api/v1/customers/<str:customer_id>/admin-relationships/<str:relationship_id>",
        views.AdminRelationshipDetailView.as_view(),
        name="access-relationship",
    ),
    path(
        "api/v1/customers/<str:customer_id>/admin-relationships/<str:relationship_id>/terminate",
        views.AdminRelationshipTerminateView.as_view(),
        name="access-relationship-terminate",
    ),
    path(
        "api/v1/customers/<str:customer_id>/admin-relationships/<str:relationship_id>/assignments",
        views.AdminRelationshipAssignmentsView.as_view(),
        name="access-relationship-assignments",
    ),
    path("api/v1/customers/<str:customer_id>/users", views.CustomerUserListView.as_view(), name="access-users"),
]
