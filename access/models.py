"""Admin relationships (Partner Center's GDAP): the roles a partner's users hold in a customer's account, for a
time the customer approved; who on the partner's side may use each role; and the licences a License
administrator assigns to the customer's users."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerhub.accounts.models import Role
from partnerhub.core.errors import ApplicationError
from partnerhub.core.transitions import StatusTransitions

from .roles import SATISFIED_BY, AdminRole


class AccessError(ApplicationError):
    """A refusal about admin relationships: the message the person reads, and a code (and, for the API, the
    HTTP status it is: a refusal to act is 403, another tenant's object 404, anything else 400)."""

    STATUSES = {"forbidden": 403, "not_global_admin": 403, "not_assigned": 403, "no_relationship": 403,
                "relationship_ended": 403, "not_found": 404}  # fmt: skip

    @property
    def status(self) -> int:
        return self.STATUSES.get(self.code, 400)


class AdminRelationshipQuerySet(models.QuerySet["AdminRelationship"]):
    def live(self) -> AdminRelationshipQuerySet:
        """Not yet final: waiting for approval, active or expiring."""
        return self.filter(status__in=AdminRelationship.LIVE)

    def acting(self, now: datetime | None = None) -> AdminRelationshipQuerySet:
        """Usable right now: active or expiring, and its end not reached (whatever the sweep has done yet)."""
        return self.filter(status__in=AdminRelationship.ACTING, ends_at__gt=now or timezone.now())


class AdminRelationship(StatusTransitions, models.Model):
    """A partner's request for roles in a customer's account, approved by the customer's Global admin, for
    `duration_days` from approval (auto-extended by 180 days at a time when asked and allowed)."""

    class Status(models.TextChoices):
        APPROVAL_PENDING = "approval_pending", _("Approval pending")
        ACTIVE = "active", _("Active")
        EXPIRING = "expiring", _("Expiring")
        EXPIRED = "expired", _("Expired")
        TERMINATED = "terminated", _("Terminated")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {
        Status.APPROVAL_PENDING: {Status.ACTIVE, Status.REJECTED, Status.EXPIRED, Status.TERMINATED},
        Status.ACTIVE: {Status.EXPIRING, Status.EXPIRED, Status.TERMINATED},
        Status.EXPIRING: {Status.ACTIVE, Status.EXPIRED, Status.TERMINATED},
        Status.EXPIRED: set(),
        Status.TERMINATED: set(),
        Status.REJECTED: set(),
    }
    transition_error = AccessError
    LIVE = (Status.APPROVAL_PENDING, Status.ACTIVE, Status.EXPIRING)
    ACTING = (Status.ACTIVE, Status.EXPIRING)

    public_id = models.UUIDField(_("relationship ID"), default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=50)
    roles = ArrayField(models.CharField(max_length=32, choices=AdminRole.choices), verbose_name=_("roles"))
    duration_days = models.PositiveSmallIntegerField(_("duration (days)"))
    auto_extend = models.BooleanField(_("auto-extend"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.APPROVAL_PENDING, db_index=True
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    request_expires_at = models.DateTimeField(_("request expires"))
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    terminated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The side that terminated (or rejected): the partner or the customer.
    terminated_side = models.CharField(_("ended by"), max_length=8, blank=True)
    extended_count = models.PositiveSmallIntegerField(default=0)
    # Sweep claims: set once per period (reset when the end date moves).
    reminded_30_at = models.DateTimeField(null=True, blank=True)
    reminded_7_at = models.DateTimeField(null=True, blank=True)

    objects = AdminRelationshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("admin relationship")
        verbose_name_plural = _("admin relationships")
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "name"],
                condition=Q(status__in=["approval_pending", "active", "expiring"]),
                name="admin_rel_name_unique_live",
            ),
            models.CheckConstraint(
                condition=Q(duration_days__gte=1, duration_days__lte=730), name="admin_rel_duration_range"
            ),
            models.CheckConstraint(condition=~Q(partner=models.F("customer")), name="admin_rel_not_itself"),
            models.CheckConstraint(
                condition=~Q(auto_extend=True, roles__contains=["global_administrator"]),
                name="admin_rel_no_auto_extend_global_admin",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "customer", "status"], name="admin_rel_partner_idx"),
            models.Index(fields=["customer", "status", "created_at"], name="admin_rel_customer_idx"),
            models.Index(fields=["status", "ends_at"], name="admin_rel_sweep_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE

    @property
    def holds_global_administrator(self) -> bool:
        return AdminRole.GLOBAL_ADMINISTRATOR in self.roles

    def role_labels(self) -> list[str]:
        return [str(AdminRole(role).label) for role in AdminRole if role in self.roles]

    def holds(self, role: str) -> bool:
        """Does the relationship grant `role` (itself or a role that satisfies it)?"""
        return bool(SATISFIED_BY[role].intersection(self.roles))


class AdminRoleAssignment(models.Model):
    """Who on the partner's side may use one of the relationship's roles: one named user (membership), or
    every user holding a partner role (Partner Center's security groups)."""

    relationship = models.ForeignKey(AdminRelationship, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("admin role"), max_length=32, choices=AdminRole.choices)
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    partner_role = models.CharField(_("partner role"), max_length=32, choices=Role.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("admin role assignment")
        verbose_name_plural = _("admin role assignments")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(membership__isnull=False, partner_role="") | Q(membership__isnull=True) & ~Q(partner_role="")
                ),
                name="admin_assignment_one_target",
            ),
            models.UniqueConstraint(
                fields=["relationship", "role", "membership"],
                condition=Q(membership__isnull=False),
                name="admin_assignment_member_unique",
            ),
            models.UniqueConstraint(
                fields=["relationship", "role", "partner_role"],
                condition=Q(membership__isnull=True),
                name="admin_assignment_role_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.relationship} · {self.role}"


class LicenseAssignment(models.Model):
    """A licence of one of the customer's subscriptions, assigned to one of its users (at most the quantity)."""

    customer = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    # The partner whose License administrator assigned it (through its admin relationship), or none.
    partner = models.ForeignKey(
        "accounts.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subscription = models.ForeignKey("customers.Subscription", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)

    class Meta:
        verbose_name = _("licence assignment")
        verbose_name_plural = _("licence assignments")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "user"], name="license_assignment_unique"),
        ]
        indexes = [models.Index(fields=["customer", "user"], name="license_customer_idx")]

    def __str__(self) -> str:
        return f"{self.subscription_id} → {self.user_id}"
