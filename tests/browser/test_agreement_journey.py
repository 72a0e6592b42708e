"""The partner agreement in a real Chromium: a colleague without the role sees who can sign and asks;
the Global admin views, downloads and signs; the banner appears."""

import hashlib
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from agreements.services import agreement_version_create
from demo.pdf import PARTNER_AGREEMENT, text_pdf
from partnerhub.accounts.models import Role
from partnerhub.core.models import OutboundEmail
from tests.browser.helpers import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.scenarios import qualify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agreement_journey(live_server, settings, browser, tmp_path):
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    pdf = text_pdf("Partner Agreement (2026-01)", PARTNER_AGREEMENT)
    agreement_version_create(type="mpa", version="2026-01", language="en", effective_date=date(2026, 1, 1), content=pdf)
    organization = OrganizationFactory(legal_name="Fabrikam LLC", primary_domain="contoso.example")
    admin = UserFactory(email="alex@contoso.example", first_name="Alex", last_name="Wilber")
    MembershipFactory(organization=organization, user=admin, roles=[Role.GLOBAL_ADMIN])
    MembershipFactory(
        organization=organization,
        user=UserFactory(email="sam@contoso.example", first_name="Sam"),
        roles=[Role.SALES_AGENT],
    )
    qualify(organization, admin, UserFactory(email="olivia@partnerhub.example", is_staff=True))

    # A colleague without the role sees who can sign and requests the signature.
    colleague = sign_in(browser, base, "sam@contoso.example")
    colleague.goto(f"{base}/settings/agreements/")
    expect(colleague.get_by_test_id("who-can-sign")).to_contain_text("alex@contoso.example")
    colleague.get_by_role("button", name="Request signature").click()
    expect(colleague.get_by_text("We asked your Global admins")).to_be_visible()
    assert OutboundEmail.objects.filter(to="alex@contoso.example", template="agreement_signature_requested").exists()

    # The Global admin views the document, downloads it and signs.
    signer = sign_in(browser, base, "alex@contoso.example", accept_downloads=True)
    expect(signer.get_by_test_id("pending-action-sign_mpa")).to_be_visible()
    signer.goto(f"{base}/settings/agreements/")
    signer.get_by_role("link", name="Review and accept").click()
    expect(signer.locator("iframe[title='Partner agreement']")).to_be_visible()
    with signer.expect_download() as download_info:
        signer.get_by_role("link", name="Download the agreement (PDF)").click()
    downloaded = Path(download_info.value.path()).read_bytes()
    assert hashlib.sha256(downloaded).hexdigest() == hashlib.sha256(pdf).hexdigest()
    expect(signer.locator("#id_email")).to_have_value("alex@contoso.example")
    signer.get_by_label("I have read and accept").check()
    signer.get_by_role("button", name="Accept and continue").click()

    expect(signer).to_have_url(f"{base}/settings/agreements/")  # all set; not "Choose a program"
    expect(signer.get_by_test_id("mpa-banner")).to_contain_text(
        "You're all set up to transact in the United States region."
    )
    signer.goto(f"{base}/settings/legal/")
    expect(signer.get_by_test_id("program-status-indirect_reseller")).to_have_text("Active")
