"""The outbox: email leaves after commit through Celery, once, and survives a broker outage."""

import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from partnerhub.core import outbox
from partnerhub.core.models import OutboundEmail
from partnerhub.core.outbox import outbound_email_queue_rendered, outbound_email_send, outbound_email_send_batch
from partnerhub.core.tasks import (
    send_outbound_email_batch_task,
    send_outbound_email_task,
    sweep_outbound_email_task,
)
from tests.threads import platform_thread


def _queue(to="sam@contoso.example", subject="Hello") -> OutboundEmail:
    with transaction.atomic():
        return outbound_email_queue_rendered(
            to=to, template="test", subject=subject, body_text="Body http://testserver/x", body_html="<p>Body</p>"
        )


@contextmanager
def _broker_down(app):
    """Point the publishing side of the app at a port where nothing listens, then restore it."""
    working = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app._pool, app.amqp._producer_pool = None, None
    try:
        yield
    finally:
        app.conf.broker_url = working
        app._pool, app.amqp._producer_pool = None, None


def _count_connections(smtp_server) -> list[str]:
    """Record every SMTP session the server sees (the client says EHLO once per connection)."""
    sessions = []

    async def handle_EHLO(server, session, envelope, hostname, responses):
        sessions.append(hostname)
        session.host_name = hostname  # a handle_EHLO hook must greet the client itself
        return responses

    smtp_server.handle_EHLO = handle_EHLO  # read by each new connection's SMTP instance
    return sessions


def _refuse_recipients(smtp_server, *refused: str) -> None:
    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        if address in refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.handle_RCPT = handle_RCPT


def _keys(messages) -> list[str]:
    return sorted(m["X-PartnerHub-Idempotency-Key"] for m in messages)


def _wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.worker
def test_worker_sends_a_queued_email_to_the_smtp_server_once(celery_worker, smtp_server):
    email = _queue()

    assert _wait_for(lambda: OutboundEmail.objects.get(pk=email.pk).status == "sent")
    time.sleep(0.5)
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "sam@contoso.example"
    assert message["Subject"] == "Hello"
    assert message["Message-ID"] == f"<{email.idempotency_key}@partnerhub>"
    assert message["X-PartnerHub-Idempotency-Key"] == str(email.idempotency_key)
    assert {part.get_content_type() for part in message.walk()} >= {"text/plain", "text/html"}


@pytest.mark.worker
def test_running_the_send_task_twice_sends_once(transactional_db, smtp_server):
    email = _queue()

    assert send_outbound_email_task.apply(args=[email.pk]).get() is True
    assert send_outbound_email_task.apply(args=[email.pk]).get() is False

    assert len(smtp_server.messages) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 1)


@pytest.mark.worker
def test_with_the_broker_down_the_request_succeeds_and_the_sweep_sends_later(
    celery_worker, smtp_server, admin_client, settings, time_machine
):
    with _broker_down(celery_worker):
        response = admin_client.post(
            "/settings/users/invite/", {"email": "sam@contoso.example", "roles": ["sales_agent"]}
        )

    assert response.status_code == 302
    email = OutboundEmail.objects.get(to="sam@contoso.example")
    time.sleep(1)
    assert email.status == "queued"
    assert smtp_server.messages == []

    time_machine.move_to(timezone.now() + timedelta(seconds=settings.OUTBOX_STALE_AFTER_SECONDS + 1), tick=True)
    assert sweep_outbound_email_task.apply().get() == 1

    assert _wait_for(lambda: OutboundEmail.objects.get(pk=email.pk).status == "sent")
    assert [m["To"] for m in smtp_server.messages] == ["sam@contoso.example"]


def test_a_failed_send_is_retried_with_backoff_then_marked_failed(transactional_db, settings, time_machine):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1  # refused
    settings.OUTBOX_MAX_ATTEMPTS = 3
    email = _queue()

    assert outbound_email_send(email_id=email.pk) is False
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("queued", 1)
    assert "ConnectionRefusedError" in email.last_error
    assert outbound_email_send(email_id=email.pk) is False  # not due yet: backoff
    assert email.attempts == OutboundEmail.objects.get(pk=email.pk).attempts

    for _ in range(2):
        time_machine.move_to(timezone.now() + timedelta(hours=1))
        outbound_email_send(email_id=email.pk)

    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", 3)


def test_nothing_is_enqueued_when_the_transaction_rolls_back(transactional_db):
    def queue_then_fail():
        with transaction.atomic():
            outbound_email_queue_rendered(to="a@contoso.example", template="t", subject="s", body_text="b")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        queue_then_fail()

    assert not OutboundEmail.objects.exists()


def test_a_batch_sends_every_due_email_over_one_smtp_connection(transactional_db, smtp_server):
    sessions = _count_connections(smtp_server)
    emails = [_queue(to=f"reseller{i}@fabrikam.example") for i in range(5)]

    assert send_outbound_email_batch_task.apply(kwargs={"limit": 10}).get() == 5

    assert len(sessions) == 1
    assert len(smtp_server.messages) == 5
    assert _keys(smtp_server.messages) == sorted(str(e.idempotency_key) for e in emails)
    assert {m["Message-ID"] for m in smtp_server.messages} == {f"<{e.idempotency_key}@partnerhub>" for e in emails}
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_a_batch_takes_at_most_its_limit_oldest_first(transactional_db, smtp_server):
    emails = [_queue(to=f"reseller{i}@fabrikam.example") for i in range(3)]

    assert outbound_email_send_batch(limit=2) == (2, 2)

    assert _keys(smtp_server.messages) == sorted(str(e.idempotency_key) for e in emails[:2])
    assert OutboundEmail.objects.get(pk=emails[2].pk).status == "queued"


def test_a_refused_recipient_fails_only_its_own_row_in_a_batch(transactional_db, smtp_server):
    sessions = _count_connections(smtp_server)
    _refuse_recipients(smtp_server, "gone@fabrikam.example")
    first, refused, last = (
        _queue(to=to) for to in ["a@fabrikam.example", "gone@fabrikam.example", "b@fabrikam.example"]
    )

    assert outbound_email_send_batch(limit=10) == (3, 2)  # claimed, sent

    assert [m["To"] for m in smtp_server.messages] == ["a@fabrikam.example", "b@fabrikam.example"]
    assert len(sessions) == 1  # a refusal leaves the SMTP session usable
    refused.refresh_from_db()
    assert (refused.status, refused.attempts) == ("queued", 1)
    assert "SMTPRecipientsRefused" in refused.last_error
    assert refused.send_after > timezone.now()  # backoff, as after a single send
    assert OutboundEmail.objects.get(pk=first.pk).status == OutboundEmail.objects.get(pk=last.pk).status == "sent"


def test_running_the_batch_twice_sends_nothing_twice(transactional_db, smtp_server):
    emails = [_queue(to=f"reseller{i}@fabrikam.example") for i in range(3)]

    assert send_outbound_email_batch_task.apply().get() == 3
    assert send_outbound_email_batch_task.apply().get() == 0
    for email in emails:  # the per-email tasks queued after commit, arriving late
        assert send_outbound_email_task.apply(args=[email.pk]).get() is False

    assert _keys(smtp_server.messages) == sorted(str(e.idempotency_key) for e in emails)
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_concurrent_batches_never_send_an_email_twice(transactional_db, smtp_server):
    emails = [_queue(to=f"reseller{i}@fabrikam.example") for i in range(40)]
    start = threading.Barrier(2)
    sent_by_thread: list[int] = []

    def drain():
        try:
            start.wait()
            total = 0
            while (batch := outbound_email_send_batch(limit=7)).claimed:
                total += batch.sent
            sent_by_thread.append(total)
        finally:
            connection.close()

    threads = [platform_thread(drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sum(sent_by_thread) == 40
    assert _keys(smtp_server.messages) == sorted(str(e.idempotency_key) for e in emails)
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_a_batch_waits_for_a_row_another_claim_holds_for_an_instant(transactional_db, smtp_server, monkeypatch):
    """A concurrent claim scanning the queue may lock a leased row briefly; skipping it would strand it."""
    first, second = (_queue(to=f"reseller{i}@fabrikam.example") for i in range(2))
    locked, release = threading.Event(), threading.Event()

    def hold_second_row():
        try:
            with transaction.atomic():
                list(OutboundEmail.objects.select_for_update().filter(pk=second.pk))
                locked.set()
                release.wait(5)
        finally:
            connection.close()

    deliver = outbox._outbound_email_deliver

    def deliver_then_lock_the_next(email, **kwargs):
        outcome = deliver(email, **kwargs)
        if email.pk == first.pk:
            platform_thread(hold_second_row).start()
            assert locked.wait(5)
            threading.Timer(0.3, release.set).start()
        return outcome

    monkeypatch.setattr(outbox, "_outbound_email_deliver", deliver_then_lock_the_next)

    assert outbound_email_send_batch(limit=10) == (2, 2)
    assert _keys(smtp_server.messages) == sorted(str(e.idempotency_key) for e in (first, second))


def test_a_batch_past_half_its_lease_hands_the_rest_back(
    transactional_db, smtp_server, settings, time_machine, monkeypatch
):
    settings.OUTBOX_BATCH_CLAIM_SECONDS = 60
    time_machine.move_to(timezone.now(), tick=True)
    first, *rest = (_queue(to=f"reseller{i}@fabrikam.example") for i in range(3))
    deliver = outbox._outbound_email_deliver

    def deliver_slowly(email, **kwargs):
        outcome = deliver(email, **kwargs)
        time_machine.shift(timedelta(seconds=31))  # the ESP took its time
        return outcome

    monkeypatch.setattr(outbox, "_outbound_email_deliver", deliver_slowly)

    assert outbound_email_send_batch(limit=10) == (3, 1)
    for email in rest:  # never attempted, due again for the next batch
        email.refresh_from_db()
        assert (email.status, email.attempts) == ("queued", 0)
        assert email.send_after <= timezone.now()
    monkeypatch.undo()
    assert outbound_email_send_batch(limit=10) == (2, 2)
    assert _keys(smtp_server.messages) == sorted(str(e.idempotency_key) for e in (first, *rest))


def test_a_batch_that_cannot_connect_records_one_failure_and_hands_the_rest_back(transactional_db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1  # refused
    first, *rest = (_queue(to=f"reseller{i}@fabrikam.example") for i in range(3))

    assert outbound_email_send_batch(limit=10) == (3, 0)

    first.refresh_from_db()
    assert (first.status, first.attempts) == ("queued", 1)
    assert "ConnectionRefusedError" in first.last_error
    for email in rest:  # not attempted, and due again rather than held until the claim ends
        email.refresh_from_db()
        assert (email.status, email.attempts) == ("queued", 0)
        assert email.send_after <= timezone.now()


def test_a_row_claimed_by_a_batch_is_left_to_it_by_the_per_email_task(transactional_db, smtp_server, settings):
    email = _queue()
    OutboundEmail.objects.filter(pk=email.pk).update(
        send_after=timezone.now() + timedelta(seconds=settings.OUTBOX_BATCH_CLAIM_SECONDS)
    )

    assert send_outbound_email_task.apply(args=[email.pk]).get() is False
    assert outbound_email_send_batch(limit=10) == (0, 0)
    assert smtp_server.messages == []


@pytest.mark.worker
def test_the_sweep_sends_a_backlog_in_batches_over_one_connection(celery_worker, smtp_server, settings, time_machine):
    sessions = _count_connections(smtp_server)
    settings.OUTBOX_BATCH_SIZE = 50
    with _broker_down(celery_worker):
        emails = [_queue(to=f"reseller{i}@fabrikam.example") for i in range(6)]
    assert smtp_server.messages == []

    time_machine.move_to(timezone.now() + timedelta(seconds=settings.OUTBOX_STALE_AFTER_SECONDS + 1), tick=True)
    assert sweep_outbound_email_task.apply().get() == 6

    assert _wait_for(lambda: not OutboundEmail.objects.filter(status="queued").exists())
    assert _keys(smtp_server.messages) == sorted(str(e.idempotency_key) for e in emails)
    assert len(sessions) == 1


@pytest.mark.worker
def test_a_full_batch_queues_the_next_one_until_the_backlog_is_drained(celery_worker, smtp_server):
    sessions = _count_connections(smtp_server)
    with _broker_down(celery_worker):
        emails = [_queue(to=f"reseller{i}@fabrikam.example") for i in range(7)]

    send_outbound_email_batch_task.delay(3)

    assert _wait_for(lambda: not OutboundEmail.objects.filter(status="queued").exists())
    assert _keys(smtp_server.messages) == sorted(str(e.idempotency_key) for e in emails)
    assert len(sessions) == 3  # 3 + 3 + 1, one connection per batch
