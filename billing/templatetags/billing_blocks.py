"""`{% billing_blocks organization reseller_id %}`: a warning on the order page when new orders billed to the
seller, or to the customer's reseller, are blocked by their issuer (the reason shown)."""

from __future__ import annotations

from django import template
from django.db.models import Q

from partnerhub.core import rls

from ..models import BillingProfile
from ..services.credit import issuer_name

register = template.Library()


@register.inclusion_tag("billing/_blocks.html")
def billing_blocks(organization, reseller_id=None) -> dict:
    if organization is None:
        return {"blocks": []}
    query = Q(recipient_id=organization.pk)
    if reseller_id:
        query |= Q(issuer_id=organization.pk, recipient_id=reseller_id)
    with rls.elevated("billing:blocks"):
        profiles = list(
            BillingProfile.objects.filter(query, blocked_at__isnull=False).select_related("issuer", "recipient")[:5]
        )
    return {"blocks": [{"issuer": issuer_name(p.issuer), "recipient": p.recipient.legal_name, "reason": p.block_reason}
                       for p in profiles]}  # fmt: skip
