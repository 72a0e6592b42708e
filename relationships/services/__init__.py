"""Writes of the provider directory and of provider ↔ reseller partnerships, one module per concern; import
from here."""

from .common import RelationshipsError
from .directory import listing_change_request_create, provider_listing_create_draft, provider_listing_publish
from .invitations import (
    invitation_url,
    partnership_invitation_create,
    partnership_invitation_mark_opened,
    partnership_invitation_resend,
    partnership_invitation_revoke,
    partnership_invitation_send,
)
from .partnerships import (
    PartnershipRefused,
    check_acceptance,
    partnership_accept,
    partnership_remove,
    partnership_remove_admin_access,
)

__all__ = [
    "PartnershipRefused",
    "RelationshipsError",
    "check_acceptance",
    "invitation_url",
    "listing_change_request_create",
    "partnership_accept",
    "partnership_invitation_create",
    "partnership_invitation_mark_opened",
    "partnership_invitation_resend",
    "partnership_invitation_revoke",
    "partnership_invitation_send",
    "partnership_remove",
    "partnership_remove_admin_access",
    "provider_listing_create_draft",
    "provider_listing_publish",
]
