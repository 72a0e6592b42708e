"""The partner side of the API, over the services and selectors the pages use: the partner-ID status lookup
(agreements), Indirect resellers / Indirect providers and partnership requests (relationships), the activity
log and notifications (portal). common.py says how each view asks what its page asks."""

from .activity import ActivityListView, NotificationListView
from .lookup import PartnerIdStatusQueryView, PartnerIdStatusView
from .relationships import (
    PartnershipInvitationDetailView,
    PartnershipInvitationListView,
    PartnershipInvitationRevokeView,
    RelationshipAdminAccessView,
    RelationshipDetailView,
    RelationshipListView,
)

__all__ = [
    "ActivityListView",
    "NotificationListView",
    "PartnerIdStatusQueryView",
    "PartnerIdStatusView",
    "PartnershipInvitationDetailView",
    "PartnershipInvitationListView",
    "PartnershipInvitationRevokeView",
    "RelationshipAdminAccessView",
    "RelationshipDetailView",
    "RelationshipListView",
]
