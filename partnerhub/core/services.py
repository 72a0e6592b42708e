"""Writes of the core plumbing: audit events, outbound email, notifications."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .context import client_ip
from .models import AuditEvent, Notification, OutboundEmail

logger = logging.getLogger(__name__)


def audit_record(
    *,
    code: str,
    actor=None,
    organization=None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record one state change (`partnerhub.<entity>.<past_tense>`) with its actor and client IP."""
    return AuditEvent.objects.create(
        code=code,
        actor=actor if actor is not None and actor.is_authenticated else None,
        organization=organization,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:255] if target is not None else "",
        data=data or {},
        ip_address=client_ip.get(),
    )


def _render_email(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    base = {"site_url": settings.SITE_URL, "site_name": settings.SITE_NAME, **context}
    subject = render_to_string(f"emails/{template}_subject.txt", base)
    subject = " ".join(subject.splitlines()).strip()
    body_text = render_to_string(f"emails/{template}_message.txt", base).strip() + "\n"
    body_html = render_to_string(f"emails/{template}_message.html", base)
    return subject, body_text, body_html


def _enqueue_send(email_id: int) -> None:
    """Hand a committed outbox row to Celery; if the broker is down, the sweep will do it later."""
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
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        subject, body_text, body_html = _render_email(template, context)
    return outbound_email_queue_rendered(
        to=to, template=template, subject=subject, body_text=body_text, body_html=body_html, organization=organization
    )


def outbound_email_queue_rendered(
    *, to: str, template: str, subject: str, body_text: str, body_html: str = "", organization=None
) -> OutboundEmail:
    """Queue an email rendered elsewhere (allauth's account emails)."""
    email = OutboundEmail.objects.create(
        to=to,
        template=template,
        subject=subject[:255],
        body_text=body_text,
        body_html=body_html,
        organization=organization,
    )
    transaction.on_commit(lambda: _enqueue_send(email.pk), robust=True)
    return email


def _retry_delay(attempts: int) -> timedelta:
    """Exponential backoff between attempts: 1, 2, 4 … minutes, capped at an hour."""
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


def outbound_email_send(*, email_id: int) -> bool:
    """Send one queued email and mark it sent; False when it was not this call's to send.

    The row stays locked while the ESP is called, so a second worker holding the same id skips it
    (SKIP LOCKED) and later finds it sent. A failure leaves the row queued with a backoff, or
    failed after OUTBOX_MAX_ATTEMPTS, with the error for staff to read.
    """
    now = timezone.now()
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=OutboundEmail.Status.QUEUED, send_after__lte=now)
            .first()
        )
        if email is None:
            return False
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to],
            headers={"Message-ID": f"<{email.idempotency_key}@partnerhub>"},
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        email.attempts += 1
        try:
            message.send()
        except Exception as exc:  # SMTP, network and ESP errors alike: record and retry later
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                email.status = OutboundEmail.Status.FAILED
            else:
                email.send_after = now + _retry_delay(email.attempts)
            email.save(update_fields=["attempts", "last_error", "status", "send_after"])
            logger.warning("outbox: sending email %s failed (attempt %s): %s", email.pk, email.attempts, exc)
            return False
        status = getattr(message, "anymail_status", None)
        email.esp_message_id = str(getattr(status, "message_id", "") or "")[:255]
        email.status = OutboundEmail.Status.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["attempts", "status", "sent_at", "esp_message_id", "last_error"])
    return True


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


def notification_create(*, user, title: str, body: str = "", url: str = "", organization=None) -> Notification:
    """Put a message under the user's bell (and count it on the badge)."""
    notification = Notification.objects.create(user=user, organization=organization, title=title, body=body, url=url)
    get_user_model().objects.filter(pk=user.pk).update(unread_notifications=F("unread_notifications") + 1)
    return notification


def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) read; return how many changed.

    The badge is recounted in the same statement rather than decremented, so it heals itself."""
    unread = Notification.objects.filter(user=user, read_at=None)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    changed = unread.update(read_at=timezone.now())
    user_unread_recount(user=user)
    return changed


def user_unread_recount(*, user) -> None:
    """Set the user's badge to the number of unread notifications (one UPDATE with a subquery)."""
    remaining = (
        Notification.objects.filter(user=OuterRef("pk"), read_at=None)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    get_user_model().objects.filter(pk=user.pk).update(unread_notifications=Coalesce(Subquery(remaining), 0))
    user.refresh_from_db(fields=["unread_notifications"])
