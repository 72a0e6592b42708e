"""The isolation world: tenants A and B, each a tree of its own, and C, verified but empty.

Each of A and B is an active indirect provider with a limited member (Helpdesk agent), a verified reseller in
partnership with it, two customers (one associated with the reseller) with orders, subscriptions and a customer
agreement, customer invitations from the provider and from the reseller, a user invitation, a pending
partnership request sent by email, notifications, a verification document, partner IDs, agreement acceptances,
memberships and the audit events and outbox rows all of that wrote. The two trees never touch: nothing of B may
ever show to a principal of A.

Every object is made for A, then for B, step by step, so their ids interleave (an off-by-one or a `>` in a
lookup can't hide). Every text field we choose holds a canary `CANARY-<tenant>-<field>` (lowercase in email
addresses and domains), so a leak shows as the string "canary-b-" in a response, case-insensitively.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from agreements.models import AgreementAcceptance, AgreementVersion
from agreements.services import agreement_sign, agreement_version_create
from customers import services as customer_services
from customers.models import CustomerRelationship, ExportJob, Subscription
from demo.pdf import CUSTOMER_AGREEMENT, PARTNER_AGREEMENT, text_pdf
from enrollment import services as enrollment_services
from enrollment.models import VerificationDocument
from partnerhub.accounts import services as account_services
from partnerhub.accounts.models import Membership, Organization, Role, User
from partnerhub.core.models import OutboundEmail
from partnerhub.core.notifications import notification_create
from relationships import services as relationship_services
from relationships.models import ProviderListing
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.pagecheck import page_problems
from tests.scenarios import make_offer

TENANTS = ("a", "b")
# The principals of one tenant, as the matrix names them (plus "anonymous" and "staff", who belong to none).
ROLES = ("global_admin", "limited", "reseller", "customer")


def canary(tenant: str, name: str) -> str:
    """The text a field of `tenant` holds: found in a response, it says whose field leaked and which."""
    return f"CANARY-{tenant.upper()}-{name}"


def marker(tenant: str) -> str:
    """What to search for (lowercased response) to find any canary of `tenant`."""
    return f"canary-{tenant.lower()}-"


def mail(tenant: str, name: str) -> str:
    return f"canary-{tenant}-{name}@canary-{tenant}-{name}.example"


@dataclass
class Tenant:
    """One tenant's principals and the objects the sweep instantiates URL patterns with."""

    name: str
    provider: Organization
    reseller: Organization
    users: dict[str, User] = field(default_factory=dict)  # role -> user
    objects: dict[str, object] = field(default_factory=dict)  # what -> model instance or token
    customers: list[Organization] = field(default_factory=list)

    def organizations(self) -> list[Organization]:
        return [self.provider, self.reseller, *self.customers]


# What differs between two renderings of one page and says nothing of its markup: the CSRF token.
_VOLATILE = re.compile(rb'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]*')
_CHECKED: dict[bytes, list[str]] = {}


class CheckedClient(Client):
    """A test client that runs every HTML page it receives through tests/pagecheck.py (each distinct page
    once: html5lib is slow and the sweep renders the same 404 page thousands of times)."""

    def __init__(self, problems: set[str], **defaults):
        super().__init__(**defaults)
        self.problems = problems

    def request(self, **request):
        response = super().request(**request)
        if not response.streaming and response.get("Content-Type", "").startswith("text/html"):
            key = hashlib.sha256(_VOLATILE.sub(rb"\1", response.content)).digest()
            if key not in _CHECKED:
                _CHECKED[key] = page_problems(response.content)
            where = f"{request['REQUEST_METHOD']} {request['PATH_INFO']} ({response.status_code})"
            self.problems.update(f"{where}: {problem}" for problem in _CHECKED[key])
        return response


@dataclass
class World:
    tenants: dict[str, Tenant]
    empty: Organization  # C
    empty_admin: User
    staff: User
    mpa: AgreementVersion
    offers: dict

    clients: dict = field(default_factory=dict)
    # What tests/pagecheck.py found on the HTML pages the clients received (nested forms, duplicate ids,
    # unlabelled controls), one line per page and problem.
    page_problems: set[str] = field(default_factory=set)

    def client(self, user: User | None) -> Client:
        """The client of `user` (None: anonymous), signed in once; a crash answers its 500 instead of raising."""
        key = user.pk if user is not None else None
        if key not in self.clients:
            self.clients[key] = CheckedClient(self.page_problems, raise_request_exception=False)
            if user is not None:
                self.clients[key].force_login(user)
        return self.clients[key]


def _enrollment_data(t: str, legal_name: str) -> dict:
    return {
        "legal_name": legal_name,
        "address_line1": canary(t, "address_line1"),
        "address_line2": "",
        "city": canary(t, "city"),
        "state": "WA",
        "postal_code": "98101",
        "registration_number": "",
        "contact_first_name": canary(t, "contact_first_name"),
        "contact_last_name": canary(t, "contact_last_name"),
        "contact_email": mail(t, "contact"),
        "contact_phone": "+12065550100",
        "support_email": mail(t, "support"),
        "support_phone": "+12065550101",
        "support_website": f"https://canary-{t}-support.example/",
    }


def _organization(t: str, what: str) -> Organization:
    return OrganizationFactory(
        legal_name=canary(t, f"{what}_legal_name"),
        address_line1=canary(t, f"{what}_address_line1"),
        city=canary(t, f"{what}_city"),
        primary_domain=f"canary-{t}-{what}.example",
    )


def _user(t: str, what: str, organization: Organization, roles: list[str], **extra) -> User:
    user = UserFactory(
        email=mail(t, what), first_name=canary(t, f"{what}_first_name"), last_name=canary(t, f"{what}_last_name"),
        **extra,
    )  # fmt: skip
    MembershipFactory(organization=organization, user=user, roles=roles)
    return user


def _emailed_token(to: str, path: str) -> str:
    """The token of the latest link to `path` emailed to `to` (the database holds only its hash)."""
    body = OutboundEmail.objects.filter(to=to).latest("pk").body_text
    return re.search(rf"http://testserver/{path}/([\w-]+)/", body).group(1)


def _qualify(organization: Organization, user: User, staff: User, t: str, what: str, program: str):
    """Enrol, verify, associate a location partner ID and sign the partner agreement, as the services do it."""
    enrollment = enrollment_services.enrollment_submit(
        organization=organization, actor=user, program=program,
        data=_enrollment_data(t, organization.legal_name),
    )  # fmt: skip
    case = enrollment.cases.get()
    contact_token = _emailed_token(mail(t, "contact"), "verify-contact")
    enrollment_services.contact_email_verify(case_pk=case.pk)
    for _ in range(3):
        case = enrollment_services.case_approve_step(case=case, reviewer=staff)
    location = enrollment_services.partner_id_add_location(
        organization=organization,
        actor=user,
        business_name=canary(t, f"{what}_location_business_name"),
        country="US",
        address_line1=canary(t, f"{what}_location_address_line1"),
        city=canary(t, f"{what}_location_city"),
        postal_code="98101",
        contact_name=canary(t, f"{what}_location_contact_name"),
        contact_email=mail(t, f"{what}-location"),
    )
    enrollment_services.partner_id_associate(organization=organization, actor=user, partner_id_pk=location.pk)
    return enrollment, case, contact_token


def _sign(organization: Organization, user: User, version: AgreementVersion, t: str) -> AgreementAcceptance:
    acceptance, _ = agreement_sign(
        organization=organization, user=user, version=version, first_name=canary(t, "signer_first_name"),
        last_name=canary(t, "signer_last_name"), email=user.email, accepted=True,
        user_agent=canary(t, "signer_user_agent"),
    )  # fmt: skip
    return acceptance


def _new_customer(t: str, n: int, reseller: Organization | None, lines) -> customer_services.NewCustomer:
    return customer_services.NewCustomer(
        account={
            "company_name": canary(t, f"customer{n}_company_name"),
            "domain_prefix": f"canary-{t}-customer{n}",
            "country": "US",
            "address_line1": canary(t, f"customer{n}_address_line1"),
            "address_line2": "",
            "city": canary(t, f"customer{n}_city"),
            "state": "OR",
            "postal_code": "97204",
            "contact_first_name": canary(t, f"customer{n}_contact_first_name"),
            "contact_last_name": canary(t, f"customer{n}_contact_last_name"),
            "contact_email": mail(t, f"customer{n}-contact"),
            "contact_phone": "",
            "culture": "en-US",
            "language": "en",
            "registration_number": "",
        },
        reseller=reseller,
        agreement=customer_services.AgreementInput(
            attest=True,
            first_name=canary(t, f"customer{n}_mca_first_name"),
            last_name=canary(t, f"customer{n}_mca_last_name"),
            email=mail(t, f"customer{n}-mca"),
            date_agreed=timezone.now().date() - timedelta(days=1),
        ),  # fmt: skip
        lines=[customer_services.LineInput(offer=offer, quantity=qty) for offer, qty in lines],
    )


def _each(tenants: dict[str, Tenant], step) -> None:
    """Run one building step for A, then for B: their ids interleave."""
    for tenant in tenants.values():
        step(tenant.name, tenant)


def build_world() -> World:
    """Tenants A and B (full trees) and C (verified, empty). Call inside a test with database access."""
    staff = UserFactory(email="canary-staff@partnerhub.example", is_staff=True, is_superuser=True)
    mpa = agreement_version_create(
        type="mpa", version="2026-01", language="en", effective_date=date(2026, 1, 1),
        content=text_pdf("MPA", PARTNER_AGREEMENT),
    )  # fmt: skip
    agreement_version_create(
        type="mca", version="2026-01", language="en", effective_date=date(2026, 1, 1),
        content=text_pdf("MCA", CUSTOMER_AGREEMENT),
    )  # fmt: skip
    offers = {
        "standard": make_offer("PH-BIZ-STD", "Business Standard", price="12.50"),
        "security": make_offer("PH-SECURITY", "Endpoint Security", price="5.20", maximum=50),
    }

    tenants: dict[str, Tenant] = {}
    for t in TENANTS:
        provider = _organization(t, "provider")
        reseller = _organization(t, "reseller")
        tenants[t] = Tenant(name=t, provider=provider, reseller=reseller)

    def people(t, tenant):
        tenant.users["global_admin"] = _user(t, "admin", tenant.provider, [Role.GLOBAL_ADMIN])
        tenant.users["limited"] = _user(t, "helpdesk", tenant.provider, [Role.HELPDESK_AGENT])
        tenant.users["reseller"] = _user(t, "reseller-admin", tenant.reseller, [Role.GLOBAL_ADMIN])
        tenant.objects["membership"] = Membership.objects.get(user=tenant.users["limited"])

    def qualify_provider(t, tenant):
        enrollment, case, tenant.objects["contact_token"] = _qualify(
            tenant.provider, tenant.users["global_admin"], staff, t, "provider", "indirect_provider"
        )
        tenant.objects["enrollment"] = enrollment
        tenant.objects["case"] = case
        tenant.objects["acceptance"] = _sign(tenant.provider, tenant.users["global_admin"], mpa, t)

    def qualify_reseller(t, tenant):
        _qualify(tenant.reseller, tenant.users["reseller"], staff, t, "reseller", "indirect_reseller")
        _sign(tenant.reseller, tenant.users["reseller"], mpa, t)

    def partnership(t, tenant):
        invitation, _ = relationship_services.partnership_invitation_create(
            provider=tenant.provider, actor=tenant.users["global_admin"], message=canary(t, "partnership_message")
        )
        tenant.objects["partnership"] = relationship_services.partnership_accept(
            invitation=invitation, reseller=tenant.reseller, user=tenant.users["reseller"]
        )

    def pending_partnership(t, tenant):
        invitation, token = relationship_services.partnership_invitation_create(
            provider=tenant.provider, actor=tenant.users["global_admin"], message=canary(t, "pending_message")
        )
        relationship_services.partnership_invitation_send(
            invitation=invitation, actor=tenant.users["global_admin"], token=token,
            email=mail(t, "partnership-invitee"), message=canary(t, "partnership_email_message"),
        )  # fmt: skip
        tenant.objects["partnership_invitation"] = invitation
        tenant.objects["partnership_token"] = token

    def customers(t, tenant):
        for n, reseller in ((1, tenant.reseller), (2, None)):
            created = customer_services.customer_create(
                partner=tenant.provider,
                actor=tenant.users["global_admin"],
                data=_new_customer(t, n, reseller, [(offers["standard"], 10), (offers["security"], 5)]),
            )
            tenant.customers.append(created.organization)
            if n == 1:
                admin = User.objects.get(email=created.user_name)
                admin.first_name, admin.last_name = canary(t, "customer_admin_first_name"), canary(t, "x")
                admin.must_change_password = False
                admin.save(update_fields=["first_name", "last_name", "must_change_password"])
                tenant.users["customer"] = admin
                tenant.objects["customer"] = created.organization
                subscription = Subscription.objects.filter(customer=created.organization).order_by("pk").first()
                subscription.friendly_name = canary(t, "subscription_friendly_name")
                subscription.save(update_fields=["friendly_name"])
                tenant.objects["subscription"] = subscription
                tenant.objects["customer_relationship"] = CustomerRelationship.objects.get(
                    customer=created.organization, partner=tenant.provider
                )

    def customer_invitations(t, tenant):
        invitation, token = customer_services.customer_invitation_create(
            sender=tenant.provider, actor=tenant.users["global_admin"]
        )
        customer_services.customer_invitation_send(
            invitation=invitation, actor=tenant.users["global_admin"], token=token,
            email=mail(t, "customer-invitee"), message=canary(t, "customer_invitation_message"),
        )  # fmt: skip
        tenant.objects["customer_invitation"] = invitation
        tenant.objects["customer_invitation_token"] = token
        # The three-party kind: the reseller asks with its provider.
        tenant.objects["reseller_customer_invitation"], _ = customer_services.customer_invitation_create(
            sender=tenant.reseller, actor=tenant.users["reseller"], provider=tenant.provider
        )

    def user_invitations(t, tenant):
        invitation = account_services.user_invitation_create(
            organization=tenant.provider, invited_by=tenant.users["global_admin"], email=mail(t, "user-invitee"),
            roles=[Role.SALES_AGENT],
        )  # fmt: skip
        tenant.objects["user_invitation"] = invitation
        tenant.objects["user_invitation_token"] = _emailed_token(invitation.email, "invitations")

    def notifications(t, tenant):
        for role in ("global_admin", "limited", "reseller"):
            notification = notification_create(
                user=tenant.users[role], title=canary(t, f"{role}_notification_title"),
                body=canary(t, f"{role}_notification_body"), url="/",
                organization=tenant.reseller if role == "reseller" else tenant.provider,
            )  # fmt: skip
            tenant.objects.setdefault("notification", notification)

    def documents(t, tenant):
        case = tenant.objects["case"]
        content = b"%PDF-1.4 canary"
        tenant.objects["document"] = VerificationDocument.objects.create(
            case=case, organization=tenant.provider, document_type="domain_record", comment=canary(t, "comment"),
            file=ContentFile(content, name=f"canary-{t}-document.pdf"), storage_name=f"canary-{t}-document",
            original_name=f"canary-{t}-document.pdf", content_type="application/pdf", size=len(content),
            sha256=hashlib.sha256(content).hexdigest(), step=case.step,
            uploaded_by=tenant.users["global_admin"],
        )  # fmt: skip

    def exports(t, tenant):
        """A finished background export, its file holding the tenant's canary."""
        tenant.objects["export_job"] = ExportJob.objects.create(
            organization=tenant.provider, requested_by=tenant.users["global_admin"], kind=ExportJob.Kind.CUSTOMERS,
            filename=f"canary-{t}-export.csv", status=ExportJob.Status.DONE, rows_done=1, rows_total=1,
            file=ContentFile(canary(t, "export_row").encode(), name=f"canary-{t}-export.csv"),
            expires_at=timezone.now() + timedelta(days=3),
        )  # fmt: skip

    def api_clients(t, tenant):
        """An API client of the provider, named with the tenant's canary."""
        from api.models import ApiCall, ApiLimit, IdempotencyRecord
        from api.services import api_client_create

        client, _ = api_client_create(
            organization=tenant.provider, actor=tenant.users["global_admin"], name=canary(t, "api_client"),
            roles=[Role.GLOBAL_ADMIN],
        )  # fmt: skip
        tenant.objects["api_client"] = client
        ApiCall.objects.create(
            organization=tenant.provider, client=client, method="GET", status=200,
            path=f"/api/v1/customers?q={canary(t, 'api_call')}", request_id=uuid.uuid4(),
        )  # fmt: skip
        IdempotencyRecord.objects.create(organization=tenant.provider, key=canary(t, "idempotency_key"),
                                         fingerprint="0" * 64, status_code=201, response={"id": 1})  # fmt: skip
        ApiLimit.objects.create(organization=tenant.provider, requests_per_minute=1000, note=canary(t, "api_limit"))

    def webhooks(t, tenant):
        """A webhook endpoint of the provider and one (undelivered) test event's delivery to it."""
        from api.webhooks.services import webhook_endpoint_create, webhook_send_test

        endpoint, _ = webhook_endpoint_create(
            organization=tenant.provider, actor=tenant.users["global_admin"],
            url=f"https://hooks.canary-{t}.example/partnerhub", event_types=["test-created"],
            description=canary(t, "webhook"),
        )  # fmt: skip
        tenant.objects["webhook_endpoint"] = endpoint
        delivery = webhook_send_test(endpoint=endpoint, actor=tenant.users["global_admin"])
        tenant.objects["webhook_delivery"] = delivery
        from api.webhooks.models import WebhookAttempt

        WebhookAttempt.objects.create(organization=tenant.provider, delivery=delivery, status_code=500,
                                      response_excerpt=canary(t, "webhook_answer"))  # fmt: skip

    def admin_relationships(t, tenant):
        # access/: the customer's default admin relationship (from the wizard), and a request waiting for approval.
        from access import services as access_services
        from access.models import AdminRelationship

        customer = tenant.objects["customer"]
        default = AdminRelationship.objects.get(partner=tenant.provider, customer=customer)
        tenant.objects["admin_relationship"] = default
        # its roles to the Global admins and Admin agents (as made), and Global reader to the limited user by name
        access_services.admin_relationship_assignments_set(
            relationship=default, actor=tenant.users["global_admin"],
            by_role={role: ["global_admin", "admin_agent"] for role in default.roles},
            by_member={"global_reader": [tenant.objects["membership"].pk]},
        )  # fmt: skip
        pending = access_services.admin_relationship_request(
            partner=tenant.provider, customer=customer, actor=tenant.users["global_admin"],
            name=canary(t, "admin_relationship_name")[:50], roles=["global_reader"], duration_days=30,
        )  # fmt: skip
        tenant.objects["admin_relationship_request"] = pending
        access_services.license_assign(
            membership=Membership.objects.get(organization=tenant.provider, user=tenant.users["global_admin"]),
            customer=customer, subscription_id=tenant.objects["subscription"].pk, user=tenant.users["customer"],
        )  # fmt: skip
        tenant.objects["admin_relationship_token"] = pending.approval_token

    def transfers(t, tenant):  # a pending transfer of the customer's subscription (the row; the rules are tested apart)
        from transfers.models import Transfer, TransferItem

        subscription = tenant.objects["subscription"]
        transfer = Transfer.objects.create(
            customer=tenant.objects["customer"], source=tenant.provider, target=tenant.reseller,
            customer_name=canary(t, "transfer_customer"), source_name=tenant.provider.legal_name,
            target_name=tenant.reseller.legal_name, initiated_by="source", created_by=tenant.users["global_admin"],
            customer_tenant_id=tenant.objects["customer"].tenant_id, source_tenant_id=tenant.provider.tenant_id,
            target_tenant_id=tenant.reseller.tenant_id,
        )  # fmt: skip
        TransferItem.objects.create(
            transfer=transfer, subscription=subscription, subscription_public_id=subscription.public_id,
            offer_name=canary(t, "transfer_item"), quantity=subscription.quantity, term_end=subscription.term_end,
        )  # fmt: skip
        tenant.objects["transfer"] = transfer

    def billing(t, tenant):  # the orders above were rated; a price list, a tax rate, the run, a payment
        from billing.models import BillingProfile, Invoice, PriceRule, TaxRate
        from billing.services import payments as billing_payments
        from billing.services import runs as billing_runs

        PriceRule.objects.create(issuer=tenant.provider, name=canary(t, "price_list"), percent="12.50",
                                 effective_from=date(2020, 1, 1))  # fmt: skip
        TaxRate.objects.create(issuer=tenant.provider, country=str(tenant.reseller.country), rate="20.00",
                               wording=canary(t, "tax_wording"))  # fmt: skip
        for profile in BillingProfile.objects.filter(recipient__in=[tenant.provider, tenant.reseller]):
            billing_runs.billing_run_profile(pk=profile.pk, today=profile.next_run_on)
        invoice = Invoice.objects.filter(issuer=tenant.provider, recipient=tenant.reseller).first()
        billing_payments.payment_record(invoice=invoice, amount=Decimal("1.00"), received_on=date(2020, 1, 1),
                                        reference=canary(t, "bank_reference"))  # fmt: skip
        tenant.objects["invoice"] = invoice
        tenant.objects["vendor_invoice"] = Invoice.objects.filter(issuer=None, recipient=tenant.provider).first()

    for step in (
        people, qualify_provider, qualify_reseller, partnership, pending_partnership, customers,
        customer_invitations, user_invitations, notifications, documents, exports, api_clients, webhooks,
        admin_relationships,
        transfers, billing,
    ):  # fmt: skip
        _each(tenants, step)

    for tenant in tenants.values():
        tenant.objects["listing"] = ProviderListing.objects.filter(organization=tenant.provider).first()

    empty = _organization("c", "provider")
    empty_admin = _user("c", "admin", empty, [Role.GLOBAL_ADMIN])
    _qualify(empty, empty_admin, staff, "c", "provider", "indirect_provider")
    _sign(empty, empty_admin, mpa, "c")
    return World(tenants=tenants, empty=empty, empty_admin=empty_admin, staff=staff, mpa=mpa, offers=offers)


def principals(world: World, tenant: str = "a") -> dict[str, User | None]:
    """The matrix's principals, in ROLES order of authz_matrix: anonymous, the tenant's four, and staff."""
    users = world.tenants[tenant].users
    return {"anonymous": None, **{role: users[role] for role in ROLES}, "staff": world.staff}


def leaks(text: str, tenant: str = "b", *, echoed: str = "") -> list[str]:
    """The canaries of `tenant` found in `text` (case-insensitive), except those the request itself carried
    (`echoed`: a search term shown back in the search box or a sign-in redirect's `next`)."""
    pattern = rf"{marker(tenant)}[\w-]*"
    found = set(re.findall(pattern, text.lower())) - set(re.findall(pattern, echoed.lower()))
    return sorted(found)


def seen(response) -> str:
    """Everything a response shows: its body (streamed CSV exports too) and its redirect target."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace") + response.get("Location", "")
