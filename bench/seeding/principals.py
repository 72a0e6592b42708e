"""The three organizations the load test signs in as, made through the same services as the demo seed."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP

from bench.seeding.vocabulary import COUNTRY, PHONE
from demo.customers import seed_offers
from demo.enrollments import authorize_and_associate, enrol, seed_agreements, sign
from enrollment.models import PartnerId, Program
from partnerhub.accounts.models import Organization, User
from partnerhub.accounts.services import organization_create
from relationships.models import ProviderListing
from relationships.services import partnership_accept, partnership_invitation_create, provider_listing_publish

BENCH_PASSWORD = "partnerhub-bench"  # noqa: S105 - the load generator's sign-in for bench data, not a secret
# The principals are Global admins, who sign in with two-step verification: each gets an authenticator app with
# this secret (base32), and the harness computes the code from it (RFC 6238, allauth's 30 s / 6 digits).
BENCH_TOTP_SECRET = "PARTNERHUBBENCHTOTPSECRET2345ABC"  # noqa: S105 - bench data only, written to the manifest

PRINCIPALS = {
    "provider": {
        "program": Program.INDIRECT_PROVIDER,
        "user": ("pat", "Pat", "Provider"),
        "organization": ("Contoso Bench Distribution Inc.", "bench-contoso", "1 Microsoft Way", "Redmond", "98052"),
    },
    "whale": {
        "program": Program.INDIRECT_PROVIDER,
        "user": ("willa", "Willa", "Whale"),
        "organization": ("Tailspin Bench Distribution Inc.", "bench-tailspin", "400 Broad Street", "Seattle", "98109"),
    },
    "reseller": {
        "program": Program.INDIRECT_RESELLER,
        "user": ("rita", "Rita", "Reseller"),
        "organization": ("Fabrikam Bench Solutions LLC", "bench-fabrikam", "500 Pine Street", "Seattle", "98101"),
    },
}


def operator_email(run: str = "") -> str:
    """The staff user who "reviewed" every bench enrolment."""
    return f"operator{'-' + run if run else ''}@bench.partnerhub.example"


@dataclass
class Principal:
    key: str
    organization: Organization
    user: User
    location: PartnerId


def principals_create(*, password_hash: str, run: str = "") -> dict[str, Principal]:
    """The three organizations the load test signs in as, made exactly like the demo's working partners:
    an authorized enrolment, an associated location partner ID, the partner agreement accepted, a published
    listing for the providers, and an active partnership between the bench provider and the bench reseller.
    `run` (empty on an empty database) keeps the addresses of a second, forced world unique."""
    suffix = f"-{run}" if run else ""
    seed_agreements()
    seed_offers()
    operator, _ = User.objects.get_or_create(
        email=operator_email(run), defaults={"is_staff": True, "first_name": "Bench", "last_name": "Operator"}
    )
    principals = {}
    for key, spec in PRINCIPALS.items():
        local, first, last = spec["user"]
        name, domain, address, city, postal_code = spec["organization"]
        domain = f"{domain}{suffix}.example"
        email = f"{local}.{last.lower()}@{domain}"
        user = User.objects.create_user(email, None, first_name=first, last_name=last)
        user.password = password_hash
        user.save(update_fields=["password"])
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        TOTP.activate(user, BENCH_TOTP_SECRET)  # as the set-up page does: through allauth's MFA adapter
        organization = organization_create(
            user=user, legal_name=name, country=COUNTRY, address_line1=address, city=city, state="WA",
            postal_code=postal_code, primary_domain=domain,
        )  # fmt: skip
        _, case = enrol(organization, spec["program"], first, last, PHONE)
        authorize_and_associate(organization, case, operator)
        sign(organization)
        if spec["program"] == Program.INDIRECT_PROVIDER:
            provider_listing_publish(listing=ProviderListing.objects.get(organization=organization), actor=operator)
        location = PartnerId.objects.get(organization=organization, csp_associated=True)
        principals[key] = Principal(key=key, organization=organization, user=user, location=location)
    provider, reseller = principals["provider"], principals["reseller"]
    invitation, _token = partnership_invitation_create(provider=provider.organization, actor=provider.user)
    partnership_accept(invitation=invitation, reseller=reseller.organization, user=reseller.user)
    return principals
