"""A Hypothesis state machine (reliability.md §7.1, "randomised walk"): random users of tenants A, B and C do
random things — request a partnership and accept it (across tenants too), create customers, order, revoke
invitations, change a member's roles, open list and detail pages of their own and others' ids — and after every
step no response has shown another tenant's secret, and the tenant of every row still matches its parent's.

Which canaries are foreign. Partnerships made during the walk legitimately show a provider's and a reseller's
legal names to each other, so an organization's name is not a secret. These are, whatever the partnerships:
- a user's own notifications (title and body), the comment on a verification document, the enrolment's primary
  contact and the signer's user agent: only the organization's own members ever see them;
- the names and emails of members (the Helpdesk agent of each tenant, whose name appears nowhere but in
  its own organization's pages);
- customers the walk creates with no reseller: only their own provider (and the customer) sees them.
A tenant here is the whole tree: provider, its reseller and its customers.
"""

from __future__ import annotations

import time
import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Value
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from customers import services as customer_services
from customers.models import Customer, CustomerRelationship, Order, OrderLine, Subscription
from enrollment.models import VerificationCase, VerificationDocument
from partnerhub.accounts.models import Membership, UserInvitation
from relationships import services as relationship_services
from relationships.models import PartnerRelationship, PartnershipInvitation
from tests.security.world import _new_customer, build_world, seen

EXAMPLES = 200
STEPS = 25
TENANTS = ("a", "b", "c")
# Fields whose canaries (`canary-<tenant>-<field>...`) no other tenant may see, whatever the partnerships.
SECRET_FIELDS = (
    "admin_notification", "global_admin_notification", "limited_notification", "reseller_notification",
    "comment", "contact_first_name", "contact_last_name", "signer_user_agent", "helpdesk", "walk_customer",
)  # fmt: skip
FOREIGN = {
    viewer: [f"canary-{t}-{name}" for t in TENANTS if t != viewer for name in SECRET_FIELDS] for viewer in TENANTS
}


def _foreign(response, viewer: str) -> list[str]:
    text = seen(response).lower()
    return [secret for secret in FOREIGN[viewer] if secret in text]


class Walk(RuleBasedStateMachine):
    """One example: a savepoint over the shared world, rolled back at the end."""

    world = None  # set by the test

    customers = Bundle("customers")
    invitations = Bundle("invitations")

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.walk_customers = 0
        self.baseline_membership = Membership.objects.order_by("pk").last().pk
        # Fresh sign-ins: a session the last example wrote was rolled back with it.
        cache.clear()
        self.world.clients.clear()

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- who acts, on what ---------------------------------------------------------------------------------

    def _users(self, tenant: str) -> dict:
        if tenant == "c":
            return {"global_admin": self.world.empty_admin}
        return self.world.tenants[tenant].users

    def _request(self, tenant: str, role: str, method: str, path: str, data=None):
        users = self._users(tenant)
        user = users.get(role, users["global_admin"])
        response = getattr(self.world.client(user), method)(path, data)
        assert response.status_code != 500, (tenant, role, method, path)
        leaked = _foreign(response, tenant)
        assert leaked == [], (tenant, role, method, path, leaked)
        return response

    def _object_paths(self, owner: str) -> list[str]:
        if owner == "c":
            return ["/settings/legal/", "/settings/users/"]
        objects = self.world.tenants[owner].objects
        customer = f"/customers/{objects['customer'].tenant_id}"
        return [
            f"{customer}/",
            f"{customer}/subscriptions/{objects['subscription'].public_id}/",
            f"{customer}/subscriptions/export/",
            f"/settings/users/{objects['membership'].pk}/",
            f"/settings/legal/documents/{objects['document'].pk}/",
            f"/settings/legal/cases/{objects['case'].pk}/fix/",
            f"/settings/agreements/acceptances/{objects['acceptance'].pk}/",
            f"/partners/providers/{objects['partnership'].pk}/customers/",
            f"/partners/resellers/invitations/{objects['partnership_invitation'].pk}/draft/",
            f"/customers/invitations/{objects['customer_invitation'].pk}/draft/",
        ]

    # --- rules -----------------------------------------------------------------------------------------------

    @rule(
        tenant=st.sampled_from(TENANTS),
        role=st.sampled_from(("global_admin", "limited", "reseller", "customer")),
        path=st.sampled_from(
            (
                "/",
                "/customers/",
                "/customers/export/",
                "/customers/invitations/",
                "/settings/users/",
                "/settings/activity/",
                "/notifications/",
                "/partners/resellers/",
                "/partners/providers/",
                "/customer/partners/",
                "/settings/legal/",
                "/settings/identifiers/",
                "/settings/agreements/",
                "/customers/?q=canary",
            )
        ),  # fmt: skip
    )
    def browse_list(self, tenant, role, path):
        self._request(tenant, role, "get", path)

    @rule(
        tenant=st.sampled_from(TENANTS),
        role=st.sampled_from(("global_admin", "limited", "reseller", "customer")),
        owner=st.sampled_from(TENANTS),
        pick=st.integers(min_value=0, max_value=9),
    )
    def browse_detail(self, tenant, role, owner, pick):
        paths = self._object_paths(owner)
        response = self._request(tenant, role, "get", paths[pick % len(paths)])
        if owner != tenant and owner != "c" and tenant != "c":
            assert response.status_code in {302, 403, 404}, response.status_code

    @rule(target=invitations, provider=st.sampled_from(TENANTS))
    def invite_reseller(self, provider):
        response = self._request(provider, "global_admin", "post", "/partners/resellers/invitations/new/", {})
        assert response.status_code == 302
        organization = self._organization(provider)
        invitation = PartnershipInvitation.objects.filter(provider=organization).latest("pk")
        _, token = relationship_services.partnership_invitation_resend(
            invitation=invitation, actor=self._users(provider)["global_admin"]
        )
        return (provider, invitation.pk, token)

    @rule(invitation=invitations, reseller=st.sampled_from(("a", "b")))
    def accept_partnership(self, invitation, reseller):
        provider, _, token = invitation
        self._request(reseller, "reseller", "post", f"/partnership/{token}/", {"authorize": "on"})

    @rule(invitation=invitations, tenant=st.sampled_from(TENANTS))
    def revoke_partnership_invitation(self, invitation, tenant):
        provider, pk, _ = invitation
        before = PartnershipInvitation.objects.get(pk=pk).status
        self._request(tenant, "global_admin", "post", f"/partners/resellers/invitations/{pk}/revoke/")
        if tenant != provider:
            assert PartnershipInvitation.objects.get(pk=pk).status == before

    @rule(target=customers, tenant=st.sampled_from(TENANTS))
    def create_customer(self, tenant):
        self.walk_customers += 1
        n = self.walk_customers
        data = _new_customer(tenant, 100 + n, None, [])
        data.account["company_name"] = f"CANARY-{tenant.upper()}-walk_customer_{n}"
        data.account["domain_prefix"] = f"walk-{tenant}-{n}-{uuid.uuid4().hex[:6]}"
        created = customer_services.customer_create(
            partner=self._organization(tenant), actor=self._users(tenant)["global_admin"], data=data
        )
        return (tenant, created.organization.tenant_id)

    @rule(customer=customers, tenant=st.sampled_from(TENANTS), quantity=st.integers(min_value=1, max_value=20))
    def place_order(self, customer, tenant, quantity):
        owner, tenant_id = customer
        body = {"offer": self.world.offers["standard"].pk, "quantity": str(quantity), "friendly_name": "Walk",
                "partner_of_record": "", "key": str(uuid.uuid4()), "confirm": "on"}  # fmt: skip
        count = Subscription.objects.filter(customer__tenant_id=tenant_id).count()
        response = self._request(tenant, "global_admin", "post", f"/customers/{tenant_id}/subscriptions/new/", body)
        if tenant != owner:
            assert response.status_code == 404
            assert Subscription.objects.filter(customer__tenant_id=tenant_id).count() == count

    @rule(tenant=st.sampled_from(("a", "b")), owner=st.sampled_from(("a", "b")),
          roles=st.sampled_from((["sales_agent"], ["helpdesk_agent"], ["billing_admin", "admin_agent"])))  # fmt: skip
    def change_member_roles(self, tenant, owner, roles):
        membership = self.world.tenants[owner].objects["membership"]
        before = Membership.objects.get(pk=membership.pk).roles
        self._request(tenant, "global_admin", "post", f"/settings/users/{membership.pk}/", {"roles": roles})
        if tenant != owner:
            assert Membership.objects.get(pk=membership.pk).roles == before

    def _organization(self, tenant: str):
        return self.world.empty if tenant == "c" else self.world.tenants[tenant].provider

    # --- invariants ------------------------------------------------------------------------------------------

    @invariant()
    def rows_keep_their_tenants(self):
        """Every row's tenant equals its parent's, and no membership appeared without an accepted invitation or
        the creation of its (customer) organization. One query: it runs after every step."""
        if self.world is None:
            return
        invited = UserInvitation.objects.filter(
            organization=OuterRef("organization"), accepted_by=OuterRef("user"), accepted_at__isnull=False
        )
        enrolled = Customer.objects.filter(organization=OuterRef("organization"))  # the new customer's admin
        broken = {
            "case": VerificationCase.objects.exclude(organization=F("enrollment__organization")),
            "document": VerificationDocument.objects.exclude(organization=F("case__organization")),
            "subscription": Subscription.objects.exclude(partner=F("order__partner"), customer=F("order__customer")),
            "order_line": OrderLine.objects.exclude(subscription=None).exclude(
                order__partner=F("subscription__partner")
            ),
            "partnership": PartnerRelationship.objects.exclude(invitation=None).exclude(
                provider=F("invitation__provider")
            ),
            "order": Order.objects.exclude(
                Exists(CustomerRelationship.objects.filter(customer=OuterRef("customer"), partner=OuterRef("partner")))
            ),
            "membership": Membership.objects.filter(pk__gt=self.baseline_membership)
            .exclude(Exists(invited))
            .exclude(Exists(enrolled)),
        }
        first, *others = [rows.annotate(what=Value(name)).values_list("what")[:1] for name, rows in broken.items()]
        assert list(first.union(*others, all=True)) == []


def test_random_walks_never_show_another_tenants_secrets(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    Walk.world = build_world()
    started = time.monotonic()
    try:
        run_state_machine_as_test(
            Walk,
            settings=hypothesis_settings(
                max_examples=EXAMPLES, stateful_step_count=STEPS, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            ),
        )  # fmt: skip
    finally:
        Walk.world = None
    print(f"{EXAMPLES} examples × {STEPS} steps: {time.monotonic() - started:.1f} s")
