"""Audit trail, mail outbox and in-app notifications: the plumbing every service uses."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .outbox_sealing import SealedTextField


class PostalAddress(models.Model):
    """The street address fields a company, a location or an enrolment carries."""

    address_line1 = models.CharField(_("address line 1"), max_length=200)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    state = models.CharField(_("state or province"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20)

    ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "state", "postal_code")

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One state change: who did what to which object, in which organization, from where."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    code = models.CharField(_("event"), max_length=100)  # partnerhub.<entity>.<past_tense>
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="audit_org_created_idx"),
            models.Index(fields=["code", "-created_at"], name="audit_code_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.object_repr}"


class OutboundEmail(models.Model):
    """An email waiting to be sent, being sent, sent or given up on.

    The bodies carry live secrets (reset keys, invitation links): they are stored encrypted, and
    replaced by a redacted copy (links cut short) once the email is sent; see `outbox_sealing`.

    Services create rows inside their own transaction; `send_outbound_email_task` sends each one
    after commit under a row lock. A batch (`send_outbound_email_batch_task`, used by the sweep for
    backlogs and retries) claims its rows by moving `send_after` forward instead, and records each
    outcome right after its send, so a killed worker re-sends at most the one email in flight.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    # Used as the Message-ID, so a receiver can drop a duplicate if a worker died after SMTP said 250.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="outbound_emails"
    )
    to = models.EmailField(_("to"))
    template = models.CharField(_("template"), max_length=100)
    subject = models.CharField(_("subject"), max_length=255)
    # Encrypted at rest while the email may still be sent; a redacted copy once it is (outbox_sealing).
    body_text = SealedTextField(_("text body"))
    body_html = SealedTextField(_("HTML body"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    esp_message_id = models.CharField(_("ESP message ID"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # The earliest time the sweep may hand this row to a worker (now, or after a retry backoff).
    send_after = models.DateTimeField(_("send after"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        indexes = [
            models.Index(fields=["send_after"], condition=Q(status="queued"), name="outbox_queued_idx"),
            models.Index(fields=["to", "-created_at"], name="outbox_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at=None)


class Notification(models.Model):
    """An in-app message for one user, shown under the bell in the header."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_idx"),
            models.Index(fields=["user"], condition=Q(read_at=None), name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.title
