"""Agreement versions (the partner agreement, MPA; the customer agreement, MCA) and MPA acceptances."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from partnerhub.core.errors import ApplicationError
from partnerhub.core.regions import CspRegion


class AgreementError(ApplicationError):
    """A rule of agreements was broken."""


class AgreementType(models.TextChoices):
    MPA = "mpa", _("Partner agreement")
    MCA = "mca", _("Customer agreement")


def agreement_upload_path(version: AgreementVersion, filename: str) -> str:
    return f"agreements/{version.type}-{version.version}-{version.language}.pdf"


class AgreementVersion(models.Model):
    """One published text of an agreement. The SHA-256 of its PDF is stored with it, and with every
    acceptance, so what was accepted can always be proven."""

    type = models.CharField(_("type"), max_length=8, choices=AgreementType.choices)
    version = models.CharField(_("version"), max_length=32)
    language = models.CharField(_("language"), max_length=10, default="en")
    effective_date = models.DateField(_("effective date"))
    document = models.FileField(_("document (PDF)"), upload_to=agreement_upload_path, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), editable=False, default=0)
    active = models.BooleanField(_("active"), default=True)
    requires_reacceptance = models.BooleanField(
        _("requires re-acceptance"),
        default=False,
        help_text=_("Organizations that accepted an earlier version get a pending action to accept this one."),
    )
    # Enforcement of a version that requires re-acceptance: staff set the deadline; the Global admins of
    # every organization still on an earlier version are reminded from `remind_at` (once: `reminded_at` is
    # the claim the beat sweep takes), and after the deadline those organizations can't transact.
    acceptance_deadline = models.DateTimeField(
        _("accept by (UTC)"),
        null=True,
        blank=True,
        help_text=_(
            "Required when the version requires re-acceptance. After this moment, organizations that haven't "
            "accepted it can't place orders or be named as reseller."
        ),
    )
    remind_at = models.DateTimeField(_("reminders from (UTC)"), null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("reminders sent (UTC)"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        constraints = [
            models.UniqueConstraint(fields=["type", "version", "language"], name="agreement_version_unique"),
        ]
        indexes = [
            models.Index(fields=["type", "active", "-effective_date"], name="agreement_current_idx"),
            # The reminder sweep's claim: versions whose reminders are due and not yet sent.
            models.Index(
                fields=["remind_at"], name="agreement_remind_due_idx", condition=models.Q(reminded_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.version} ({self.language})"

    def deadline_passed(self, now=None) -> bool:
        """Past the acceptance deadline of a version that requires re-acceptance."""
        if not self.requires_reacceptance or self.acceptance_deadline is None:
            return False
        return (now or timezone.now()) >= self.acceptance_deadline


class AgreementAcceptance(models.Model):
    """An organization's acceptance of the partner agreement for one CSP region (once per version)."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="agreement_acceptances"
    )
    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="acceptances")
    csp_region = models.CharField(_("CSP region"), max_length=32, choices=CspRegion.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"))
    phone = PhoneNumberField(_("phone"), blank=True)
    accepted_at = models.DateTimeField(_("accepted (UTC)"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    document_sha256 = models.CharField(_("document SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("agreement acceptance")
        verbose_name_plural = _("agreement acceptances")
        constraints = [
            # One acceptance per organization, region and version: a double submit or two Global
            # admins at once end in one row.
            models.UniqueConstraint(
                fields=["organization", "csp_region", "version"], name="acceptance_once_per_region_version"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "csp_region", "-accepted_at"], name="acceptance_org_region_idx")
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.version} · {self.get_csp_region_display()}"

    @property
    def signer_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class SignatureRequest(models.Model):
    """A colleague asked the Global admins to sign the partner agreement (at most one a day)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organization", "-created_at"], name="signature_request_org_idx")]

    def __str__(self) -> str:
        return f"{self.organization_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class CustomerAgreementAcceptance(models.Model):
    """A customer's acceptance of the customer agreement (MCA): attested by a partner on the customer's
    behalf (with the contact who accepted and the date), or accepted directly by its Global admin."""

    class Method(models.TextChoices):
        PARTNER_ATTESTED = "attested", _("Confirmed by a partner")
        DIRECT = "direct", _("Accepted by the customer")

    customer = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="customer_agreement_acceptances"
    )
    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="customer_acceptances")
    method = models.CharField(_("how"), max_length=10, choices=Method.choices)
    partner = models.ForeignKey(
        "accounts.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    first_name = models.CharField(_("first name"), max_length=50)
    last_name = models.CharField(_("last name"), max_length=50)
    email = models.EmailField(_("email"))
    phone = PhoneNumberField(_("phone"), blank=True)
    date_agreed = models.DateField(_("date agreed"))
    created_at = models.DateTimeField(_("recorded (UTC)"), default=timezone.now)
    document_sha256 = models.CharField(_("document SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("customer agreement acceptance")
        verbose_name_plural = _("customer agreement acceptances")
        indexes = [models.Index(fields=["customer", "-created_at"], name="customer_acceptance_idx")]

    def __str__(self) -> str:
        return f"{self.customer} · {self.version} · {self.date_agreed}"

    @property
    def contact_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
