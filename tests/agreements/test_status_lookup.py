"""The partner agreement status lookup: every reason a provider may hear, and success.

Issue 15: the lookup answered any number (global IDs, other regions, organizations that are no reseller) with
the organization's legal name, country and region, and let a provider still waiting for email verification
use it. It now names a reseller only when the caller may name it: a location partner ID of an indirect
reseller of the caller's own CSP region whose program and agreement let it be named; every failure is a
code and a message that name no one."""

import pytest

from agreements import services
from agreements.selectors import agreement_status_lookup
from enrollment import services as enrollment_services
from enrollment.models import PartnerId, ProgramEnrollment
from partnerhub.accounts.models import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.scenarios import ENROLLMENT_DATA, qualify

LOOKUP = "/programs/csp/agreement-status/"


def _sign(organization, user, mpa):
    services.agreement_sign(
        organization=organization, user=user, version=mpa, first_name="Alex", last_name="W", email=user.email,
        accepted=True,
    )  # fmt: skip


def _organization(name, domain, staff, *, program="indirect_reseller", country="US", region="united_states"):
    organization = OrganizationFactory(legal_name=name, primary_domain=domain, country=country, csp_region=region)
    user = UserFactory(email=f"admin@{domain}")
    MembershipFactory(organization=organization, user=user, roles=[Role.GLOBAL_ADMIN])
    enrollment_services.partner_id_issue_global(organization=organization)
    enrollment, location = qualify(organization, user, staff, program=program)
    return organization, user, enrollment, location


@pytest.fixture
def reseller(staff, mpa):
    """Fabrikam LLC: an indirect reseller of the United States region, qualified, agreement not yet accepted."""
    return _organization("Fabrikam LLC", "fabrikam.example", staff)


@pytest.fixture
def provider_client(admin_client, admin_member, staff, mpa):
    """Contoso, an active indirect provider of the United States region (its Global admin signed in)."""
    qualify(admin_member.organization, admin_member.user, staff, program="indirect_provider")
    _sign(admin_member.organization, admin_member.user, mpa)
    enrollment = ProgramEnrollment.objects.get(organization=admin_member.organization)
    assert enrollment.status == ProgramEnrollment.Status.ACTIVE
    return admin_client


def _page(client, number) -> str:
    response = client.get(LOOKUP, {"number": str(number)})
    assert response.status_code == 200
    return response.content.decode()


# --- the selector -------------------------------------------------------------------------------------------


def test_unknown_and_malformed_ids(db):
    assert agreement_status_lookup(number="abc", provider_region="united_states").code == "2000"
    assert agreement_status_lookup(number="9999999", provider_region="united_states").code == "2200"


def test_a_global_id_is_not_a_location_and_its_owner_is_not_named(reseller):
    organization, *_ = reseller
    global_id = PartnerId.objects.get(organization=organization, kind="global")

    result = agreement_status_lookup(number=str(global_id.number), provider_region="united_states")

    assert (result.ok, result.code) == (False, "2202")
    assert (result.organization, result.country, result.region) == ("", "", "")


def test_a_location_not_associated_with_a_reseller_account(reseller):
    organization, user, *_ = reseller
    other = enrollment_services.partner_id_add_location(
        organization=organization, actor=user, business_name="Branch", country="US", address_line1="2 Main",
        city="Austin", postal_code="73301", contact_name="A", contact_email="a@fabrikam.example",
    )  # fmt: skip

    result = agreement_status_lookup(number=str(other.number), provider_region="united_states")

    assert (result.code, result.organization) == ("2204", "")


def test_a_provider_is_not_an_indirect_reseller(admin_member, staff, mpa):
    _, location = qualify(admin_member.organization, admin_member.user, staff, program="indirect_provider")

    result = agreement_status_lookup(number=str(location.number), provider_region="united_states")

    assert (result.code, result.organization) == ("2204", "")


def test_not_authorized(reseller, staff):
    organization, _, enrollment, location = reseller
    enrollment_services.enrollment_suspend(enrollment=enrollment, reviewer=staff, reason_text="Overdue billing.")

    result = agreement_status_lookup(number=str(location.number), provider_region="united_states")

    assert (result.code, result.program_status, result.organization) == ("800039", "Suspended", "")


def test_agreement_not_signed(reseller):
    *_, location = reseller

    result = agreement_status_lookup(number=str(location.number), provider_region="united_states")

    assert (result.code, result.agreement_accepted) == ("2203", False)
    assert (result.organization, result.region) == ("", "")
    assert "Fabrikam" not in result.message


def test_region_mismatch_says_nothing_more_and_success_names(reseller, mpa):
    organization, user, _, location = reseller
    _sign(organization, user, mpa)

    other_region = agreement_status_lookup(number=str(location.number), provider_region="europe")
    same_region = agreement_status_lookup(number=str(location.number), provider_region="united_states")

    assert (other_region.ok, other_region.code) == (False, "2201")
    assert "doesn't match your CSP region, Europe" in other_region.message
    # Nothing of the reseller: no name, no region, no program or agreement facts, no other reason.
    assert (other_region.organization, other_region.country, other_region.region) == ("", "", "")
    assert (other_region.program_status, other_region.agreement_status, other_region.reasons) == ("", "", ())
    assert "United States" not in other_region.message
    assert (same_region.ok, same_region.program_status) == (True, "Active")
    assert (same_region.organization, same_region.country, same_region.region) == (
        "Fabrikam LLC", "United States of America", "United States",
    )  # fmt: skip


def test_a_reseller_being_rechecked_still_reports_its_accepted_agreement(reseller, mpa):
    """Issue 14, defect 6: the lookup stopped at the program status and said "Not accepted"."""
    organization, user, enrollment, location = reseller
    _sign(organization, user, mpa)
    ProgramEnrollment.objects.filter(pk=enrollment.pk).update(status=ProgramEnrollment.Status.PENDING_QUALIFICATION)

    result = agreement_status_lookup(number=str(location.number), provider_region="united_states")

    assert (result.ok, result.code) == (False, "800039")
    assert (result.program_status, result.program_code) == ("Pending qualification", "800039")
    assert (result.agreement_accepted, result.agreement_code) == (True, "")
    assert result.agreement_status.startswith("Accepted (version 2026-01")
    assert [code for code, _ in result.reasons] == ["800039"]
    assert result.organization == ""


# --- the page, as a provider of the United States region ---------------------------------------------------


def test_a_reseller_of_the_callers_region_is_named(provider_client, reseller, mpa):
    organization, user, _, location = reseller
    _sign(organization, user, mpa)

    page = _page(provider_client, location.number)

    assert "may be used" in page
    assert "Fabrikam LLC" in page
    assert "United States of America" in page


def test_a_global_id_names_no_one(provider_client, reseller, mpa):
    organization, user, *_ = reseller
    _sign(organization, user, mpa)  # a reseller that may be named, by its location ID only
    global_id = PartnerId.objects.get(organization=organization, kind="global")

    page = _page(provider_client, global_id.number)

    assert "2202" in page
    assert "Fabrikam" not in page


def test_a_reseller_of_another_region_is_not_named(provider_client, staff, mpa):
    organization, user, _, location = _organization(
        "Litware SAS", "litware.example", staff, country="FR", region="europe"
    )
    _sign(organization, user, mpa)

    page = _page(provider_client, location.number)

    assert "2201" in page
    assert "match your CSP region, United States" in page
    for secret in ("Litware", "litware.example", "France", "Europe"):
        assert secret not in page


def test_an_organization_that_is_no_reseller_is_not_named(provider_client, staff, mpa):
    organization, user, _, location = _organization(
        "Northwind Traders", "northwind.example", staff, program="indirect_provider"
    )
    _sign(organization, user, mpa)

    page = _page(provider_client, location.number)

    assert "2204" in page
    assert "Northwind" not in page


def test_an_unknown_number_names_no_one(provider_client, reseller):
    page = _page(provider_client, 9999999)

    assert "2200" in page
    assert "Fabrikam" not in page


def test_a_reseller_that_may_not_be_named_yet_is_not_named(provider_client, reseller, staff):
    """In the caller's region but not active (and its agreement not accepted): each reason, no name."""
    organization, _, enrollment, location = reseller
    enrollment_services.enrollment_suspend(enrollment=enrollment, reviewer=staff, reason_text="Overdue billing.")

    page = _page(provider_client, location.number)

    assert "Suspended (800039)" in page
    assert "2203" in page
    assert "Fabrikam" not in page


def test_the_lookup_page_shows_each_fact_with_its_code(provider_client, staff, mpa, reseller):
    organization, user, enrollment, location = reseller
    _sign(organization, user, mpa)
    enrollment_services.enrollment_suspend(enrollment=enrollment, reviewer=staff, reason_text="Overdue billing.")

    page = _page(provider_client, location.number)

    assert "Suspended (800039)" in page
    assert "Accepted (version 2026-01" in page
    assert "Not accepted" not in page
    assert "Fabrikam" not in page


# --- who may look up ----------------------------------------------------------------------------------------


def test_an_organization_without_a_selling_enrolment_is_refused(admin_client, reseller):
    *_, location = reseller

    response = admin_client.get(LOOKUP, {"number": str(location.number)})

    assert response.status_code == 403
    assert "Verifying partner IDs is for active providers" in response.content.decode()
    assert "Fabrikam" not in response.content.decode()


def test_a_provider_awaiting_email_verification_is_refused(admin_client, admin_member, reseller, mpa):
    organization, user, _, location = reseller
    _sign(organization, user, mpa)
    enrollment = enrollment_services.enrollment_submit(
        organization=admin_member.organization, actor=admin_member.user, program="indirect_provider",
        data=ENROLLMENT_DATA,
    )  # fmt: skip
    assert enrollment.status == ProgramEnrollment.Status.EMAIL_PENDING

    response = admin_client.get(LOOKUP, {"number": str(location.number)})

    assert response.status_code == 403
    page = response.content.decode()
    assert "waits for confirmation" in page
    assert "Fabrikam" not in page
    assert 'data-testid="lookup-result"' not in page


def test_a_reseller_may_not_look_up(client, reseller, mpa):
    """An indirect reseller names no one as reseller: it may not look partner IDs up either."""
    organization, user, _, location = reseller
    _sign(organization, user, mpa)
    client.force_login(user)

    assert client.get(LOOKUP, {"number": str(location.number)}).status_code == 403
