"""The demo catalogue (a dozen neutral offers priced in every market currency) and a demo customer of
Contoso associated with Fabrikam, with the customer agreement confirmed and two subscriptions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from customers.models import Customer, Offer, OfferPrice
from customers.services import AgreementInput, LineInput, NewCustomer, customer_create
from partnerhub.accounts.models import Organization, User
from partnerhub.core.regions import MARKETS, CspRegion

ALL_REGIONS = list(CspRegion.values)
# sku, name, description, billing, term, min, max, limit per customer, USD price, regions (None = all)
OFFERS = [
    (
        "PH-BIZ-BASIC",
        "Business Basic",
        "Email, calendar, file storage and web apps.",
        "license",
        "P1M",
        1,
        300,
        None,
        "6.00",
        None,
    ),
    (
        "PH-BIZ-STD",
        "Business Standard",
        "Business Basic plus desktop apps and webinars.",
        "license",
        "P1M",
        1,
        300,
        None,
        "12.50",
        None,
    ),
    (
        "PH-BIZ-PREM",
        "Business Premium",
        "Business Standard plus advanced security and device management.",
        "license",
        "P1Y",
        1,
        300,
        None,
        "22.00",
        None,
    ),
    (
        "PH-ENT-E3",
        "Enterprise E3",
        "Productivity suite with compliance tools for large organizations.",
        "license",
        "P1Y",
        1,
        50000,
        None,
        "36.00",
        None,
    ),
    (
        "PH-ENT-E5",
        "Enterprise E5",
        "Enterprise E3 plus analytics, voice and advanced threat protection.",
        "license",
        "P1Y",
        1,
        50000,
        None,
        "57.00",
        None,
    ),
    (
        "PH-FRONTLINE",
        "Frontline Worker",
        "Mobile-first apps for shift and field workers.",
        "license",
        "P1M",
        1,
        10000,
        None,
        "2.25",
        None,
    ),
    (
        "PH-EMAIL",
        "Hosted Email Plan 1",
        "A 50 GB mailbox with calendar and contacts.",
        "license",
        "P1M",
        1,
        10000,
        None,
        "4.00",
        None,
    ),
    (
        "PH-ARCHIVE",
        "Email Archiving",
        "Unlimited archiving and retention for mailboxes.",
        "license",
        "P1M",
        1,
        10000,
        None,
        "3.00",
        None,
    ),
    (
        "PH-SECURITY",
        "Endpoint Security",
        "Threat protection for up to five devices per user.",
        "license",
        "P1M",
        1,
        5000,
        None,
        "5.20",
        None,
    ),
    (
        "PH-PHONE",
        "Cloud Phone System",
        "Calling plans and a phone number per user.",
        "license",
        "P1M",
        1,
        5000,
        None,
        "8.00",
        None,
    ),
    (
        "PH-CLOUD-PLAN",
        "Cloud Compute Plan",
        "Pay-as-you-go compute, storage and networking.",
        "usage",
        "P1M",
        1,
        1,
        1,
        "1.00",
        None,
    ),
    (
        "PH-EU-BACKUP",
        "Backup Vault (EU data boundary)",
        "Backups stored and processed inside the EU.",
        "license",
        "P1M",
        1,
        1000,
        None,
        "4.80",
        [CspRegion.EUROPE],
    ),
]
# Rough list prices per USD, so every market currency has a price.
RATE = {"USD": "1", "EUR": "0.94", "GBP": "0.80", "CAD": "1.37", "AUD": "1.52", "NZD": "1.66", "JPY": "150",
        "INR": "83", "BRL": "5.0", "KRW": "1330", "TWD": "32", "CNY": "7.2", "CHF": "0.90", "SEK": "10.5",
        "NOK": "10.7", "DKK": "7.0", "ZAR": "18.5", "MXN": "17", "ARS": "900", "RUB": "92"}  # fmt: skip


def seed_offers() -> None:
    currencies = {market.currency for market in MARKETS.values()}
    for rank, (sku, name, description, billing, term, minimum, maximum, limit, usd, regions) in enumerate(OFFERS):
        offer, _ = Offer.objects.update_or_create(
            sku=sku,
            defaults={
                "name": name,
                "description": description,
                "billing_type": billing,
                "term": term,
                "minimum_quantity": minimum,
                "maximum_quantity": maximum,
                "customer_limit": limit,
                "csp_regions": [str(region) for region in (regions or ALL_REGIONS)],
                "rank": rank,
            },
        )
        for currency in currencies:
            price = (Decimal(usd) * Decimal(RATE.get(currency, "1"))).quantize(Decimal("0.01"))
            OfferPrice.objects.update_or_create(offer=offer, currency=currency, defaults={"unit_price": price})


def seed_customers(password: str) -> str | None:
    """Woodgrove Foods, a customer of Contoso associated with Fabrikam. Returns its admin's sign-in."""
    domain = "woodgrovefoods"
    existing = Customer.objects.filter(domain__startswith=domain + ".").first()
    if existing is not None:
        return f"admin@{existing.domain}"
    provider = Organization.objects.get(primary_domain="contoso-distribution.example")
    reseller = Organization.objects.get(primary_domain="fabrikam-solutions.example")
    megan = User.objects.get(email="megan.bowen@contoso-distribution.example")
    offers = {offer.sku: offer for offer in Offer.objects.all()}
    created = customer_create(
        partner=provider,
        actor=megan,
        data=NewCustomer(
            account={
                "company_name": "Woodgrove Foods Inc.",
                "domain_prefix": domain,
                "country": "US",
                "address_line1": "77 Market Street",
                "city": "Portland",
                "state": "OR",
                "postal_code": "97204",
                "contact_first_name": "Nestor",
                "contact_last_name": "Wilke",
                "contact_email": "nestor.wilke@woodgrove-foods.example",
                "contact_phone": "+15035550100",
                "culture": "en-US",
                "language": "en",
            },
            reseller=reseller,
            agreement=AgreementInput(
                attest=True,
                first_name="Nestor",
                last_name="Wilke",
                email="nestor.wilke@woodgrove-foods.example",
                date_agreed=(timezone.now() - timedelta(days=2)).date(),
            ),
            lines=[
                LineInput(offer=offers["PH-BIZ-PREM"], quantity=25),
                LineInput(offer=offers["PH-SECURITY"], quantity=25),
            ],
        ),
    )
    admin = User.objects.get(email=created.user_name)
    admin.set_password(password)  # the demo signs in with the demo password, not a temporary one
    admin.must_change_password = False
    admin.save(update_fields=["password", "must_change_password"])
    return created.user_name
