"""CSP program enrolment, the verification case workflow, its documents, and partner IDs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField

from partnerhub.core.choices import ChoiceLabels
from partnerhub.core.errors import ApplicationError
from partnerhub.core.models import PostalAddress
from partnerhub.core.transitions import StatusTransitions


class EnrollmentError(ApplicationError):
    """A rule of enrolment, verification or partner IDs was broken."""


class Program(models.TextChoices):
    INDIRECT_RESELLER = "indirect_reseller", _("Indirect reseller")
    INDIRECT_PROVIDER = "indirect_provider", _("Indirect provider")
    DIRECT_BILL = "direct_bill", _("Direct bill partner")


# The programs under which a partner sells (adds customers, places orders, names resellers), in order of
# preference when an organization holds both.
SELLING_PROGRAMS = (Program.INDIRECT_PROVIDER, Program.DIRECT_BILL)


# --- partner IDs (MPN IDs) ----------------------------------------------------------------------


class PartnerId(PostalAddress):
    """A partner ID issued by the platform: one global ID per organization (its headquarters) and one
    location ID per business location. Only a location ID in the organization's own country can be
    associated with its CSP account, and at most one is (a partial unique constraint)."""

    class Kind(models.TextChoices):
        GLOBAL = "global", _("Global (headquarters)")
        LOCATION = "location", _("Location")

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="partner_ids")
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    # From a PostgreSQL sequence: unique, numeric, never reused (even after a rollback).
    number = models.BigIntegerField(_("partner ID"), unique=True, editable=False)
    business_name = models.CharField(_("business name"), max_length=200)
    country = CountryField(_("country/region"))
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = PhoneNumberField(_("contact phone"), blank=True)
    csp_associated = models.BooleanField(_("associated with the CSP account"), default=False)
    associated_at = models.DateTimeField(_("associated"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("partner ID")
        verbose_name_plural = _("partner IDs")
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=Q(kind="global"), name="partner_id_one_global_per_org"
            ),
            models.UniqueConstraint(
                fields=["organization"], condition=Q(csp_associated=True), name="partner_id_one_csp_association"
            ),
            models.CheckConstraint(
                condition=Q(csp_associated=False) | Q(kind="location"), name="partner_id_only_location_associated"
            ),
        ]
        indexes = [models.Index(fields=["organization", "kind", "country"], name="partner_id_org_kind_idx")]

    def __str__(self) -> str:
        return f"{self.number} · {self.business_name}"


# --- enrolment -----------------------------------------------------------------------------------


class ProgramEnrollmentQuerySet(models.QuerySet):
    """The eligibility rules of the portal, each defined once and read by views, services, forms and the
    partner-ID lookup alike (enrollment.selectors has the per-organization questions built on them).

    - `open()`: not closed (rejected, lapsed, transitioned); at most one per program per organization.
    - `authorized()`: open and verified (Qualified or Active): the program authorizes the partner, so an
      indirect reseller may be named and authorize providers, and the partner agreement may be signed.
    - `active()`: open and Active: verified *and* the partner agreement accepted (a suspension interrupts it).
    - `selling()`: active under a selling program (indirect provider, direct bill): adds customers, places
      orders, looks up and names resellers.
    - `providers()`, `resellers()`: by program, whatever the status.
    """

    def open(self) -> ProgramEnrollmentQuerySet:
        return self.filter(closed_at=None)

    def authorized(self) -> ProgramEnrollmentQuerySet:
        return self.open().filter(status__in=ProgramEnrollment.AUTHORIZED_STATUSES)

    def active(self) -> ProgramEnrollmentQuerySet:
        return self.open().filter(status=ProgramEnrollment.Status.ACTIVE)

    def selling(self) -> ProgramEnrollmentQuerySet:
        return self.active().filter(program__in=SELLING_PROGRAMS)

    def providers(self) -> ProgramEnrollmentQuerySet:
        return self.filter(program=Program.INDIRECT_PROVIDER)

    def resellers(self) -> ProgramEnrollmentQuerySet:
        return self.filter(program=Program.INDIRECT_RESELLER)


class SuspensionReason(models.TextChoices):
    """Why staff suspended a program (domain.md §2.9); the partner reads the code's label and staff's sentence."""

    NON_PAYMENT = "non_payment", _("Non-payment")
    FRAUD_OR_ABUSE = "fraud_or_abuse", _("Fraud or abuse")
    COMPLIANCE_REVIEW = "compliance_review", _("Compliance / sanctions review")
    AGREEMENT_BREACH = "agreement_breach", _("Breach of the partner agreement")
    OTHER = "other", _("Other")


class ProgramEnrollment(ChoiceLabels, StatusTransitions, PostalAddress):
    """An organization's enrolment in one CSP program, with what it submitted.

    `status` is what Program info shows; the services keep it in step with the verification case
    (and, later, the partner agreement). One open enrolment per program per organization.
    """

    class Status(models.TextChoices):
        EMAIL_PENDING = "email_pending", _("Email verification pending")
        PENDING_QUALIFICATION = "pending_qualification", _("Pending qualification")
        ACTION_NEEDED = "action_needed", _("Action needed")
        QUALIFIED = "qualified", _("Qualified")
        ACTIVE = "active", _("Active")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")
        LAPSED = "lapsed", _("Lapsed")
        TRANSITIONED = "transitioned", _("Moved to indirect reseller")

    CLOSED_STATUSES = (Status.REJECTED, Status.LAPSED, Status.TRANSITIONED)
    # The moves the services make (move_to): verification while not yet authorized; once authorized,
    # the partner agreement (Active), suspension and reinstatement, a failed credit check and the move to
    # indirect reseller, which may also end a suspended enrolment.
    TRANSITIONS = {
        Status.EMAIL_PENDING: {Status.PENDING_QUALIFICATION, Status.LAPSED},
        Status.PENDING_QUALIFICATION: {Status.ACTION_NEEDED, Status.QUALIFIED, Status.REJECTED},
        Status.ACTION_NEEDED: {Status.PENDING_QUALIFICATION, Status.REJECTED},
        Status.QUALIFIED: {Status.ACTIVE, Status.SUSPENDED, Status.REJECTED, Status.TRANSITIONED},
        Status.ACTIVE: {Status.SUSPENDED, Status.REJECTED, Status.TRANSITIONED},
        Status.SUSPENDED: {Status.QUALIFIED, Status.ACTIVE, Status.REJECTED, Status.TRANSITIONED},
        Status.REJECTED: set(),
        Status.LAPSED: set(),
        Status.TRANSITIONED: set(),
    }
    transition_error = EnrollmentError
    # Verified: what `ProgramEnrollmentQuerySet.authorized()` and `is_authorized` mean.
    AUTHORIZED_STATUSES = (Status.QUALIFIED, Status.ACTIVE)

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="enrollments")
    program = models.CharField(_("program"), max_length=32, choices=Program.choices)
    status = models.CharField(_("status"), max_length=32, choices=Status.choices, default=Status.EMAIL_PENDING)
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # Legal business profile as submitted (the organization's own record is the current one).
    legal_name = models.CharField(_("legal business name"), max_length=200)
    registration_number = models.CharField(_("company registration number"), max_length=64, blank=True)
    # Primary contact: the person the vendor verifies and writes to.
    contact_first_name = models.CharField(_("first name"), max_length=100)
    contact_last_name = models.CharField(_("last name"), max_length=100)
    contact_email = models.EmailField(_("email"))
    contact_phone = PhoneNumberField(_("phone"))
    # Customer support details.
    support_email = models.EmailField(_("support email"))
    support_phone = PhoneNumberField(_("support phone"))
    support_website = models.URLField(_("support website"), blank=True)
    # Direct bill only.
    requirements_attested_at = models.DateTimeField(_("requirements attested"), null=True, blank=True)
    questionnaire = models.JSONField(_("assessment questionnaire"), default=dict, blank=True)
    billing_anniversary_day = models.PositiveSmallIntegerField(_("billing anniversary day"), null=True, blank=True)
    tax_id = models.CharField(_("tax ID"), max_length=64, blank=True)
    credit_check_status = models.CharField(_("credit check"), max_length=16, blank=True)  # CreditCheck values
    credit_check_due_at = models.DateTimeField(_("credit check due"), null=True, blank=True)
    credit_check_decided_at = models.DateTimeField(_("credit check decided"), null=True, blank=True)
    support_plan = models.CharField(_("support plan"), max_length=32, blank=True)
    support_plan_purchased_at = models.DateTimeField(_("support plan purchased"), null=True, blank=True)
    transition_requested_at = models.DateTimeField(_("transition requested"), null=True, blank=True)
    # Staff approved the move: the indirect-reseller enrolment exists; this one closes (Transitioned) once the
    # partner's customers have moved to its indirect provider (the transfers app tells, enrollment.signals).
    transition_approved_at = models.DateTimeField(_("transition approved"), null=True, blank=True)
    # Milestones.
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    authorized_at = models.DateTimeField(_("authorized"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The current suspension, if any: the partner reads its reason and what lifts it, and reinstatement
    # restores the status it interrupted. A suspension caused by a re-check (its case set) is lifted
    # when a later re-check of corrected details is approved; any suspension by staff reinstating it.
    suspended_at = models.DateTimeField(_("suspended"), null=True, blank=True)
    suspension_reason = models.TextField(_("suspension reason"), blank=True)
    # Set by staff's suspension (SuspensionReason); empty for one caused by a re-check (its case says why).
    suspension_reason_code = models.CharField(
        _("suspension reason code"), max_length=32, choices=SuspensionReason.choices, blank=True
    )
    suspended_from = models.CharField(_("status before the suspension"), max_length=32, blank=True)
    suspension_case = models.ForeignKey(
        "VerificationCase", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("program enrollment")
        verbose_name_plural = _("program enrollments")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "program"],
                condition=Q(closed_at=None),
                name="enrollment_one_open_per_program",
            ),
        ]
        indexes = [models.Index(fields=["organization", "program", "-submitted_at"], name="enrollment_org_idx")]

    objects = ProgramEnrollmentQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_program_display()}"

    @property
    def is_authorized(self) -> bool:
        """Open and verified: the in-memory form of `ProgramEnrollment.objects.authorized()`."""
        return self.closed_at is None and self.status in self.AUTHORIZED_STATUSES

    @property
    def is_selling(self) -> bool:
        """Open, Active, of a selling program: the in-memory form of `ProgramEnrollment.objects.selling()`."""
        return self.closed_at is None and self.status == self.Status.ACTIVE and self.program in SELLING_PROGRAMS

    @property
    def contact_name(self) -> str:
        return f"{self.contact_first_name} {self.contact_last_name}".strip()

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CreditCheck(models.TextChoices):
    PENDING = "pending", _("Pending")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class SupportPlan(models.TextChoices):
    ADVANCED = "asfp", _("Advanced Support for Partners")
    PREMIER = "psfp", _("Premier Support for Partners")


# --- verification --------------------------------------------------------------------------------


class Step(models.TextChoices):
    EMAIL = "email", _("Email ownership")
    EMPLOYMENT = "employment", _("Employment")
    BUSINESS = "business", _("Business")
    DECISION = "decision", _("Decision")


STEP_ORDER = [Step.EMAIL, Step.EMPLOYMENT, Step.BUSINESS, Step.DECISION]


class StepStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    PENDING = "pending", _("In progress")
    PASSED = "passed", _("Passed")
    REJECTED = "rejected", _("Rejected")


class ReasonCode(models.TextChoices):
    """Why a step was rejected; the partner always sees the code and its sentence."""

    EMPLOYMENT_NOT_CONFIRMED = "EMP-01", _("We couldn't confirm that the primary contact works for your company.")
    DOMAIN_NOT_OWNED = "EMP-02", _("We couldn't confirm that your company owns the primary contact's email domain.")
    NAME_MISMATCH = "BUS-01", _("The legal business name doesn't match your company's official registration.")
    ADDRESS_MISMATCH = "BUS-02", _("The address doesn't match your company's official registration.")
    REGISTRATION_INVALID = "BUS-03", _("The company registration number couldn't be verified.")
    BUSINESS_NOT_FOUND = "BUS-04", _("We couldn't find your company in official business registers.")
    DOCUMENT_REQUESTED = "DOC-01", _("We need an additional document to continue the review.")
    REPEATED_FAILURES = "FIN-01", _("Verification ended after several unsuccessful attempts.")
    NO_RESPONSE = "FIN-02", _("Verification ended because no document was provided within 30 days.")
    CREDIT_CHECK_FAILED = "FIN-03", _("The credit check was not passed.")
    OTHER = "OTH-01", _("Verification could not be completed.")


class DocumentType(models.TextChoices):
    BUSINESS_REGISTRATION = "business_registration", _("Business registration certificate")
    TAX_REGISTRATION = "tax_registration", _("Tax registration certificate")
    MUNICIPAL_RECEIPT = "municipal_receipt", _("Utility bill or receipt from the municipality")
    DOMAIN_RECORD = "domain_record", _("Domain registration record (WHOIS) or domain invoice")
    EMPLOYER_LETTER = "employer_letter", _("Letter from an authorized representative confirming employment")
    OTHER = "other", _("Other official document")


class VerificationCase(ChoiceLabels, models.Model):
    """One verification of an enrolment (at submission, or after legal details changed).

    Steps run email ownership → employment → business → decision. Deadlines are columns swept by
    beat: `remind_at` and `lapses_at` while the email is unverified, `sla_due_at` once in review,
    `closes_at` while the partner must act. The allowed moves are in TRANSITIONS.
    """

    class Kind(models.TextChoices):
        ENROLLMENT = "enrollment", _("Enrolment")
        LEGAL_CHANGE = "legal_change", _("Change of legal details")

    class Status(models.TextChoices):
        EMAIL_PENDING = "email_pending", _("Waiting for email verification")
        IN_REVIEW = "in_review", _("In review")
        ACTION_NEEDED = "action_needed", _("Action needed")
        AUTHORIZED = "authorized", _("Authorized")
        REJECTED = "rejected", _("Rejected (final)")
        LAPSED = "lapsed", _("Lapsed")

    OPEN_STATUSES = (Status.EMAIL_PENDING, Status.IN_REVIEW, Status.ACTION_NEEDED)
    TRANSITIONS = {
        Status.EMAIL_PENDING: {Status.IN_REVIEW, Status.LAPSED},
        Status.IN_REVIEW: {Status.IN_REVIEW, Status.ACTION_NEEDED, Status.AUTHORIZED, Status.REJECTED},
        Status.ACTION_NEEDED: {Status.IN_REVIEW, Status.REJECTED},
        Status.AUTHORIZED: set(),
        Status.REJECTED: set(),
        Status.LAPSED: set(),
    }

    enrollment = models.ForeignKey(ProgramEnrollment, on_delete=models.CASCADE, related_name="cases")
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ENROLLMENT)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.EMAIL_PENDING)
    step = models.CharField(_("current step"), max_length=16, choices=Step.choices, default=Step.EMAIL)
    email_status = models.CharField(max_length=16, choices=StepStatus.choices, default=StepStatus.PENDING)
    employment_status = models.CharField(max_length=16, choices=StepStatus.choices, default=StepStatus.NOT_STARTED)
    business_status = models.CharField(max_length=16, choices=StepStatus.choices, default=StepStatus.NOT_STARTED)
    decision_status = models.CharField(max_length=16, choices=StepStatus.choices, default=StepStatus.NOT_STARTED)
    email_passed_at = models.DateTimeField(null=True, blank=True)
    employment_passed_at = models.DateTimeField(null=True, blank=True)
    business_passed_at = models.DateTimeField(null=True, blank=True)
    # The primary contact's address under verification, and the hash of its one-time link.
    contact_email = models.EmailField(_("primary contact email"))
    email_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    domain_mismatch = models.BooleanField(_("email domain differs from the organization's"), default=False)
    prechecks = models.JSONField(_("automatic pre-checks"), default=dict, blank=True)
    changed_fields = models.JSONField(_("changed details"), default=list, blank=True)
    # What was submitted for this decision, copied at submission and never rewritten: a later change of
    # details opens a new case with its own copy, so a decided case keeps the data it decided on.
    submitted_details = models.JSONField(_("submitted details"), default=dict, blank=True, editable=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason_code = models.CharField(_("reason code"), max_length=8, choices=ReasonCode.choices, blank=True)
    reason_text = models.TextField(_("reason"), blank=True)
    rejections = models.PositiveSmallIntegerField(_("rejections"), default=0)
    # Deadlines and milestones.
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    remind_at = models.DateTimeField(_("reminder due"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    lapses_at = models.DateTimeField(_("lapses"), null=True, blank=True)
    email_verified_at = models.DateTimeField(_("email verified"), null=True, blank=True)
    sla_due_at = models.DateTimeField(_("decision due"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("flagged overdue"), null=True, blank=True)
    action_needed_at = models.DateTimeField(_("action needed since"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes if no answer"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("verification case")
        verbose_name_plural = _("verification cases")
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=Q(status__in=["email_pending", "in_review", "action_needed"]),
                name="verification_one_open_case_per_enrollment",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-submitted_at"], name="case_org_idx"),
            # The sweeps: each looks only at open cases with a due deadline.
            models.Index(
                fields=["remind_at"], condition=Q(status="email_pending", reminded_at=None), name="case_remind_idx"
            ),
            models.Index(fields=["lapses_at"], condition=Q(status="email_pending"), name="case_lapse_idx"),
            models.Index(fields=["sla_due_at"], condition=Q(status="in_review", overdue_at=None), name="case_sla_idx"),
            models.Index(fields=["closes_at"], condition=Q(status="action_needed"), name="case_close_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} · {self.get_kind_display()} #{self.pk}"

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]

    def move_to(self, status: str) -> None:
        """Change status, or raise EnrollmentError when the state machine forbids it (nothing saved)."""
        if not self.can_move_to(status):
            raise EnrollmentError(
                _("This case is %(current)s; it can't become %(target)s.")
                % {"current": self.get_status_display(), "target": self.Status(status).label},
                code="illegal_transition",
            )
        self.status = status

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_recheck(self) -> bool:
        """A re-check of changed details of an authorized enrolment: it runs beside the program status,
        which it changes only when it ends in a suspension."""
        return self.kind == self.Kind.LEGAL_CHANGE

    @property
    def shows_rejection(self) -> bool:
        """A rejection is shown while it is the current state; afterwards it lives in the history."""
        return bool(self.reason_code) and self.status in (self.Status.ACTION_NEEDED, self.Status.REJECTED)

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == self.Status.IN_REVIEW and self.sla_due_at is not None and self.sla_due_at <= timezone.now()
        )

    def step_status(self, step: str) -> str:
        return getattr(self, f"{step}_status")

    def set_step_status(self, step: str, status: str) -> None:
        setattr(self, f"{step}_status", status)


def document_upload_path(document: VerificationDocument, filename: str) -> str:
    return f"verification/{document.organization.tenant_id}/{document.storage_name}"


class VerificationDocument(models.Model):
    """A document the partner uploaded to answer a rejection ("Fix now")."""

    case = models.ForeignKey(VerificationCase, on_delete=models.CASCADE, related_name="documents")
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    document_type = models.CharField(_("document type"), max_length=32, choices=DocumentType.choices)
    comment = models.TextField(_("comment"), blank=True)
    file = models.FileField(_("file"), upload_to=document_upload_path, max_length=300)
    storage_name = models.CharField(max_length=80, editable=False)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    step = models.CharField(_("step"), max_length=16, choices=Step.choices)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("verification document")
        verbose_name_plural = _("verification documents")
        indexes = [models.Index(fields=["organization", "case", "-uploaded_at"], name="document_org_case_idx")]

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} ({self.original_name})"
