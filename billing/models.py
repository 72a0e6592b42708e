"""Billing between the tiers (commerce.md §6–7): who bills whom and on what terms (BillingProfile, TaxRate),
at what price (PriceRule), what each subscription event cost each tier (ChargeLine), the documents that bill
them (Invoice: invoices and credit notes, numbered without gaps per issuer and year) and what was paid
(Payment).

One engine for three tiers. The issuer of a row is an organization, or NULL for the vendor (the platform's
staff, who work in Django admin): the vendor bills indirect providers and direct-bill partners, a provider
bills its resellers, a reseller or direct-bill partner may bill its customers."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerhub.core.errors import ApplicationError


class BillingError(ApplicationError):
    """A refusal of a billing step: the message the person reads and a code (the API's problem type)."""

    STATUSES = {"not_found": 404, "forbidden": 403, "credit_limit": 409, "orders_blocked": 409}


ZERO = Decimal("0")


def _issuer(related_name: str = "+") -> models.ForeignKey:
    return models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=_("issuer"),
        help_text=_("Empty: the vendor."),
    )


class BillingProfile(models.Model):
    """The terms on which one issuer bills one recipient: currency, billing day, payment terms, credit limit,
    the recipient's price tier, and whether new orders are blocked for overdue invoices."""

    issuer = _issuer()
    recipient = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("billed organization")
    )
    currency = models.CharField(_("currency"), max_length=3)
    billing_day = models.PositiveSmallIntegerField(
        _("billing day"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("The day of the month the period closes and the invoice is issued (1–28)."),
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), default=30, validators=[MaxValueValidator(120)]
    )
    credit_limit = models.DecimalField(
        _("credit limit"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        help_text=_("Orders that would take the open balance past it are refused. Empty: no limit."),
    )
    price_tier = models.CharField(_("price tier"), max_length=40, blank=True)
    auto_block_after_days = models.PositiveSmallIntegerField(
        _("block orders automatically after (days overdue)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Empty: only by hand."),
    )
    blocked_at = models.DateTimeField(_("orders blocked since"), null=True, blank=True)
    block_reason = models.CharField(_("why orders are blocked"), max_length=300, blank=True)
    blocked_automatically = models.BooleanField(default=False)
    # The open period runs from period_start to the day before next_run_on: the billing run's deadline column.
    period_start = models.DateField(_("open period started"))
    next_run_on = models.DateField(_("next billing day"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("billing profile")
        verbose_name_plural = _("billing profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "recipient"], nulls_distinct=False, name="billing_profile_one_per_pair"
            ),
            models.CheckConstraint(
                condition=Q(billing_day__gte=1) & Q(billing_day__lte=28), name="billing_profile_day_range"
            ),
            models.CheckConstraint(condition=~Q(issuer=models.F("recipient")), name="billing_profile_not_itself"),
            models.CheckConstraint(
                condition=Q(next_run_on__gt=models.F("period_start")), name="billing_profile_period_order"
            ),
        ]
        indexes = [
            models.Index(fields=["next_run_on"], name="billing_profile_due_idx"),
            models.Index(fields=["recipient"], name="billing_profile_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer or _('Vendor')} → {self.recipient}"

    @property
    def is_blocked(self) -> bool:
        return self.blocked_at is not None


class TaxRate(models.Model):
    """The tax an issuer charges recipients of one country: a rate and the wording printed on the invoice.
    Reverse charge (EU B2B services): no tax charged, the wording says why (commerce.md §7)."""

    issuer = _issuer()
    country = models.CharField(_("recipient country"), max_length=2)
    rate = models.DecimalField(
        _("rate (%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(ZERO), MaxValueValidator(100)]
    )
    wording = models.CharField(_("wording on the invoice"), max_length=200)
    reverse_charge = models.BooleanField(_("reverse charge"), default=False)

    class Meta:
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "country"], nulls_distinct=False, name="tax_rate_one_per_country"
            ),
            models.CheckConstraint(condition=Q(rate__gte=0) & Q(rate__lte=100), name="tax_rate_range"),
            models.CheckConstraint(condition=Q(reverse_charge=False) | Q(rate=0), name="tax_rate_reverse_charge_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.country}: {self.rate}%"


class PriceRule(models.Model):
    """One line of an issuer's price list: a percentage on the issuer's cost (negative: a discount), from a
    date, for a scope. The vendor's rules discount its list price per program; a provider's price its
    resellers per tier, with per-reseller overrides; a reseller's may price its customers.

    The most specific rule in force on the charge's date wins: recipient and offer, recipient, tier and
    offer, tier, program and offer, program, offer, everyone. With no rule, the list price applies."""

    issuer = _issuer()
    name = models.CharField(_("price list"), max_length=100)
    program = models.CharField(_("program"), max_length=32, blank=True)
    tier = models.CharField(_("price tier"), max_length=40, blank=True)
    recipient = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for one organization"),
    )
    offer = models.ForeignKey(
        "customers.Offer", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("offer")
    )
    percent = models.DecimalField(
        _("markup (%)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("1000"))],
        help_text=_("On your cost; negative for a discount (−15 is 15% off)."),
    )
    effective_from = models.DateField(_("effective from"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("price rule")
        verbose_name_plural = _("price rules")
        ordering = ["-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=Decimal("-100")) & Q(percent__lte=Decimal("1000")), name="price_rule_range"
            ),
        ]
        indexes = [models.Index(fields=["issuer", "effective_from"], name="price_rule_issuer_idx")]

    def __str__(self) -> str:
        return f"{self.name}: {self.percent:+}% from {self.effective_from}"

    @property
    def specificity(self) -> int:
        return (4 if self.recipient_id else 2 if self.tier else 1 if self.program else 0) * 2 + bool(self.offer_id)


class Invoice(models.Model):
    """An invoice or a credit note, issued: immutable (a database trigger refuses changes to what it bills;
    only its payment standing and reminders move). A credit note cites the invoice it corrects."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PAID = "paid", _("Paid")

    public_id = models.UUIDField(_("invoice ID"), default=uuid.uuid4, unique=True, editable=False)
    issuer = _issuer()
    recipient = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    number = models.CharField(_("number"), max_length=24)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    currency = models.CharField(_("currency"), max_length=3)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    issued_at = models.DateTimeField(_("issued"))
    due_on = models.DateField(_("due"))
    subtotal = models.DecimalField(_("subtotal"), max_digits=14, decimal_places=2)
    tax = models.DecimalField(_("tax"), max_digits=14, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=ZERO)
    tax_wording = models.CharField(_("tax wording"), max_length=200, blank=True)
    reverse_charge = models.BooleanField(_("reverse charge"), default=False)
    # What the document says of both parties on the day it was issued.
    issuer_name = models.CharField(_("issued by"), max_length=200)
    issuer_address = models.TextField(blank=True)
    recipient_name = models.CharField(_("billed to"), max_length=200)
    recipient_address = models.TextField(blank=True)
    credits = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes",
        verbose_name=_("corrects invoice"),
    )  # fmt: skip
    reason = models.CharField(_("reason"), max_length=300, blank=True)  # a credit note's
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    paid_amount = models.DecimalField(_("paid"), max_digits=14, decimal_places=2, default=ZERO)
    paid_at = models.DateTimeField(_("paid on"), null=True, blank=True)
    # Overdue reminders: sent on the due date, +7 and +14 days; next_reminder_on is the sweep's column.
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    next_reminder_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "number"], nulls_distinct=False, name="invoice_number_unique"),
            models.UniqueConstraint(
                fields=["issuer", "year", "sequence"], nulls_distinct=False, name="invoice_sequence_unique"
            ),
            # One invoice per recipient, currency and period: a billing run repeated can't issue a second.
            models.UniqueConstraint(
                fields=["issuer", "recipient", "currency", "period_start"],
                condition=Q(kind="invoice"),
                nulls_distinct=False,
                name="invoice_one_per_period",
            ),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="invoice_period_order"),
            models.CheckConstraint(
                condition=Q(kind="invoice", credits=None) | Q(kind="credit_note", credits__isnull=False),
                name="invoice_credit_note_cites",
            ),
            models.CheckConstraint(condition=Q(total=models.F("subtotal") + models.F("tax")), name="invoice_total_sum"),
        ]
        indexes = [
            models.Index(fields=["issuer", "-issued_at", "id"], name="invoice_issuer_idx"),
            models.Index(fields=["recipient", "-issued_at", "id"], name="invoice_recipient_idx"),
            models.Index(
                fields=["next_reminder_on"], condition=Q(status="open", kind="invoice"), name="invoice_reminder_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def balance(self) -> Decimal:
        return self.total - self.paid_amount if self.kind == self.Kind.INVOICE else ZERO


class InvoiceSequence(models.Model):
    """The last number an issuer gave in a year: taken with a row-locking upsert in the issuing transaction, so
    numbers follow each other without gaps (a rolled-back invoice gives its number back) — CGI art. 242
    nonies A; a PostgreSQL SEQUENCE could skip."""

    issuer = _issuer()
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("invoice number sequence")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "year"], nulls_distinct=False, name="invoice_sequence_one"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer_id or 'vendor'} {self.year}: {self.last_number}"


class ChargeLine(models.Model):
    """One rated charge (or credit) of one subscription event for one tier: what `issuer` bills `recipient`
    for `quantity` licences over `charge_start`..`charge_end`, at the price the price list gave that day.

    `source` names the event (`audit:<id>` for a subscription change, `cycle:<subscription>:<date>` for a
    cycle charge); with the recipient it is unique, so each event is rated once per tier however often it is
    replayed. A line is on no invoice until the billing run of its period issues one; a line that arrives
    after its period closed goes on the next invoice, flagged as an adjustment."""

    class ChargeType(models.TextChoices):
        # Partner Center's new-commerce values (commerce.md §6.3), plus suspension (billed on: nothing changes).
        NEW = "new", _("New")
        CYCLE = "cycleCharge", _("Cycle charge")
        RENEW = "renew", _("Renewal")
        ADD_QUANTITY = "addQuantity", _("Quantity added")
        REMOVE_QUANTITY = "removeQuantity", _("Quantity removed")
        CANCEL = "cancel", _("Cancellation")
        CONVERT = "convert", _("Upgrade")
        SUSPEND = "suspend", _("Suspension")
        CUSTOMER_CREDIT = "customerCredit", _("Credit")

    issuer = _issuer()
    recipient = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("event"), max_length=80)
    subscription = models.ForeignKey("customers.Subscription", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")  # the seller
    reseller = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    offer = models.ForeignKey("customers.Offer", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("customers.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    charge_type = models.CharField(_("charge type"), max_length=16, choices=ChargeType.choices)
    event_on = models.DateField(_("event date"))
    charge_start = models.DateField(_("charge start"))
    charge_end = models.DateField(_("charge end"))
    term = models.CharField(_("term"), max_length=3)
    billing_frequency = models.CharField(_("billing frequency"), max_length=10)
    # The price of one licence for the whole billing cycle the charge falls in, and per day of that cycle.
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=6)
    effective_unit_price = models.DecimalField(_("effective unit price"), max_digits=18, decimal_places=6)
    quantity = models.PositiveIntegerField(_("quantity"))
    subtotal = models.DecimalField(_("subtotal"), max_digits=14, decimal_places=2)  # negative for a credit
    tax = models.DecimalField(_("tax"), max_digits=14, decimal_places=2, null=True, blank=True)  # set at issue
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    price_list = models.CharField(_("price list used"), max_length=160)
    price_rule = models.ForeignKey(PriceRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="lines")
    is_adjustment = models.BooleanField(_("adjustment"), default=False)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("rated"), default=timezone.now)

    class Meta:
        verbose_name = _("charge line")
        verbose_name_plural = _("charge lines")
        ordering = ["event_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "recipient"], name="charge_line_once_per_tier"),
            models.CheckConstraint(
                condition=Q(charge_end__gte=models.F("charge_start")), name="charge_line_period_order"
            ),
        ]
        indexes = [
            # The billing run: a pair's lines not yet invoiced.
            models.Index(
                fields=["issuer", "recipient", "currency", "event_on"],
                condition=Q(invoice=None),
                name="charge_line_uninvoiced_idx",
            ),
            models.Index(fields=["invoice", "id"], name="charge_line_invoice_idx"),
            models.Index(fields=["subscription", "recipient", "charge_start"], name="charge_line_subscription_idx"),
            models.Index(fields=["issuer", "event_on"], name="charge_line_issuer_idx"),
            models.Index(fields=["recipient", "event_on"], name="charge_line_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_charge_type_display()} {self.subtotal} {self.currency}"


class CycleSchedule(models.Model):
    """When a subscription billed in several cycles per term (annual billed monthly, triennial billed
    annually) starts its next cycle: the cycle sweep's deadline column. Empty when nothing is left to bill
    in the term (the renewal bills the next one)."""

    subscription = models.OneToOneField(
        "customers.Subscription", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    next_cycle_start = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("billing cycle")
        indexes = [
            models.Index(fields=["next_cycle_start"], condition=Q(next_cycle_start__isnull=False), name="cycle_due_idx")
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id}: {self.next_cycle_start}"


class Payment(models.Model):
    """Money an issuer received from a recipient, recorded by hand or imported from a bank statement; the bank
    reference is unique per issuer, so a statement imported twice records each payment once."""

    class Method(models.TextChoices):
        MANUAL = "manual", _("Recorded by hand")
        BANK_IMPORT = "bank_import", _("Bank statement")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    issuer = _issuer()
    recipient = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(ZERO)])
    currency = models.CharField(_("currency"), max_length=3)
    received_on = models.DateField(_("received on"))
    reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    method = models.CharField(_("method"), max_length=12, choices=Method.choices, default=Method.MANUAL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "reference"],
                condition=~Q(reference=""),
                nulls_distinct=False,
                name="payment_reference_once",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["issuer", "recipient", "-received_on"], name="payment_pair_idx")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} · {self.reference or self.received_on}"
