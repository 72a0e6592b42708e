"""The API's own rows: clients (OAuth 2.0 client credentials), staff's per-organization limits, the call log,
idempotency records; and the webhooks' endpoints, events and deliveries (api/webhooks/models.py)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerhub.accounts.models import Membership, Organization, Role

if TYPE_CHECKING:
    from datetime import datetime


class ApiClientQuerySet(models.QuerySet["ApiClient"]):
    def live(self, now: datetime | None = None) -> ApiClientQuerySet:
        now = now or timezone.now()
        return self.filter(revoked_at=None).filter(Q(expires_at=None) | Q(expires_at__gt=now))


class ApiClient(models.Model):
    """A partner's system acting through the API with the roles a Global admin gave it.

    It acts as its own service user, seated in the organization with exactly these roles (the seat is hidden
    from every list of people, see accounts.Membership.is_api_client), so every permission rule, service and
    row-level security policy applies to it as to a person, and the audit log names it. Its OAuth application
    (django-oauth-toolkit) holds the hashed secret; revoking the client deletes it and with it every token.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_clients")
    name = models.CharField(_("name"), max_length=100)
    roles = ArrayField(models.CharField(max_length=32, choices=Role.choices), verbose_name=_("roles"))
    allowed_ips = ArrayField(
        models.CharField(max_length=50), default=list, blank=True, verbose_name=_("IP allow-list")
    )  # addresses or CIDR networks; empty: any address
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    client_id = models.CharField(_("client ID"), max_length=100, unique=True)
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seat = models.OneToOneField(Membership, on_delete=models.PROTECT, related_name="api_client")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], condition=Q(revoked_at=None), name="api_client_live_name_unique"
            ),
            models.CheckConstraint(condition=Q(roles__len__gt=0), name="api_client_has_a_role"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())

    def get_roles_display(self) -> list[str]:
        labels = dict(Role.choices)
        return [str(labels.get(role, role)) for role in self.roles]


class ApiLimit(models.Model):
    """Staff's figure for one organization's API budget (requests a minute), instead of the default."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="api_limit")
    requests_per_minute = models.PositiveIntegerField(_("requests a minute"))
    note = models.CharField(_("why"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("API limit")
        verbose_name_plural = _("API limits")

    def __str__(self) -> str:
        return f"{self.organization}: {self.requests_per_minute}/min"


class ApiCall(models.Model):
    """One API call of a client: who, what, the answer and its request id (swept after API_CALL_LOG_DAYS)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="calls")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()
    request_id = models.UUIDField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["client", "-at"], name="api_call_client_idx"),
            models.Index(fields=["at"], name="api_call_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.status}"


class IdempotencyRecord(models.Model):
    """An `Idempotency-Key` and the answer it produced, replayed when the same key comes again.

    The row is inserted before the work, in the request's transaction: a concurrent request with the same key
    waits on the unique index until the first commits, then finds the answer (api/idempotency.py)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of method, path and body
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    request_id = models.UUIDField(default=uuid.uuid4)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="idempotency_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return self.key


from .webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent  # noqa: E402, F401
