"""Invoices (api/views/billing.py). Ids are taken as any path segment and read by the views, so that a malformed
one is a 404 problem like any unknown id."""

from django.urls import path

from ..views import billing as views

urlpatterns = [
    path("api/v1/invoices", views.InvoiceListView.as_view(), name="invoices"),
    path("api/v1/invoices/<str:invoice_id>", views.InvoiceDetailView.as_view(), name="invoice"),
    path("api/v1/invoices/<str:invoice_id>/pdf", views.InvoicePdfView.as_view(), name="invoice-pdf"),
    path(
        "api/v1/invoices/<str:invoice_id>/reconciliation",
        views.InvoiceReconciliationView.as_view(),
        name="invoice-reconciliation",
    ),
    path(
        "api/v1/invoices/<str:invoice_id>/credit-notes",
        views.CreditNoteCreateView.as_view(),
        name="invoice-credit-notes",
    ),
]
