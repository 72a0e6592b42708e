"""The vendor's queue in Django admin: list, filters, the review form and the overdue count."""

from datetime import timedelta

import pytest

from enrollment.models import VerificationCase


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _review(staff_client, case, **data):
    return staff_client.post(f"/admin/enrollment/verificationcase/{case.pk}/review/", data, follow=True)


def test_queue_lists_cases_by_due_date_with_filters(staff_client, in_review):
    page = staff_client.get("/admin/enrollment/verificationcase/").content.decode()

    assert "Contoso Distribution Inc." in page
    assert "Indirect reseller" in page
    for filter_param in ("?status__exact=in_review", "?sla=overdue", "?step__exact=employment", "?q=contoso"):
        assert staff_client.get("/admin/enrollment/verificationcase/" + filter_param).status_code == 200


def test_case_page_shows_submitted_data_prechecks_and_the_review_form(staff_client, in_review):
    page = staff_client.get(f"/admin/enrollment/verificationcase/{in_review.pk}/change/").content.decode()

    assert "pat.lee@contoso.example" in page
    assert "contact_domain_matches" in page
    assert 'id="review-form"' in page


def test_staff_approve_and_reject_through_the_admin(staff_client, staff, in_review):
    _review(staff_client, in_review, action="assign")
    _review(staff_client, in_review, action="approve")
    in_review.refresh_from_db()
    assert (in_review.step, in_review.reviewer) == ("business", staff)

    response = _review(staff_client, in_review, action="reject", reason_code="BUS-01", reason_text="Name differs.")

    in_review.refresh_from_db()
    assert (in_review.status, in_review.reason_code) == ("action_needed", "BUS-01")
    assert "Done" in response.content.decode()


def test_an_illegal_admin_action_shows_the_error_and_changes_nothing(staff_client, action_needed):
    response = _review(staff_client, action_needed, action="approve")

    assert "that action isn&#x27;t possible now" in response.content.decode()
    action_needed.refresh_from_db()
    assert action_needed.status == "action_needed"


def test_a_rejection_without_reason_is_refused_in_admin(staff_client, in_review):
    response = _review(staff_client, in_review, action="reject", reason_code="BUS-01", reason_text="")

    assert "Explain the reason" in response.content.decode()
    assert VerificationCase.objects.get().status == "in_review"


def test_admin_index_counts_overdue_cases(staff_client, in_review, time_machine):
    assert "No verification case is overdue." in staff_client.get("/admin/").content.decode()

    time_machine.move_to(in_review.sla_due_at + timedelta(minutes=5))

    assert "1 verification case is overdue" in staff_client.get("/admin/").content.decode()


def test_partner_users_cannot_use_the_review_endpoint(admin_client, in_review):
    admin_client.post(f"/admin/enrollment/verificationcase/{in_review.pk}/review/", {"action": "approve"})

    in_review.refresh_from_db()
    assert in_review.step == "employment"


def test_case_page_shows_the_history(staff_client, action_needed):
    page = staff_client.get(f"/admin/enrollment/verificationcase/{action_needed.pk}/change/").content.decode()

    assert "partnerhub.verification.email_verified" in page
    assert "partnerhub.verification.step_rejected" in page
    assert "Send a WHOIS record" in page
