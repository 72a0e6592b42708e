"""Reads of transfers, always through the acting organization: it sees the transfers it sends, receives, or
(a customer) that concern it; any other is a 404."""

from __future__ import annotations

import uuid

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from customers.models import Subscription
from partnerhub.accounts.models import Organization
from partnerhub.core.scoping import scoped
from relationships.models import PartnerRelationship

from .models import Transfer, TransferItem

DIRECTIONS = ("incoming", "outgoing")


def transfer_list(*, organization: Organization, direction: str = "") -> QuerySet[Transfer]:
    """The organization's transfers, newest first: incoming (it receives), outgoing (it sends), or both; a
    customer's, those of its subscriptions."""
    if organization.kind == Organization.Kind.CUSTOMER:
        transfers = scoped(Transfer.objects, customer=organization)
    elif direction == "incoming":
        transfers = scoped(Transfer.objects, target=organization)
    elif direction == "outgoing":
        transfers = scoped(Transfer.objects, source=organization)
    else:
        transfers = scoped(Transfer.objects, Q(source=organization) | Q(target=organization))
    return transfers.annotate(item_count=Count("items")).order_by("-created_at", "-id")


def transfer_get(*, organization: Organization, public_id: str | uuid.UUID) -> Transfer:
    """One transfer the organization is a party to, or 404."""
    parties = Q(source=organization) | Q(target=organization) | Q(customer=organization)
    # The partner ID joins (outer): a party that may not read the reseller's registry row sees no number.
    return get_object_or_404(scoped(Transfer.objects, parties).select_related("partner_of_record"), public_id=public_id)


def transfer_items(*, transfer: Transfer) -> QuerySet[TransferItem]:
    return transfer.items.order_by("offer_name", "pk")


def transferable_subscriptions(
    *, customer: Organization, partner: Organization | None = None
) -> QuerySet[Subscription]:
    """Active subscriptions of the customer not already in a pending transfer; those `partner` sells, if named."""
    subscriptions = Subscription.objects.filter(customer=customer, status=Subscription.Status.ACTIVE)
    if partner is not None:
        subscriptions = subscriptions.filter(partner=partner)
    return (
        subscriptions.exclude(pk__in=TransferItem.objects.filter(is_open=True).values("subscription_id"))
        .select_related("offer", "partner")
        .order_by("partner_id", "created_at", "pk")
    )


def active_providers(*, reseller: Organization) -> list[Organization]:
    """The indirect providers the organization has an active partnership with (a direct-bill move picks one)."""
    relationships = (
        PartnerRelationship.objects.filter(reseller=reseller, status=PartnerRelationship.Status.ACTIVE)
        .select_related("provider")
        .order_by("provider__legal_name")
    )
    return [relationship.provider for relationship in relationships]


def transition_transfers(*, organization: Organization, enrollment_pk: int) -> dict[str, int | str]:
    """What the partner's direct-bill move waits for: pending transfers and the provider they wait on."""
    transfers = scoped(Transfer.objects, source=organization).filter(transition=enrollment_pk)
    pending = transfers.filter(status=Transfer.Status.PENDING)
    first = pending.order_by("created_at").first()
    return {
        "pending": pending.count(),
        "declined": transfers.filter(status__in=[Transfer.Status.DECLINED, Transfer.Status.EXPIRED]).count(),
        "accepted": transfers.filter(status=Transfer.Status.ACCEPTED).count(),
        "provider": first.target_name if first else "",
    }
