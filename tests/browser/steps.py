"""The small steps browser journeys are written from: the set-up a journey needs (served at the live server, an
agreement, a partner organization ready to sell) and what a person does on a page (sign up, create the company,
fill the customer wizard, change a password, request a partnership, verify a partner ID, review a case).

Each step does exactly the clicks and checks its journeys did inline; the journey keeps what is its own."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from agreements.services import agreement_version_create
from demo.pdf import PARTNER_AGREEMENT, text_pdf
from partnerhub.accounts.models import Role
from partnerhub.core.models import OutboundEmail
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.scenarios import qualify, sign

# --- set-up ------------------------------------------------------------------------------------------


def serve(live_server, settings, tmp_path=None) -> str:
    """Links in emails point at the live server; uploads go to tmp_path. Returns the live server's base URL."""
    settings.SITE_URL = live_server.url
    if tmp_path is not None:
        settings.MEDIA_ROOT = tmp_path
    return live_server.url


def partner_agreement(title="MPA", paragraphs=PARTNER_AGREEMENT):
    """The partner agreement, version 1, in force since 1 January 2026."""
    return agreement_version_create(
        type="mpa", version="1", language="en", effective_date=date(2026, 1, 1), content=text_pdf(title, paragraphs)
    )


def reviewer():
    """Olivia, PartnerHub staff (not a superuser)."""
    return UserFactory(email="olivia@partnerhub.example", is_staff=True)


def partner_organization(name, email, program, staff, mpa, *, domain=None, **user_fields):
    """An organization whose Global admin (`email`, first name from the address) qualified for `program` and
    signed `mpa`: an active provider or reseller. Its primary domain is the address's unless given."""
    organization = OrganizationFactory(legal_name=name, primary_domain=domain or email.split("@")[1])
    user = UserFactory(email=email, first_name=email.split("@")[0].title(), **user_fields)
    MembershipFactory(organization=organization, user=user, roles=[Role.GLOBAL_ADMIN])
    qualify(organization, user, staff, program=program)
    sign(organization, user, mpa)
    return organization, user


def emailed_link(base: str, to: str, path: str, **filters) -> str:
    """The link to `base` + `path` (a regular expression) in the latest email to `to`."""
    body = OutboundEmail.objects.filter(to=to, **filters).latest("pk").body_text
    return re.search(rf"{re.escape(base)}{path}", body).group(0)


# --- a person's steps ------------------------------------------------------------------------------------


def sign_up(page, first, last, email, password):
    """The sign-up form (the email is already there when `email` is None), submitted."""
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    if email:
        page.get_by_label("Email").fill(email)
    page.locator("#id_password1").fill(password)
    page.locator("#id_password2").fill(password)
    page.get_by_role("button", name="Sign Up").click()


def fill_company_account(page, name="Contoso Ltd"):
    """'Create your company account' for a company in Paris (the form is not submitted)."""
    page.get_by_label("Legal business name").fill(name)
    page.get_by_label("Country/region").select_option("FR")
    page.get_by_label("Address line 1").fill("12 rue de la Paix")
    page.get_by_label("City").fill("Paris")
    page.get_by_label("Postal code").fill("75002")


def open_add_customer_from_reseller_row(provider, base, reseller_name):
    """Partners → Resellers → the reseller's row → Add new customer."""
    provider.goto(f"{base}/partners/resellers/")
    provider.get_by_test_id("reseller-table").get_by_role("row", name=re.compile(reseller_name)).get_by_role(
        "link", name="Add new customer"
    ).click()


def fill_customer_account(page, *, company="Woodgrove Foods Inc.", domain="woodgrovefoods", available_in=None):
    """The customer wizard's Account info for Woodgrove in Portland, contact Nestor Wilke (not submitted). With
    `available_in` (the customer domain suffix), the live check must first say the domain is available."""
    page.get_by_label("Company name").fill(company)
    page.get_by_label("Domain name").fill(domain)
    if available_in:
        expect(page.get_by_test_id("domain-available")).to_have_text(f"{domain}.{available_in} is available.")
    page.get_by_label("Country/region").select_option("US")
    page.get_by_label("Address line 1").fill("77 Market Street")
    page.get_by_label("City").fill("Portland")
    page.get_by_label("State or province").fill("OR")
    page.get_by_label("Postal code").fill("97204")
    page.get_by_label("First name").fill("Nestor")
    page.get_by_label("Last name").fill("Wilke")
    page.get_by_label("Email address").fill("nestor@woodgrove.example")


def change_password(page, current, new):
    """allauth's Change Password form, submitted."""
    page.get_by_label("Current Password").fill(current)
    page.get_by_label(re.compile(r"New Password\W*$")).fill(new)
    page.get_by_label(re.compile(r"New Password \(again\)")).fill(new)
    page.get_by_role("button", name="Change Password").click()


def request_partnership(provider, base, email):
    """Partners → Resellers → Request a partnership; the link is shown; the reseller's address typed (not sent)."""
    provider.goto(f"{base}/partners/resellers/")
    provider.get_by_role("button", name="Request a partnership").click()
    expect(provider.get_by_test_id("partnership-link")).to_have_value(re.compile(r"/partnership/[\w-]{43,}/$"))
    provider.get_by_label("Reseller's email address").fill(email)


def verify_partner_id(provider, number):
    """The partner-ID lookup's form, submitted with `number`."""
    provider.get_by_label("Partner ID").fill(number)
    provider.get_by_role("button", name="Verify").click()


def review_case(staff, base, action, reason_code="", reason_text="", *, organization="Contoso Ltd"):
    """In admin, staff apply `action` (approve, reject…) to the organization's verification case."""
    staff.goto(f"{base}/admin/enrollment/verificationcase/")
    staff.get_by_role("link", name=organization).click()
    staff.locator("#id_action").select_option(action)
    if reason_code:
        staff.locator("#id_reason_code").select_option(reason_code)
        staff.locator("#id_reason_text").fill(reason_text)
    staff.get_by_role("button", name="Apply").click()
    expect(staff.get_by_text("Done:")).to_be_visible()
