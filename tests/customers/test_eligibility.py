"""A page never offers an action the service then refuses, nor hides one it accepts: for every enrolment
status of every program, what the real pages offer equals what the real services (and the views behind the
offered links) accept. The rules live in one place (ProgramEnrollmentQuerySet, enrollment.selectors);
these tests ask the pages and the services, never the rules themselves. (Here beside the customer fixtures:
a selling provider in partnership with a ready reseller, built through the real services.)
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from customers import services as customer_services
from enrollment.models import Program, ProgramEnrollment
from relationships import services as relationship_services

COMBINATIONS = [(program, status) for program in Program.values for status in ProgramEnrollment.Status.values]


def _set_enrollment(organization, program: str, status: str) -> None:
    """Put the organization's enrolment in `program` and `status` (closed for a closing status)."""
    closed = timezone.now() if status in ProgramEnrollment.CLOSED_STATUSES else None
    updated = ProgramEnrollment.objects.filter(organization=organization).update(
        program=program, status=status, closed_at=closed
    )
    assert updated == 1


def _accepted(service) -> bool:
    """Does the service accept? Whatever it writes is rolled back."""
    try:
        with transaction.atomic():
            service()
            transaction.set_rollback(True)
    except customer_services.CustomersError:
        return False
    except relationship_services.RelationshipsError:
        return False
    return True


def _offers(response, url: str) -> bool:
    assert response.status_code in (200, 403), response.status_code
    return f'href="{url}"' in response.content.decode() or f'action="{url}"' in response.content.decode()


@pytest.fixture
def provider_client(client, seller):
    provider, user, _, _ = seller
    client.force_login(user)
    return client


@pytest.mark.parametrize(("program", "status"), COMBINATIONS)
def test_add_customer_offered_exactly_when_the_services_accept(provider_client, seller, program, status):
    provider, user, _, _ = seller
    _set_enrollment(provider, program, status)
    wizard = reverse("customers:wizard-account")
    offered = _offers(provider_client.get(reverse("customers:customer-list")), f"{wizard}?new=1")
    invitation_accepted = _accepted(lambda: customer_services.customer_invitation_create(sender=provider, actor=user))
    wizard_opens = provider_client.get(wizard).status_code == 200
    assert offered == invitation_accepted == wizard_opens, (offered, invitation_accepted, wizard_opens)


@pytest.mark.parametrize(("program", "status"), COMBINATIONS)
def test_add_subscription_offered_exactly_when_the_order_pages_accept(
    provider_client, seller, make_customer, program, status
):
    provider, _, _, _ = seller
    customer = make_customer("eligibility", with_reseller=False).organization
    _set_enrollment(provider, program, status)
    tenant = customer.tenant_id
    page = provider_client.get(reverse("customers:customer-detail", args=[tenant]))
    add_url = reverse("customers:subscription-add", args=[tenant])
    agreement_url = reverse("customers:customer-agreement", args=[tenant])
    assert _offers(page, add_url) == _offers(page, agreement_url)
    offered = _offers(page, add_url)
    order_page = provider_client.get(add_url).status_code == 200
    agreement_page = provider_client.get(agreement_url).status_code == 200
    seller_accepted = _accepted(lambda: customer_services.require_seller(provider))
    assert offered == order_page == agreement_page == seller_accepted, (
        offered,
        order_page,
        agreement_page,
        seller_accepted,
    )


@pytest.mark.parametrize(("program", "status"), COMBINATIONS)
def test_partner_id_lookup_offered_exactly_when_the_lookup_accepts(provider_client, seller, program, status):
    provider, _, _, _ = seller
    _set_enrollment(provider, program, status)
    lookup = reverse("agreements:status-lookup")
    lookup_opens = provider_client.get(lookup).status_code == 200
    assert _offers(provider_client.get(reverse("enrollment:welcome")), lookup) == lookup_opens
    resellers_page = provider_client.get(reverse("relationships:reseller-list"))
    if resellers_page.status_code == 200:  # an open indirect-provider enrolment: the page exists
        assert _offers(resellers_page, lookup) == lookup_opens


@pytest.mark.parametrize(("program", "status"), COMBINATIONS)
def test_request_partnership_offered_exactly_when_the_service_accepts(provider_client, seller, program, status):
    provider, user, _, _ = seller
    _set_enrollment(provider, program, status)
    page = provider_client.get(reverse("relationships:reseller-list"))
    offered = page.status_code == 200 and _offers(page, reverse("relationships:invitation-create"))
    accepted = _accepted(lambda: relationship_services.partnership_invitation_create(provider=provider, actor=user))
    assert offered == accepted, (offered, accepted)


@pytest.mark.parametrize(("program", "status"), COMBINATIONS)
def test_add_customer_for_a_reseller_offered_exactly_when_the_wizard_accepts_it(
    provider_client, seller, program, status
):
    provider, _, reseller, _ = seller
    _set_enrollment(reseller, program, status)
    page = provider_client.get(reverse("relationships:reseller-list"))
    link = f"{reverse('customers:wizard-account')}?reseller={reseller.pk}"
    offered = _offers(page, link)
    accepted = _accepted(lambda: customer_services.check_reseller(provider, reseller))
    provider_client.get(link)
    preselected = provider_client.session.get("customer_wizard", {}).get("reseller") == reseller.pk
    assert offered == accepted == preselected, (offered, accepted, preselected)
