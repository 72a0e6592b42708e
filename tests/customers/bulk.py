"""Rows written in a few statements, for tests that need dozens or thousands of customers and subscriptions:
the services would take seconds for 250."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import environ
import psycopg
from django.conf import settings
from django.db import connection
from django.utils import timezone

from customers.models import Customer, CustomerRelationship, Order, Subscription
from customers.services.orders import order_number_next
from partnerhub.accounts.models import Organization


def bulk_organizations(count, *, kind, name, domain):
    """`count` organizations in one statement: `name` and `domain` are formatted with `n`."""
    return Organization.objects.bulk_create(
        Organization(
            kind=kind,
            legal_name=name.format(n=n),
            country="US",
            address_line1="1 Bulk Road",
            city="Portland",
            state="OR",
            postal_code="97204",
            primary_domain=domain.format(n=n),
            csp_region="united_states",
            currency="USD",
        )
        for n in range(count)
    )


def bulk_customers(provider, count, *, reseller=None, name="Bulk Customer {n:04d}", prefix="bulk"):
    """`count` customers of the provider (associated with `reseller`, which gets its own row too), written in
    three statements: the services would take seconds for 250."""
    suffix = settings.CUSTOMER_DOMAIN_SUFFIX
    organizations = bulk_organizations(
        count, kind=Organization.Kind.CUSTOMER, name=name, domain=f"{prefix}{{n}}.{suffix}"
    )
    Customer.objects.bulk_create(
        Customer(
            organization=organization,
            domain=organization.primary_domain,
            contact_first_name="Bulk",
            contact_last_name="Contact",
            contact_email="bulk@bulk.example",
            created_by_partner=provider,
        )
        for organization in organizations
    )
    rows = [
        CustomerRelationship(
            partner=provider,
            customer=organization,
            kind="indirect_provider",
            reseller=reseller,
            customer_name=organization.legal_name,
            customer_domain=organization.primary_domain,
        )
        for organization in organizations
    ]
    if reseller is not None:
        rows += [
            CustomerRelationship(
                partner=reseller,
                customer=organization,
                kind="indirect_reseller",
                customer_name=organization.legal_name,
                customer_domain=organization.primary_domain,
            )
            for organization in organizations
        ]
    CustomerRelationship.objects.bulk_create(rows)
    return organizations


def bulk_subscriptions(*, provider, customer, reseller, offers, count):
    """`count` subscriptions of one order, half of them with a friendly name, all with the reseller of record
    (none when `reseller` is None: sold direct)."""
    partner_of_record = reseller.partner_ids.get(csp_associated=True) if reseller is not None else None
    now = timezone.now()
    order = Order.objects.create(partner=provider, number=order_number_next(partner=provider), customer=customer,
                                 idempotency_key=uuid.uuid4(), currency="USD")  # fmt: skip
    choices = [offers["standard"], offers["security"]]
    Subscription.objects.bulk_create(
        Subscription(
            customer=customer,
            partner=provider,
            offer=choices[n % 2],
            order=order,
            friendly_name=f"Seat pool {n:04d}" if n % 2 else "",
            quantity=n + 1,
            partner_of_record=partner_of_record,
            reseller=reseller,
            support_contact=(provider, reseller or provider)[n % 2],
            unit_price="12.50",
            currency="USD",
            created_at=now - timedelta(minutes=n),
            term_end=(now + timedelta(days=30)).date(),
            last_increase_at=now,
        )
        for n in range(count)
    )


def gather_statistics(tables: set[str]) -> None:
    """VACUUM ANALYZE the tables as their owner: fresh statistics of the committed rows, no dead tuples left
    by earlier tests' rolled-back transactions. (The app role the tests run as may not ANALYZE a table it
    does not own, and VACUUM cannot run inside the test's transaction.)"""
    # The test database's own connection parameters (host, name), with the owner's role.
    owner = environ.Env.db_url_config(os.environ.get("DATABASE_OWNER_URL") or os.environ["DATABASE_URL"])
    params = {**connection.get_connection_params(), "user": owner["USER"], "password": owner["PASSWORD"]}
    with psycopg.connect(**params, autocommit=True) as owner_connection:
        for table in sorted(tables):
            owner_connection.execute(f'VACUUM ANALYZE "{table}"')
