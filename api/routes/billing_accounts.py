"""Accounts receivable (api/views/billing_accounts.py). Ids are taken as any path segment and read by the views,
so that a malformed one is a 404 problem like any unknown id."""

from django.urls import path

from ..views import billing_accounts as views

urlpatterns = [
    path("api/v1/billing/accounts", views.AccountListView.as_view(), name="billing-accounts"),
    path("api/v1/billing/accounts/<str:account_id>", views.AccountDetailView.as_view(), name="billing-account"),
    path("api/v1/billing/accounts/<str:account_id>/block", views.AccountBlockView.as_view(), name="billing-block"),
    path(
        "api/v1/billing/accounts/<str:account_id>/unblock", views.AccountUnblockView.as_view(), name="billing-unblock"
    ),
    path("api/v1/billing/standing", views.StandingView.as_view(), name="billing-standing"),
    path("api/v1/payments", views.PaymentListView.as_view(), name="payments"),
]
