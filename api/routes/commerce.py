"""Customers, customer invitations, offers, orders and subscriptions (api/views/commerce.py). Ids are taken as
any path segment and read by the views, so that a malformed one is a 404 problem like any unknown id."""

from django.urls import path

from ..views import commerce as views

urlpatterns = [
    path("api/v1/customers", views.CustomerListView.as_view(), name="commerce-customers"),
    path("api/v1/customers/<str:customer_id>", views.CustomerDetailView.as_view(), name="commerce-customer"),
    path(
        "api/v1/customers/<str:customer_id>/orders",
        views.CustomerOrderCreateView.as_view(),
        name="commerce-customer-orders",
    ),
    path("api/v1/customer-invitations", views.CustomerInvitationListView.as_view(), name="commerce-invitations"),
    path(
        "api/v1/customer-invitations/<str:invitation_id>",
        views.CustomerInvitationDetailView.as_view(),
        name="commerce-invitation",
    ),
    path(
        "api/v1/customer-invitations/<str:invitation_id>/revoke",
        views.CustomerInvitationRevokeView.as_view(),
        name="commerce-invitation-revoke",
    ),
    path("api/v1/offers", views.OfferListView.as_view(), name="commerce-offers"),
    path("api/v1/orders", views.OrderListView.as_view(), name="commerce-orders"),
    path("api/v1/orders/<str:order_id>", views.OrderDetailView.as_view(), name="commerce-order"),
    path("api/v1/subscriptions", views.SubscriptionListView.as_view(), name="commerce-subscriptions"),
    path(
        "api/v1/subscriptions/<str:subscription_id>",
        views.SubscriptionDetailView.as_view(),
        name="commerce-subscription",
    ),
    path(
        "api/v1/subscriptions/<str:subscription_id>/cancel",
        views.SubscriptionCancelView.as_view(),
        name="commerce-subscription-cancel",
    ),
    path(
        "api/v1/subscriptions/<str:subscription_id>/suspend",
        views.SubscriptionSuspendView.as_view(),
        name="commerce-subscription-suspend",
    ),
    path(
        "api/v1/subscriptions/<str:subscription_id>/reactivate",
        views.SubscriptionReactivateView.as_view(),
        name="commerce-subscription-reactivate",
    ),
    path(
        "api/v1/subscriptions/<str:subscription_id>/scheduled-changes",
        views.SubscriptionScheduledChangesView.as_view(),
        name="commerce-subscription-scheduled-changes",
    ),
    path(
        "api/v1/subscriptions/<str:subscription_id>/upgrade-targets",
        views.SubscriptionUpgradeTargetsView.as_view(),
        name="commerce-subscription-upgrade-targets",
    ),
    path(
        "api/v1/subscriptions/<str:subscription_id>/upgrade",
        views.SubscriptionUpgradeView.as_view(),
        name="commerce-subscription-upgrade",
    ),
]
