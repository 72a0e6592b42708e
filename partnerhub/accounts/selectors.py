"""Reads for organizations, members and invitations, always through the acting organization."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from partnerhub.core.scoping import scoped

from .models import Membership, MembershipQuerySet, Organization, UserInvitation


def membership_list(*, organization: Organization) -> MembershipQuerySet:
    return (
        scoped(Membership.objects.get_queryset(), organization=organization)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )


def membership_get(*, organization: Organization, pk: int) -> Membership:
    """A member of the acting organization, or 404."""
    return get_object_or_404(
        scoped(Membership.objects.select_related("user", "organization"), organization=organization), pk=pk
    )


def user_invitation_list(*, organization: Organization) -> QuerySet[UserInvitation]:
    """Invitations not yet accepted or revoked (pending and expired), newest first."""
    return (
        scoped(UserInvitation.objects, organization=organization)
        .filter(accepted_at=None, revoked_at=None)
        .select_related("invited_by")
        .order_by("-created_at")
    )


def user_invitation_get(*, organization: Organization, pk: int) -> UserInvitation:
    """An invitation of the acting organization, or 404."""
    return get_object_or_404(
        scoped(UserInvitation.objects.select_related("organization"), organization=organization), pk=pk
    )


def user_invitation_by_token(*, token: str) -> UserInvitation | None:
    """The invitation a link points at, in whatever state, or None for an unknown token."""
    return UserInvitation.objects.select_related("organization", "invited_by").from_link(token).first()


def global_admins(*, organization: Organization) -> QuerySet[Membership]:
    return membership_list(organization=organization).global_admins()
