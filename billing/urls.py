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
    path("billing/accounts/import/", accounts.bank_import, name="bank-import"),
    path("billing/accounts/<int:pk>/", accounts.account_detail, name="account-detail"),
    path("billing/accounts/<int:pk>/terms/", accounts.account_profile, name="account-profile"),
    path("billing/accounts/<int:pk>/payments/", accounts.account_payment, name="account-payment"),
    path("billing/accounts/<int:pk>/block/", accounts.account_block, name="account-block"),
    path("billing/accounts/<int:pk>/unblock/", accounts.account_unblock, name="account-unblock"),
    path("billing/standing/", accounts.standing, name="standing"),
    # price lists and tax rates (billing/views/prices.py)
    path("billing/prices/", prices.index, name="prices"),
    path("billing/prices/rules/add/", prices.rule_add, name="prices-rule-add"),
    path("billing/prices/rules/<int:pk>/delete/", prices.rule_delete, name="prices-rule-delete"),
    path("billing/prices/tiers/", prices.tier_set, name="prices-tier"),
    path("billing/prices/tax/", prices.tax_edit, name="prices-tax"),
    path("billing/prices/tax/<int:pk>/", prices.tax_edit, name="prices-tax-edit"),
    path("billing/prices/tax/<int:pk>/delete/", prices.tax_delete, name="prices-tax-delete"),
    path("billing/prices/customers/", prices.customer_billing, name="prices-customer"),
    # insights (billing/views/insights.py)
    path("billing/insights/", insights.index, name="insights"),
    path("billing/insights/<slug:chart>.csv", insights.csv_download, name="insights-csv"),
]
