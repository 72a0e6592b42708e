"""Webhooks (pretix's WebHook / WebHookCall / WebHookCallRetry): an organization's endpoints, the outbox of
events written in the transaction of each change, one delivery per event and endpoint, and the log of each
attempt. Delivery is in api/webhooks/delivery.py; the rules of the endpoints in api/webhooks/services.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerhub.accounts.models import Organization
from partnerhub.core.outbox_sealing import SealedTextField


class WebhookEndpoint(models.Model):
    """A partner's HTTPS URL and the event types it wants, signed with its own secret (Standard Webhooks).

    The secret is stored sealed (Fernet, core.outbox_sealing) because deliveries must sign with it: unlike an
    API client's secret it cannot be a hash. After a rotation the previous secret also signs until
    `previous_secret_expires_at`, so a receiver can switch secrets without losing a delivery."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = ArrayField(models.CharField(max_length=64), verbose_name=_("events"))
    is_active = models.BooleanField(_("enabled"), default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    secret = SealedTextField()
    previous_secret = SealedTextField(blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["organization", "is_active"], name="webhook_endpoint_org_idx")]
        constraints = [models.CheckConstraint(condition=Q(event_types__len__gt=0), name="webhook_endpoint_has_event")]

    def __str__(self) -> str:
        return self.url

    def signing_secrets(self, now=None) -> list[str]:
        """The current secret, and the previous one while its overlap lasts."""
        now = now or timezone.now()
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            secrets.append(self.previous_secret)
        return secrets


class WebhookEvent(models.Model):
    """One event of the outbox, written in the transaction of the change it reports.

    The primary key is the sequence: within one resource, changes are made under that resource's row lock,
    so their events' keys follow their commit order. `event_id` is the `webhook-id` (the same on every retry
    and redelivery: receivers deduplicate on it)."""

    event_id = models.CharField(max_length=40, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=64)
    resource = models.CharField(max_length=40)
    resource_id = models.CharField(max_length=64)
    resource_url = models.CharField(max_length=300)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organization", "-created_at"], name="webhook_event_org_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class WebhookDelivery(models.Model):
    """An event owed to one endpoint: pending until a 2xx answer (delivered) or the last attempt (failed).

    `next_attempt_at` is the deadline the sweep looks for (never a Celery countdown of hours); `claimed_until`
    is the lease of the worker attempting it, so a second worker, or the same task run twice, leaves it alone.
    A pending delivery with no `next_attempt_at` is parked: its endpoint is disabled."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    resource_key = models.CharField(max_length=110)  # "<resource>:<id>": deliveries of one resource keep order
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    is_redelivery = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log_idx"),
            models.Index(
                fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due_idx"
            ),
            models.Index(
                fields=["endpoint", "resource_key", "id"], condition=Q(status="pending"),
                name="webhook_delivery_order_idx",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: when, how long, the answer (code, a short excerpt) or the error."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["delivery", "at"], name="webhook_attempt_idx")]

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.at}: {self.status_code or self.error}"
