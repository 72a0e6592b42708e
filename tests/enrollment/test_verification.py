"""The verification case: each transition allowed, refused when illegal, and harmless when repeated."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format

from enrollment import services
from enrollment.models import EnrollmentError, ProgramEnrollment, VerificationCase, VerificationDocument
from partnerhub.core.models import AuditEvent, OutboundEmail
from tests.budgets import PAGE_QUERY_BUDGET
from tests.scenarios import verification_link
from tests.uploads import PDF, PNG


def _mails(to="pat.lee@contoso.example"):
    return OutboundEmail.objects.filter(to=to).count()


# --- email ownership -----------------------------------------------------------------------------


def test_contact_link_landing_has_no_side_effect(client, enroll):
    enroll()
    link = verification_link()

    page = client.get(link)

    assert page.status_code == 200
    assert "Verify my email address" in page.content.decode()
    assert VerificationCase.objects.get().status == "email_pending"


def test_contact_verifies_without_signing_in_and_the_review_starts(enroll, time_machine):
    time_machine.move_to(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False)  # a Friday
    enroll()
    link = verification_link()

    response = Client().post(link)

    assert response.status_code == 200
    case = VerificationCase.objects.get()
    assert (case.status, case.step, case.email_status, case.employment_status) == (
        "in_review",
        "employment",
        "passed",
        "pending",
    )
    # 5 US business days after Friday 20 Nov: 23, 24, 25, (26 is Thanksgiving) 27, 30.
    assert case.sla_due_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert case.enrollment.status == "pending_qualification"
    assert "the review has started" in OutboundEmail.objects.latest("pk").subject


def test_contact_link_works_once(client, enroll):
    enroll()
    link = verification_link()
    client.post(link)
    sent = _mails()

    again = client.post(link)

    assert again.status_code == 404  # the token was cleared: it is unknown now
    assert _mails() == sent


def test_verifying_twice_through_the_service_is_refused(in_review):
    with pytest.raises(EnrollmentError, match="already been verified"):
        services.contact_email_verify(case_pk=in_review.pk)


def test_resend_issues_a_new_link_and_kills_the_old(admin_client, enroll):
    enrollment = enroll()
    old = verification_link()

    admin_client.post(f"/settings/legal/{enrollment.pk}/resend-email/")

    new = verification_link()
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


def test_resend_after_verification_is_refused_with_a_message(admin_client, in_review):
    sent = _mails()

    response = admin_client.post(f"/settings/legal/{in_review.enrollment.pk}/resend-email/", follow=True)

    assert "already verified" in response.content.decode()
    assert _mails() == sent


# --- the vendor's review ----------------------------------------------------------------------------


def test_approving_each_step_authorizes_and_makes_the_program_qualified(authorized, admin_client):
    assert OutboundEmail.objects.filter(subject__contains="verified").exists()
    page = admin_client.get("/settings/legal/?program=indirect_reseller").content.decode()
    assert 'data-testid="program-status-indirect_reseller">Qualified<' in page
    assert 'data-testid="pending-action-associate_partner_id"' in admin_client.get("/").content.decode()


def test_approving_an_authorized_case_is_illegal_and_changes_nothing(authorized, staff):
    sent = OutboundEmail.objects.count()

    with pytest.raises(EnrollmentError, match="isn't possible now"):
        services.case_approve_step(case=authorized, reviewer=staff)

    assert OutboundEmail.objects.count() == sent
    authorized.refresh_from_db()
    assert authorized.status == "authorized"


def test_approving_before_email_verification_is_illegal(enroll, staff):
    case = enroll().cases.get()

    with pytest.raises(EnrollmentError):
        services.case_approve_step(case=case, reviewer=staff)

    case.refresh_from_db()
    assert case.email_status == "pending"


def test_rejecting_a_step_needs_action_and_shows_the_reason(action_needed, admin_client):
    assert action_needed.status == "action_needed"
    assert action_needed.employment_status == "rejected"
    assert action_needed.closes_at is not None
    mail = OutboundEmail.objects.latest("pk")
    assert "Action needed" in mail.subject
    assert "EMP-02" in mail.body_text
    assert "WHOIS" in mail.body_text
    page = admin_client.get("/settings/legal/?program=indirect_reseller").content.decode()
    assert "EMP-02: We couldn&#x27;t confirm that your company owns the primary contact&#x27;s email domain." in page
    assert "Send a WHOIS record" in page
    assert "Fix now" in page
    assert 'data-testid="pending-action-fix_case_indirect_reseller"' in admin_client.get("/").content.decode()


def test_rejecting_twice_sends_one_email(action_needed, staff):
    sent = OutboundEmail.objects.count()

    with pytest.raises(EnrollmentError):
        services.case_reject_step(case=action_needed, reviewer=staff, reason_code="EMP-02", reason_text="Again")

    assert OutboundEmail.objects.count() == sent


def test_a_rejection_needs_a_reason(in_review, staff):
    with pytest.raises(EnrollmentError, match="Explain the reason"):
        services.case_reject_step(case=in_review, reviewer=staff, reason_code="EMP-02", reason_text="  ")
    with pytest.raises(EnrollmentError, match="Choose a reason code"):
        services.case_reject_step(case=in_review, reviewer=staff, reason_code="NOPE", reason_text="x")

    in_review.refresh_from_db()
    assert in_review.status == "in_review"


def test_repeated_failures_end_the_case(in_review, staff, settings):
    settings.VERIFICATION_MAX_REJECTIONS = 2
    case = services.case_reject_step(case=in_review, reviewer=staff, reason_code="BUS-01", reason_text="Name")
    services.case_submit_document(
        case=case,
        actor=None,
        document_type="business_registration",
        comment="",
        upload=SimpleUploadedFile("a.pdf", PDF),
    )

    case = services.case_reject_step(case=case, reviewer=staff, reason_code="BUS-01", reason_text="Still wrong")

    assert (case.status, case.reason_code) == ("rejected", "FIN-01")
    enrollment = ProgramEnrollment.objects.get()
    assert enrollment.status == "rejected"
    assert enrollment.closed_at is not None


def test_final_rejection_closes_the_enrolment_and_allows_a_new_one(in_review, staff, enroll):
    services.case_reject_final(
        case=in_review, reviewer=staff, reason_code="BUS-04", reason_text="Not found in the register."
    )

    assert ProgramEnrollment.objects.get().status == "rejected"
    enroll()  # a fresh enrolment is allowed once the first one is closed
    assert ProgramEnrollment.objects.filter(closed_at=None).count() == 1


def test_request_document_does_not_count_as_a_failure(in_review, staff):
    case = services.case_request_document(case=in_review, reviewer=staff, reason_text="Please send your registration.")

    assert (case.status, case.reason_code, case.rejections) == ("action_needed", "DOC-01", 0)


# --- Fix now --------------------------------------------------------------------------------------------


def test_fix_now_uploads_a_document_and_returns_to_review(admin_client, action_needed, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = admin_client.post(
        f"/settings/legal/cases/{action_needed.pk}/fix/",
        {
            "document_type": "domain_record",
            "comment": "WHOIS attached",
            "file": SimpleUploadedFile("whois.pdf", PDF, "application/pdf"),
        },
    )

    assert response.status_code == 302
    case = VerificationCase.objects.get()
    assert (case.status, case.employment_status, case.closes_at) == ("in_review", "pending", None)
    document = VerificationDocument.objects.get()
    assert (document.content_type, document.size, document.step) == ("application/pdf", len(PDF), "employment")
    assert document.file.read() == PDF
    page = admin_client.get("/settings/legal/?program=indirect_reseller").content.decode()
    assert "whois.pdf" in page
    assert "WHOIS attached" in page
    download = admin_client.get(f"/settings/legal/documents/{document.pk}/")
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"), "Upload a PDF, PNG or JPEG file"),
        (SimpleUploadedFile("notes.txt", b"hello", "text/plain"), "Upload a PDF, PNG or JPEG file"),
        (SimpleUploadedFile("empty.pdf", b"", "application/pdf"), "The submitted file is empty."),
        (SimpleUploadedFile("big.png", PNG + b"\x00" * (2 * 1024 * 1024), "image/png"), "The file is too large"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    admin_client, action_needed, settings, tmp_path, upload, message
):
    settings.MEDIA_ROOT = tmp_path
    settings.VERIFICATION_DOCUMENT_MAX_BYTES = 1024 * 1024

    response = admin_client.post(
        f"/settings/legal/cases/{action_needed.pk}/fix/", {"document_type": "other", "file": upload}
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not VerificationDocument.objects.exists()
    assert not any(tmp_path.rglob("*.*"))
    assert VerificationCase.objects.get().status == "action_needed"


def test_fix_now_without_a_rejection_changes_nothing(admin_client, in_review):
    response = admin_client.post(
        f"/settings/legal/cases/{in_review.pk}/fix/",
        {"document_type": "other", "file": SimpleUploadedFile("a.pdf", PDF)},
    )

    assert response.status_code == 302
    assert not VerificationDocument.objects.exists()


# --- status page ----------------------------------------------------------------------------------------------


def test_status_page_shows_steps_sla_and_overdue(admin_client, in_review, time_machine):
    page = admin_client.get("/settings/legal/").content.decode()
    assert f"Decision expected by {date_format(in_review.sla_due_at)}" in page  # "Dec. 11, 2026"
    assert 'data-testid="step-email">Passed<' in page
    assert 'data-testid="step-employment">In progress<' in page
    assert "Waiting for us" in page
    assert "taking longer than usual" not in page

    time_machine.move_to(in_review.sla_due_at + timedelta(minutes=1))

    assert "taking longer than usual" in admin_client.get("/settings/legal/").content.decode()


def test_status_page_history_lists_every_step(admin_client, authorized):
    history = admin_client.get("/settings/legal/").content.decode().split('data-testid="history"')[1]

    for label in ("Enrolment submitted", "Email address verified", "Step passed", "Verification authorized"):
        assert label in history


def test_status_page_runs_a_fixed_number_of_queries(admin_client, action_needed, django_assert_num_queries):
    with django_assert_num_queries(PAGE_QUERY_BUDGET["enrollment_status_action_needed"]) as first:
        admin_client.get("/settings/legal/")
    for _ in range(5):
        AuditEvent.objects.create(
            organization=action_needed.organization,
            code="partnerhub.verification.x",
            object_type="enrollment.verificationcase",
            object_id=str(action_needed.pk),
        )
    with django_assert_num_queries(len(first.captured_queries)):
        admin_client.get("/settings/legal/")


# --- changing legal details ------------------------------------------------------------------------------------


def test_changing_the_legal_name_after_authorization_reopens_business_verification(admin_client, authorized):
    enrollment = authorized.enrollment
    data = {
        key: getattr(enrollment, key)
        for key in (
            "legal_name",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "registration_number",
            "contact_first_name",
            "contact_last_name",
            "contact_email",
            "support_email",
            "support_website",
        )
    }
    data.update(
        legal_name="Contoso Distribution Incorporated", contact_phone="+1 206 555 0100", support_phone="+1 206 555 0101"
    )

    response = admin_client.post(f"/settings/legal/{enrollment.pk}/update/", data)

    assert response.status_code == 302
    new_case = enrollment.cases.order_by("-pk").first()
    assert (new_case.kind, new_case.status, new_case.step, new_case.changed_fields) == (
        "legal_change",
        "in_review",
        "business",
        ["legal_name"],
    )
    authorized.refresh_from_db()
    assert authorized.status == "authorized"  # the old decision stays in history
    assert ProgramEnrollment.objects.get().status == "qualified"  # the re-check runs beside the status


def test_the_country_can_never_change(authorized, admin_member):
    with pytest.raises(EnrollmentError, match="can't change: it fixes your billing currency"):
        services.enrollment_update_legal_details(
            enrollment=authorized.enrollment, actor=admin_member.user, data={"country": "CA"}
        )

    assert authorized.enrollment.cases.count() == 1


def test_changing_the_contact_email_reverifies_it(authorized, admin_member):
    case = services.enrollment_update_legal_details(
        enrollment=authorized.enrollment, actor=admin_member.user, data={"contact_email": "sam@contoso.example"}
    )

    assert (case.status, case.contact_email) == ("email_pending", "sam@contoso.example")
    assert verification_link("sam@contoso.example")


def test_support_details_change_without_verification(authorized, admin_member):
    result = services.enrollment_update_legal_details(
        enrollment=authorized.enrollment,
        actor=admin_member.user,
        data={"support_website": "https://help.contoso.example"},
    )

    assert result is None
    assert ProgramEnrollment.objects.get().status == "qualified"


def test_now_is_used_for_deadlines(enroll, time_machine):
    time_machine.move_to(datetime(2026, 12, 24, 10, 0, tzinfo=UTC), tick=False)
    case = enroll().cases.get()

    assert case.remind_at == datetime(2026, 12, 28, 10, 0, tzinfo=UTC)  # US: Christmas, then the weekend
    assert case.lapses_at == timezone.now() + timedelta(days=30)
