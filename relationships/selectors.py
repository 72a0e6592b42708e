"""Reads of the directory and of partnerships, always from one side of the partnership."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from agreements.selectors import AgreementStanding, agreement_standing, agreement_standing_annotations
from enrollment.models import PartnerId, ProgramEnrollment
from partnerhub.accounts.models import Membership, Organization, User, UserInvitation
from partnerhub.core import rls
from partnerhub.core.models import AuditEvent
from partnerhub.core.scoping import scoped

from .admin_access import ACCESS_CODES, check_reseller_account_access
from .models import ListingChangeRequest, PartnerRelationship, PartnershipInvitation, ProviderListing


def provider_directory(
    *, region: str | None = None, country: str = "", service: str = "", query: str = ""
) -> QuerySet[ProviderListing]:
    """Published indirect providers, by default those serving the given CSP region."""
    listings = ProviderListing.objects.filter(status=ProviderListing.Status.PUBLISHED)
    if region:
        listings = listings.filter(csp_regions__contains=[region])
    if country:
        listings = listings.filter(countries__contains=[country.upper()])
    if service:
        listings = listings.filter(services__contains=[service])
    if query:
        listings = listings.filter(display_name__icontains=query.strip())
    return listings.order_by("display_name", "pk")


def listing_public(*, pk: int) -> ProviderListing:
    return get_object_or_404(ProviderListing, pk=pk, status=ProviderListing.Status.PUBLISHED)


def listing_own(*, organization: Organization) -> ProviderListing | None:
    return ProviderListing.objects.filter(organization=organization).first()


def change_request_list(*, organization: Organization) -> QuerySet[ListingChangeRequest]:
    return ListingChangeRequest.objects.filter(organization=organization).order_by("-created_at")[:20]


def reseller_list(*, provider: Organization, query: str = "") -> QuerySet[PartnerRelationship]:
    """The provider's Indirect resellers, with each one's location partner ID and agreement standing.

    Annotations keep the query count fixed however many resellers there are (the standing: one query for the
    version in force).
    """
    location = PartnerId.objects.filter(organization=OuterRef("reseller"), csp_associated=True).values("number")[:1]
    relationships = (
        scoped(PartnerRelationship.objects, provider=provider)
        .filter(status=PartnerRelationship.Status.ACTIVE)
        .select_related("reseller")
        .annotate(
            location_number=Subquery(location),
            # the one rule of an authorized reseller (what customers.services.eligible_resellers asks too)
            reseller_authorized=Exists(
                ProgramEnrollment.objects.resellers().authorized().filter(organization=OuterRef("reseller"))
            ),
            # the one rule (agreements.selectors.agreement_standing): an overdue reseller is not "Accepted"
            **agreement_standing_annotations(organization="reseller"),
        )
    )
    if query:
        query = query.strip()
        match = Q(reseller__legal_name__icontains=query)
        if query.isascii() and query.isdigit():  # not '²', which int() refuses
            match |= Q(reseller__partner_ids__number=int(query))
        relationships = relationships.filter(match).distinct()
    return relationships.order_by("reseller__legal_name", "pk")


def provider_list(*, reseller: Organization, query: str = "") -> QuerySet[PartnerRelationship]:
    """The reseller's Indirect providers."""
    relationships = (
        scoped(PartnerRelationship.objects, reseller=reseller)
        .filter(status=PartnerRelationship.Status.ACTIVE)
        .select_related("provider")
    )
    if query:
        relationships = relationships.filter(provider__legal_name__icontains=query.strip())
    return relationships.order_by("provider__legal_name", "pk")


def relationship_of_provider(*, provider: Organization, pk: int) -> PartnerRelationship:
    return get_object_or_404(
        scoped(PartnerRelationship.objects.select_related("provider", "reseller"), provider=provider),
        pk=pk,
        status=PartnerRelationship.Status.ACTIVE,
    )


def relationship_of_reseller(*, reseller: Organization, pk: int) -> PartnerRelationship:
    return get_object_or_404(
        scoped(PartnerRelationship.objects.select_related("provider", "reseller"), reseller=reseller),
        pk=pk,
        status=PartnerRelationship.Status.ACTIVE,
    )


def invitation_list(*, provider: Organization) -> QuerySet[PartnershipInvitation]:
    """The provider's partnership requests, newest first (its history)."""
    return (
        scoped(PartnershipInvitation.objects, provider=provider)
        .select_related("created_by", "reseller")
        .order_by("-created_at")
    )


def invitation_of_provider(*, provider: Organization, pk: int) -> PartnershipInvitation:
    return get_object_or_404(scoped(PartnershipInvitation.objects.select_related("provider"), provider=provider), pk=pk)


def invitation_by_token(*, token: str) -> PartnershipInvitation | None:
    return PartnershipInvitation.objects.select_related("provider").from_link(token).first()


# --- the provider's admin access to a reseller's account (admin_access.py) ----------------------------------


@dataclass
class ResellerAccount:
    """What the provider's admin access shows of a reseller's account."""

    relationship: PartnerRelationship
    reseller: Organization
    enrollments: list[ProgramEnrollment]
    partner_ids: list[PartnerId]
    standing: AgreementStanding
    members: list[Membership]
    invitations: list[UserInvitation]


@rls.elevated("reseller-account:admin-access")
def reseller_account(*, relationship: PartnerRelationship, membership: Membership) -> ResellerAccount:
    """The reseller's account, read across the partnership once its admin access is checked again here
    (RelationshipsError when it no longer holds: removed a second ago is refused)."""
    relationship = PartnerRelationship.objects.select_related("provider", "reseller").get(pk=relationship.pk)
    check_reseller_account_access(relationship=relationship, membership=membership)
    reseller = relationship.reseller
    return ResellerAccount(
        relationship=relationship,
        reseller=reseller,
        enrollments=list(ProgramEnrollment.objects.filter(organization=reseller).order_by("program", "-submitted_at")),
        partner_ids=list(PartnerId.objects.filter(organization=reseller).order_by("-csp_associated", "number")),
        standing=agreement_standing(organization=reseller),
        members=list(Membership.objects.filter(organization=reseller).select_related("user").order_by("user__email")),
        invitations=list(
            UserInvitation.objects.filter(organization=reseller).open().order_by("email").select_related("invited_by")
        ),
    )


@rls.elevated("reseller-account:admin-access")
def reseller_account_user(*, relationship: PartnerRelationship, membership: Membership, pk: int) -> User | None:
    """One user of the reseller, once the admin access is checked; None for anyone else's user."""
    relationship = PartnerRelationship.objects.select_related("provider", "reseller").get(pk=relationship.pk)
    check_reseller_account_access(relationship=relationship, membership=membership)
    seat = Membership.objects.filter(organization=relationship.reseller_id, user_id=pk).select_related("user").first()
    return seat.user if seat is not None else None


@rls.elevated("reseller-account:admin-access")
def reseller_account_invitation(
    *, relationship: PartnerRelationship, membership: Membership, pk: int
) -> UserInvitation | None:
    """One open invitation of the reseller, once the admin access is checked; None for any other."""
    relationship = PartnerRelationship.objects.select_related("provider", "reseller").get(pk=relationship.pk)
    check_reseller_account_access(relationship=relationship, membership=membership)
    return UserInvitation.objects.filter(organization=relationship.reseller_id, pk=pk).open().first()


def relationship_of_party(*, organization: Organization, pk: int) -> PartnerRelationship:
    """An active partnership the organization is either side of (404 otherwise)."""
    return get_object_or_404(
        scoped(
            PartnerRelationship.objects.select_related("provider", "reseller"),
            Q(provider=organization) | Q(reseller=organization),
        ),
        pk=pk,
        status=PartnerRelationship.Status.ACTIVE,
    )


def provider_access_log(*, organization: Organization, relationship: PartnerRelationship) -> QuerySet[AuditEvent]:
    """The organization's own audit rows of the provider's uses of the admin access on this partnership, newest
    first: the reseller's "Provider access" (and the provider's record of what its users did). Who acted is read
    from the row's data: the provider's user rows aren't the reseller's to read."""
    return (
        scoped(AuditEvent.objects, organization=organization)
        .filter(
            code__in=ACCESS_CODES,
            object_type=PartnerRelationship._meta.label_lower,
            object_id=str(relationship.pk),
        )
        .order_by("-created_at", "-pk")
    )
