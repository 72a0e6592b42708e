"""Admin relationships (GDAP): request, approval by the customer's Global admin, rejection, termination by
either side, auto-extend, assignments; each a happy, an illegal and a run-twice test; the check every acting
view makes; the default relationship of a customer the partner creates or an invitation with delegated admin."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from access import selectors, services
from access.models import AccessError, AdminRelationship, AdminRoleAssignment
from access.roles import DEFAULT_ROLES, AdminRole
from partnerhub.accounts.models import Role
from partnerhub.core.models import AuditEvent, OutboundEmail
from tests.access.conftest import client_for
from tests.threads import platform_thread

pytestmark = pytest.mark.django_db
Status = AdminRelationship.Status


def _request(world, **overrides):
    fields = {
        "name": "Helpdesk 2027",
        "roles": [AdminRole.GLOBAL_READER, AdminRole.HELPDESK_ADMINISTRATOR],
        "duration_days": 90,
        "auto_extend": False,
        **overrides,
    }
    return services.admin_relationship_request(
        partner=world.provider, customer=world.customer, actor=world.provider_admin, **fields
    )


def test_a_customer_the_partner_creates_gets_the_default_relationship_active(world):
    default = world.default()

    assert default.status == Status.ACTIVE
    assert default.roles == list(DEFAULT_ROLES)
    assert default.duration_days == 730
    assert not default.auto_extend
    assert (default.ends_at - default.approved_at) == timedelta(days=730)
    assigned = set(AdminRoleAssignment.objects.filter(relationship=default).values_list("role", "partner_role"))
    assert assigned == {
        (role, partner_role) for role in DEFAULT_ROLES for partner_role in ("global_admin", "admin_agent")
    }


def test_request_emails_the_customers_global_admin_a_link_that_leads_to_approval(world):
    relationship = _request(world)
    email = OutboundEmail.objects.get(template="admin_relationship_requested")
    path = re.search(r"http://testserver(/\S+)", email.body_text).group(1)
    customer = client_for(world.customer_admin)

    page = customer.get(path, follow=True)
    html = page.content.decode()
    approved = customer.post(page.redirect_chain[-1][0], {"action": "approve"})
    relationship.refresh_from_db()

    assert email.to == world.customer_admin.mailbox
    assert "Global reader" in html
    assert "Helpdesk administrator" in html
    assert "Approve for 90 days" in html
    assert approved.status_code == 302
    assert relationship.status == Status.ACTIVE
    assert relationship.ends_at == relationship.approved_at + timedelta(days=90)
    assert relationship.token_hash is None
    codes = AuditEvent.objects.filter(object_id=str(relationship.pk)).values_list("code", "organization")
    assert set(codes) >= {
        ("partnerhub.admin_relationship.approved", world.provider.pk),
        ("partnerhub.admin_relationship.approved", world.customer.pk),
    }
    assert OutboundEmail.objects.filter(template="admin_relationship_approved", to=world.provider_admin.email).exists()


def test_approving_twice_changes_nothing_and_rejecting_an_active_one_is_refused(world):
    relationship = _request(world)
    services.admin_relationship_approve(relationship=relationship, actor=world.customer_admin)
    first = AdminRelationship.objects.get(pk=relationship.pk)

    services.admin_relationship_approve(relationship=relationship, actor=world.customer_admin)
    with pytest.raises(AccessError, match="Only a request waiting for approval can be rejected"):
        services.admin_relationship_reject(relationship=relationship, actor=world.customer_admin)

    again = AdminRelationship.objects.get(pk=relationship.pk)
    assert (again.status, again.ends_at) == (Status.ACTIVE, first.ends_at)
    assert (
        AuditEvent.objects.filter(code="partnerhub.admin_relationship.approved", object_id=str(relationship.pk)).count()
        == 2
    )


def test_only_the_customers_global_admin_approves(world):
    relationship = _request(world)

    with pytest.raises(AccessError, match="Only a Global admin of Woodgrove"):
        services.admin_relationship_approve(relationship=relationship, actor=world.customer_user)
    with pytest.raises(AccessError):
        services.admin_relationship_approve(relationship=relationship, actor=world.provider_admin)

    assert AdminRelationship.objects.get(pk=relationship.pk).status == Status.APPROVAL_PENDING


def test_reject_then_approve_is_refused_with_the_reason(world):
    relationship = _request(world)
    services.admin_relationship_reject(relationship=relationship, actor=world.customer_admin)
    services.admin_relationship_reject(relationship=relationship, actor=world.customer_admin)  # twice: no-op

    with pytest.raises(AccessError, match="was rejected"):
        services.admin_relationship_approve(relationship=relationship, actor=world.customer_admin)
    assert AuditEvent.objects.filter(code="partnerhub.admin_relationship.rejected").count() == 2  # both sides, once


@pytest.mark.parametrize("side", ["partner", "customer"])
def test_either_side_terminates_at_once_twice_is_a_no_op_and_both_are_told(world, side):
    relationship = world.default()
    actor, organization = (
        (world.provider_admin, world.provider) if side == "partner" else (world.customer_admin, world.customer)
    )

    services.admin_relationship_terminate(relationship=relationship, actor=actor, organization=organization)
    services.admin_relationship_terminate(relationship=relationship, actor=actor, organization=organization)

    relationship.refresh_from_db()
    assert relationship.status == Status.TERMINATED
    assert relationship.terminated_side == side
    assert AuditEvent.objects.filter(code="partnerhub.admin_relationship.terminated").count() == 2
    told = set(OutboundEmail.objects.filter(template="admin_relationship_terminated").values_list("to", flat=True))
    assert {world.provider_admin.email, world.customer_admin.mailbox} <= told
    with pytest.raises(AccessError, match="was terminated"):
        services.admin_relationship_auto_extend_set(
            relationship=relationship, actor=world.provider_admin, organization=world.provider, auto_extend=True
        )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 51}, "name"),
        ({"roles": []}, "roles"),
        ({"roles": ["owner"]}, "roles"),
        ({"duration_days": 0}, "duration_days"),
        ({"duration_days": 731}, "duration_days"),
        ({"roles": [AdminRole.GLOBAL_ADMINISTRATOR], "auto_extend": True}, "auto_extend"),
    ],
)
def test_a_bad_request_says_what_is_wrong_and_creates_nothing(world, overrides, field):
    with pytest.raises(AccessError) as refused:
        _request(world, **overrides)

    assert refused.value.field == field
    assert AdminRelationship.objects.filter(status=Status.APPROVAL_PENDING).count() == 0


def test_a_name_is_unique_per_partner_among_live_relationships(world):
    first = _request(world)
    with pytest.raises(AccessError, match="already have an admin relationship named"):
        _request(world)
    services.admin_relationship_terminate(relationship=first, actor=world.provider_admin, organization=world.provider)

    assert _request(world).status == Status.APPROVAL_PENDING


def test_another_partners_customer_cannot_be_asked(world, make_reseller):
    outsider, outsider_admin = make_reseller("Outsider Solutions LLC")

    with pytest.raises(AccessError) as refused:
        services.admin_relationship_request(
            partner=outsider,
            customer=world.customer,
            actor=outsider_admin,
            name="x",
            roles=["global_reader"],
            duration_days=5,
        )
    assert refused.value.code == "not_found"


def test_a_helpdesk_agent_cannot_request(world, make_member):
    agent = make_member(world.provider, Role.HELPDESK_AGENT, email="hd@contoso.example").user

    with pytest.raises(AccessError, match="Global admin or an Admin agent"):
        services.admin_relationship_request(
            partner=world.provider,
            customer=world.customer,
            actor=agent,
            name="x",
            roles=["global_reader"],
            duration_days=5,
        )


def test_auto_extend_is_refused_with_global_administrator_and_saved_otherwise(world):
    relationship = _request(world, roles=[AdminRole.GLOBAL_ADMINISTRATOR])
    with pytest.raises(AccessError, match="can't be auto-extended"):
        services.admin_relationship_auto_extend_set(
            relationship=relationship, actor=world.customer_admin, organization=world.customer, auto_extend=True
        )
    plain = world.default()
    services.admin_relationship_auto_extend_set(
        relationship=plain, actor=world.customer_admin, organization=world.customer, auto_extend=True
    )
    assert AdminRelationship.objects.get(pk=plain.pk).auto_extend


# --- assignments and the acting check -------------------------------------------------------------------


def test_assignments_name_only_roles_the_relationship_holds(world, make_member):
    agent = make_member(world.provider, Role.HELPDESK_AGENT, email="hd@contoso.example")
    relationship = world.default()

    with pytest.raises(AccessError, match="doesn't hold the role"):
        services.admin_relationship_assignments_set(
            relationship=relationship, actor=world.provider_admin, by_role={}, by_member={"billing_reader": [agent.pk]}
        )
    with pytest.raises(AccessError):
        selectors.admin_role_check(agent, world.customer, AdminRole.HELPDESK_ADMINISTRATOR)
    services.admin_relationship_assignments_set(
        relationship=relationship,
        actor=world.provider_admin,
        by_role={},
        by_member={"helpdesk_administrator": [agent.pk]},
    )

    assert selectors.admin_role_check(agent, world.customer, AdminRole.HELPDESK_ADMINISTRATOR) == relationship
    with pytest.raises(AccessError) as refused:
        selectors.admin_role_check(agent, world.customer, AdminRole.USER_ADMINISTRATOR)
    assert refused.value.code == "not_assigned"


def test_a_relationship_that_ended_a_second_ago_cannot_act_before_any_sweep(world, time_machine):
    membership = world.membership(world.provider_admin)
    relationship = world.default()
    time_machine.move_to(relationship.ends_at - timedelta(seconds=1), tick=False)
    assert selectors.admin_role_check(membership, world.customer, AdminRole.GLOBAL_READER) == relationship

    time_machine.move_to(relationship.ends_at + timedelta(seconds=1), tick=False)
    with pytest.raises(AccessError, match="expired on") as refused:
        selectors.admin_role_check(membership, world.customer, AdminRole.GLOBAL_READER)

    assert refused.value.code == "relationship_ended"
    assert AdminRelationship.objects.get(pk=relationship.pk).status == Status.ACTIVE  # no sweep ran


def test_no_relationship_holding_the_role_is_said(world):
    with pytest.raises(AccessError, match="that holds the Billing reader role") as refused:
        selectors.billing_reader_check(world.membership(world.provider_admin), world.customer)
    assert refused.value.code == "no_relationship"


# --- races ----------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_approve_and_terminate_at_once_one_wins(world):
    relationship = _request(world)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def approve():
        barrier.wait()
        try:
            services.admin_relationship_approve(relationship=relationship, actor=world.customer_admin)
            outcomes.append("approved")
        except AccessError:
            outcomes.append("refused")

    def terminate():
        barrier.wait()
        services.admin_relationship_terminate(
            relationship=relationship, actor=world.provider_admin, organization=world.provider
        )
        outcomes.append("terminated")

    threads = [platform_thread(approve), platform_thread(terminate)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    relationship.refresh_from_db()
    assert relationship.status == Status.TERMINATED
    approvals = AuditEvent.objects.filter(code="partnerhub.admin_relationship.approved", object_id=str(relationship.pk))
    assert approvals.count() == (2 if "approved" in outcomes else 0)
    assert AuditEvent.objects.filter(code="partnerhub.admin_relationship.terminated").count() == 2


# --- how admin access is granted and removed --------------------------------------------------------------


def test_remove_roles_terminates_every_admin_relationship_of_that_partner(world):
    pending = _request(world)
    customer = client_for(world.customer_admin)
    from customers.models import CustomerRelationship

    row = CustomerRelationship.objects.get(partner=world.provider, customer=world.customer)
    page = customer.get(f"/customer/partners/{row.pk}/remove-roles/")
    customer.post(f"/customer/partners/{row.pk}/remove-roles/")

    assert page.status_code == 200
    statuses = set(AdminRelationship.objects.filter(customer=world.customer).values_list("status", flat=True))
    assert statuses == {Status.TERMINATED}
    assert AdminRelationship.objects.get(pk=pending.pk).terminated_side == "customer"


def test_an_invitation_with_delegated_admin_approves_the_default_relationship(seller, offers):
    from tests.customers.test_invitations import _client, _link

    provider, provider_admin, *_ = seller
    _, path = _link(_client(provider_admin))
    from django.test import Client

    from tests.scenarios import ACCOUNT

    visitor = Client()
    form = visitor.get(path).content.decode()
    visitor.post(
        path,
        {
            **ACCOUNT,
            "domain_prefix": "fourthcoffee",
            "company_name": "Fourth Coffee Inc.",
            "password": "a-long-enough-passphrase",
            "authorize": "on",
            "accept_agreement": "on",
        },
    )

    relationship = AdminRelationship.objects.get(partner=provider)
    assert "Accepting approves an admin relationship with these roles for 730 days" in form
    assert "License administrator" in form
    assert relationship.status == Status.ACTIVE
    assert relationship.roles == list(DEFAULT_ROLES)
    assert relationship.approved_by is not None
    assert relationship.approved_by.email.startswith("admin@fourthcoffee")


def test_the_default_relationship_is_created_once(world):
    assert (
        services.admin_relationship_default_create(partner=world.provider, customer=world.customer, approved_by=None)
        is None
    )
    assert AdminRelationship.objects.filter(partner=world.provider, customer=world.customer).count() == 1


def test_the_request_expires_after_90_days(world, time_machine):
    relationship = _request(world)
    time_machine.move_to(relationship.request_expires_at + timedelta(minutes=1), tick=False)

    with pytest.raises(AccessError, match="expired unanswered"):
        services.admin_relationship_approve(relationship=relationship, actor=world.customer_admin)
    assert timezone.now() > relationship.request_expires_at


def test_a_partner_that_removes_its_customer_relationship_loses_its_admin_relationships(world):
    from customers import services as customer_services
    from customers.models import CustomerRelationship, Subscription

    Subscription.objects.filter(customer=world.customer).update(status=Subscription.Status.CANCELLED)
    row = CustomerRelationship.objects.get(partner=world.provider, customer=world.customer)

    customer_services.customer_relationship_remove(relationship=row, actor=world.provider_admin)

    relationship = world.default()
    assert relationship.status == Status.TERMINATED
    assert relationship.terminated_side == "partner"
