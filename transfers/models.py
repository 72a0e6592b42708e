"""Partner-to-partner transfers of a customer's subscriptions (commerce.md §5), and the direct-bill →
indirect-reseller move that rides on them (domain.md §2.6)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerhub.core.errors import ApplicationError
from partnerhub.core.transitions import StatusTransitions

TRANSFER_LIFETIME = timedelta(days=30)  # the receiving partner answers within 30 days, or the request expires
MAX_ITEMS = 25  # subscriptions per transfer (Partner Center's limit)


class TransfersError(ApplicationError):
    """A rule of transfers was broken."""


class Transfer(StatusTransitions, models.Model):
    """A request to move some of a customer's subscriptions from the partner selling them (source) to another
    partner (target), who accepts or declines within 30 days.

    The parties' names are copied on the row: each party reads the transfer, but row-level security keeps
    the other parties' organizations (and, before acceptance, the subscriptions) out of its sight."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    class InitiatedBy(models.TextChoices):
        SOURCE = "source", _("Current partner")
        CUSTOMER = "customer", _("Customer")

    TRANSITIONS = {
        Status.PENDING: {Status.ACCEPTED, Status.DECLINED, Status.CANCELLED, Status.EXPIRED},
        Status.ACCEPTED: set(),
        Status.DECLINED: set(),
        Status.CANCELLED: set(),
        Status.EXPIRED: set(),
    }
    transition_error = TransfersError

    public_id = models.UUIDField(_("transfer ID"), default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="outgoing_transfers")
    target = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="incoming_transfers")
    customer_name = models.CharField(_("customer"), max_length=200)
    source_name = models.CharField(_("from"), max_length=200)
    target_name = models.CharField(_("to"), max_length=200)
    customer_tenant_id = models.UUIDField(_("customer tenant ID"))
    source_tenant_id = models.UUIDField(_("from (tenant ID)"))
    target_tenant_id = models.UUIDField(_("to (tenant ID)"))
    initiated_by = models.CharField(_("requested by"), max_length=10, choices=InitiatedBy.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # The reseller of record when the target is an indirect provider: the reseller's location partner ID.
    partner_of_record = models.ForeignKey(
        "enrollment.PartnerId", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("partner of record"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The direct-bill enrolment whose move to indirect reseller this transfer is part of, if any.
    transition = models.ForeignKey(
        "enrollment.ProgramEnrollment", on_delete=models.SET_NULL, null=True, blank=True, related_name="transfers",
        verbose_name=_("direct-bill transition"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="transfer_not_to_itself"),
        ]
        indexes = [
            models.Index(fields=["source", "-created_at", "-id"], name="transfer_source_idx"),
            models.Index(fields=["target", "-created_at", "-id"], name="transfer_target_idx"),
            models.Index(fields=["customer", "-created_at", "-id"], name="transfer_customer_idx"),
            models.Index(fields=["status", "expires_at"], name="transfer_status_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_name}: {self.source_name} → {self.target_name}"

    def save(self, *args, **kwargs) -> None:
        if self.expires_at is None:
            self.expires_at = self.created_at + TRANSFER_LIFETIME
        super().save(*args, **kwargs)

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    def side_of(self, organization_id: int) -> str:
        """ "outgoing", "incoming" or "customer": how an organization sees this transfer."""
        if organization_id == self.target_id:
            return "incoming"
        if organization_id == self.source_id:
            return "outgoing"
        return "customer"


class TransferItem(models.Model):
    """One subscription of a transfer, with what the parties see of it before it moves.

    `is_open` is true while the transfer is pending: a subscription is in one open transfer at most (a
    partial unique index holds it, whatever two requests do at once)."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="items")
    subscription = models.ForeignKey("customers.Subscription", on_delete=models.PROTECT, related_name="+")
    subscription_public_id = models.UUIDField(_("subscription ID"))
    offer_name = models.CharField(_("subscription"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))
    term_end = models.DateField(_("term ends"))
    is_open = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("transferred subscription")
        verbose_name_plural = _("transferred subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["transfer", "subscription"], name="transfer_item_once"),
            models.UniqueConstraint(
                fields=["subscription"], condition=Q(is_open=True), name="transfer_item_one_open_per_subscription"
            ),
        ]

    def __str__(self) -> str:
        return self.offer_name
