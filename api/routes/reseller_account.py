"""/api/v1/relationships/<id>/provider-access: the reseller's log of its provider's admin access (issue 18)."""

from django.urls import path

from ..views import reseller_account

urlpatterns = [
    path(
        "api/v1/relationships/<int:pk>/provider-access",
        reseller_account.ProviderAccessListView.as_view(),
        name="partners-relationship-provider-access",
    ),
]
