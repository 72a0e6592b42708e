"""An issuer's price lists, tax rates and the organizations it bills: what the Price lists page reads and
changes (billing/views/prices.py).

Price rules are effective-dated and never edited: a new rule replaces an older one from its date, and a rule
that priced a charge (ChargeLine.price_rule) stays as it is for the record. Only a rule not yet in force and
used by no charge may be deleted.

What an organization sees is its own: the rules it issued (row-level security: price rules are the issuer's
alone), and its own cost computed for itself (its provider's rules and cost are read with the platform's
elevation, and only the organization's resulting price leaves this module)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import CustomerRelationship, Offer, OfferPrice
from enrollment.selectors import selling_program
from partnerhub.accounts.models import Organization
from partnerhub.core import rls
from relationships.models import PartnerRelationship

from .models import BillingError, BillingProfile, ChargeLine, PriceRule, TaxRate
from .money import round_unit
from .pricing import apply_rule, best_rule

HUNDRED = Decimal(100)
PREVIEW_PAGE = 20


# --- what the issuer has ----------------------------------------------------------------------------------------


def rule_list(*, organization: Organization):
    """The organization's price rules, newest date first, each flagged `used` when a charge recorded it."""
    used = ChargeLine.objects.filter(price_rule=OuterRef("pk"))
    return (
        PriceRule.objects.filter(issuer=organization)
        .select_related("recipient", "offer")
        .annotate(used=Exists(used))
        .order_by("-effective_from", "-id")
    )


def tier_names(*, organization: Organization) -> list[str]:
    """The tiers the organization named, on its recipients' profiles or on its rules."""
    names = set(
        BillingProfile.objects.filter(issuer=organization).exclude(price_tier="").values_list("price_tier", flat=True)
    )
    names |= set(PriceRule.objects.filter(issuer=organization).exclude(tier="").values_list("tier", flat=True))
    return sorted(names)


def recipients(*, organization: Organization) -> list[Organization]:
    """The organizations it bills or may bill: those with a billing profile from it, and its active resellers."""
    billed = BillingProfile.objects.filter(issuer=organization).values("recipient")
    resellers = PartnerRelationship.objects.filter(
        provider=organization, status=PartnerRelationship.Status.ACTIVE
    ).values("reseller")
    return list(Organization.objects.filter(Q(pk__in=billed) | Q(pk__in=resellers)).order_by("legal_name", "pk"))


def recipient_profiles(*, organization: Organization) -> dict[int, BillingProfile]:
    return {profile.recipient_id: profile for profile in BillingProfile.objects.filter(issuer=organization)}


def billable_customers(*, organization: Organization) -> list[tuple[int, str]]:
    """Its customers (an active relationship) it doesn't bill yet: candidates for "Start billing"."""
    billed = BillingProfile.objects.filter(issuer=organization).values("recipient")
    return list(
        CustomerRelationship.objects.filter(partner=organization, status=CustomerRelationship.Status.ACTIVE)
        .exclude(customer__in=billed)
        .order_by("customer_name", "customer_id")
        .values_list("customer_id", "customer_name")[:500]
    )


def tax_rates(*, organization: Organization):
    return TaxRate.objects.filter(issuer=organization).order_by("country")


# --- changes ----------------------------------------------------------------------------------------------------


def rule_create(
    *,
    organization: Organization,
    actor,
    name: str,
    percent: Decimal,
    effective_from: date,
    tier: str = "",
    recipient: Organization | None = None,
    offer: Offer | None = None,
) -> PriceRule:
    """Add a rule to the organization's price list (from today or later)."""
    if effective_from < timezone.localdate():
        raise BillingError(
            _("A price change applies from today or later: charges already rated keep their price."),
            field="effective_from",
            code="invalid",
        )
    if recipient is not None and recipient.pk not in {org.pk for org in recipients(organization=organization)}:
        raise BillingError(_("You don't bill this organization."), field="recipient", code="invalid")
    return PriceRule.objects.create(
        issuer=organization, name=name, percent=percent, effective_from=effective_from, tier=tier,
        recipient=recipient, offer=offer, created_by=actor,
    )  # fmt: skip


def rule_delete(*, organization: Organization, rule_id: int) -> PriceRule:
    rule = rule_list(organization=organization).filter(pk=rule_id).first()
    if rule is None:
        raise BillingError(_("This price rule doesn't exist."), code="not_found")
    if rule.used:
        raise BillingError(
            _("This rule priced charges already, so it stays for the record: add a newer rule to replace it."),
            code="invalid",
        )
    if rule.effective_from <= timezone.localdate():
        raise BillingError(
            _("This rule is in force already: add a newer rule to replace it."),
            code="invalid",
        )
    rule.delete()
    return rule


def _profile_defaults(recipient: Organization, today: date) -> dict:
    from .services.runs import next_billing_day

    return {"currency": recipient.currency, "period_start": today, "next_run_on": next_billing_day(today, 1)}


def tier_set(*, organization: Organization, recipient: Organization, tier: str) -> BillingProfile:
    """Put a recipient in a price tier (its billing profile is created with the defaults if need be)."""
    if recipient.pk not in {org.pk for org in recipients(organization=organization)}:
        raise BillingError(_("You don't bill this organization."), field="recipient", code="invalid")
    profile = BillingProfile.objects.filter(issuer=organization, recipient=recipient).first()
    if profile is None:
        profile = BillingProfile(
            issuer=organization, recipient=recipient, **_profile_defaults(recipient, timezone.localdate())
        )
    profile.price_tier = tier
    profile.save()
    return profile


def customer_billing_start(*, organization: Organization, customer_id: int) -> BillingProfile:
    """Start billing one of the organization's customers: the third tier of its subscriptions from now on."""
    if customer_id not in {pk for pk, _name in billable_customers(organization=organization)}:
        raise BillingError(_("Choose one of your customers you don't bill yet."), field="customer", code="invalid")
    customer = Organization.objects.get(pk=customer_id)
    try:
        with transaction.atomic():
            return BillingProfile.objects.create(
                issuer=organization, recipient=customer, **_profile_defaults(customer, timezone.localdate())
            )
    except IntegrityError as exc:
        raise BillingError(_("You bill this customer already."), field="customer", code="invalid") from exc


# --- the preview --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    offer: Offer
    list_price: Decimal
    cost: Decimal
    price: Decimal
    rule: PriceRule | None


def _own_cost_rules(organization: Organization) -> tuple[list[PriceRule], str, list[PriceRule], int | None, str]:
    """What prices the organization's own cost: the vendor's rules (and its program), and when it is a
    reseller, its provider's rules and its tier there. Read elevated; only the resulting price is shown."""
    program = selling_program(organization) or ""
    with rls.elevated("billing:own-cost"):
        if program:
            vendor = list(PriceRule.objects.filter(issuer=None))
            return vendor, program, [], None, ""
        provider_id = (
            PartnerRelationship.objects.filter(reseller=organization, status=PartnerRelationship.Status.ACTIVE)
            .order_by("created_at")
            .values_list("provider_id", flat=True)
            .first()
        )
        if provider_id is None:
            return [], "", [], None, ""
        provider = Organization.objects.get(pk=provider_id)
        provider_program = selling_program(provider) or ""
        vendor = list(PriceRule.objects.filter(issuer=None))
        provider_rules = list(PriceRule.objects.filter(issuer_id=provider_id))
        tier = (
            BillingProfile.objects.filter(issuer_id=provider_id, recipient=organization)
            .values_list("price_tier", flat=True)
            .first()
            or ""
        )
        return vendor, provider_program, provider_rules, provider_id, tier


def preview(
    *, organization: Organization, tier: str, recipient_id: int | None, on: date, offers: list[Offer]
) -> list[PreviewRow]:
    """For each offer: its list price in the organization's currency, the organization's own cost and its price
    for the chosen tier or recipient on `on` (a fixed number of queries, whatever the number of rules)."""
    prices = dict(
        OfferPrice.objects.filter(offer__in=offers, currency=organization.currency).values_list(
            "offer_id", "unit_price"
        )
    )
    vendor, program, provider_rules, provider_id, own_tier = _own_cost_rules(organization)
    rules = list(PriceRule.objects.filter(issuer=organization))
    currency = organization.currency
    rows = []
    for offer in offers:
        if offer.pk not in prices:
            continue
        list_price = round_unit(prices[offer.pk])
        holder = organization.pk if provider_id is None else provider_id
        vendor_rule = best_rule(vendor, recipient_id=holder, tier="", program=program, offer_id=offer.pk, on=on)
        cost = apply_rule(vendor_rule, list_price, list_price, currency)
        if provider_id is not None:
            mine = best_rule(
                provider_rules, recipient_id=organization.pk, tier=own_tier, program="", offer_id=offer.pk, on=on
            )
            cost = apply_rule(mine, cost, list_price, currency)
        rule = best_rule(rules, recipient_id=recipient_id, tier=tier, program="", offer_id=offer.pk, on=on)
        rows.append(PreviewRow(offer, list_price, cost, apply_rule(rule, cost, list_price, currency), rule))
    return rows


def preview_offers():
    return Offer.objects.order_by("name", "pk")
