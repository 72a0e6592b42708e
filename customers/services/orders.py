"""Orders and subscriptions: the catalogue checks, partner-of-record pre-flight, idempotent submission,
and the new-commerce rules for changing a subscription (domain.md §6.5)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agreements.models import CustomerAgreementAcceptance
from agreements.selectors import agreement_status_lookup
from enrollment.models import PartnerId
from partnerhub.accounts.models import Organization, User
from partnerhub.core import rls
from partnerhub.core.audit import audit_record
from relationships.models import PartnerRelationship

from ..models import (
    CustomerRelationship,
    Offer,
    OfferPrice,
    Order,
    OrderLine,
    OrderNumberSequence,
    Subscription,
    SubscriptionTerm,
)
from ..signals import order_checking
from . import lifecycle
from .common import CustomersError, require_agreement_in_force, require_seller
from .lifecycle import audit_both_sides, notify_customer_admins, require_manager


@dataclass
class LineInput:
    offer: Offer
    quantity: int
    friendly_name: str = ""
    partner_of_record: PartnerId | None = None
    term: str = ""  # empty: the offer's default term
    billing_frequency: str = ""  # empty: the term's default
    custom_term_end: date | None = None  # co-terminosity: the first term ends then (lifecycle.check_alignment)

    @property
    def term_label(self) -> str:
        return str(Offer.Term(self.term or self.offer.term).label)


@rls.elevated("partner-id-registry")  # the partner ID registry is global: answer one narrow question
def partner_of_record_check(*, partner: Organization, number: str) -> PartnerId:
    """The location partner ID a seller may record on a sale, or CustomersError with the exact reason (the
    status lookup's, naming no one: only the number the seller typed)."""
    status = agreement_status_lookup(number=number, provider_region=partner.csp_region)
    if not status.ok:
        reasons = {
            "2202": _("%(number)s is a global partner ID, not a location ID. Enter the reseller's location partner ID.")
            % {"number": number},
            "800039": _("The reseller isn't active yet: its enrolment status is %(status)s.")
            % {"status": status.program_status},
            "2203": _("The reseller hasn't accepted the partner agreement for its CSP region yet."),
            "2201": status.message,
        }
        raise CustomersError(reasons.get(status.code, status.message), field="partner_of_record", code=status.code)
    partner_id = PartnerId.objects.select_related("organization").get(number=status.number)  # type: ignore[misc]
    if partner_id.organization_id == partner.pk:
        raise CustomersError(
            _("The partner of record is the reseller's location ID, never your own."), field="partner_of_record"
        )
    partnered = PartnerRelationship.objects.filter(
        provider=partner, reseller=partner_id.organization_id, status=PartnerRelationship.Status.ACTIVE
    ).exists()
    if not partnered:  # the number is all the seller typed: the reseller behind it stays unnamed
        raise CustomersError(
            _(
                "The reseller with partner ID %(number)s has no active partnership with you: ask it to authorize "
                "you as its indirect provider."
            )
            % {"number": partner_id.number},
            field="partner_of_record",
            code="no_partnership",
        )
    return partner_id


def offers_for(*, country: str, region: str, currency: str) -> QuerySet[Offer]:
    """Available offers sold in this market and priced in its currency, with the price annotated."""
    price = OfferPrice.objects.filter(offer=OuterRef("pk"), currency=currency).values("unit_price")[:1]
    return (
        Offer.objects.filter(is_available=True, csp_regions__contains=[region])
        .filter(Q(countries=[]) | Q(countries__contains=[str(country)]))
        .annotate(unit_price=Subquery(price))
        .exclude(unit_price=None)
        .order_by("rank", "name", "pk")
    )


def check_lines(
    *,
    partner: Organization,
    customer: Organization | None,
    country: str,
    region: str,
    currency: str,
    lines: list[LineInput],
) -> None:
    """Each line's offer is sold to this customer and its quantity within the offer's limits."""
    available = {offer.pk: offer for offer in offers_for(country=country, region=region, currency=currency)}
    held = {}
    if customer is not None:
        held = dict(
            Subscription.objects.filter(customer=customer)
            .exclude(status__in=Subscription.CLOSED)
            .values_list("offer")
            .annotate(n=Count("pk"))
        )
    wanted: dict[int, int] = {}
    today = timezone.localdate()
    for line in lines:
        offer = line.offer
        if offer.pk not in available:
            raise CustomersError(
                _("%(offer)s isn't sold to customers in this country.") % {"offer": offer.name}, field="offer"
            )
        line.term, line.billing_frequency = lifecycle.check_term(offer, line.term, line.billing_frequency)
        lifecycle.check_alignment(customer=customer, term=line.term, start=today, custom_end=line.custom_term_end)
        if not offer.minimum_quantity <= line.quantity <= offer.maximum_quantity:
            raise CustomersError(
                _("%(offer)s is sold in quantities from %(min)s to %(max)s.")
                % {"offer": offer.name, "min": offer.minimum_quantity, "max": offer.maximum_quantity},
                field="quantity",
                code="2002",  # Partner Center's: quantity outside the offer's limits
            )
        wanted[offer.pk] = wanted.get(offer.pk, 0) + 1
        if offer.customer_limit is not None and held.get(offer.pk, 0) + wanted[offer.pk] > offer.customer_limit:
            raise CustomersError(
                _("A customer can hold at most %(limit)s subscription(s) to %(offer)s.")
                % {"limit": offer.customer_limit, "offer": offer.name},
                field="offer",
            )


def has_customer_agreement(customer: Organization) -> bool:
    return CustomerAgreementAcceptance.objects.filter(customer=customer).exists()


def order_number_next(*, partner: Organization) -> int:
    """The partner's next order number, its sequence row locked until the caller's transaction ends.

    One statement: the first order of a partner creates its row, the next ones increment it; the row lock
    makes concurrent orders of one partner wait their turn, and a rollback returns the number."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {OrderNumberSequence._meta.db_table} (organization_id, last_number) VALUES (%s, 1)"  # noqa: S608
            " ON CONFLICT (organization_id) DO UPDATE SET last_number ="
            f" {OrderNumberSequence._meta.db_table}.last_number + 1 RETURNING last_number",
            [partner.pk],
        )
        return int(cursor.fetchone()[0])


def order_create_locked(
    *, partner: Organization, customer: Organization, actor: User, lines: list[LineInput], key: uuid.UUID | None = None
) -> Order:
    """Write the order, its lines and one subscription per line (the caller holds the customer lock)."""
    now = timezone.now()
    prices = dict(
        OfferPrice.objects.filter(offer__in=[line.offer for line in lines], currency=customer.currency).values_list(
            "offer", "unit_price"
        )
    )
    order_checking.send(sender=Order, partner=partner, customer=customer, lines=lines, prices=prices)
    order = Order.objects.create(
        partner=partner,
        number=order_number_next(partner=partner),
        customer=customer,
        idempotency_key=key or uuid.uuid4(),
        currency=customer.currency,
        created_by=actor,
        created_at=now,
    )
    today = timezone.localdate()
    for number, line in enumerate(lines):
        reseller_id = line.partner_of_record.organization_id if line.partner_of_record else None
        term, frequency = lifecycle.check_term(line.offer, line.term, line.billing_frequency)
        term_end = lifecycle.check_alignment(customer=customer, term=term, start=today, custom_end=line.custom_term_end)
        subscription = Subscription.objects.create(
            customer=customer,
            partner=partner,
            offer=line.offer,
            order=order,
            friendly_name=line.friendly_name.strip(),
            quantity=line.quantity,
            partner_of_record=line.partner_of_record,
            reseller_id=reseller_id,
            support_contact=partner,  # the provider by default
            unit_price=prices[line.offer.pk],
            currency=customer.currency,
            created_at=now,
            term=term,
            billing_frequency=frequency,
            term_start=today,
            term_end=term_end,
            term_started_at=now,
            last_increase_at=now,
            updated_at=now,
        )
        SubscriptionTerm.objects.create(
            subscription=subscription, customer=customer, partner=partner, reseller_id=reseller_id,
            kind=SubscriptionTerm.Kind.PURCHASE, start=today, end=term_end, term=term, billing_frequency=frequency,
            quantity=line.quantity, unit_price=prices[line.offer.pk], currency=customer.currency, created_at=now,
        )  # fmt: skip
        OrderLine.objects.create(
            order=order,
            line_number=number,
            offer=line.offer,
            quantity=line.quantity,
            term=term,
            billing_frequency=frequency,
            custom_term_end=line.custom_term_end,
            friendly_name=line.friendly_name.strip(),
            unit_price=prices[line.offer.pk],
            partner_of_record=line.partner_of_record,
            subscription=subscription,
        )
    audit_record(code="partnerhub.order.placed", actor=actor, organization=partner, target=order,
                 data={"lines": len(lines)})  # fmt: skip
    audit_record(code="partnerhub.order.placed", actor=actor, organization=customer, target=order)
    return order


def order_submit(
    *, partner: Organization, customer: Organization, actor: User, key: uuid.UUID, lines: list[LineInput]
) -> tuple[Order, bool]:
    """ "Add subscription" → Submit. The same idempotency key always yields the same one order, however
    many times or how concurrently it is submitted. Returns (order, created)."""
    require_seller(partner)
    require_agreement_in_force(partner)
    if not lines:
        raise CustomersError(_("Add at least one subscription."), field="offer")
    with transaction.atomic():
        # One order at a time per customer: the per-customer limits and the idempotency check hold.
        customer = Organization.objects.select_for_update().get(pk=customer.pk)
        existing = Order.objects.filter(partner=partner, idempotency_key=key).first()
        if existing is not None:
            return existing, False
        if not CustomerRelationship.objects.filter(
            partner=partner, customer=customer, status=CustomerRelationship.Status.ACTIVE
        ).exists():
            raise CustomersError(_("You no longer have a relationship with this customer."), code="no_relationship")
        if not has_customer_agreement(customer):
            raise CustomersError(
                _(
                    "Either confirm the customer's acceptance of the customer agreement or have the customer "
                    "accept it before you can complete this purchase."
                ),
                code="13605",
            )
        check_lines(
            partner=partner,
            customer=customer,
            country=customer.country.code,  # type: ignore[attr-defined]
            region=customer.csp_region,
            currency=customer.currency,
            lines=lines,
        )
        try:
            with transaction.atomic():
                order = order_create_locked(partner=partner, customer=customer, actor=actor, lines=lines, key=key)
        except IntegrityError:  # belt and braces: the unique key, should the lock ever be bypassed
            return Order.objects.get(partner=partner, idempotency_key=key), False
    return order, True


# --- changing a subscription ------------------------------------------------------------------------------
# Every change takes the acting organization: the seller by default, or the reseller of record, which may
# change the quantity, the friendly name, auto-renew, the scheduled changes and cancel within the window, as
# the seller may (require_manager); the rest stays the seller's.


def _lock(subscription: Subscription) -> Subscription:
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("offer", "customer", "partner", "partner_of_record")
        .get(pk=subscription.pk)
    )


def _save(
    subscription: Subscription,
    actor: User,
    code: str,
    fields: list[str],
    data: dict[str, Any] | None = None,
    organization: Organization | None = None,
) -> Subscription:
    subscription.updated_at = timezone.now()
    subscription.save(update_fields=[*fields, "updated_at"])
    audit_both_sides(subscription, code=code, actor=actor, organization=organization, data=data)
    return subscription


def _day(value: date | datetime) -> str:
    return date_format(value, "DATE_FORMAT")


def subscription_change_quantity(
    *, subscription: Subscription, actor: User, quantity: int, organization: Organization | None = None
) -> Subscription:
    """Licenses go up at any time (the partner of record checked again, as at purchase), and down only
    within 7 days of the last increase; afterwards a lower quantity is scheduled for renewal."""
    with transaction.atomic():
        subscription = _lock(subscription)
        require_manager(subscription, organization)
        offer, now = subscription.offer, timezone.now()
        if subscription.status != Subscription.Status.ACTIVE:
            raise CustomersError(_("Only an active subscription's quantity can change."), field="quantity",
                                 code="2001")  # fmt: skip  # Partner Center's: quantity change while suspended
        if not offer.minimum_quantity <= quantity <= offer.maximum_quantity:
            raise CustomersError(
                _("%(offer)s is sold in quantities from %(min)s to %(max)s.")
                % {"offer": offer.name, "min": offer.minimum_quantity, "max": offer.maximum_quantity},
                field="quantity",
                code="2002",  # Partner Center's: quantity outside the offer's limits
            )
        if quantity == subscription.quantity:
            return subscription
        before = subscription.quantity
        if quantity > before:
            if subscription.partner_of_record is not None:  # Partner Center checks it on changes since Dec 2025
                try:
                    partner_of_record_check(
                        partner=subscription.partner, number=str(subscription.partner_of_record.number)
                    )
                except CustomersError as exc:
                    exc.field = "quantity"
                    raise
            subscription.last_increase_at = now
        elif not subscription.may_decrease(now):
            raise CustomersError(
                _(
                    "Licenses can only be removed within 7 days of being added; that window closed on %(date)s. "
                    "Schedule a lower quantity for the renewal on %(renewal)s instead."
                )
                % {"date": _day(subscription.decrease_allowed_until), "renewal": _day(subscription.renews_on)},
                field="quantity",
                code="reduction_window_closed",
            )
        subscription.quantity = quantity
        return _save(subscription, actor, "partnerhub.subscription.quantity_changed", ["quantity", "last_increase_at"],
                     {"from": before, "to": quantity}, organization)  # fmt: skip


def subscription_cancel(
    *, subscription: Subscription, actor: User, organization: Organization | None = None
) -> Subscription:
    """Cancel within 7 days of purchase or renewal; afterwards there is no cancellation."""
    with transaction.atomic():
        subscription = _lock(subscription)
        require_manager(subscription, organization)
        if subscription.status == Subscription.Status.CANCELLED:
            return subscription
        if not subscription.is_live:
            raise CustomersError(
                _("This subscription has ended (%(status)s): there is nothing to cancel.")
                % {"status": subscription.get_status_display()},
                code="not_active",
            )
        if not subscription.may_cancel():
            raise CustomersError(
                _(
                    "A subscription can be cancelled only within 7 days of purchase or renewal; that window "
                    "closed on %(date)s."
                )
                % {"date": _day(subscription.cancellable_until)},
                code="cancellation_window_closed",
            )
        subscription.move_to(Subscription.Status.CANCELLED)
        subscription.auto_renew = False
        subscription.cancelled_at = timezone.now()
        subscription.next_quantity, subscription.next_term, subscription.next_billing_frequency = None, "", ""
        return _save(subscription, actor, "partnerhub.subscription.cancelled",
                     ["status", "auto_renew", "cancelled_at", "next_quantity", "next_term", "next_billing_frequency"],
                     organization=organization)  # fmt: skip


def subscription_suspend(
    *, subscription: Subscription, actor: User, organization: Organization | None = None
) -> Subscription:
    """Suspend (for example for non-payment): the customer's users can't use it, billing continues, and it
    expires at its term end unless reactivated before. Changes scheduled for renewal are deleted, except
    auto-renew off (commerce.md §4.4). The customer's Global admins are notified."""
    with transaction.atomic():
        subscription = _lock(subscription)
        require_manager(subscription, organization, seller_only=True)
        if subscription.status != Subscription.Status.ACTIVE:
            raise CustomersError(_("Only an active subscription can be suspended."), code="not_active")
        subscription.move_to(Subscription.Status.SUSPENDED)
        dropped = lifecycle.scheduled_changes_text(subscription) if subscription.auto_renew else []
        subscription.next_quantity, subscription.next_term, subscription.next_billing_frequency = None, "", ""
        _save(subscription, actor, "partnerhub.subscription.suspended",
              ["status", "next_quantity", "next_term", "next_billing_frequency"],
              {"scheduled_changes_deleted": dropped}, organization)  # fmt: skip
        notify_customer_admins(
            subscription.customer,
            title=_("%(partner)s suspended %(subscription)s: your users can't use it until it is reactivated.")
            % {"partner": subscription.partner.legal_name, "subscription": subscription.display_name},
            url=reverse("customers:partner-relationships"),
        )
        return subscription


def subscription_reactivate(
    *, subscription: Subscription, actor: User, organization: Organization | None = None
) -> Subscription:
    """Reactivate a suspended subscription, before its term ends (at term end it expires)."""
    with transaction.atomic():
        subscription = _lock(subscription)
        require_manager(subscription, organization, seller_only=True)
        if subscription.status != Subscription.Status.SUSPENDED:
            raise CustomersError(_("Only a suspended subscription can be reactivated."), code="not_suspended")
        if subscription.term_end < timezone.localdate():
            raise CustomersError(
                _("The term ended on %(date)s: a suspended subscription expires then and can't be reactivated.")
                % {"date": _day(subscription.term_end)},
                code="term_ended",
            )
        subscription.move_to(Subscription.Status.ACTIVE)
        _save(subscription, actor, "partnerhub.subscription.reactivated", ["status"], organization=organization)
        notify_customer_admins(
            subscription.customer,
            title=_("%(partner)s reactivated %(subscription)s: your users can use it again.")
            % {"partner": subscription.partner.legal_name, "subscription": subscription.display_name},
            url=reverse("customers:partner-relationships"),
        )
        return subscription


def subscription_update(
    *,
    subscription: Subscription,
    actor: User,
    friendly_name: str,
    auto_renew: bool,
    organization: Organization | None = None,
) -> Subscription:
    with transaction.atomic():
        subscription = _lock(subscription)
        require_manager(subscription, organization)
        if not subscription.is_live:
            raise CustomersError(_("This subscription has ended: it can't be changed."), code="not_active")
        if auto_renew and not subscription.auto_renew and subscription.status != Subscription.Status.ACTIVE:
            raise CustomersError(_("Auto-renew can be turned on only for an active subscription."), field="auto_renew")
        subscription.friendly_name = friendly_name.strip()
        subscription.auto_renew = auto_renew
        return _save(subscription, actor, "partnerhub.subscription.updated", ["friendly_name", "auto_renew"],
                     organization=organization)  # fmt: skip


def subscription_set_partner_of_record(*, subscription: Subscription, actor: User, number: str) -> Subscription:
    """The Reseller (partner ID) field of an existing subscription, with the same pre-flight checks."""
    partner_id = partner_of_record_check(partner=subscription.partner, number=number)
    with transaction.atomic():
        subscription = _lock(subscription)
        subscription.partner_of_record = partner_id
        subscription.reseller_id = partner_id.organization_id
        return _save(subscription, actor, "partnerhub.subscription.partner_of_record_set",
                     ["partner_of_record", "reseller"], {"partner_id": partner_id.number})  # fmt: skip


@rls.elevated("support-contact-choices")  # the resellers' own relationships with the customer are theirs
def support_contact_choices(subscription: Subscription) -> list[Organization]:
    """The seller itself, and each reseller in partnership with it that has a relationship with the customer."""
    resellers = Organization.objects.filter(
        provider_relationships__provider=subscription.partner_id,
        provider_relationships__status=PartnerRelationship.Status.ACTIVE,
        customer_relationships__customer=subscription.customer_id,
        customer_relationships__status=CustomerRelationship.Status.ACTIVE,
    ).distinct()
    return list(Organization.objects.filter(pk=subscription.partner_id).union(resellers))


def subscription_set_support_contact(*, subscription: Subscription, actor: User, organization_pk: int) -> Subscription:
    with transaction.atomic():
        subscription = _lock(subscription)
        allowed = {organization.pk: organization for organization in support_contact_choices(subscription)}
        if organization_pk not in allowed:
            raise CustomersError(
                _(
                    "The support contact must be you or a reseller in partnership with you that has a relationship "
                    "with this customer."
                ),
                field="support_contact",
            )
        subscription.support_contact = allowed[organization_pk]
        return _save(subscription, actor, "partnerhub.subscription.support_contact_set", ["support_contact"],
                     {"organization": allowed[organization_pk].legal_name})  # fmt: skip
