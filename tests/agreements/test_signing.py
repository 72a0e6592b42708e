"""Signing the partner agreement: who, when, what is recorded, and what it unlocks."""

import hashlib
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from agreements import services
from agreements.models import AgreementAcceptance, AgreementError
from enrollment.models import ProgramEnrollment
from partnerhub.accounts.models import Role
from partnerhub.core.models import Notification, OutboundEmail
from tests.budgets import PAGE_QUERY_BUDGET
from tests.scenarios import MPA_PDF, SIGN, qualify
from tests.threads import platform_thread


def test_a_qualified_global_admin_signs_and_the_program_becomes_active(signing_client, qualified, mpa):
    page = signing_client.get("/settings/agreements/partner-agreement/").content.decode()
    assert "Accept and continue" in page
    assert 'value="megan@contoso.example"' in page

    response = signing_client.post("/settings/agreements/partner-agreement/", SIGN, HTTP_USER_AGENT="Journey/1.0")

    assert response["Location"] == "/settings/agreements/"  # where it says they are all set, not "enrol"
    acceptance = AgreementAcceptance.objects.get()
    assert (acceptance.csp_region, acceptance.version, acceptance.user.email) == (
        "united_states",
        mpa,
        "megan@contoso.example",
    )
    assert acceptance.document_sha256 == hashlib.sha256(MPA_PDF).hexdigest()
    assert acceptance.user_agent == "Journey/1.0"
    assert acceptance.ip_address == "127.0.0.1"
    assert ProgramEnrollment.objects.get().status == "active"
    overview = signing_client.get("/programs/csp/").content.decode()
    assert "You're all set up to transact in the United States region." in overview
    legal = signing_client.get("/settings/legal/").content.decode()
    assert 'data-testid="program-status-indirect_reseller">Active<' in legal
    assert "accepted on" in legal.split('data-testid="program-info-mpa"')[1][:200]
    agreements = signing_client.get("/settings/agreements/").content.decode()
    assert "Accepted" in agreements.split('data-testid="mpa-status"')[1][:300]
    assert OutboundEmail.objects.filter(to="megan@contoso.example", template="agreement_accepted").count() == 1
    assert (
        OutboundEmail.objects.filter(
            to="pat.lee@contoso.example", subject__contains="partner agreement is accepted"
        ).count()
        == 1
    )


def test_signing_activates_each_qualified_enrolment_through_its_transition_with_an_audit_row(
    signing_client, qualified, admin_member
):
    from partnerhub.core.models import AuditEvent

    signing_client.post("/settings/agreements/partner-agreement/", SIGN)

    enrollment = ProgramEnrollment.objects.get()
    acceptance = AgreementAcceptance.objects.get()
    event = AuditEvent.objects.get(code="partnerhub.enrollment.activated")
    assert enrollment.status == ProgramEnrollment.Status.ACTIVE
    assert (event.object_type, event.object_id, event.organization_id) == (
        "enrollment.programenrollment",
        str(enrollment.pk),
        enrollment.organization_id,
    )
    assert (event.actor, event.data) == (admin_member.user, {"acceptance": acceptance.pk})
    legal = signing_client.get("/settings/legal/").content.decode()
    assert "Enrolment active (partner agreement accepted)" in legal


def test_signing_refused_before_verification(signing_client, admin_member, staff, mpa):
    from enrollment import services as enrollment_services
    from tests.scenarios import ENROLLMENT_DATA

    enrollment_services.enrollment_submit(
        organization=admin_member.organization,
        actor=admin_member.user,
        program="indirect_reseller",
        data=ENROLLMENT_DATA,
    )

    page = signing_client.get("/settings/agreements/partner-agreement/").content.decode()
    response = signing_client.post("/settings/agreements/partner-agreement/", SIGN)

    assert "must be verified (Qualified)" in page
    assert 'href="/settings/legal/"' in page
    assert "must be verified (Qualified)" in response.content.decode()
    assert not AgreementAcceptance.objects.exists()


def test_signing_refused_without_an_associated_partner_id(signing_client, admin_member, staff, mpa):
    qualify(admin_member.organization, admin_member.user, staff, associate=False)

    page = signing_client.post("/settings/agreements/partner-agreement/", SIGN).content.decode()

    assert "Associate a location partner ID" in page
    assert 'href="/settings/identifiers/"' in page
    assert "must be verified" not in page
    assert not AgreementAcceptance.objects.exists()


def test_signing_refused_without_the_checkbox(signing_client, qualified):
    response = signing_client.post("/settings/agreements/partner-agreement/", {**SIGN, "accepted": ""})

    assert "Tick the box to confirm" in response.content.decode()
    assert not AgreementAcceptance.objects.exists()


@pytest.mark.parametrize("role", [Role.ACCOUNT_ADMIN, Role.ADMIN_AGENT, Role.SALES_AGENT, Role.USER_MANAGEMENT_ADMIN])
def test_only_a_global_admin_views_downloads_and_signs(client, make_member, provider, qualified, mpa, role):
    member = make_member(provider, role)
    client.force_login(member.user)

    refused = client.get("/settings/agreements/partner-agreement/")
    assert refused.status_code == 403
    # Only a Global admin can help here (issue 14): the page names them, and no other role.
    assert "Only a Global admin can view and accept the partner agreement" in refused.content.decode()
    assert "megan@contoso.example" in refused.content.decode()
    assert "User management admin" not in refused.content.decode()
    assert client.post("/settings/agreements/partner-agreement/", SIGN).status_code == 403
    document = client.get(f"/settings/agreements/versions/{mpa.pk}/document/")
    assert document.status_code == 403
    assert "megan@contoso.example" in document.content.decode()
    page = client.get("/settings/agreements/").content.decode()
    assert "must be accepted by a Global admin" in page
    assert "megan@contoso.example" in page
    assert "Request signature" in page
    assert not AgreementAcceptance.objects.exists()


def test_a_stale_sign_in_must_reauthenticate_first(client, admin_member, qualified, time_machine):
    client.post("/accounts/login/", {"login": admin_member.user.email, "password": "correct-horse-battery"})
    time_machine.move_to(timezone.now() + timedelta(minutes=11))

    response = client.post("/settings/agreements/partner-agreement/", SIGN)

    assert response["Location"].startswith("/accounts/reauthenticate/?next=")
    assert not AgreementAcceptance.objects.exists()
    client.post("/accounts/reauthenticate/", {"password": "correct-horse-battery"})
    assert client.post("/settings/agreements/partner-agreement/", SIGN).status_code == 302
    assert AgreementAcceptance.objects.count() == 1


def test_a_second_submit_yields_the_same_acceptance_and_a_friendly_message(signing_client, qualified):
    signing_client.post("/settings/agreements/partner-agreement/", SIGN)

    response = signing_client.post("/settings/agreements/partner-agreement/", SIGN, follow=True)

    assert response.status_code == 200
    assert "already accepted by Megan Bowen" in response.content.decode()
    assert AgreementAcceptance.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_signatures_make_one_acceptance(admin_member, staff, mpa, make_member, provider):
    qualify(admin_member.organization, admin_member.user, staff)
    signers = [admin_member.user] + [make_member(provider, Role.GLOBAL_ADMIN).user for _ in range(7)]
    barrier = threading.Barrier(8)
    outcomes, errors = [], []

    def sign(user):
        barrier.wait()
        try:
            outcomes.append(
                services.agreement_sign(
                    organization=provider,
                    user=user,
                    version=mpa,
                    first_name="A",
                    last_name="B",
                    email=user.email,
                    accepted=True,
                )[1]
            )
        except Exception as exc:  # any error is the failure this test looks for
            errors.append(exc)
        finally:
            connection.close()

    threads = [platform_thread(sign, user) for user in signers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(outcomes) == [False] * 7 + [True]
    assert AgreementAcceptance.objects.count() == 1


def test_the_served_document_is_the_hashed_one(signing_client, qualified, mpa):
    inline = signing_client.get(f"/settings/agreements/versions/{mpa.pk}/document/")
    download = signing_client.get(f"/settings/agreements/versions/{mpa.pk}/document/?download=1")

    body = b"".join(download.streaming_content)
    assert body == MPA_PDF
    assert hashlib.sha256(body).hexdigest() == mpa.sha256
    assert inline["Content-Disposition"].startswith("inline")
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(inline.streaming_content) == MPA_PDF


def test_a_non_pdf_version_is_refused(db):
    from datetime import date

    from agreements.services import agreement_version_create

    with pytest.raises(AgreementError, match="PDF"):
        agreement_version_create(
            type="mpa", version="x", language="en", effective_date=date(2026, 1, 1), content=b"hello"
        )


def test_request_signature_notifies_global_admins_once_a_day(
    client, make_member, provider, admin_member, qualified, time_machine
):
    colleague = make_member(provider, Role.SALES_AGENT, first_name="Sam")
    client.force_login(colleague.user)

    client.post("/settings/agreements/request-signature/")
    again = client.post("/settings/agreements/request-signature/", follow=True)

    assert "already asked in the last 24 hours" in again.content.decode()
    assert (
        OutboundEmail.objects.filter(to="megan@contoso.example", template="agreement_signature_requested").count() == 1
    )
    assert Notification.objects.filter(user=admin_member.user, title__contains="asks you to accept").count() == 1
    time_machine.move_to(timezone.now() + timedelta(days=1, minutes=1))
    client.post("/settings/agreements/request-signature/")
    assert OutboundEmail.objects.filter(template="agreement_signature_requested").count() == 2


def test_dashboard_asks_a_qualified_organization_to_sign(admin_client, qualified):
    assert 'data-testid="pending-action-sign_mpa"' in admin_client.get("/").content.decode()


def test_a_new_version_requiring_reacceptance_adds_a_pending_action(signing_client, qualified, admin_member):
    from datetime import date

    from agreements.services import agreement_version_create

    signing_client.post("/settings/agreements/partner-agreement/", SIGN)
    assert "pending-action-reaccept_mpa" not in signing_client.get("/").content.decode()

    agreement_version_create(
        type="mpa",
        version="2027-01",
        language="en",
        effective_date=date(2027, 1, 1),
        content=MPA_PDF,
        requires_reacceptance=True,
        acceptance_deadline=timezone.now() + timedelta(days=30),
    )

    assert 'data-testid="pending-action-reaccept_mpa"' in signing_client.get("/").content.decode()
    page = signing_client.get("/settings/agreements/").content.decode()
    assert 'data-testid="mpa-pending-version">2027-01<' in page
    assert 'data-testid="mpa-version">2026-01<' in page
    assert ProgramEnrollment.objects.get().status == "active"  # it does not silently block
    signing_client.post("/settings/agreements/partner-agreement/", SIGN)
    assert AgreementAcceptance.objects.count() == 2
    assert "pending-action-reaccept_mpa" not in signing_client.get("/").content.decode()


def test_agreements_page_runs_a_fixed_number_of_queries(signing_client, qualified, django_assert_num_queries):
    signing_client.post("/settings/agreements/partner-agreement/", SIGN)
    with django_assert_num_queries(PAGE_QUERY_BUDGET["agreements"]):
        signing_client.get("/settings/agreements/")


def test_outsider_cannot_download_anothers_acceptance_record(client, signing_client, qualified, outsider_member):
    signing_client.post("/settings/agreements/partner-agreement/", SIGN)
    acceptance = AgreementAcceptance.objects.get()
    own = signing_client.get(f"/settings/agreements/acceptances/{acceptance.pk}/")
    assert own.status_code == 200
    assert acceptance.document_sha256 in own.content.decode()

    signing_client.logout()
    client.force_login(outsider_member.user)

    assert client.get(f"/settings/agreements/acceptances/{acceptance.pk}/").status_code == 404
    page = client.get("/settings/agreements/").content.decode()
    assert "Megan" not in page
    assert "Contoso" not in page


def test_a_program_verified_after_the_agreement_was_accepted_is_activated_with_its_audit_row(
    signing_client, qualified, admin_member
):
    """The other way to Active: verification (or reinstatement) finds the agreement already accepted."""
    from django.db import transaction

    from enrollment.signals import enrollment_authorized
    from partnerhub.core.models import AuditEvent

    signing_client.post("/settings/agreements/partner-agreement/", SIGN)
    acceptance = AgreementAcceptance.objects.get()
    # A second verification of the same organization, as for a program enrolled after signing.
    ProgramEnrollment.objects.update(status=ProgramEnrollment.Status.QUALIFIED)
    with transaction.atomic():
        enrollment = ProgramEnrollment.objects.select_for_update().get()
        enrollment_authorized.send(sender=ProgramEnrollment, enrollment=enrollment)

    assert ProgramEnrollment.objects.get().status == ProgramEnrollment.Status.ACTIVE
    events = AuditEvent.objects.filter(code="partnerhub.enrollment.activated").order_by("pk")
    assert [(event.actor, event.data) for event in events] == [
        (admin_member.user, {"acceptance": acceptance.pk}),
        (None, {"acceptance": acceptance.pk}),
    ]
