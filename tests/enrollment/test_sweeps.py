"""Deadline sweeps under beat: a real Celery worker, time travel, and two sweeps racing."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection

from enrollment import services
from enrollment.models import ProgramEnrollment, VerificationCase
from enrollment.tasks import sweep_verification_deadlines_task
from partnerhub.core.models import OutboundEmail
from tests.threads import platform_thread

pytestmark = pytest.mark.worker


def _run_sweep_on_worker():
    """Queue the beat task for the real worker and wait until it has run."""
    before = _done_marker()
    sweep_verification_deadlines_task.delay()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if _done_marker() != before:
            return
        time.sleep(0.1)
    raise AssertionError("the worker did not run the sweep")


_runs = []


def _done_marker():
    return len(_runs)


@pytest.fixture(autouse=True)
def _count_sweep_runs(celery_worker):
    from celery.signals import task_postrun

    def record(sender=None, **kwargs):
        if getattr(sender, "name", None) == sweep_verification_deadlines_task.name:
            _runs.append(1)

    task_postrun.connect(record, weak=False)
    yield
    task_postrun.disconnect(record)


def test_reminder_after_one_business_day_is_sent_once(enroll, time_machine):
    enrollment = enroll()
    case = enrollment.cases.get()
    _run_sweep_on_worker()
    assert not OutboundEmail.objects.filter(subject__startswith="Reminder").exists()

    time_machine.move_to(case.remind_at + timedelta(minutes=1), tick=True)
    _run_sweep_on_worker()
    _run_sweep_on_worker()

    reminders = OutboundEmail.objects.filter(to="pat.lee@contoso.example", subject__startswith="Reminder")
    assert reminders.count() == 1
    assert "/verify-contact/" in reminders.get().body_text
    case.refresh_from_db()
    assert case.reminded_at is not None
    assert case.status == "email_pending"


def test_unverified_enrolment_lapses_after_30_days_with_an_email(enroll, time_machine):
    enrollment = enroll()

    time_machine.move_to(enrollment.submitted_at + timedelta(days=30, minutes=1), tick=True)
    _run_sweep_on_worker()
    _run_sweep_on_worker()

    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.closed_at is not None) == ("lapsed", True)
    assert enrollment.cases.get().status == "lapsed"
    assert OutboundEmail.objects.filter(subject__contains="lapsed").count() == 1


def test_overdue_case_is_flagged_once_with_one_staff_alert(in_review, time_machine, settings):
    settings.OPERATOR_ALERT_EMAIL = "ops@partnerhub.example"

    time_machine.move_to(in_review.sla_due_at + timedelta(minutes=1), tick=True)
    _run_sweep_on_worker()
    _run_sweep_on_worker()

    in_review.refresh_from_db()
    assert in_review.overdue_at is not None
    alerts = OutboundEmail.objects.filter(to="ops@partnerhub.example")
    assert alerts.count() == 1
    assert "Contoso Distribution Inc." in alerts.get().body_text
    assert "/admin/enrollment/verificationcase/" in alerts.get().body_text


def test_case_left_in_action_needed_for_30_days_is_closed(action_needed, time_machine):
    time_machine.move_to(action_needed.closes_at + timedelta(minutes=1), tick=True)
    _run_sweep_on_worker()

    action_needed.refresh_from_db()
    assert (action_needed.status, action_needed.reason_code) == ("rejected", "FIN-02")
    assert ProgramEnrollment.objects.get().status == "rejected"


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_claim_each_case_once(enroll, make_member, time_machine, settings):
    from tests.factories import OrganizationFactory

    settings.OPERATOR_ALERT_EMAIL = "ops@partnerhub.example"
    cases = []
    for _n in range(12):
        organization = OrganizationFactory(primary_domain="contoso.example")
        enrollment = enroll(organization=organization)
        case = enrollment.cases.get()
        services.contact_email_verify(case_pk=case.pk)
        cases.append(case.pk)
    due = VerificationCase.objects.get(pk=cases[0]).sla_due_at
    time_machine.move_to(due + timedelta(hours=1), tick=True)

    results, barrier = [], threading.Barrier(2)

    def sweep():
        barrier.wait()
        try:
            results.append(services.sweep_flag_overdue_cases())
        finally:
            connection.close()

    threads = [platform_thread(sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    claimed = [pk for result in results for pk in result]
    assert sorted(claimed) == sorted(cases)  # every case once, none twice
    assert VerificationCase.objects.filter(pk__in=cases, overdue_at__isnull=False).count() == 12
    alerted = "".join(OutboundEmail.objects.filter(to="ops@partnerhub.example").values_list("body_text", flat=True))
    assert alerted.count("/admin/enrollment/verificationcase/") == 12
