"""Customers (tenants of kind customer), their relationships with partners, the offer catalogue,
orders and subscriptions (domain.md §6)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from partnerhub.core.choices import ChoiceLabels
from partnerhub.core.invitations import TokenInvitation
from partnerhub.core.regions import CspRegion
from partnerhub.core.transitions import StatusTransitions

CHANGE_WINDOW = timedelta(days=7)  # new-commerce rule: decrease or cancel within 7 days


# --- catalogue -----------------------------------------------------------------------------------------


class Offer(models.Model):
    """A product partners can sell, in the markets (CSP regions, optionally narrowed to countries) listed."""

    class BillingType(models.TextChoices):
        LICENSE = "license", _("License")
        USAGE = "usage", _("Usage")

    class Term(models.TextChoices):
        MONTHLY = "P1M", _("Monthly")
        ANNUAL = "P1Y", _("Annual")
        TRIENNIAL = "P3Y", _("Triennial")

    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    billing_type = models.CharField(_("billing type"), max_length=8, choices=BillingType.choices)
    # The default term; `terms` lists every term the offer sells (the default among them).
    term = models.CharField(_("term"), max_length=3, choices=Term.choices, default=Term.MONTHLY)
    terms = ArrayField(
        models.CharField(max_length=3, choices=Term.choices), verbose_name=_("terms sold"), default=list, blank=True
    )
    # Upgrades go to an offer of the same family with a higher family rank (domain: new commerce upgrades).
    family = models.CharField(_("offer family"), max_length=40, blank=True)
    family_rank = models.PositiveIntegerField(_("rank in its family"), default=0)
    minimum_quantity = models.PositiveIntegerField(_("minimum quantity"), default=1)
    maximum_quantity = models.PositiveIntegerField(_("maximum quantity"), default=300)
    customer_limit = models.PositiveIntegerField(
        _("limit per customer"),
        null=True,
        blank=True,
        help_text=_("How many subscriptions to this offer one customer may hold at once; empty for no limit."),
    )
    csp_regions = ArrayField(
        models.CharField(max_length=32, choices=CspRegion.choices), verbose_name=_("CSP regions"), default=list
    )
    countries = ArrayField(
        models.CharField(max_length=2),
        verbose_name=_("countries"),
        default=list,
        blank=True,
        help_text=_("Leave empty to sell in every country of the regions."),
    )
    is_available = models.BooleanField(_("available for purchase"), default=True)
    rank = models.PositiveIntegerField(_("rank"), default=100)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["rank", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_quantity__gte=1) & Q(maximum_quantity__gte=models.F("minimum_quantity")),
                name="offer_quantity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    def sold_in(self, country: str, region: str) -> bool:
        return region in self.csp_regions and (not self.countries or str(country) in self.countries)

    @property
    def terms_sold(self) -> list[str]:
        return list(self.terms) or [self.term]


class BillingFrequency(models.TextChoices):
    """How often a term is billed: P1M monthly; P1Y monthly or annually upfront; P3Y annually or the whole
    three years upfront."""

    MONTHLY = "monthly", _("Monthly")
    ANNUAL = "annual", _("Annual")
    TRIENNIAL = "triennial", _("Triennial (upfront)")


BILLING_FREQUENCIES: dict[str, tuple[str, ...]] = {
    Offer.Term.MONTHLY: (BillingFrequency.MONTHLY,),
    Offer.Term.ANNUAL: (BillingFrequency.ANNUAL, BillingFrequency.MONTHLY),
    Offer.Term.TRIENNIAL: (BillingFrequency.TRIENNIAL, BillingFrequency.ANNUAL),
}  # the first of each is the default
TERM_MONTHS = {Offer.Term.MONTHLY: 1, Offer.Term.ANNUAL: 12, Offer.Term.TRIENNIAL: 36}


class OfferPrice(models.Model):
    """The unit price of an offer in one currency, per license per term (or per unit of usage)."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(_("currency"), max_length=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [models.UniqueConstraint(fields=["offer", "currency"], name="offer_price_one_per_currency")]

    def __str__(self) -> str:
        return f"{self.unit_price} {self.currency}"


# --- customers -------------------------------------------------------------------------------------------


class Customer(models.Model):
    """The company profile of an organization of kind customer: its tenant domain, contact and locale."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="customer_profile", primary_key=True
    )
    domain = models.CharField(_("domain"), max_length=253, unique=True)
    culture = models.CharField(_("culture"), max_length=10, default="en-US")
    language = models.CharField(_("language"), max_length=2, default="en")
    registration_number = models.CharField(_("registration number"), max_length=40, blank=True)
    contact_first_name = models.CharField(_("first name"), max_length=50)
    contact_last_name = models.CharField(_("last name"), max_length=50)
    contact_email = models.EmailField(_("email"))
    contact_phone = PhoneNumberField(_("phone"), blank=True)
    created_by_partner = models.ForeignKey(
        "accounts.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.domain

    @property
    def contact_name(self) -> str:
        return f"{self.contact_first_name} {self.contact_last_name}".strip()


class CustomerRelationship(ChoiceLabels, StatusTransitions, models.Model):
    """A partner is a reseller of record for a customer. A provider's row names the indirect reseller the
    customer is associated with, if any; that reseller holds its own row. Removing keeps the row."""

    class Kind(models.TextChoices):
        DIRECT = "direct", _("Direct")
        INDIRECT_PROVIDER = "indirect_provider", _("Indirect provider")
        INDIRECT_RESELLER = "indirect_reseller", _("Indirect reseller")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REMOVED = "removed", _("Removed")

    TRANSITIONS = {Status.ACTIVE: {Status.REMOVED}, Status.REMOVED: set()}

    partner = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="customer_relationships"
    )
    customer = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="partner_relationships"
    )
    kind = models.CharField(_("relationship"), max_length=20, choices=Kind.choices)
    reseller = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="associated_customer_relationships",
        verbose_name=_("indirect reseller"),
    )
    # Denormalised from the customer so the list sorts and searches on one index leading with the partner.
    customer_name = models.CharField(_("company name"), max_length=200)
    customer_domain = models.CharField(_("primary domain"), max_length=253, blank=True, default="", db_default="")
    delegated_admin = models.BooleanField(_("delegated admin access"), default=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("since"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer relationship")
        verbose_name_plural = _("customer relationships")
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "customer"], condition=Q(status="active"), name="customer_rel_one_active"
            ),
            models.CheckConstraint(condition=~Q(partner=models.F("customer")), name="customer_rel_not_itself"),
        ]
        indexes = [
            # Both carry every column the row-level security policy reads (partner, customer, reseller), so a
            # count as the app role is an index-only scan, as it is for the superuser (without them: one heap
            # fetch per row, 101 ms against 15 ms for the whale's reseller list).
            models.Index(
                fields=["partner", "status", "customer_name", "id"],
                include=["customer", "reseller"],
                name="customer_rel_partner_idx",
            ),
            models.Index(
                fields=["partner", "reseller", "status", "customer_name", "id"],
                include=["customer"],
                name="customer_rel_reseller_idx",
            ),
            models.Index(fields=["customer", "status"], name="customer_rel_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} → {self.customer_name}"


class CustomerSearchWord(models.Model):
    """One word of a relationship's customer name or domain, under the partner it belongs to: the search index
    of the customer list (migration 0007; `selectors.customer_list`). PostgreSQL keeps these rows, by triggers
    on CustomerRelationship; nothing in Python writes them.

    A table rather than a GIN index on a tsvector: under row-level security PostgreSQL may only use an index for
    a leakproof operator, and the full-text match `@@` is not one (text comparisons are), so the app role's
    search scanned every row of the tenant. Here a typed word is a range of the index (partner, word),
    read for this tenant's matches only. pg_trgm, which the embedded server doesn't ship, would have the same
    problem."""

    partner_id = models.BigIntegerField()
    word = models.TextField(db_collation="C")
    # A foreign key with ON DELETE CASCADE, declared in the migration (Python never deletes these rows).
    relationship_id = models.BigIntegerField()
    # The relationship's other parties, copied so that the row-level security policy is the relationship's
    # own, with no subquery per row: a bulk insert of 100,000 relationships writes 300,000 words.
    customer_id = models.BigIntegerField()
    reseller_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("customer search word")
        verbose_name_plural = _("customer search words")
        constraints = [models.UniqueConstraint(fields=["relationship_id", "word"], name="customer_search_word_key")]
        indexes = [
            # The search's index: a typed word is a range of (partner_id, word); it includes what the query
            # returns and what the row-level security policy reads, for an index-only scan.
            models.Index(
                fields=["partner_id", "word"],
                include=["relationship_id", "customer_id", "reseller_id"],
                name="customer_search_word_idx",
            )
        ]

    def __str__(self) -> str:
        return self.word


class CustomerInvitation(TokenInvitation):
    """A reseller relationship request: a link a customer's Global admin accepts. Sent by a provider or
    direct-bill partner, or by a reseller for itself and one of its providers (three-party)."""

    owner_field = "sent_by"

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    partner = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="customer_invitations")
    reseller = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    sent_by = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    delegated_admin = models.BooleanField(_("include delegated admin access"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recipient_email = models.EmailField(_("sent to"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    customer = models.ForeignKey(
        "accounts.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("customer invitation")
        verbose_name_plural = _("customer invitations")
        indexes = [models.Index(fields=["sent_by", "-created_at"], name="customer_inv_sender_idx")]

    def __str__(self) -> str:
        return f"{self.partner} · {self.created_at:%Y-%m-%d}"


# --- orders and subscriptions -----------------------------------------------------------------------------


class OrderNumberSequence(models.Model):
    """The last order number a partner gave: its orders are numbered #1, #2, … of its own, without gaps.

    The row is taken with an upsert that locks it until the order's transaction ends (pretix numbers its
    invoices the same way), so two orders of one partner placed at once get consecutive numbers, and a
    rolled-back order gives its number back."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("order number sequence")

    def __str__(self) -> str:
        return f"{self.organization_id}: #{self.last_number}"


class Order(models.Model):
    """A purchase by a partner for a customer. The idempotency key makes a repeated submission one order."""

    class Status(models.TextChoices):
        COMPLETED = "completed", _("Completed")

    partner = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="orders")
    # Per partner (OrderNumberSequence): a provider's first order is #1, whatever other partners sold.
    number = models.PositiveIntegerField(_("order number"))
    customer = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="customer_orders")
    idempotency_key = models.UUIDField(_("idempotency key"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.COMPLETED)
    currency = models.CharField(_("currency"), max_length=3)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("placed"), default=timezone.now)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(fields=["partner", "idempotency_key"], name="order_idempotency_key_unique"),
            models.UniqueConstraint(fields=["partner", "number"], name="order_number_unique_per_partner"),
        ]
        indexes = [models.Index(fields=["customer", "-created_at"], name="order_customer_idx")]

    def __str__(self) -> str:
        return f"#{self.number} · {self.customer_id}"


class Subscription(ChoiceLabels, StatusTransitions, models.Model):
    """A customer's subscription to an offer, sold by a provider or direct-bill partner."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")
        UPGRADED = "upgraded", _("Upgraded")

    # Cancelled within the change window (may_cancel), active or suspended; expired at term end (auto-renew
    # off, suspended, or the renewal refused); upgraded when a higher offer replaced it.
    TRANSITIONS = {
        Status.ACTIVE: {Status.SUSPENDED, Status.CANCELLED, Status.EXPIRED, Status.UPGRADED},
        Status.SUSPENDED: {Status.ACTIVE, Status.CANCELLED, Status.EXPIRED},
        Status.CANCELLED: set(),
        Status.EXPIRED: set(),
        Status.UPGRADED: set(),
    }
    CLOSED = (Status.CANCELLED, Status.EXPIRED, Status.UPGRADED)

    public_id = models.UUIDField(_("subscription ID"), default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="subscriptions")
    partner = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="sold_subscriptions")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="subscriptions")
    friendly_name = models.CharField(_("friendly name"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    auto_renew = models.BooleanField(_("auto-renew"), default=True)
    partner_of_record = models.ForeignKey(
        "enrollment.PartnerId", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The reseller owning partner_of_record, kept for filtering and exports.
    reseller = models.ForeignKey(
        "accounts.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    support_contact = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("designated support contact"),
    )
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    created_at = models.DateTimeField(_("purchased"), default=timezone.now)
    term = models.CharField(_("term"), max_length=3, choices=Offer.Term.choices, default=Offer.Term.MONTHLY)
    billing_frequency = models.CharField(
        _("billing frequency"), max_length=10, choices=BillingFrequency.choices, default=BillingFrequency.MONTHLY
    )
    term_start = models.DateField(_("term started"), default=timezone.localdate)
    # The last day of the current term (inclusive): the renewal sweep's deadline column.
    term_end = models.DateField(_("term ends"))
    # When the current term began (purchase or renewal): the 7-day cancellation window runs from it.
    term_started_at = models.DateTimeField(_("current term began"), default=timezone.now)
    last_increase_at = models.DateTimeField(_("licenses last added"))
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)  # expired or upgraded
    end_reason = models.CharField(_("why it ended"), max_length=300, blank=True)
    # Changes scheduled for the next term (new commerce's scheduledNextTermInstructions); empty: unchanged.
    next_quantity = models.PositiveIntegerField(_("quantity at renewal"), null=True, blank=True)
    next_term = models.CharField(_("term at renewal"), max_length=3, choices=Offer.Term.choices, blank=True)
    next_billing_frequency = models.CharField(
        _("billing frequency at renewal"), max_length=10, choices=BillingFrequency.choices, blank=True
    )
    # The term end each renewal reminder was sent for (claimed by a conditional UPDATE: sent once per term).
    reminded_30_for = models.DateField(null=True, blank=True)
    reminded_7_for = models.DateField(null=True, blank=True)
    upgraded_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="upgraded_from",
        verbose_name=_("upgraded to"),
    )  # fmt: skip
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="subscription_quantity_positive"),
            models.CheckConstraint(condition=Q(term_end__gte=models.F("term_start")), name="subscription_term_order"),
        ]
        indexes = [
            models.Index(fields=["customer", "created_at", "id"], name="subscription_customer_idx"),
            models.Index(fields=["partner", "status"], name="subscription_partner_idx"),
            # The renewal sweep: live subscriptions by term end.
            models.Index(
                fields=["term_end"], condition=Q(status__in=["active", "suspended"]), name="subscription_term_end_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.friendly_name or self.offer.name

    @property
    def cancellable_until(self):
        return self.term_started_at + CHANGE_WINDOW

    @property
    def decrease_allowed_until(self):
        return self.last_increase_at + CHANGE_WINDOW

    @property
    def is_live(self) -> bool:
        return self.status in (self.Status.ACTIVE, self.Status.SUSPENDED)

    @property
    def has_scheduled_changes(self) -> bool:
        return bool(self.next_quantity or self.next_term or self.next_billing_frequency) or (
            self.is_live and not self.auto_renew
        )

    @property
    def renews_on(self):
        return self.term_end + timedelta(days=1)

    def may_cancel(self, now=None) -> bool:
        return self.is_live and (now or timezone.now()) <= self.cancellable_until

    def may_decrease(self, now=None) -> bool:
        return self.status == self.Status.ACTIVE and (now or timezone.now()) <= self.decrease_allowed_until


class SubscriptionTerm(models.Model):
    """One term of a subscription, as billing (a later issue) charges it: the purchase, each renewal, and the
    first term of an upgrade's new subscription with the credit of the replaced one's remaining term."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", _("Purchase")
        RENEWAL = "renewal", _("Renewal")
        UPGRADE = "upgrade", _("Upgrade")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="terms")
    # Denormalised for row-level security and the billing run: the parties of the subscription.
    customer = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    reseller = models.ForeignKey(
        "accounts.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    term = models.CharField(_("term"), max_length=3, choices=Offer.Term.choices)
    billing_frequency = models.CharField(_("billing frequency"), max_length=10, choices=BillingFrequency.choices)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    # An upgrade's credit for the remaining term of the subscription it replaced (billing subtracts it).
    credit = models.DecimalField(_("credit"), max_digits=14, decimal_places=2, default=0)
    replaced = models.ForeignKey(Subscription, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("subscription term")
        verbose_name_plural = _("subscription terms")
        ordering = ["start", "id"]
        constraints = [
            # One row per term start: a renewal recorded twice is refused by the database too.
            models.UniqueConstraint(fields=["subscription", "start"], name="subscription_term_one_per_start"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="subscription_term_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id}: {self.start} → {self.end}"


class OrderLine(models.Model):
    """One line of an order: an offer, a quantity, the partner of record; it created one subscription."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveSmallIntegerField(_("line"))
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    term = models.CharField(_("term"), max_length=3, choices=Offer.Term.choices)
    billing_frequency = models.CharField(
        _("billing frequency"), max_length=10, choices=BillingFrequency.choices, default=BillingFrequency.MONTHLY
    )
    custom_term_end = models.DateField(_("aligned term end"), null=True, blank=True)
    friendly_name = models.CharField(_("friendly name"), max_length=100, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    partner_of_record = models.ForeignKey(
        "enrollment.PartnerId", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subscription = models.OneToOneField(
        Subscription, on_delete=models.PROTECT, null=True, blank=True, related_name="order_line"
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [models.UniqueConstraint(fields=["order", "line_number"], name="order_line_unique_number")]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.line_number}"


# --- exports ----------------------------------------------------------------------------------------------


class ExportJob(StatusTransitions, models.Model):
    """A CSV export too large to stream within a request, written by a Celery task to storage.

    The file is complete or absent: the task writes it under a name of its own attempt and marks the job
    done only after the whole file is stored and its rows counted; a job whose worker stops beating is
    handed to another attempt or failed by the sweep, never shown as done. Done files expire
    (`expires_at`, swept by beat) and are served only through the tenant-checked download view."""

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        SUBSCRIPTIONS = "subscriptions", _("Subscriptions")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    # The worker claims and finishes a job with conditional UPDATEs (services/exports.py); the sweep hands
    # a stalled running job to another attempt or fails it.
    TRANSITIONS = {
        Status.QUEUED: {Status.RUNNING},
        Status.RUNNING: {Status.QUEUED, Status.DONE, Status.FAILED},
        Status.DONE: {Status.EXPIRED},
        Status.FAILED: set(),
        Status.EXPIRED: set(),
    }

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(_("export"), max_length=16, choices=Kind.choices)
    filters = models.JSONField(default=dict, blank=True)
    filename = models.CharField(max_length=200)  # what the browser saves it as
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(max_length=255, blank=True)  # the stored name; never a public media URL
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # the running worker's last sign of life
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)  # a done file is deleted after this

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="export_org_created_idx"),
            # The sweep: running jobs by heartbeat, done jobs by expiry.
            models.Index(fields=["status", "heartbeat_at"], name="export_status_heartbeat_idx"),
            models.Index(fields=["status", "expires_at"], name="export_status_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} export {self.public_id}"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)
