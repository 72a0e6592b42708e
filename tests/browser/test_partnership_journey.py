"""Partnerships in a real Chromium: the provider requests a partnership and sends it from PartnerHub →
the reseller's Global admin opens the emailed link and authorizes → each lists the other → the
reseller removes the provider's admin access → the provider removes the partnership."""

import re

import pytest
from playwright.sync_api import expect

from partnerhub.core.models import OutboundEmail
from tests.browser.helpers import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.scenarios import qualify, sign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partnership_journey(live_server, settings, browser, tmp_path):
    from datetime import date

    from agreements.services import agreement_version_create
    from partnerhub.accounts.models import Role
    from partnerhub.demo.pdf import PARTNER_AGREEMENT, text_pdf

    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    mpa = agreement_version_create(
        type="mpa",
        version="1",
        language="en",
        effective_date=date(2026, 1, 1),
        content=text_pdf("MPA", PARTNER_AGREEMENT),
    )
    staff = UserFactory(email="olivia@partnerhub.example", is_staff=True)
    people = {}
    for key, name, email, program in (
        ("provider", "Contoso Distribution", "megan@contoso.example", "indirect_provider"),
        ("reseller", "Fabrikam LLC", "alex@fabrikam.example", "indirect_reseller"),
    ):
        organization = OrganizationFactory(legal_name=name, primary_domain="contoso.example")
        user = UserFactory(email=email, first_name=email.split("@")[0].title())
        MembershipFactory(organization=organization, user=user, roles=[Role.GLOBAL_ADMIN])
        qualify(organization, user, staff, program=program)
        sign(organization, user, mpa)
        people[key] = (organization, user)

    # The provider requests a partnership and sends it from PartnerHub.
    provider = sign_in(browser, base, "megan@contoso.example")
    provider.goto(f"{base}/partners/resellers/")
    provider.get_by_role("button", name="Request a partnership").click()
    expect(provider.get_by_test_id("partnership-link")).to_have_value(re.compile(r"/partnership/[\w-]{43,}/$"))
    provider.get_by_label("Reseller's email address").fill("alex@fabrikam.example")
    provider.get_by_role("button", name="Send", exact=True).click()
    expect(provider.get_by_test_id("partnership-invitations")).to_contain_text("alex@fabrikam.example")

    # The reseller's Global admin opens the emailed link and authorizes.
    reseller = sign_in(browser, base, "alex@fabrikam.example")
    body = (
        OutboundEmail.objects.filter(to="alex@fabrikam.example", template="partnership_invitation")
        .latest("pk")
        .body_text
    )
    reseller.goto(re.search(rf"{re.escape(base)}/partnership/\S+/", body).group(0))
    expect(reseller.get_by_role("heading", name="Contoso Distribution invites you to partner")).to_be_visible()
    reseller.get_by_label("I authorize this indirect provider").check()
    reseller.get_by_role("button", name="Authorize indirect provider").click()
    expect(reseller.get_by_test_id("provider-table")).to_contain_text("Contoso Distribution")

    provider.goto(f"{base}/partners/resellers/")
    expect(provider.get_by_test_id("reseller-table")).to_contain_text("Fabrikam LLC")

    # The reseller removes the provider's admin access; then the provider removes the partnership.
    reseller.get_by_role("link", name="Remove admin access").click()
    reseller.get_by_role("button", name="Remove admin access").click()
    expect(reseller.get_by_test_id("provider-table")).to_contain_text("Removed")

    provider.reload()
    expect(provider.get_by_test_id("reseller-table")).to_contain_text("no admin access")
    provider.get_by_role("link", name="Remove partnership").click()
    provider.get_by_role("button", name="Yes, remove the partnership").click()
    expect(provider.get_by_test_id("reseller-table")).not_to_contain_text("Fabrikam LLC")
    reseller.reload()
    expect(reseller.get_by_test_id("provider-table")).not_to_contain_text("Contoso Distribution")
