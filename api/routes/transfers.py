"""Transfers (api/views/transfers.py). Ids are taken as any path segment and read by the views, so that a malformed
one is a 404 problem like any unknown id."""

from django.urls import path

from ..views import transfers as views

urlpatterns = [
    path("api/v1/transfers", views.TransferListView.as_view(), name="transfers"),
    path("api/v1/transfers/<str:transfer_id>", views.TransferDetailView.as_view(), name="transfer"),
    path("api/v1/transfers/<str:transfer_id>/accept", views.TransferAcceptView.as_view(), name="transfer-accept"),
    path("api/v1/transfers/<str:transfer_id>/decline", views.TransferDeclineView.as_view(), name="transfer-decline"),
    path("api/v1/transfers/<str:transfer_id>/cancel", views.TransferCancelView.as_view(), name="transfer-cancel"),
    path(
        "api/v1/customers/<str:customer_id>/transfers",
        views.CustomerTransferCreateView.as_view(),
        name="customer-transfers",
    ),
]
