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

from demo.admin_relationships import seed_admin_relationships
from demo.api_clients import seed_api_client
from demo.billing import seed_billing_history, seed_price_lists
from demo.customers import seed_customers, seed_offers
from demo.enrollments import seed_agreements, seed_enrollments
from demo.lifecycle import seed_subscription_lifecycle
from demo.reseller_access import seed_reseller_access
from demo.transfers import seed_transfers
from demo.webhooks import seed_webhook_endpoint
from demo.world import DEFAULT_DEMO_PASSWORD, DEMO_PASSWORD_ENV, OPERATOR, ORGANIZATIONS, demo_totp_secret
from partnerhub.accounts.models import Membership, Organization, User
from partnerhub.accounts.services import organization_create
from partnerhub.core import rls


def _user(email: str, first_name: str, last_name: str, password: str, **extra) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password, first_name=first_name, last_name=last_name, **extra)
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


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
            seed_price_lists()
            customer_admin = seed_customers(password)
            seed_reseller_access(password)
            seed_subscription_lifecycle()
            rows.append(("Customer of Contoso via Fabrikam (Global admin)", customer_admin, "Woodgrove Foods Inc."))
            seed_admin_relationships()
            rows.append(
                (
                    "Provider with a pending transfer (Global admin)",
                    seed_transfers(password, OPERATOR[0]),
                    "Proseware Cloud Inc.",
                )
            )  # noqa: E501
            billing_notes = seed_billing_history()
            _give_demo_authenticators([email for _, email, _ in rows])
            api_client, api_secret = seed_api_client()
            webhook_endpoint = seed_webhook_endpoint()
        self.stdout.write(self.style.SUCCESS(f"\nPartnerHub is at {settings.SITE_URL}/"))
        self.stdout.write(f"Demo sign-ins (password for all: {password}):")
        for label, email, organization in rows:
            self.stdout.write(f"  {label:50} {email:44} {organization}")
        self.stdout.write(
            f"Two-step verification code: `python manage.py demo_totp` (or add the secret {demo_totp_secret()} "
            "to an authenticator app)"
        )
        for note in billing_notes:
            self.stdout.write(note)
        self.stdout.write(f"Emails are in the admin outbox: {settings.SITE_URL}/admin/core/outboundemail/")
        if webhook_endpoint is not None:
            self.stdout.write(
                f"Webhooks of {webhook_endpoint.organization.legal_name} go to {webhook_endpoint.url} (make run's "
                "receiver: open it to see what arrived, verified with the secret in .data/demo-webhook-secret)"
            )
        self.stdout.write(
            f'API client "{api_client.name}" of {api_client.organization.legal_name} (Global admin; a new secret at '
            "every seed, shown only here):"
        )
        self.stdout.write(f"  client ID      {api_client.client_id}")
        self.stdout.write(f"  client secret  {api_secret}")
        self.stdout.write(
            f"  curl -s -u '{api_client.client_id}:{api_secret}' -d grant_type=client_credentials "
            f"{settings.SITE_URL}/api/oauth/token/\n"
        )
