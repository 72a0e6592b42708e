"""The provider directory (listings kept by staff). Partnerships come with the relationships issue."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerhub.core.choices import ChoiceLabels
from partnerhub.core.invitations import TokenInvitation
from partnerhub.core.regions import CspRegion
from partnerhub.core.transitions import StatusTransitions


class ProviderService(models.TextChoices):
    TECHNICAL_TRAINING = "technical_training", _("Technical training")
    MARKETING = "marketing", _("Marketing help")
    CREDIT = "credit", _("Credit and financing")
    PRESALES = "presales", _("Pre-sales support")
    TECHNICAL_SUPPORT = "technical_support", _("Technical support")


class ProviderListing(StatusTransitions, models.Model):
    """An indirect provider's entry in the directory resellers browse. Created as a draft when the
    provider's enrolment is authorized; staff complete and publish it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    TRANSITIONS = {Status.DRAFT: {Status.PUBLISHED}, Status.PUBLISHED: set()}

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="provider_listing"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    logo = models.FileField(_("logo (PNG or JPEG)"), upload_to="directory/logos/", blank=True, max_length=200)
    display_name = models.CharField(_("display name"), max_length=200)
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    description = models.TextField(_("description"), blank=True)
    countries = ArrayField(models.CharField(max_length=2), verbose_name=_("countries served"), default=list, blank=True)
    csp_regions = ArrayField(
        models.CharField(max_length=32, choices=CspRegion.choices),
        verbose_name=_("CSP regions served"),
        default=list,
        blank=True,
    )
    services = ArrayField(
        models.CharField(max_length=32, choices=ProviderService.choices),
        verbose_name=_("services offered"),
        default=list,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("provider listing")
        verbose_name_plural = _("provider listings")
        indexes = [models.Index(fields=["status", "display_name"], name="listing_status_name_idx")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def regions_display(self) -> list[str]:
        return [str(CspRegion(code).label) for code in self.csp_regions if code in CspRegion.values]

    @property
    def services_display(self) -> list[str]:
        return [str(ProviderService(code).label) for code in self.services if code in ProviderService.values]


class ListingChangeRequest(models.Model):
    """A provider asks staff to change its directory listing (the listing is not self-service)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    listing = models.ForeignKey(ProviderListing, on_delete=models.CASCADE, related_name="change_requests")
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    message = models.TextField(_("requested change"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("listing change request")
        verbose_name_plural = _("listing change requests")
        indexes = [models.Index(fields=["organization", "-created_at"], name="listing_request_org_idx")]

    def __str__(self) -> str:
        return f"{self.listing} · {self.created_at:%Y-%m-%d}"


class PartnershipInvitation(TokenInvitation):
    """A provider's "Request a partnership" link. The link identifies the provider; any reseller's
    Global admin holding it may accept, once, before it expires, unless the provider revoked it."""

    owner_field = "provider"

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        OPENED = "opened", _("Opened")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    provider = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="partnership_invitations"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    message = models.TextField(_("message"), blank=True)
    recipient_email = models.EmailField(_("sent to"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent from PartnerHub"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)  # tracking only, first view
    reseller = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accepted_partnership_invitations",
    )

    class Meta:
        verbose_name = _("partnership invitation")
        verbose_name_plural = _("partnership invitations")
        indexes = [models.Index(fields=["provider", "-created_at"], name="partnership_inv_provider_idx")]

    def __str__(self) -> str:
        return f"{self.provider} · {self.created_at:%Y-%m-%d}"

    def live_status(self) -> str:
        return self.Status.OPENED if self.opened_at else self.Status.SENT


# The partial unique constraint partnership_accept turns into "already partners".
ONE_ACTIVE_PER_PAIR = "relationship_one_active_per_pair"


class PartnerRelationship(ChoiceLabels, StatusTransitions, models.Model):
    """An indirect provider ↔ indirect reseller partnership. Removing it keeps the row (history);
    at most one active partnership per pair."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REMOVED = "removed", _("Removed")

    TRANSITIONS = {Status.ACTIVE: {Status.REMOVED}, Status.REMOVED: set()}

    provider = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="reseller_relationships"
    )
    reseller = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="provider_relationships"
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    admin_access = models.BooleanField(_("provider has admin access"), default=True)
    invitation = models.ForeignKey(
        PartnershipInvitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("since"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    admin_access_removed_at = models.DateTimeField(_("admin access removed"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("partner relationship")
        verbose_name_plural = _("partner relationships")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "reseller"], condition=Q(status="active"), name=ONE_ACTIVE_PER_PAIR
            ),
            models.CheckConstraint(condition=~Q(provider=models.F("reseller")), name="relationship_not_with_itself"),
        ]
        indexes = [
            models.Index(fields=["provider", "status", "-created_at"], name="relationship_provider_idx"),
            models.Index(fields=["reseller", "status", "-created_at"], name="relationship_reseller_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} → {self.reseller}"
