"""The outbox: outbound email queued in the writing transaction, sent by Celery after it commits."""

from __future__ import annotations

import contextlib
import enum
import logging
import smtplib
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from anymail.exceptions import AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import rls
from .models import OutboundEmail
from .outbox_sealing import UnreadableBody, redact_html, redact_text

logger = logging.getLogger(__name__)


def _render_email(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    base = {"site_url": settings.SITE_URL, "site_name": settings.SITE_NAME, **context}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", base).splitlines()).strip()
    body_text = render_to_string(f"emails/{template}_message.txt", base).strip() + "\n"
    body_html = render_to_string(f"emails/{template}_message.html", base)
    return subject, body_text, body_html


def outbound_email_enqueue(*, email_id: int) -> None:
    """Hand a committed outbox row to Celery; if the broker is down, the sweep will do it later.

    `outbound_email_queue_rendered` calls it when the queuing transaction commits.

    Deliberately one task per email, not a batch. The email a person is waiting for (an
    invitation, a sign-in link) leaves at once on its own task, without waiting for a batch to fill
    or behind a batch's worth of others. And a commit knows only its own row: a batch "wake-up" per
    commit would still cost one task per email (most of them then finding nothing to claim), and
    that per-task cost (Celery's bookkeeping and a database connection per task), far more than
    the SMTP connection, is what limits the per-email path (`make bench-mail` shows where the CPU
    goes); coalescing wake-ups would need shared state in the request path. Connection reuse pays
    where rows pile up: a backlog after a broker outage or a worker restart, retries, bulk sends.
    The sweep hands those to `send_outbound_email_batch_task`, whose full batches chain until the
    backlog is gone.
    """
    from .tasks import send_outbound_email_task

    try:
        send_outbound_email_task.delay(email_id)
    except Exception:  # the broker is a boundary: never fail the user's request because of it
        logger.warning("outbox: could not enqueue email %s; the sweep will retry", email_id, exc_info=True)


def outbound_email_queue(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    organization=None,
    language: str | None = None,
) -> OutboundEmail:
    """Render `templates/emails/<template>_*` and queue the email; it leaves after the transaction commits."""
    email = outbound_email_render(
        to=to, template=template, context=context, organization=organization, language=language
    )
    return outbound_email_queue_rendered(
        to=email.to,
        template=email.template,
        subject=email.subject,
        body_text=email.body_text,
        body_html=email.body_html,
        organization=organization,
    )


def outbound_email_render(
    *, to: str, template: str, context: dict[str, Any], organization=None, language: str | None = None
) -> OutboundEmail:
    """The row `outbound_email_queue` writes, rendered in the recipient's language and not yet saved
    (core.ledgers writes several in one INSERT, then `outbound_email_enqueue`s each after the commit)."""
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        subject, body_text, body_html = _render_email(template, context)
    return _outbound_email_row(
        to=to, template=template, subject=subject, body_text=body_text, body_html=body_html, organization=organization
    )


def _outbound_email_row(
    *, to: str, template: str, subject: str, body_text: str, body_html: str, organization
) -> OutboundEmail:
    return OutboundEmail(
        to=to,
        template=template,
        subject=subject[:255],
        body_text=body_text,
        body_html=body_html,
        organization=organization,
    )


def outbound_email_queue_rendered(
    *, to: str, template: str, subject: str, body_text: str, body_html: str = "", organization=None
) -> OutboundEmail:
    """Queue an email rendered elsewhere (allauth's account emails).

    The outbox is the platform's: emails to people of other organizations, and account emails of no
    organization, are queued from a tenant's request."""
    email = _outbound_email_row(
        to=to, template=template, subject=subject, body_text=body_text, body_html=body_html, organization=organization
    )
    with rls.elevated("outbox"):
        email.save(force_insert=True)
    transaction.on_commit(lambda: outbound_email_enqueue(email_id=email.pk), robust=True)
    return email


def _retry_delay(attempts: int) -> timedelta:
    """Exponential backoff between attempts: 1, 2, 4 … minutes, capped at an hour."""
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


# A refusal of one message by the receiver: the SMTP session (or the ESP's HTTP session) stays usable.
# Anything else (a timeout, a dropped connection, an ESP outage) may have broken the connection.
_MESSAGE_REFUSED = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPResponseException,
    AnymailRecipientsRefused,
    AnymailInvalidAddress,
)


class _Delivery(enum.Enum):
    SENT = "sent"
    REFUSED = "refused"  # this message only; keep using the connection
    BROKEN = "broken"  # the connection may be unusable: close it, the next message opens a new one
    UNREACHABLE = "unreachable"  # no connection could be opened


def _outbound_email_message(email: OutboundEmail, *, connection) -> EmailMultiAlternatives:
    """The row as a message. The idempotency key travels twice: as the Message-ID receivers
    deduplicate on, and as an explicit header that survives ESPs which rewrite Message-ID."""
    key = str(email.idempotency_key)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"Message-ID": f"<{key}@partnerhub>", "X-PartnerHub-Idempotency-Key": key},
        connection=connection,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def _outbound_email_deliver(email: OutboundEmail, *, connection, lease: datetime | None = None) -> _Delivery:
    """Send one row over `connection` and record the outcome on the row.

    The caller has made the row its own: locked it (the single send) or leased it (a batch, which
    passes its `lease`). A failure leaves the row queued with a backoff, or failed after
    OUTBOX_MAX_ATTEMPTS, with the error for staff to read; its bodies stay sealed, so staff can send
    it again from the admin. A sent row keeps only redacted bodies. `connection` is opened here if it is not
    open yet; the caller closes it.
    """
    attempts = email.attempts + 1
    outcome = _Delivery.REFUSED  # a message that cannot be built fails its own row only
    try:
        if isinstance(email.body_text, UnreadableBody) or isinstance(email.body_html, UnreadableBody):
            # Retried like any failure: the key may come back with the next deploy.
            raise ImproperlyConfigured(
                "the body cannot be decrypted: the key it was sealed with is not in OUTBOX_ENCRYPTION_KEYS"
            )
        message = _outbound_email_message(email, connection=connection)
        outcome = _Delivery.UNREACHABLE
        connection.open()  # a no-op on an open connection
        outcome = _Delivery.BROKEN
        message.send()
    except Exception as exc:  # SMTP, network and ESP errors alike: record and retry later
        failure: dict[str, Any] = {"attempts": attempts, "last_error": f"{type(exc).__name__}: {exc}"[:2000]}
        if attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            failure["status"] = OutboundEmail.Status.FAILED
        else:
            failure["send_after"] = timezone.now() + _retry_delay(attempts)
        _outbound_email_record(email, failure, lease=lease)
        logger.warning("outbox: sending email %s failed (attempt %s): %s", email.pk, attempts, exc)
        return _Delivery.REFUSED if isinstance(exc, _MESSAGE_REFUSED) else outcome
    status = getattr(message, "anymail_status", None)
    sent = {
        "attempts": attempts,
        "status": OutboundEmail.Status.SENT,
        "sent_at": timezone.now(),
        "esp_message_id": str(getattr(status, "message_id", "") or "")[:255],
        "last_error": "",
        # The secrets have reached the recipient: the row keeps only a copy with its links cut short.
        "body_text": redact_text(email.body_text),
        "body_html": redact_html(email.body_html),
    }
    _outbound_email_record(email, sent)  # sent is sent, even if the row lost its lease meanwhile
    return _Delivery.SENT


def _outbound_email_record(email: OutboundEmail, changes: dict[str, Any], *, lease: datetime | None = None) -> None:
    """Write the outcome of a send with one UPDATE, unless someone else settled the row meanwhile."""
    rows = OutboundEmail.objects.filter(pk=email.pk, status=OutboundEmail.Status.QUEUED)
    if lease is not None:
        rows = rows.filter(send_after=lease)
    if not rows.update(**changes):
        logger.warning("outbox: email %s changed while it was being sent; left as it is", email.pk)
    for field, value in changes.items():
        setattr(email, field, value)


@contextlib.contextmanager
def _commits_without_flush():
    """Let COMMIT return before the WAL is flushed to disk (synchronous_commit=off): for the current
    transaction, or for the session until the block ends when no transaction is open.

    For the worker's bookkeeping only (a claim, a sent or failed mark), never for the row itself,
    which the service that queued it committed durably. If PostgreSQL itself crashes, the marks of
    the last fraction of a second (3 x wal_writer_delay at most) can be lost: those rows are queued
    again and sent a second time under the same idempotency key, which receivers deduplicate. A
    killed worker loses nothing: a returned COMMIT is visible at once. In exchange no send waits
    for an fsync, which on a typical disk costs more than the rest of the bookkeeping.
    """
    connection = transaction.get_connection()
    in_transaction = connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute(f"SET {'LOCAL ' if in_transaction else ''}synchronous_commit TO OFF")
    try:
        yield
    finally:
        if not in_transaction:
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")


def _close_quietly(connection) -> None:
    with contextlib.suppress(Exception):  # QUIT on a broken connection may fail; it is closed either way
        connection.close()


def outbound_email_send(*, email_id: int) -> bool:
    """Send one queued email and mark it sent; False when it was not this call's to send.

    The row stays locked while the ESP is called, so a second worker holding the same id skips it
    (SKIP LOCKED) and later finds it sent. A row claimed by a batch (`send_after` in the future) is
    left to that batch.
    """
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=OutboundEmail.Status.QUEUED, send_after__lte=timezone.now())
            .first()
        )
        if email is None:
            return False
        connection = get_connection()
        try:
            with _commits_without_flush():
                outcome = _outbound_email_deliver(email, connection=connection)
        finally:
            _close_quietly(connection)
    return outcome is _Delivery.SENT


class OutboxBatch(NamedTuple):
    claimed: int  # rows this batch took; `limit` of them means more may be waiting
    sent: int


def outbound_email_send_batch(*, limit: int) -> OutboxBatch:
    """Send up to `limit` due emails, oldest first, over one ESP connection; say how many it took and sent.

    One short transaction claims the rows: under SKIP LOCKED their `send_after` moves to a lease
    (OUTBOX_BATCH_CLAIM_SECONDS from now) and the claim commits. A leased row is not due, so a
    concurrent batch, the per-email task (which wants `send_after <= now`) and the sweep all leave
    it alone: the lease, not a lock held across the SMTP conversation, makes the rows this batch's.
    Each send is then recorded at once with one UPDATE, so a worker killed mid-batch duplicates at
    most the one email in flight, as the single send does, and the rows it never reached are due
    again when the lease ends. To keep the lease meaningful the batch starts no send once half of it
    has passed (a stalled ESP, say) and hands the remaining rows back instead.

    A refused message fails only its own row. A broken connection fails its row and the next row
    opens a new one; when no connection can be opened at all, the remaining rows are handed back
    (due now) instead of each waiting for a timeout.
    """
    now = timezone.now()
    lease = now + timedelta(seconds=settings.OUTBOX_BATCH_CLAIM_SECONDS)
    deadline = now + timedelta(seconds=settings.OUTBOX_BATCH_CLAIM_SECONDS / 2)
    with transaction.atomic():
        claimed = list(
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(status=OutboundEmail.Status.QUEUED, send_after__lte=now)
            .order_by("send_after")[:limit]
        )
        if not claimed:
            return OutboxBatch(claimed=0, sent=0)
        with _commits_without_flush():
            OutboundEmail.objects.filter(pk__in=[email.pk for email in claimed]).update(send_after=lease)
    sent = 0
    connection = get_connection()
    try:
        with _commits_without_flush():
            for position, email in enumerate(claimed):
                if timezone.now() >= deadline:
                    _outbound_email_release(claimed[position:], lease=lease)
                    break
                outcome = _outbound_email_deliver(email, connection=connection, lease=lease)
                if outcome is _Delivery.SENT:
                    sent += 1
                elif outcome is _Delivery.BROKEN:
                    _close_quietly(connection)
                elif outcome is _Delivery.UNREACHABLE:
                    _outbound_email_release(claimed[position + 1 :], lease=lease)
                    break
    finally:
        _close_quietly(connection)
    return OutboxBatch(claimed=len(claimed), sent=sent)


def _outbound_email_release(emails: list[OutboundEmail], *, lease: datetime) -> None:
    """Hand rows a batch claimed but did not attempt back to the queue, due now."""
    OutboundEmail.objects.filter(
        pk__in=[email.pk for email in emails], status=OutboundEmail.Status.QUEUED, send_after=lease
    ).update(send_after=timezone.now())


def outbound_email_due_ids(*, limit: int = 500) -> list[int]:
    """Queued rows no worker has taken: fresh rows older than the grace period, or retries now due."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_STALE_AFTER_SECONDS)
    return list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED)
        .filter(Q(send_after__lte=stale) | Q(attempts__gt=0, send_after__lte=now))
        .order_by("send_after")
        .values_list("pk", flat=True)[:limit]
    )
