"""A selling provider (Contoso) in partnership with a ready reseller (Fabrikam), the customer agreement,
a small catalogue, and a customer built through the real services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from agreements.services import agreement_version_create
from customers import services
from customers.models import Offer, OfferPrice
from demo.pdf import CUSTOMER_AGREEMENT, text_pdf
from relationships import services as relationship_services
from tests.relationships.conftest import active_provider, make_reseller, mpa, staff  # noqa: F401

ACCOUNT = {
    "company_name": "Woodgrove Foods Inc.",
    "domain_prefix": "woodgrovefoods",
    "country": "US",
    "address_line1": "77 Market Street",
    "address_line2": "",
    "city": "Portland",
    "state": "OR",
    "postal_code": "97204",
    "contact_first_name": "Nestor",
    "contact_last_name": "Wilke",
    "contact_email": "nestor@woodgrove.example",
    "contact_phone": "",
    "culture": "en-US",
    "language": "en",
    "registration_number": "",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def mca(db):
    return agreement_version_create(
        type="mca",
        version="2026-01",
        language="en",
        effective_date=date(2026, 1, 1),
        content=text_pdf("MCA", CUSTOMER_AGREEMENT),
    )


def make_offer(sku, name, *, price="10.00", minimum=1, maximum=300, limit=None, regions=("united_states",), **extra):
    offer = Offer.objects.create(
        sku=sku,
        name=name,
        billing_type="license",
        term=extra.pop("term", "P1M"),
        minimum_quantity=minimum,
        maximum_quantity=maximum,
        customer_limit=limit,
        csp_regions=list(regions),
        **extra,
    )
    for currency in ("USD", "EUR", "GBP"):
        OfferPrice.objects.create(offer=offer, currency=currency, unit_price=price)
    return offer


@pytest.fixture
def offers(db):
    """Business Standard, Endpoint Security, a one-per-customer plan, and an EU-only offer."""
    return {
        "standard": make_offer("PH-BIZ-STD", "Business Standard", price="12.50"),
        "security": make_offer("PH-SECURITY", "Endpoint Security", price="5.20", maximum=50),
        "plan": make_offer("PH-PLAN", "Cloud Compute Plan", maximum=1, limit=1),
        "eu": make_offer("PH-EU", "EU Backup Vault", regions=("europe",)),
    }


@pytest.fixture
def seller(active_provider, admin_member, make_reseller, mca, offers):  # noqa: F811
    """(provider, its Global admin, reseller, reseller's Global admin): partners, ready to sell."""
    reseller, reseller_user = make_reseller("Fabrikam Solutions LLC")
    invitation, _ = relationship_services.partnership_invitation_create(
        provider=active_provider, actor=admin_member.user
    )
    relationship_services.partnership_accept(invitation=invitation, reseller=reseller, user=reseller_user)
    return active_provider, admin_member.user, reseller, reseller_user


def attested(**overrides) -> services.AgreementInput:
    values = {
        "attest": True,
        "first_name": "Nestor",
        "last_name": "Wilke",
        "email": "nestor@woodgrove.example",
        "date_agreed": timezone.now().date() - timedelta(days=1),
    }
    return services.AgreementInput(**{**values, **overrides})


@pytest.fixture
def make_customer(seller):
    """make_customer(prefix, reseller=True, attest=True, lines=[(offer, qty)]) -> CreatedCustomer."""
    provider, user, reseller, _ = seller
    counter = iter(range(10_000))

    def make(prefix=None, *, with_reseller=True, attest=True, lines=(), partner=None, actor=None, **account):
        n = next(counter)
        data = services.NewCustomer(
            account={
                **ACCOUNT,
                "domain_prefix": prefix or f"customer{n}",
                "company_name": account.pop("company_name", f"Customer {n} Inc."),
                **account,
            },
            reseller=reseller if with_reseller else None,
            agreement=attested() if attest else services.AgreementInput(attest=False),
            lines=[services.LineInput(offer=offer, quantity=qty) for offer, qty in lines],
        )
        return services.customer_create(partner=partner or provider, actor=actor or user, data=data)

    return make


@pytest.fixture
def customer(make_customer, offers):
    """Woodgrove: a customer of Contoso associated with Fabrikam, agreement confirmed, two subscriptions."""
    return make_customer("woodgrovefoods", company_name="Woodgrove Foods Inc.",
                         lines=[(offers["standard"], 10), (offers["security"], 5)])  # fmt: skip


from tests.customers.world import world  # noqa: E402, F401 — the query-budget and query-plan tests' fixture
