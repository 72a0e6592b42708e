"""/api/v1/… of the partner side: the partner-ID status lookup, relationships, partnership invitations, the
activity log and notifications (the organization itself is /api/v1/organization, in api/urls.py)."""

from django.urls import path

from ..views import partners

urlpatterns = [
    path(
        "api/v1/partner-ids/status",
        partners.PartnerIdStatusQueryView.as_view(),
        name="partners-partner-id-status-query",
    ),
    path(
        "api/v1/partner-ids/<str:number>/status",
        partners.PartnerIdStatusView.as_view(),
        name="partners-partner-id-status",
    ),
    path("api/v1/relationships", partners.RelationshipListView.as_view(), name="partners-relationship-list"),
    path(
        "api/v1/relationships/<int:pk>", partners.RelationshipDetailView.as_view(), name="partners-relationship-detail"
    ),
    path(
        "api/v1/relationships/<int:pk>/remove-admin-access",
        partners.RelationshipAdminAccessView.as_view(),
        name="partners-relationship-admin-access",
    ),
    path(
        "api/v1/partnership-invitations",
        partners.PartnershipInvitationListView.as_view(),
        name="partners-invitation-list",
    ),
    path(
        "api/v1/partnership-invitations/<int:pk>",
        partners.PartnershipInvitationDetailView.as_view(),
        name="partners-invitation-detail",
    ),
    path(
        "api/v1/partnership-invitations/<int:pk>/revoke",
        partners.PartnershipInvitationRevokeView.as_view(),
        name="partners-invitation-revoke",
    ),
    path("api/v1/activity", partners.ActivityListView.as_view(), name="partners-activity-list"),
    path("api/v1/notifications", partners.NotificationListView.as_view(), name="partners-notification-list"),
]
