"""The outbox: email leaves after commit through Celery, once, and survives a broker outage."""

import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from partnerhub.core.models import OutboundEmail
from partnerhub.core.services import outbound_email_queue_rendered, outbound_email_send
from partnerhub.core.tasks import send_outbound_email_task, sweep_outbound_email_task


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
