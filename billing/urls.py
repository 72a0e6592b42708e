from django.urls import path

from .views import accounts, insights, invoices, prices

app_name = "billing"

urlpatterns = [
    # invoices (billing/views/invoices.py)
    path("billing/", invoices.index, name="invoices"),
    # what recipients owe (billing/views/accounts.py)
    path("billing/accounts/", accounts.index, name="accounts"),
    # price lists and tax rates (billing/views/prices.py)
    path("billing/prices/", prices.index, name="prices"),
    # insights (billing/views/insights.py)
    path("billing/insights/", insights.index, name="insights"),
]
