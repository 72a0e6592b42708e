"""Users, organizations (the tenants), memberships with roles, and invitations to join."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField

from partnerhub.core.choices import ChoiceLabels
from partnerhub.core.invitations import TokenInvitation
from partnerhub.core.models import PostalAddress
from partnerhub.core.regions import CspRegion


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with a work email address. Staff are the vendor's operators."""

    email = models.EmailField(_("email address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True, choices=settings.LANGUAGES)
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Set for an account created with a temporary password (a new customer's admin); cleared by a change.
    must_change_password = models.BooleanField(_("must change password"), default=False)
    # A sign-in name that is no mailbox (a customer's admin@<prefix>.onpartnerhub.example) gets the address of
    # the person who owns the account: once confirmed, password resets and security notices go there.
    recovery_email = models.EmailField(_("recovery email address"), blank=True)
    recovery_email_verified = models.BooleanField(_("recovery email address confirmed"), default=False)
    # The bell's badge, kept by the notification services so no page counts notifications per request.
    unread_notifications = models.PositiveIntegerField(
        _("unread notifications"), default=0, db_default=0, editable=False
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def mailbox(self) -> str:
        """Where mail about this account goes: the confirmed recovery address, else the sign-in address."""
        return self.recovery_email if self.recovery_email and self.recovery_email_verified else self.email


class Organization(ChoiceLabels, PostalAddress):
    """A tenant: a partner company (or, later, a customer). Its country fixes its CSP region."""

    class Kind(models.TextChoices):
        PARTNER = "partner", _("Partner")
        CUSTOMER = "customer", _("Customer")

    tenant_id = models.UUIDField(_("tenant ID"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PARTNER)
    legal_name = models.CharField(_("legal business name"), max_length=200)
    country = CountryField(_("country/region"))
    primary_domain = models.CharField(_("primary domain"), max_length=253)
    # Derived from the country when the organization is created; a CSP account's country never changes.
    csp_region = models.CharField(_("CSP region"), max_length=32, choices=CspRegion.choices)
    currency = models.CharField(_("currency"), max_length=3)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        indexes = [models.Index(fields=["csp_region", "kind"], name="org_region_kind_idx")]

    def __str__(self) -> str:
        return self.legal_name


class Role(models.TextChoices):
    """Partner roles (domain.md §7). A member holds one or more."""

    GLOBAL_ADMIN = "global_admin", _("Global admin")
    ACCOUNT_ADMIN = "account_admin", _("Account admin")
    USER_MANAGEMENT_ADMIN = "user_management_admin", _("User management admin")
    ADMIN_AGENT = "admin_agent", _("Admin agent")
    SALES_AGENT = "sales_agent", _("Sales agent")
    HELPDESK_AGENT = "helpdesk_agent", _("Helpdesk agent")
    BILLING_ADMIN = "billing_admin", _("Billing admin")


# The seat of a customer's user who is not an admin (created by a partner's User administrator, access/): a
# customer organization holds no partner role but Global admin, and a seat needs one role.
CUSTOMER_USER = "user"
ROLE_LABELS = {**dict(Role.choices), CUSTOMER_USER: _("User")}


class MembershipQuerySet(models.QuerySet["Membership"]):
    def global_admins(self) -> MembershipQuerySet:
        return self.filter(roles__contains=[Role.GLOBAL_ADMIN])


class PeopleManager(models.Manager["Membership"]):
    """People's seats only: an API client's seat (api.ApiClient) is nobody to list, email or count."""

    def get_queryset(self) -> MembershipQuerySet:
        return MembershipQuerySet(self.model, using=self._db).filter(is_api_client=False)

    def global_admins(self) -> MembershipQuerySet:
        return self.get_queryset().global_admins()


class Membership(models.Model):
    """A user's seat in an organization, with the roles they hold there."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    roles = ArrayField(models.CharField(max_length=32, choices=Role.choices), verbose_name=_("roles"))
    created_at = models.DateTimeField(_("joined"), default=timezone.now)
    # The seat of an API client's service user: row-level security sees it like any seat (partnerhub_org()
    # checks seats in SQL); the ORM's default manager hides it from every list of people.
    is_api_client = models.BooleanField(default=False, editable=False)

    objects = PeopleManager()
    seats = MembershipQuerySet.as_manager()  # people's and API clients' seats (the API's authentication)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user_per_org"),
            models.CheckConstraint(condition=Q(roles__len__gt=0), name="membership_has_a_role"),
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="membership_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_global_admin(self) -> bool:
        return Role.GLOBAL_ADMIN in self.roles

    def get_roles_display(self) -> list[str]:
        return [str(ROLE_LABELS.get(role, role)) for role in self.roles]


class UserInvitation(TokenInvitation):
    """An invitation for one email address to join an organization with given roles.

    The link carries a random token; only its SHA-256 is stored. It expires, works once, can be
    revoked, and is bound to the invited address. Resending rotates the token.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="user_invitations")
    email = models.EmailField(_("email address"))
    roles = ArrayField(models.CharField(max_length=32, choices=Role.choices), verbose_name=_("roles"))
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("invited"), default=timezone.now)
    sent_at = models.DateTimeField(_("last sent"), default=timezone.now)

    class Meta:
        verbose_name = _("user invitation")
        verbose_name_plural = _("user invitations")
        constraints = [
            # One open invitation per address and organization; an expired one is revoked on re-invite.
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=Q(accepted_at=None, revoked_at=None),
                name="user_invitation_one_open_per_email",
            ),
        ]
        indexes = [models.Index(fields=["organization", "-created_at"], name="user_invitation_org_idx")]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"

    def live_status(self) -> str:
        return self.Status.PENDING

    def get_roles_display(self) -> list[str]:
        labels = dict(Role.choices)
        return [str(labels.get(role, role)) for role in self.roles]


class AllowedEmailDomain(models.Model):
    """An operator's exception to the webmail rule: addresses at this domain may sign up."""

    domain = models.CharField(_("domain"), max_length=253, unique=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("allowed email domain")
        verbose_name_plural = _("allowed email domains")
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs) -> None:
        self.domain = self.domain.strip().lower().rstrip(".")
        super().save(*args, **kwargs)
