from django.urls import path

from . import reseller_account_views, views

app_name = "relationships"

urlpatterns = [
    path("directory/", views.directory, name="directory"),
    path("directory/<int:pk>/logo/", views.listing_logo, name="listing-logo"),
    path("directory/mine/", views.my_listing, name="my-listing"),
    path("partners/resellers/", views.reseller_list, name="reseller-list"),
    path("partners/resellers/<int:pk>/remove/", views.reseller_remove, name="reseller-remove"),
    path("partners/resellers/<int:pk>/account/", reseller_account_views.reseller_account, name="reseller-account"),
    path(
        "partners/resellers/<int:pk>/account/users/<int:user_pk>/reset-password/",
        reseller_account_views.reseller_user_password_reset,
        name="reseller-user-password-reset",
    ),
    path(
        "partners/resellers/<int:pk>/account/invitations/<int:invitation_pk>/resend/",
        reseller_account_views.reseller_invitation_resend,
        name="reseller-invitation-resend",
    ),
    path("partners/resellers/invitations/new/", views.invitation_create, name="invitation-create"),
    path("partners/resellers/invitations/<int:pk>/draft/", views.invitation_draft, name="invitation-draft"),
    path("partners/resellers/invitations/<int:pk>/resend/", views.invitation_resend, name="invitation-resend"),
    path("partners/resellers/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("partners/providers/", views.provider_list, name="provider-list"),
    path("partners/providers/<int:pk>/", reseller_account_views.provider_detail, name="provider-detail"),
    path("partners/providers/<int:pk>/remove/", views.provider_remove, name="provider-remove"),
    path("partners/providers/<int:pk>/admin-access/", views.provider_admin_access_remove, name="provider-admin-access"),
    path("partnership/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
