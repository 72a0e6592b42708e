"""Staff suspend and reinstate a partner's program in admin, with a reason code and an email; what a suspended
provider can no longer do, and where it reads why."""

import pytest
from django.test import Client

from customers.services import common as customer_rules
from enrollment import services
from enrollment.models import EnrollmentError, ProgramEnrollment
from partnerhub.accounts.models import Role
from partnerhub.core.models import AuditEvent, OutboundEmail
from relationships import services as relationship_services

CHANGELIST = "/admin/enrollment/programenrollment/"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def provider_enrollment(active_provider):
    return ProgramEnrollment.objects.get(organization=active_provider, program="indirect_provider")


@pytest.fixture
def second_admin(make_member, active_provider):
    return make_member(active_provider, Role.GLOBAL_ADMIN, email="lee@contoso.example", first_name="Lee")


def _action(staff_client, action, enrollment, **data):
    return staff_client.post(
        CHANGELIST, {"action": action, "_selected_action": [enrollment.pk], **data}, follow=True
    ).content.decode()


def _suspend(staff_client, enrollment, code="non_payment", text="Your invoices are 75 days overdue."):
    return _action(staff_client, "suspend", enrollment, apply="Suspend", reason_code=code, reason_text=text)


def test_suspend_asks_for_a_reason_code_and_a_sentence_first(staff_client, provider_enrollment):
    page = _action(staff_client, "suspend", provider_enrollment)

    assert "Suspend these programs" in page
    assert "Compliance / sanctions review" in page
    assert "Sentence the partner reads" in page
    provider_enrollment.refresh_from_db()
    assert provider_enrollment.status == "active"


@pytest.mark.parametrize(
    ("code", "text", "error"),
    [("", "Overdue.", "This field is required."), ("non_payment", "", "This field is required."),
     ("made_up", "Overdue.", "Select a valid choice.")],
)  # fmt: skip
def test_a_suspension_without_a_valid_reason_changes_nothing(staff_client, provider_enrollment, code, text, error):
    sent = OutboundEmail.objects.count()

    page = _suspend(staff_client, provider_enrollment, code=code, text=text)

    assert error in page
    provider_enrollment.refresh_from_db()
    assert provider_enrollment.status == "active"
    assert OutboundEmail.objects.count() == sent


def test_staff_suspend_then_reinstate_with_emails_to_the_contact_and_global_admins(
    staff_client, staff, provider_enrollment, admin_member, second_admin
):
    partner = Client()
    partner.force_login(admin_member.user)
    contact = provider_enrollment.contact_email
    page = _suspend(staff_client, provider_enrollment)

    assert "Suspended: 1 enrolment(s)." in page
    provider_enrollment.refresh_from_db()
    assert (provider_enrollment.status, provider_enrollment.suspension_reason_code) == ("suspended", "non_payment")
    assert provider_enrollment.suspension_reason == "Your invoices are 75 days overdue."
    event = AuditEvent.objects.get(code="partnerhub.enrollment.suspended")
    assert (event.actor, event.data["reason_code"]) == (staff, "non_payment")
    mails = OutboundEmail.objects.filter(template="enrollment_status", subject__contains="suspended")
    assert {mail.to for mail in mails} == {contact, "megan@contoso.example", "lee@contoso.example"}
    for mail in mails:
        assert "Reason: Non-payment." in mail.body_text
        assert "75 days overdue" in mail.body_text
        assert "can't add customers, place orders or request partnerships" in mail.body_text

    # The partner reads it on its dashboard and its program page.
    dashboard = partner.get("/").content.decode()
    assert 'data-testid="pending-action-suspended_indirect_provider"' in dashboard
    assert "Non-payment: Your invoices are 75 days overdue." in dashboard
    legal = partner.get("/settings/legal/?program=indirect_provider").content.decode()
    assert "Reason: Non-payment" in legal
    assert "you can't add customers, place orders or request partnerships" in legal

    # Staff reinstate after a confirmation that shows the reason; the partner is emailed again.
    confirm = _action(staff_client, "reinstate", provider_enrollment)
    assert "Reinstate these programs" in confirm
    assert "Your invoices are 75 days overdue." in confirm
    page = _action(staff_client, "reinstate", provider_enrollment, apply="Reinstate")

    assert "Reinstated: 1 enrolment(s)." in page
    provider_enrollment.refresh_from_db()
    assert (provider_enrollment.status, provider_enrollment.suspension_reason_code) == ("active", "")
    event = AuditEvent.objects.get(code="partnerhub.enrollment.reinstated")
    assert event.data["suspension_reason_code"] == "non_payment"
    mails = OutboundEmail.objects.filter(template="enrollment_status", subject__contains="reinstated")
    assert {mail.to for mail in mails} == {contact, "megan@contoso.example", "lee@contoso.example"}
    assert 'data-testid="pending-action-suspended_indirect_provider"' not in partner.get("/").content.decode()


def test_a_suspended_provider_cannot_add_customers_order_or_request_partnerships(
    staff, admin_client, admin_member, provider_enrollment, seller
):
    provider = provider_enrollment.organization
    services.enrollment_suspend(
        enrollment=provider_enrollment, reviewer=staff, reason_code="fraud_or_abuse", reason_text="Card fraud."
    )

    with pytest.raises(customer_rules.CustomersError) as refused:
        customer_rules.require_seller(provider)
    assert refused.value.code == "not_seller"
    assert admin_client.get("/customers/new/").status_code == 403
    with pytest.raises(relationship_services.RelationshipsError):
        relationship_services.partnership_invitation_create(provider=provider, actor=admin_member.user)

    services.enrollment_reinstate(enrollment=provider_enrollment, actor=staff)
    assert customer_rules.require_seller(provider) == "indirect_provider"
    assert admin_client.get("/customers/new/").status_code == 200


def test_reinstating_twice_or_suspending_twice_changes_nothing_more(staff_client, staff, provider_enrollment):
    _suspend(staff_client, provider_enrollment)
    sent = OutboundEmail.objects.count()

    page = _suspend(staff_client, provider_enrollment)
    assert "Only an authorized enrolment can be suspended." in page
    _action(staff_client, "reinstate", provider_enrollment, apply="Reinstate")
    page = _action(staff_client, "reinstate", provider_enrollment, apply="Reinstate")

    assert "there is nothing to reinstate" in page
    assert OutboundEmail.objects.count() == sent + 2  # the one reinstatement's emails (contact and Megan)
    assert AuditEvent.objects.filter(code="partnerhub.enrollment.suspended").count() == 1


def test_the_service_refuses_an_unknown_reason_code(staff, provider_enrollment):
    with pytest.raises(EnrollmentError):
        services.enrollment_suspend(
            enrollment=provider_enrollment, reviewer=staff, reason_code="whim", reason_text="Because."
        )
    provider_enrollment.refresh_from_db()
    assert provider_enrollment.status == "active"


def test_partners_cannot_reach_the_admin_actions(admin_client, provider_enrollment):
    response = admin_client.post(
        CHANGELIST,
        {"action": "suspend", "_selected_action": [provider_enrollment.pk], "apply": "1", "reason_code": "other",
         "reason_text": "x"},
    )  # fmt: skip
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    provider_enrollment.refresh_from_db()
    assert provider_enrollment.status == "active"
