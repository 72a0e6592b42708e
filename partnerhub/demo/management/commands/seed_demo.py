"""Seed the demo world of `make run`: an operator, a provider, resellers and enrolments in every
state of verification, so the queue and the timelines have something to show. Safe to run again."""

from __future__ import annotations

import os

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from partnerhub.accounts.models import Membership, Organization, User
from partnerhub.accounts.services import organization_create
from partnerhub.core import rls
from partnerhub.demo.customers import seed_customers, seed_offers
from partnerhub.demo.enrollments import seed_agreements, seed_enrollments

DEMO_PASSWORD_ENV = "DEMO_PASSWORD"  # noqa: S105 - the name of a variable
DEFAULT_DEMO_PASSWORD = "partnerhub-demo"  # noqa: S105 - demo data only; set DEMO_PASSWORD to change it
# Global admins and staff sign in with two-step verification (MFA_REQUIRED_FOR_ADMINS): every seeded user
# gets this authenticator-app secret. Demo data only; `manage.py demo_totp` prints the current code.
DEMO_TOTP_SECRET_ENV = "DEMO_TOTP_SECRET"  # noqa: S105 - the name of a variable
DEFAULT_DEMO_TOTP_SECRET = "PARTNERHUBDEMOTOTPSECRET234567AB"  # noqa: S105 - demo data only (base32)

OPERATOR = ("operator@partnerhub.example", "Olivia", "Operator")

# More partners, each with an enrolment parked in one state of the workflow (not printed).
QUEUE_ORGANIZATIONS = [
    ("email_pending", "Adatum Consulting Ltd", "GB", "London", "EC1A 1BB", "adatum.example", "Rob", "Young"),
    ("in_review", "Litware SAS", "FR", "Lyon", "69002", "litware.example", "Lina", "Ferrand"),
    ("overdue", "Tailspin Partners GmbH", "DE", "Berlin", "10115", "tailspin.example", "Jonas", "Weber"),
]
ORGANIZATIONS = [
    {
        "label": "Indirect provider",
        "user": ("megan.bowen@contoso-distribution.example", "Megan", "Bowen"),
        "organization": {
            "legal_name": "Contoso Distribution Inc.",
            "country": "US",
            "address_line1": "1 Microsoft Way",
            "city": "Redmond",
            "state": "WA",
            "postal_code": "98052",
            "primary_domain": "contoso-distribution.example",
        },
    },
    {
        "label": "Indirect reseller",
        "user": ("alex.wilber@fabrikam-solutions.example", "Alex", "Wilber"),
        "organization": {
            "legal_name": "Fabrikam Solutions LLC",
            "country": "US",
            "address_line1": "500 Pine Street",
            "city": "Seattle",
            "state": "WA",
            "postal_code": "98101",
            "primary_domain": "fabrikam-solutions.example",
        },
    },
    {
        "label": "Indirect reseller (action needed)",
        "user": ("lee.gu@northwind-it.example", "Lee", "Gu"),
        "organization": {
            "legal_name": "Northwind IT Services Inc.",
            "country": "US",
            "address_line1": "200 Congress Avenue",
            "city": "Austin",
            "state": "TX",
            "postal_code": "78701",
            "primary_domain": "northwind-it.example",
        },
    },
]


def _user(email: str, first_name: str, last_name: str, password: str, **extra) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password, first_name=first_name, last_name=last_name, **extra)
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def demo_totp_secret() -> str:
    return os.environ.get(DEMO_TOTP_SECRET_ENV, DEFAULT_DEMO_TOTP_SECRET)


def _give_demo_authenticators(emails: list[str]) -> None:
    """Every demo sign-in that must use two-step verification gets the demo authenticator-app secret."""
    for user in User.objects.filter(email__in=emails):
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, demo_totp_secret())


class Command(BaseCommand):
    help = "Create the demo operator and partner organizations (idempotent) and print how to sign in."

    @rls.system("manage.py seed_demo")  # every tenant's rows, as the platform (a no-op for the owner)
    def handle(self, *args, **options) -> None:
        password = os.environ.get(DEMO_PASSWORD_ENV, DEFAULT_DEMO_PASSWORD)
        rows = []
        with transaction.atomic():
            email, first, last = OPERATOR
            _user(email, first, last, password, is_staff=True, is_superuser=True)
            rows.append(("Vendor staff (/admin/)", email, "PartnerHub operations"))
            for spec in ORGANIZATIONS:
                email, first, last = spec["user"]
                user = _user(email, first, last, password)
                if not Membership.objects.filter(user=user).exists():
                    organization_create(user=user, **spec["organization"])
                organization = Organization.objects.get(memberships__user=user)
                rows.append((f"{spec['label']} (Global admin)", email, organization.legal_name))
            seed_agreements()
            seed_enrollments(password)
            seed_offers()
            customer_admin = seed_customers(password)
            rows.append(("Customer of Contoso via Fabrikam (Global admin)", customer_admin, "Woodgrove Foods Inc."))
            _give_demo_authenticators([email for _, email, _ in rows])
        self.stdout.write(self.style.SUCCESS(f"\nPartnerHub is at {settings.SITE_URL}/"))
        self.stdout.write(f"Demo sign-ins (password for all: {password}):")
        for label, email, organization in rows:
            self.stdout.write(f"  {label:50} {email:44} {organization}")
        self.stdout.write(
            f"Two-step verification code: `python manage.py demo_totp` (or add the secret {demo_totp_secret()} "
            "to an authenticator app)"
        )
        self.stdout.write(f"Emails are in the admin outbox: {settings.SITE_URL}/admin/core/outboundemail/\n")
