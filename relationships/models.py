"""The provider directory (listings kept by staff). Partnerships come with the relationships issue."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerhub.core.regions import CspRegion


class ProviderService(models.TextChoices):
    TECHNICAL_TRAINING = "technical_training", _("Technical training")
    MARKETING = "marketing", _("Marketing help")
    CREDIT = "credit", _("Credit and financing")
    PRESALES = "presales", _("Pre-sales support")
    TECHNICAL_SUPPORT = "technical_support", _("Technical support")


class ProviderListing(models.Model):
    """An indirect provider's entry in the directory resellers browse. Created as a draft when the
    provider's enrolment is authorized; staff complete and publish it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="provider_listing"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
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
