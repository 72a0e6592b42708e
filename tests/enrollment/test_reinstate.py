"""A suspension is lifted: by staff ("Reinstate"), or by the approval of the corrected details' re-check."""

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.test import Client

from enrollment import services
from enrollment.models import EnrollmentError, ProgramEnrollment, VerificationCase
from partnerhub.core.models import AuditEvent, Notification, OutboundEmail
from tests.enrollment.test_recheck import (  # noqa: F401
    _change_address,
    _enrollment,
    _media,
    _provider_may_name,
)

REINSTATED = "partnerhub.enrollment.reinstated"


@pytest.fixture
def suspended(partners, staff):  # noqa: F811
    """(provider, reseller, its Global admin), the reseller suspended by a re-check's final rejection."""
    provider, reseller, user = partners
    case = _change_address(reseller, user)
    services.case_reject_final(case=case, reviewer=staff, reason_code="BUS-02", reason_text="Not the registered one.")
    assert _enrollment(reseller).status == "suspended"
    return provider, reseller, user


def test_reinstate_restores_the_active_status_and_the_providers_orders(suspended, staff):
    provider, reseller, user = suspended
    assert not _provider_may_name(provider, reseller)

    enrollment = services.enrollment_reinstate(enrollment=_enrollment(reseller), actor=staff)

    assert enrollment.status == "active"
    assert _enrollment(reseller).status == "active"
    assert _provider_may_name(provider, reseller)
    event = AuditEvent.objects.get(code=REINSTATED, organization=reseller)
    assert (event.actor, event.data["status"]) == (staff, "active")
    email = OutboundEmail.objects.get(
        subject="Your program enrolment is reinstated", to=_enrollment(reseller).contact_email
    )
    assert OutboundEmail.objects.filter(subject="Your program enrolment is reinstated", to=user.email).exists()
    assert "providers can place orders naming Fabrikam LLC again" in email.body_text
    assert Notification.objects.filter(user=user, title__contains="reinstated").exists()


def test_reinstate_is_refused_unless_suspended(partners, staff):  # noqa: F811
    _, reseller, _ = partners

    with pytest.raises(EnrollmentError) as error:
        services.enrollment_reinstate(enrollment=_enrollment(reseller), actor=staff)

    assert error.value.code == "illegal_transition"
    assert _enrollment(reseller).status == "active"
    assert not AuditEvent.objects.filter(code=REINSTATED).exists()


def test_reinstate_twice_acts_once(suspended, staff):
    _, reseller, _ = suspended
    services.enrollment_reinstate(enrollment=_enrollment(reseller), actor=staff)

    with pytest.raises(EnrollmentError):
        services.enrollment_reinstate(enrollment=_enrollment(reseller), actor=staff)

    assert _enrollment(reseller).status == "active"
    assert AuditEvent.objects.filter(code=REINSTATED).count() == 1
    # once to the primary contact, once to the Global admin
    assert OutboundEmail.objects.filter(subject="Your program enrolment is reinstated").count() == 2


def test_reinstate_without_an_associated_partner_id_gives_qualified(suspended, staff):
    _, reseller, _ = suspended
    reseller.partner_ids.update(csp_associated=False)

    enrollment = services.enrollment_reinstate(enrollment=_enrollment(reseller), actor=staff)

    assert enrollment.status == "qualified"


def test_approved_recheck_of_corrected_details_lifts_the_suspension(suspended, staff):
    provider, reseller, user = suspended

    case = _change_address(reseller, user, address_line1="3 Registered Street")
    assert _enrollment(reseller).status == "suspended"  # still suspended while the correction is reviewed
    for _ in range(2):  # business, decision
        case = services.case_approve_step(case=case, reviewer=staff)

    assert case.status == "authorized"
    enrollment = _enrollment(reseller)
    assert enrollment.status == "active"
    assert (enrollment.suspended_at, enrollment.suspension_reason, enrollment.suspension_case) == (None, "", None)
    assert _provider_may_name(provider, reseller)
    assert AuditEvent.objects.get(code=REINSTATED, organization=reseller).data["case"] == case.pk
    assert OutboundEmail.objects.filter(subject="Your program enrolment is reinstated").count() == 1


def test_approved_recheck_does_not_lift_a_suspension_staff_decided(partners, staff):  # noqa: F811
    _, reseller, user = partners
    services.enrollment_suspend(enrollment=_enrollment(reseller), reviewer=staff, reason_text="Overdue invoices.")

    case = _change_address(reseller, user)
    for _ in range(2):
        case = services.case_approve_step(case=case, reviewer=staff)

    assert _enrollment(reseller).status == "suspended"
    assert not AuditEvent.objects.filter(code=REINSTATED).exists()


def test_lapsed_recheck_suspension_is_lifted_by_staff(partners, staff, time_machine):  # noqa: F811
    provider, reseller, user = partners
    case = services.enrollment_update_legal_details(
        enrollment=_enrollment(reseller), actor=user, data={"contact_email": "sam@contoso.example"}
    )
    time_machine.move_to(case.lapses_at + timedelta(minutes=1))
    services.sweep_lapse_unverified_cases()
    enrollment = _enrollment(reseller)
    assert (enrollment.status, enrollment.suspension_case_id) == ("suspended", case.pk)

    services.enrollment_reinstate(enrollment=enrollment, actor=staff)

    assert _provider_may_name(provider, reseller)


def test_admin_reinstate_action_reports_each_row(suspended, staff, client, admin_member):
    provider, reseller, _ = suspended
    client.force_login(staff)
    active = ProgramEnrollment.objects.get(organization=provider)
    rows = [_enrollment(reseller).pk, active.pk]

    response = client.post(
        "/admin/enrollment/programenrollment/",
        {"action": "reinstate", "_selected_action": rows, "apply": "Reinstate"},
        follow=True,
    )

    page = response.content.decode()
    assert _enrollment(reseller).status == "active"
    assert "Reinstated: 1 enrolment(s)." in page
    assert f"{active}: This enrolment is Active, not suspended; there is nothing to reinstate." in page.replace(
        "&#x27;", "'"
    )
    assert AuditEvent.objects.get(code=REINSTATED).actor == staff


def test_legal_info_shows_the_suspension_its_reason_and_what_lifts_it(suspended):
    _, reseller, user = suspended
    client = Client()
    client.force_login(user)

    page = client.get("/settings/legal/?program=indirect_reseller").content.decode()

    box = re.search(r'data-testid="suspension-indirect_reseller">(.*?)</div>', page, re.S).group(1)
    assert "Not the registered one." in box
    assert "Correct your legal details" in box
    assert "the suspension is lifted" in box


def test_legal_info_says_staff_lift_a_suspension_they_decided(partners, staff):  # noqa: F811
    _, reseller, user = partners
    services.enrollment_suspend(enrollment=_enrollment(reseller), reviewer=staff, reason_text="Overdue invoices.")
    client = Client()
    client.force_login(user)

    page = client.get("/settings/legal/?program=indirect_reseller").content.decode()

    box = re.search(r'data-testid="suspension-indirect_reseller">(.*?)</div>', page, re.S).group(1)
    assert "Overdue invoices." in box
    assert "Contact support" in box


def test_legal_details_form_of_a_suspended_enrolment_says_approval_lifts_it(suspended):
    _, reseller, user = suspended
    client = Client()
    client.force_login(user)

    page = client.get(f"/settings/legal/{_enrollment(reseller).pk}/update/").content.decode()

    assert "Your enrolment stays suspended while we check." in page
    assert "Once we verify the corrected details, the suspension is lifted." in page
    assert "providers can keep placing orders" not in page


def test_reinstating_an_enrolment_suspended_while_qualified_follows_the_agreement(suspended, staff):
    provider, reseller, _ = suspended
    ProgramEnrollment.objects.filter(organization=reseller).update(suspended_from="qualified")

    enrollment = services.enrollment_reinstate(enrollment=_enrollment(reseller), actor=staff)

    assert enrollment.status == "active"  # the agreement is accepted and a partner ID associated
    assert _provider_may_name(provider, reseller)


def test_migration_backfills_suspensions_from_the_audit_trail(suspended):
    _, reseller, _ = suspended
    case = VerificationCase.objects.get(enrollment=_enrollment(reseller), status="rejected")
    ProgramEnrollment.objects.filter(organization=reseller).update(
        suspended_at=None, suspension_reason="", suspension_case=None
    )
    migration = importlib.import_module("enrollment.migrations.0004_enrollment_suspension")

    migration.backfill_suspensions(django_apps, None)

    enrollment = _enrollment(reseller)
    assert (enrollment.suspension_reason, enrollment.suspension_case) == ("Not the registered one.", case)
    assert enrollment.suspended_at is not None


def test_a_second_rejected_recheck_updates_the_suspension_reason(suspended, staff):
    _, reseller, user = suspended
    case = _change_address(reseller, user, address_line1="4 Other Street")

    services.case_reject_final(case=case, reviewer=staff, reason_code="BUS-02", reason_text="Still not registered.")

    enrollment = _enrollment(reseller)
    assert (enrollment.status, enrollment.suspended_from) == ("suspended", "active")
    assert (enrollment.suspension_reason, enrollment.suspension_case) == ("Still not registered.", case)
