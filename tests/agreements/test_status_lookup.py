"""The partner agreement status lookup: every reason a provider may hear, and success."""

import pytest

from agreements import services
from agreements.selectors import agreement_status_lookup
from enrollment import services as enrollment_services
from enrollment.models import PartnerId, ProgramEnrollment
from partnerhub.accounts.models import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

from .conftest import qualify


@pytest.fixture
def reseller(staff, mpa):
    organization = OrganizationFactory(legal_name="Fabrikam LLC", primary_domain="contoso.example")
    user = UserFactory(email="alex@contoso.example")
    MembershipFactory(organization=organization, user=user, roles=[Role.GLOBAL_ADMIN])
    enrollment_services.partner_id_issue_global(organization=organization)
    enrollment, location = qualify(organization, user, staff)
    return organization, user, enrollment, location


def test_unknown_and_malformed_ids(db):
    assert agreement_status_lookup(number="abc").code == "2000"
    assert agreement_status_lookup(number="9999999").code == "2200"


def test_a_global_id_is_not_a_location(reseller):
    organization, *_ = reseller
    global_id = PartnerId.objects.get(organization=organization, kind="global")

    result = agreement_status_lookup(number=str(global_id.number))

    assert (result.ok, result.code) == (False, "2202")
    assert result.organization == "Fabrikam LLC"


def test_a_location_not_associated_with_a_reseller_account(reseller):
    organization, user, *_ = reseller
    other = enrollment_services.partner_id_add_location(
        organization=organization, actor=user, business_name="Branch", country="US", address_line1="2 Main",
        city="Austin", postal_code="73301", contact_name="A", contact_email="a@contoso.example",
    )  # fmt: skip

    assert agreement_status_lookup(number=str(other.number)).code == "2204"


def test_a_provider_is_not_an_indirect_reseller(admin_member, staff, mpa):
    _, location = qualify(admin_member.organization, admin_member.user, staff, program="indirect_provider")

    assert agreement_status_lookup(number=str(location.number)).code == "2204"


def test_not_authorized(reseller, staff):
    organization, _, enrollment, location = reseller
    enrollment_services.enrollment_suspend(enrollment=enrollment, reviewer=staff, reason_text="Overdue billing.")

    result = agreement_status_lookup(number=str(location.number))

    assert (result.code, result.program_status) == ("800039", "Suspended")


def test_agreement_not_signed(reseller):
    *_, location = reseller

    result = agreement_status_lookup(number=str(location.number))

    assert (result.code, result.agreement_accepted) == ("2203", False)
    assert result.region == "United States"


def test_region_mismatch_and_success(reseller, mpa):
    organization, user, _, location = reseller
    services.agreement_sign(
        organization=organization,
        user=user,
        version=mpa,
        first_name="Alex",
        last_name="W",
        email=user.email,
        accepted=True,
    )

    other_region = agreement_status_lookup(number=str(location.number), provider_region="europe")
    same_region = agreement_status_lookup(number=str(location.number), provider_region="united_states")

    assert (other_region.code, other_region.agreement_accepted) == ("2201", True)
    assert "doesn't match your CSP region, Europe" in other_region.message
    assert (same_region.ok, same_region.program_status) == (True, "Active")


def test_lookup_page_is_for_providers(admin_client, admin_member, staff, mpa, reseller):
    assert admin_client.get("/programs/csp/agreement-status/").status_code == 403

    qualify(admin_member.organization, admin_member.user, staff, program="indirect_provider", associate=False)
    *_, location = reseller
    page = admin_client.get(f"/programs/csp/agreement-status/?number={location.number}").content.decode()

    assert "2203" in page
    assert "Fabrikam LLC" in page


def test_a_reseller_being_rechecked_still_reports_its_accepted_agreement(reseller, mpa):
    """Issue 14, defect 6: the lookup stopped at the program status and said "Not accepted"."""
    organization, user, enrollment, location = reseller
    services.agreement_sign(
        organization=organization, user=user, version=mpa, first_name="Alex", last_name="W", email=user.email,
        accepted=True,
    )  # fmt: skip
    ProgramEnrollment.objects.filter(pk=enrollment.pk).update(status=ProgramEnrollment.Status.PENDING_QUALIFICATION)

    result = agreement_status_lookup(number=str(location.number), provider_region="united_states")

    assert (result.ok, result.code) == (False, "800039")
    assert (result.program_status, result.program_code) == ("Pending qualification", "800039")
    assert (result.agreement_accepted, result.agreement_code) == (True, "")
    assert result.agreement_status.startswith("Accepted (version 2026-01")
    assert [code for code, _ in result.reasons] == ["800039"]


def test_the_lookup_page_shows_each_fact_with_its_code(admin_client, admin_member, staff, mpa, reseller):
    qualify(admin_member.organization, admin_member.user, staff, program="indirect_provider", associate=False)
    organization, user, enrollment, location = reseller
    services.agreement_sign(
        organization=organization, user=user, version=mpa, first_name="Alex", last_name="W", email=user.email,
        accepted=True,
    )  # fmt: skip
    enrollment_services.enrollment_suspend(enrollment=enrollment, reviewer=staff, reason_text="Overdue billing.")

    page = admin_client.get(f"/programs/csp/agreement-status/?number={location.number}").content.decode()

    assert "Suspended (800039)" in page
    assert "Accepted (version 2026-01" in page
    assert "Not accepted" not in page
