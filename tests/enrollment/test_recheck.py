"""A re-check of changed details runs beside the program status (issue 14, defects 3–5 and rough edges)."""

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.formats import date_format
from django.utils.timezone import localtime

from agreements.selectors import agreement_status_lookup
from customers.services import CustomersError, eligible_resellers
from customers.services.orders import partner_of_record_check
from enrollment import services
from enrollment.models import PartnerId, ProgramEnrollment, VerificationCase
from partnerhub.core.models import AuditEvent, Notification, OutboundEmail
from tests.uploads import PDF


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _enrollment(organization) -> ProgramEnrollment:
    return ProgramEnrollment.objects.get(organization=organization, program="indirect_reseller")


def _provider_may_name(provider, reseller) -> bool:
    """The provider's two eligibility paths: the status lookup behind the order form, and the reseller picker."""
    number = str(PartnerId.objects.get(organization=reseller, csp_associated=True).number)
    try:
        ordered_for = partner_of_record_check(partner=provider, number=number).organization
    except CustomersError:
        ordered_for = None
    looked_up = agreement_status_lookup(number=number, provider_region=provider.csp_region).ok
    listed = reseller in eligible_resellers(provider)
    assert (ordered_for == reseller) == looked_up == listed
    return looked_up


def _change_address(reseller, user, **data):
    return services.enrollment_update_legal_details(
        enrollment=_enrollment(reseller), actor=user, data={"address_line1": "2 Harbour Road", **data}
    )


# --- defect 3: an Active partner stays Active while its changed details are checked ----------------


def test_address_change_keeps_an_active_reseller_active_and_orderable(partners):
    provider, reseller, user = partners
    assert _enrollment(reseller).status == "active"

    case = _change_address(reseller, user)

    assert (case.kind, case.status, case.step) == ("legal_change", "in_review", "business")
    assert _enrollment(reseller).status == "active"
    assert _provider_may_name(provider, reseller)


def test_recheck_approved_changes_nothing_for_the_program(partners, staff):
    provider, reseller, user = partners
    case = _change_address(reseller, user)

    for _ in range(2):  # business, decision
        case = services.case_approve_step(case=case, reviewer=staff)

    assert case.status == "authorized"
    assert _enrollment(reseller).status == "active"
    email = OutboundEmail.objects.filter(subject="Your changed details are verified").get()
    assert "its status stays Active" in email.body_text


def test_recheck_action_needed_keeps_the_partner_active_until_the_deadline(partners, staff):
    provider, reseller, user = partners
    case = _change_address(reseller, user)

    case = services.case_reject_step(case=case, reviewer=staff, reason_code="BUS-02", reason_text="Send a bill.")

    assert case.status == "action_needed"
    assert case.closes_at is not None
    assert _enrollment(reseller).status == "active"
    assert _provider_may_name(provider, reseller)
    body = OutboundEmail.objects.filter(subject__startswith="Action needed").latest("pk").body_text
    assert (
        f"Your program stays Active while you answer. Without an answer by {date_format(localtime(case.closes_at))}"
        in body
    )

    services.case_submit_document(
        case=case, actor=user, document_type="municipal_receipt", comment="", upload=SimpleUploadedFile("b.pdf", PDF)
    )
    assert _enrollment(reseller).status == "active"


def test_recheck_final_rejection_suspends_with_notice(partners, staff):
    provider, reseller, user = partners
    case = _change_address(reseller, user)

    services.case_reject_final(case=case, reviewer=staff, reason_code="BUS-02", reason_text="Not the registered one.")

    assert _enrollment(reseller).status == "suspended"
    assert not _provider_may_name(provider, reseller)
    email = OutboundEmail.objects.filter(subject__startswith="Your program enrolment is suspended").get()
    assert "providers can't place orders naming Fabrikam LLC" in email.body_text
    assert Notification.objects.filter(user=user, title__contains="suspended").exists()
    assert AuditEvent.objects.filter(code="partnerhub.enrollment.suspended", organization=reseller).exists()


def test_unanswered_recheck_suspends_at_the_announced_deadline(partners, staff, time_machine):
    _, reseller, user = partners
    case = services.case_reject_step(
        case=_change_address(reseller, user), reviewer=staff, reason_code="BUS-02", reason_text="Send a bill."
    )

    time_machine.move_to(case.closes_at.replace(microsecond=0) + timedelta(minutes=1))
    services.sweep_close_unanswered_cases()

    assert _enrollment(reseller).status == "suspended"


def test_contact_email_recheck_keeps_active_and_asks_for_the_link(partners):
    _, reseller, user = partners
    case = services.enrollment_update_legal_details(
        enrollment=_enrollment(reseller), actor=user, data={"contact_email": "sam@contoso.example"}
    )
    assert case.status == "email_pending"
    assert _enrollment(reseller).status == "active"

    client = Client()
    client.force_login(user)
    dashboard = client.get("/").content.decode()
    assert "Verify the new primary contact&#x27;s email address" in dashboard

    services.contact_email_verify(case_pk=case.pk)
    assert _enrollment(reseller).status == "active"


def test_unverified_new_contact_suspends_with_notice_after_the_lapse_deadline(partners, time_machine):
    _, reseller, user = partners
    case = services.enrollment_update_legal_details(
        enrollment=_enrollment(reseller), actor=user, data={"contact_email": "sam@contoso.example"}
    )

    time_machine.move_to(case.lapses_at + timedelta(minutes=1))
    services.sweep_lapse_unverified_cases()

    enrollment = _enrollment(reseller)
    assert (enrollment.status, enrollment.closed_at) == ("suspended", None)
    email = OutboundEmail.objects.filter(subject__startswith="Your program enrolment is suspended").get()
    assert "the new primary contact wasn't verified" in email.subject
    assert AuditEvent.objects.filter(code="partnerhub.enrollment.suspended", organization=reseller).exists()


def test_legal_details_form_says_what_happens_before_saving(partners):
    _, reseller, user = partners
    client = Client()
    client.force_login(user)

    page = client.get(f"/settings/legal/{_enrollment(reseller).pk}/update/").content.decode()

    assert "What happens when you submit" in page
    assert "Your program status stays Active while we check" in page


def test_legal_info_shows_the_recheck_beside_the_active_status(partners):
    _, reseller, user = partners
    _change_address(reseller, user)
    client = Client()
    client.force_login(user)

    page = client.get("/settings/legal/?program=indirect_reseller").content.decode()

    assert re.search(r'data-testid="program-status-indirect_reseller">Active<', page)
    assert "Verification of your changed details" in page
    assert "its status stays Active meanwhile" in page


# --- defect 4: a case keeps the details it was submitted with ----------------------------------------


def test_a_decided_case_keeps_the_details_it_was_decided_on(authorized, admin_member, staff, client):
    services.enrollment_update_legal_details(
        enrollment=authorized.enrollment, actor=admin_member.user, data={"address_line1": "2 Harbour Road"}
    )

    authorized.refresh_from_db()
    assert authorized.submitted_details["address_line1"] == "1 Main Street"
    client.force_login(staff)
    page = client.get(f"/admin/enrollment/verificationcase/{authorized.pk}/change/").content.decode()
    assert "1 Main Street" in page
    assert "2 Harbour Road" not in page
    newer = VerificationCase.objects.exclude(pk=authorized.pk).get()
    assert newer.submitted_details["address_line1"] == "2 Harbour Road"


def test_migration_backfills_cases_without_a_snapshot(authorized):
    VerificationCase.objects.filter(pk=authorized.pk).update(submitted_details={})
    migration = importlib.import_module("enrollment.migrations.0003_case_submitted_details")

    migration.backfill_submitted_details(django_apps, None)

    authorized.refresh_from_db()
    assert authorized.submitted_details["legal_name"] == "Contoso Distribution Inc."
    assert authorized.submitted_details["country"] == "US"


# --- defect 5: a rejection shows only while it is the current state ---------------------------------


def test_rejection_box_goes_once_approved_and_stays_in_the_history(admin_client, action_needed, admin_member, staff):
    case = action_needed
    services.case_submit_document(
        case=action_needed,
        actor=admin_member.user,
        document_type="domain_record",
        comment="",
        upload=SimpleUploadedFile("whois.pdf", PDF),
    )
    for _ in range(3):
        case = services.case_approve_step(case=case, reviewer=staff)

    page = admin_client.get("/settings/legal/?program=indirect_reseller").content.decode()

    assert 'data-testid="rejection-reason"' not in page
    assert "Send a WHOIS record for contoso.example." in page  # in the history


# --- rough edges ---------------------------------------------------------------------------------


def test_admin_review_form_preselects_no_action_after_a_rejection(staff, client, action_needed, admin_member):
    case = action_needed
    services.case_submit_document(
        case=action_needed,
        actor=admin_member.user,
        document_type="domain_record",
        comment="",
        upload=SimpleUploadedFile("whois.pdf", PDF),
    )
    client.force_login(staff)

    page = client.get(f"/admin/enrollment/verificationcase/{case.pk}/change/").content.decode()
    select = re.search(r'<select name="action"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.search(r'<option value="" selected>', select)
    assert "selected" not in select.replace('<option value="" selected>', "")

    client.post(f"/admin/enrollment/verificationcase/{case.pk}/review/", {"action": ""})
    case.refresh_from_db()
    assert (case.status, case.step) == ("in_review", "employment")


def test_action_needed_email_names_who_can_fix_and_links_there(action_needed):
    email = OutboundEmail.objects.filter(subject__startswith="Action needed").get()

    assert email.to == "pat.lee@contoso.example"
    assert "a Global admin of Contoso Distribution Inc. (Megan" in email.body_text
    assert "megan@contoso.example" in email.body_text
    assert "If you don't have a PartnerHub account, forward this email" in email.body_text
    assert f"http://testserver/settings/legal/cases/{action_needed.pk}/fix/" in email.body_text
    assert f'href="http://testserver/settings/legal/cases/{action_needed.pk}/fix/"' in email.body_html


def test_history_names_steps_in_french(admin_client, admin_member, in_review, staff):
    services.case_approve_step(case=in_review, reviewer=staff)
    admin_member.user.language = "fr"
    admin_member.user.save(update_fields=["language"])

    with translation.override("fr"):
        page = admin_client.get("/settings/legal/?program=indirect_reseller", HTTP_ACCEPT_LANGUAGE="fr").content
    page = page.decode()

    history = re.search(r'data-testid="history">(.*?)</ul>', page, re.S).group(1)
    assert "(employment)" not in history
    assert "Étape réussie</span> (Emploi)" in history
