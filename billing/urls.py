from django.urls import path

from .views import accounts, insights, invoices, prices

app_name = "billing"

urlpatterns = [
    # invoices (billing/views/invoices.py)
    path("billing/", invoices.index, name="invoices"),
    path("billing/invoices/<uuid:public_id>/", invoices.invoice_detail, name="invoice-detail"),
    path("billing/invoices/<uuid:public_id>/pdf/", invoices.invoice_pdf, name="invoice-pdf"),
    path(
        "billing/invoices/<uuid:public_id>/reconciliation/",
        invoices.invoice_reconciliation,
        name="invoice-reconciliation",
    ),
    path("billing/invoices/<uuid:public_id>/credit-notes/", invoices.credit_note_create, name="credit-note-create"),
    # what recipients owe (billing/views/accounts.py)
    path("billing/accounts/", accounts.index, name="accounts"),
    # price lists and tax rates (billing/views/prices.py)
    path("billing/prices/", prices.index, name="prices"),
    # insights (billing/views/insights.py)
    path("billing/insights/", insights.index, name="insights"),
]
