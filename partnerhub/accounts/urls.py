from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("organization/new/", views.organization_create, name="organization-create"),
    path("organization/switch/", views.organization_switch, name="organization-switch"),
    path("settings/users/", views.member_list, name="member-list"),
    path("settings/users/<int:pk>/", views.member_update, name="member-update"),
    path("settings/users/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path("settings/users/invite/", views.invitation_create, name="invitation-create"),
    path("settings/users/invitations/<int:pk>/resend/", views.invitation_resend, name="invitation-resend"),
    path("settings/users/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("account/recovery-email/<str:token>/", views.recovery_email_confirm, name="recovery-email-confirm"),
]
