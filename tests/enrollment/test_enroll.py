"""Welcome page and enrolment form: who may enrol, what the form refuses, one open enrolment."""

import pytest

from enrollment.models import ProgramEnrollment, VerificationCase
from partnerhub.accounts.models import Role
from partnerhub.core.models import AuditEvent, OutboundEmail
from tests.scenarios import FORM_DATA


def test_welcome_page_lists_what_is_needed_and_the_three_programs(admin_client):
    page = admin_client.get("/programs/csp/").content.decode()

    assert "Only a Global admin can enrol" not in page
    for text in ("Global admin", "partner ID", "legal business profile", "primary contact", "Customer support"):
        assert text.lower() in page.lower()
    for program in ("Indirect reseller", "Indirect provider", "Direct bill partner"):
        assert program in page
    assert 'value="indirect_reseller"' in page
    assert "checked" in page.split('value="indirect_reseller"')[1][:40]


def test_next_leads_to_the_form_of_the_chosen_program(admin_client):
    response = admin_client.post("/programs/csp/", {"program": "indirect_provider"})

    assert response["Location"] == "/programs/csp/enroll/indirect_provider/"


@pytest.mark.parametrize("role", [Role.ACCOUNT_ADMIN, Role.ADMIN_AGENT, Role.USER_MANAGEMENT_ADMIN])
def test_others_see_who_can_enrol_and_get_403(client, make_member, provider, admin_member, role):
    member = make_member(provider, role)
    client.force_login(member.user)

    page = client.get("/programs/csp/").content.decode()

    assert "Only a Global admin can enrol" in page
    assert "megan@contoso.example" in page
    assert client.post("/programs/csp/", {"program": "indirect_reseller"}).status_code == 403
    assert client.get("/programs/csp/enroll/indirect_reseller/").status_code == 403
    assert client.post("/programs/csp/enroll/indirect_reseller/", FORM_DATA).status_code == 403
    assert not ProgramEnrollment.objects.exists()


def test_form_is_prefilled_from_the_organization(admin_client):
    page = admin_client.get("/programs/csp/enroll/indirect_reseller/").content.decode()

    assert 'value="Contoso Distribution Inc."' in page
    assert 'value="megan@contoso.example"' in page


def test_enroll_now_opens_a_case_and_emails_the_primary_contact(admin_client, provider):
    response = admin_client.post("/programs/csp/enroll/indirect_reseller/", FORM_DATA)

    assert response.status_code == 302
    enrollment = ProgramEnrollment.objects.get()
    assert enrollment.status == "email_pending"
    case = enrollment.cases.get()
    assert case.status == "email_pending"
    assert case.domain_mismatch is False
    mail = OutboundEmail.objects.get(to="pat.lee@contoso.example")
    assert "/verify-contact/" in mail.body_text
    assert AuditEvent.objects.filter(code="partnerhub.enrollment.submitted").exists()
    status = admin_client.get(response["Location"]).content.decode()
    assert "Email verification pending" in status
    assert "Waiting for you: the primary contact must open the emailed link." in status


def test_contact_on_another_domain_is_accepted_but_flagged(admin_client):
    admin_client.post(
        "/programs/csp/enroll/indirect_reseller/", {**FORM_DATA, "contact_email": "pat@contoso-group.example"}
    )

    case = VerificationCase.objects.get()
    assert case.domain_mismatch is True
    assert case.prechecks["contact_domain_matches"] is False


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        ("pat@gmail.com", "web-based email services"),
        ("pat@hotmail.fr", "web-based email services"),
        ("info@contoso.example", "shared addresses such as info@"),
        ("admin@contoso.example", "shared addresses such as info@"),
        ("marketing@contoso.example", "shared addresses such as info@"),
        ("support@contoso.example", "shared addresses such as info@"),
        ("noreply@contoso.example", "shared addresses such as info@"),
    ],
)
def test_webmail_and_role_addresses_are_refused_with_the_reason(admin_client, email, reason):
    response = admin_client.post("/programs/csp/enroll/indirect_reseller/", {**FORM_DATA, "contact_email": email})

    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not ProgramEnrollment.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_registration_number_is_refused_where_it_is_not_used(admin_client):
    response = admin_client.post(
        "/programs/csp/enroll/indirect_reseller/", {**FORM_DATA, "registration_number": "12-3456789"}
    )

    assert "isn&#x27;t used for companies in United States" in response.content.decode()
    assert not ProgramEnrollment.objects.exists()


@pytest.fixture
def brazilian_client(client, make_member, db):
    from tests.factories import OrganizationFactory

    org = OrganizationFactory(country="BR", csp_region="brazil", currency="BRL", primary_domain="contoso.example")
    member = make_member(org, Role.GLOBAL_ADMIN, email="ana@contoso.example")
    client.force_login(member.user)
    return client


def test_registration_number_is_required_where_the_country_needs_it(brazilian_client):
    page = brazilian_client.get("/programs/csp/enroll/indirect_reseller/").content.decode()
    assert "CNPJ" in page

    missing = brazilian_client.post(
        "/programs/csp/enroll/indirect_reseller/",
        {**FORM_DATA, "contact_phone": "+55 11 4004 0001", "support_phone": "+55 11 4004 0002"},
    )
    assert "This field is required." in missing.content.decode()
    assert not ProgramEnrollment.objects.exists()

    ok = brazilian_client.post(
        "/programs/csp/enroll/indirect_reseller/",
        {
            **FORM_DATA,
            "registration_number": "12.345.678/0001-95",
            "contact_phone": "+55 11 4004 0001",
            "support_phone": "+55 11 4004 0002",
        },
    )
    assert ok.status_code == 302
    assert VerificationCase.objects.get().prechecks["registration_number_format_ok"] is True


def test_one_open_enrolment_per_program(admin_client, enroll):
    enroll()

    response = admin_client.get("/programs/csp/enroll/indirect_reseller/")

    assert response.status_code == 302
    assert ProgramEnrollment.objects.count() == 1
    # A second program is fine.
    admin_client.post("/programs/csp/enroll/indirect_provider/", FORM_DATA)
    assert ProgramEnrollment.objects.count() == 2


def test_the_constraint_holds_even_if_two_requests_race(enroll):
    from enrollment.models import EnrollmentError

    enroll()
    with pytest.raises(EnrollmentError, match="already has an open enrolment"):
        enroll()


def test_unknown_program_is_404(admin_client):
    assert admin_client.get("/programs/csp/enroll/emperor/").status_code == 404


def test_dashboard_invites_to_enrol_then_to_verify_the_email(admin_client, enroll):
    assert 'data-testid="pending-action-enroll"' in admin_client.get("/").content.decode()

    enroll()

    page = admin_client.get("/").content.decode()
    assert 'data-testid="pending-action-enroll"' not in page
    assert 'data-testid="pending-action-verify_email_indirect_reseller"' in page
