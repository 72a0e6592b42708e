"""Direct bill: requirements, questionnaire, credit check, support plan and the move to reseller."""

import pytest

from enrollment import services
from enrollment.models import EnrollmentError, ProgramEnrollment
from tests.scenarios import FORM_DATA

DIRECT_BILL_FORM = {
    **FORM_DATA,
    "requirement_partner_id": "on",
    "requirement_endorsement": "on",
    "requirement_support": "on",
    "requirement_managed_service": "on",
    "requirement_accounts_receivable": "on",
    "annual_csp_revenue_usd": "450000",
    "months_as_reseller": "18",
    "planned_support_plan": "asfp",
    "managed_services": "Managed Microsoft 365",
    "billing_infrastructure": "Our own billing platform",
    "billing_anniversary_day": "15",
    "tax_id": "91-1144442",
}


@pytest.fixture
def direct_bill(admin_client, staff):
    admin_client.post("/programs/csp/enroll/direct_bill/", DIRECT_BILL_FORM)
    enrollment = ProgramEnrollment.objects.get(program="direct_bill")
    case = enrollment.cases.get()
    services.contact_email_verify(case_pk=case.pk)
    for _ in range(3):
        case = services.case_approve_step(case=case, reviewer=staff)
    enrollment.refresh_from_db()
    return enrollment


def test_requirements_must_all_be_attested(admin_client):
    response = admin_client.post("/programs/csp/enroll/direct_bill/", {**DIRECT_BILL_FORM, "requirement_support": ""})

    assert "Your company must meet this requirement." in response.content.decode()
    assert not ProgramEnrollment.objects.exists()


def test_questionnaire_and_billing_details_are_recorded(direct_bill):
    assert direct_bill.questionnaire["annual_csp_revenue_usd"] == 450000
    assert direct_bill.questionnaire["months_as_reseller"] == 18
    assert (direct_bill.billing_anniversary_day, direct_bill.tax_id) == (15, "91-1144442")
    assert direct_bill.requirements_attested_at is not None


def test_credit_check_starts_after_verification_and_gates_the_support_plan(
    direct_bill, admin_client, admin_member, staff
):
    assert (direct_bill.status, direct_bill.credit_check_status) == ("qualified", "pending")
    assert direct_bill.credit_check_due_at is not None
    with pytest.raises(EnrollmentError, match="before the credit check has passed"):
        services.enrollment_purchase_support_plan(enrollment=direct_bill, actor=admin_member.user, plan="asfp")

    services.enrollment_record_credit_check(enrollment=direct_bill, reviewer=staff, passed=True)

    from partnerhub.core.models import OutboundEmail

    assert OutboundEmail.objects.filter(subject="You passed the credit check").count() == 1
    admin_client.post(f"/settings/legal/{direct_bill.pk}/support-plan/", {"plan": "psfp"})
    direct_bill.refresh_from_db()
    assert direct_bill.support_plan == "psfp"
    assert direct_bill.support_plan_purchased_at
    with pytest.raises(EnrollmentError, match="already recorded"):
        services.enrollment_purchase_support_plan(enrollment=direct_bill, actor=admin_member.user, plan="asfp")


def test_recording_the_credit_check_twice_is_refused(direct_bill, staff):
    services.enrollment_record_credit_check(enrollment=direct_bill, reviewer=staff, passed=True)

    with pytest.raises(EnrollmentError, match="isn't pending"):
        services.enrollment_record_credit_check(enrollment=direct_bill, reviewer=staff, passed=True)


def test_transition_to_indirect_reseller(direct_bill, admin_client, staff):
    admin_client.post(f"/settings/legal/{direct_bill.pk}/transition/")
    direct_bill.refresh_from_db()
    assert direct_bill.transition_requested_at is not None

    reseller = services.enrollment_approve_transition(enrollment=direct_bill, reviewer=staff)

    assert (reseller.program, reseller.status) == ("indirect_reseller", "qualified")
    direct_bill.refresh_from_db()
    assert direct_bill.status == "transitioned"
    page = admin_client.get("/settings/legal/").content.decode()
    assert 'data-testid="program-status-direct_bill">Moved to indirect reseller<' in page
    assert 'data-testid="program-status-indirect_reseller">Qualified<' in page


def test_transition_cannot_be_approved_unless_requested(direct_bill, staff):
    with pytest.raises(EnrollmentError, match="no pending move"):
        services.enrollment_approve_transition(enrollment=direct_bill, reviewer=staff)
