"""The new-commerce subscription lifecycle (commerce.md §4, issue 18 §2): terms and their calendar dates,
co-terminosity, changes scheduled for the next term, the renewal sweep and its reminders, and upgrades.

Choices made here (the issue leaves them open):
- Billing frequency: P1M is billed monthly; P1Y annually (default) or monthly; P3Y the three years upfront
  (default) or annually.
- A term starting on day D ends the day before D one term later; when that month has no day D, on the last
  day of that month (31 Jan + P1M → 28 or 29 Feb; 29 Feb 2028 + P1Y → 28 Feb 2029).
- The sweep renews a live subscription the day after its term end (`term_end < today`); the new term starts
  the day after the old one ended, however late the sweep runs.
- Reminders: 7 days before the term end for every term, and 30 days before for annual and triennial terms
  (a monthly term is barely longer than 30 days). With auto-renew on they announce the renewal; with
  auto-renew off, or suspended, they announce the expiry.
- The partner-of-record check runs again at renewal (the issue asks it; Partner Center exempts
  auto-renewals): when it fails the subscription is not renewed, it expires at its term end, and the
  reason is emailed to the seller's Global admins and Admin agents.
- An offer no longer sold (unavailable, or without a price in the customer's currency) expires too, with
  the same email.
"""

from __future__ import annotations

import calendar
import logging
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from partnerhub.accounts.models import Membership, Organization, Role, User
from partnerhub.core.audit import audit_record
from partnerhub.core.notifications import notification_create
from partnerhub.core.outbox import outbound_email_queue

from ..models import (
    BILLING_FREQUENCIES,
    TERM_MONTHS,
    BillingFrequency,
    Offer,
    OfferPrice,
    Subscription,
    SubscriptionTerm,
)
from .common import CustomersError, notify_admins, require_agreement_in_force, require_seller

logger = logging.getLogger(__name__)

LIVE = (Subscription.Status.ACTIVE, Subscription.Status.SUSPENDED)
CENT = Decimal("0.01")
REMINDER_DAYS = (30, 7)


# --- dates -------------------------------------------------------------------------------------------------


def term_end_for(start: date, term: str) -> date:
    """The last day of a term that starts on `start` (calendar arithmetic, as new commerce)."""
    months = start.month - 1 + TERM_MONTHS[Offer.Term(term)]
    year, month = start.year + months // 12, months % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if start.day > last:
        return date(year, month, last)
    return date(year, month, start.day) - timedelta(days=1)


def is_month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def _day(value: Any) -> str:
    return date_format(value, "DATE_FORMAT")


def term_label(term: str) -> str:
    return str(Offer.Term(term).label).lower()


def frequency_label(frequency: str) -> str:
    return str(BillingFrequency(frequency).label).lower()


# --- terms and alignment at purchase ---------------------------------------------------------------------


def check_term(offer: Offer, term: str = "", billing_frequency: str = "") -> tuple[str, str]:
    """The line's term and billing frequency (the offer's defaults when empty), or CustomersError."""
    term = term or offer.term
    if term not in Offer.Term.values or term not in offer.terms_sold:
        raise CustomersError(
            _("%(offer)s isn't sold with that term; it is sold with: %(terms)s.")
            % {"offer": offer.name, "terms": ", ".join(term_label(t) for t in offer.terms_sold)},
            field="term",
            code="term_not_sold",
        )
    allowed = BILLING_FREQUENCIES[term]
    billing_frequency = billing_frequency or allowed[0]
    if billing_frequency not in allowed:
        raise CustomersError(
            _("With the %(term)s term, the billing frequency is %(allowed)s.")
            % {"term": term_label(term), "allowed": _(" or ").join(frequency_label(f) for f in allowed)},
            field="billing_frequency",
            code="billing_frequency_not_allowed",
        )
    return term, billing_frequency


def alignment_choices(*, customer: Organization | None, term: str, start: date) -> list[Subscription]:
    """The customer's active subscriptions a new line of `term` may end with (co-terminosity)."""
    if customer is None:
        return []
    natural = term_end_for(start, term)
    candidates = Subscription.objects.filter(
        customer=customer, status=Subscription.Status.ACTIVE, term_end__gte=start, term_end__lte=natural
    ).select_related("offer")
    if term != Offer.Term.MONTHLY:
        candidates = candidates.exclude(term=Offer.Term.MONTHLY)
    return list(candidates.order_by("term_end", "pk"))


def check_alignment(*, customer: Organization | None, term: str, start: date, custom_end: date | None) -> date:
    """The first term's end: the natural one, or an aligned one (the last day of a calendar month no later
    than the natural end, or the end date of another active subscription of the same customer; an annual or
    triennial term never aligns to a monthly subscription). The first term is shortened."""
    natural = term_end_for(start, term)
    if custom_end is None or custom_end == natural:
        return natural
    if not start <= custom_end <= natural:
        raise CustomersError(
            _("An aligned end date must be between %(start)s and %(end)s, the term's natural end.")
            % {"start": _day(start), "end": _day(natural)},
            field="custom_term_end",
            code="alignment_out_of_range",
        )
    if is_month_end(custom_end):
        return custom_end
    same_end = (
        Subscription.objects.filter(customer=customer, status=Subscription.Status.ACTIVE, term_end=custom_end)
        if customer is not None
        else Subscription.objects.none()
    )
    if not same_end.exists():
        raise CustomersError(
            _(
                "An aligned end date is the last day of a calendar month or the end date of another active "
                "subscription of this customer."
            ),
            field="custom_term_end",
            code="alignment_not_allowed",
        )
    if term != Offer.Term.MONTHLY and not same_end.exclude(term=Offer.Term.MONTHLY).exists():
        raise CustomersError(
            _("An annual or triennial term can't be aligned to a monthly subscription."),
            field="custom_term_end",
            code="alignment_to_monthly",
        )
    return custom_end


# --- who acts ----------------------------------------------------------------------------------------------


def acting_role(subscription: Subscription, organization: Organization | None) -> str | None:
    """ "seller" (the partner that sold it), "reseller" (its reseller of record), or None."""
    if organization is None or organization.pk == subscription.partner_id:
        return "seller"
    if subscription.reseller_id is not None and organization.pk == subscription.reseller_id:
        return "reseller"
    return None


def require_manager(subscription: Subscription, organization: Organization | None, *, seller_only: bool = False) -> str:
    role = acting_role(subscription, organization)
    if role is None or (seller_only and role != "seller"):
        error = CustomersError(
            _("Only the partner that sold this subscription can do that.")
            if role == "reseller"
            else _("You can't change this subscription."),
            code="not_seller_of_subscription",
        )
        error.status = 403  # type: ignore[attr-defined]  # the API's answer (api/problems.py)
        raise error
    return role


def subscription_url(subscription: Subscription) -> str:
    return reverse("customers:subscription-detail", args=[subscription.customer.tenant_id, subscription.public_id])


def audit_both_sides(
    subscription: Subscription,
    *,
    code: str,
    actor: User | None,
    organization: Organization | None = None,
    data: dict[str, Any] | None = None,
    target: Subscription | None = None,
) -> None:
    """The audit row of a subscription change on the seller's side and, when there is one, on the reseller
    of record's (so its webhook endpoints get the event); a change made by the reseller names it and its
    user on both sides, and the seller's Global admins are notified."""
    data = dict(data or {})
    reseller_acted = organization is not None and organization.pk == subscription.reseller_id
    if reseller_acted:
        data["by_reseller"] = organization.legal_name  # type: ignore[union-attr]
        data["by_user"] = actor.email if actor is not None else ""
    target = target or subscription
    audit_record(code=code, actor=actor, organization=subscription.partner, target=target, data=data)
    if subscription.reseller_id is not None:
        audit_record(code=code, actor=actor, organization=subscription.reseller, target=target, data=data)
    if reseller_acted:
        notify_admins(
            subscription.partner,
            title=_("%(reseller)s changed the subscription %(subscription)s of %(customer)s")
            % {
                "reseller": organization.legal_name,  # type: ignore[union-attr]
                "subscription": subscription.display_name,
                "customer": subscription.customer.legal_name,
            },
            url=subscription_url(subscription),
        )


# --- changes scheduled for renewal --------------------------------------------------------------------------


def subscription_schedule_changes(
    *,
    subscription: Subscription,
    actor: User,
    organization: Organization | None = None,
    quantity: int | None = None,
    term: str = "",
    billing_frequency: str = "",
    auto_renew: bool | None = None,
) -> Subscription:
    """Set what changes at the next renewal: a quantity, a term, a billing frequency (empty: unchanged), or
    auto-renew off (the subscription then expires at its term end). Outside the 7-day window, these are the
    only way to reduce a subscription."""
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("offer", "customer", "partner")
            .get(pk=subscription.pk)
        )
        require_manager(subscription, organization)
        offer = subscription.offer
        if not subscription.is_live:
            raise CustomersError(_("Only an active subscription's renewal can be changed."), code="not_active")
        changes_next = quantity is not None or term or billing_frequency
        if changes_next and subscription.status != Subscription.Status.ACTIVE:
            raise CustomersError(
                _("A suspended subscription keeps no scheduled changes other than auto-renew off."),
                code="suspended",
            )
        if quantity is not None and not offer.minimum_quantity <= quantity <= offer.maximum_quantity:
            raise CustomersError(
                _("%(offer)s is sold in quantities from %(min)s to %(max)s.")
                % {"offer": offer.name, "min": offer.minimum_quantity, "max": offer.maximum_quantity},
                field="next_quantity",
                code="2002",
            )
        next_term = term or subscription.term
        if term or billing_frequency:
            try:
                next_term, frequency = check_term(offer, next_term, billing_frequency)
            except CustomersError as exc:
                exc.field = "next_" + (exc.field or "term")
                raise
        else:
            frequency = subscription.billing_frequency
        if auto_renew is True and subscription.status != Subscription.Status.ACTIVE:
            raise CustomersError(_("Auto-renew can be turned on only for an active subscription."), field="auto_renew")
        before = _scheduled(subscription)
        subscription.next_quantity = None if quantity in (None, subscription.quantity) else quantity
        subscription.next_term = "" if next_term == subscription.term else next_term
        subscription.next_billing_frequency = "" if frequency == subscription.billing_frequency else frequency
        if auto_renew is not None:
            subscription.auto_renew = auto_renew
        after = _scheduled(subscription)
        if after == before:
            return subscription
        subscription.updated_at = timezone.now()
        subscription.save(
            update_fields=["next_quantity", "next_term", "next_billing_frequency", "auto_renew", "updated_at"]
        )
        audit_both_sides(subscription, code="partnerhub.subscription.changes_scheduled", actor=actor,
                         organization=organization, data={"from": before, "to": after})  # fmt: skip
    return subscription


def _scheduled(subscription: Subscription) -> dict[str, Any]:
    return {
        "quantity": subscription.next_quantity,
        "term": subscription.next_term,
        "billing_frequency": subscription.next_billing_frequency,
        "auto_renew": subscription.auto_renew,
    }


def scheduled_changes_text(subscription: Subscription) -> list[str]:
    """What changes at renewal, one phrase each ("quantity 5", "auto-renew off: it expires")."""
    parts = []
    if subscription.is_live and not subscription.auto_renew:
        return [_("auto-renew is off: the subscription expires")]
    if subscription.next_quantity:
        parts.append(_("quantity %(quantity)s") % {"quantity": subscription.next_quantity})
    if subscription.next_term:
        parts.append(_("%(term)s term") % {"term": term_label(subscription.next_term)})
    if subscription.next_billing_frequency:
        parts.append(_("billed %(frequency)s") % {"frequency": frequency_label(subscription.next_billing_frequency)})
    return parts


# --- the renewal sweep ---------------------------------------------------------------------------------------


def sweep_renewals(*, today: date | None = None) -> dict[str, int]:
    """Renew or expire every live subscription whose term ended before `today`. Safe to run twice or
    concurrently: each subscription is claimed by a conditional UPDATE on its term end and status."""
    today = today or timezone.localdate()
    counts = {"renewed": 0, "expired": 0}
    for _round in range(50):  # a sweep that was down for months renews term after term
        due = list(
            Subscription.objects.filter(status__in=LIVE, term_end__lt=today)
            .order_by("term_end", "pk")
            .values_list("pk", "term_end")[:500]
        )
        if not due:
            break
        done = 0
        for pk, term_end in due:
            try:
                outcome = subscription_renew_or_expire(pk=pk, term_end=term_end)
            except Exception:  # one subscription's failure must not hold the others' renewals; retried next run
                logger.exception("renewal of subscription %s failed", pk)
                continue
            if outcome:
                counts[outcome] += 1
                done += 1
        if not done:
            break
    return counts


def subscription_renew_or_expire(*, pk: int, term_end: date) -> str | None:
    """At the end of one term: "renewed", "expired", or None when another sweep got there first."""
    now = timezone.now()
    with transaction.atomic():
        # The claim: whoever updates the row with this term end and a live status first renews it; a
        # concurrent sweep waits on the row lock, then finds the term end changed and updates nothing.
        claimed = Subscription.objects.filter(pk=pk, term_end=term_end, status__in=LIVE).update(updated_at=now)
        if not claimed:
            return None
        subscription = Subscription.objects.select_related("offer", "customer", "partner", "partner_of_record").get(
            pk=pk
        )
        reason = _renewal_refusal(subscription)
        if reason is None:
            _renew(subscription, now)
            return "renewed"
        _expire(subscription, now, reason)
        return "expired"


def _renewal_refusal(subscription: Subscription) -> tuple[str, str] | None:
    """Why the subscription expires instead of renewing: (code, message), or None to renew."""
    if subscription.status == Subscription.Status.SUSPENDED:
        return "suspended", str(gettext_lazy("It was still suspended at the end of its term."))
    if not subscription.auto_renew:
        return "auto_renew_off", str(gettext_lazy("Auto-renew was off."))
    offer = subscription.offer
    price = OfferPrice.objects.filter(offer=offer, currency=subscription.currency).first()
    if not offer.is_available or price is None:
        return "offer_not_sold", str(gettext_lazy("The offer is no longer sold in the customer's currency."))
    if subscription.partner_of_record is not None:
        from .orders import partner_of_record_check

        try:
            partner_of_record_check(partner=subscription.partner, number=str(subscription.partner_of_record.number))
        except CustomersError as exc:
            return "partner_of_record", str(exc.message)
    return None


def _renew(subscription: Subscription, now: datetime) -> None:
    offer = subscription.offer
    start = subscription.term_end + timedelta(days=1)
    term = subscription.next_term or subscription.term
    if term not in offer.terms_sold:
        term = subscription.term if subscription.term in offer.terms_sold else offer.term
    frequency = subscription.next_billing_frequency or subscription.billing_frequency
    if frequency not in BILLING_FREQUENCIES[term]:
        frequency = BILLING_FREQUENCIES[term][0]
    quantity = subscription.next_quantity or subscription.quantity
    quantity = min(max(quantity, offer.minimum_quantity), offer.maximum_quantity)
    price = OfferPrice.objects.get(offer=offer, currency=subscription.currency).unit_price  # the current price
    before = {"term_end": str(subscription.term_end), "quantity": subscription.quantity}
    subscription.term, subscription.billing_frequency, subscription.quantity = term, frequency, quantity
    subscription.unit_price = price
    subscription.term_start, subscription.term_end = start, term_end_for(start, term)
    subscription.term_started_at = subscription.last_increase_at = now  # a new 7-day window
    subscription.next_quantity, subscription.next_term, subscription.next_billing_frequency = None, "", ""
    subscription.updated_at = now
    subscription.save()
    SubscriptionTerm.objects.create(
        subscription=subscription, customer_id=subscription.customer_id, partner_id=subscription.partner_id,
        reseller_id=subscription.reseller_id, kind=SubscriptionTerm.Kind.RENEWAL, start=start,
        end=subscription.term_end, term=term, billing_frequency=frequency, quantity=quantity, unit_price=price,
        currency=subscription.currency, created_at=now,
    )  # fmt: skip
    audit_both_sides(
        subscription,
        code="partnerhub.subscription.renewed",
        actor=None,
        data={**before, "new_term_end": str(subscription.term_end), "new_quantity": quantity, "unit_price": str(price)},
    )


def _expire(subscription: Subscription, now: datetime, reason: tuple[str, str]) -> None:
    code, message = reason
    subscription.move_to(Subscription.Status.EXPIRED)
    subscription.ended_at = now
    subscription.end_reason = message[:300]
    subscription.auto_renew = False
    subscription.next_quantity, subscription.next_term, subscription.next_billing_frequency = None, "", ""
    subscription.updated_at = now
    subscription.save()
    audit_both_sides(subscription, code="partnerhub.subscription.expired", actor=None,
                     data={"reason": code, "message": message})  # fmt: skip
    if code in ("partner_of_record", "offer_not_sold"):  # not renewed although auto-renew was on: say why
        for user, language in _partner_recipients(subscription.partner):
            _email(user, language, subscription, template="subscription_renewal_refused", reason=message)


# --- reminders ----------------------------------------------------------------------------------------------


def _partner_recipients(organization: Organization) -> list[tuple[User, str]]:
    seats = Membership.objects.filter(
        organization=organization, roles__overlap=[Role.GLOBAL_ADMIN, Role.ADMIN_AGENT]
    ).select_related("user")
    return [(seat.user, seat.user.language or "") for seat in seats]


def _customer_recipients(customer: Organization) -> list[tuple[User, str]]:
    profile_language = getattr(getattr(customer, "customer_profile", None), "language", "") or ""
    seats = Membership.objects.global_admins().filter(organization=customer).select_related("user")
    return [(seat.user, seat.user.language or profile_language) for seat in seats]


def _email(
    user: User, language: str, subscription: Subscription, *, template: str, url: str = "", **extra: Any
) -> None:
    with override(language or settings.LANGUAGE_CODE):
        outbound_email_queue(
            to=user.email,
            template=template,
            organization=subscription.partner,
            language=language or None,
            context={
                "name": user.first_name,
                "subscription": subscription.display_name,
                "customer": subscription.customer.legal_name,
                "partner": subscription.partner.legal_name,
                "quantity": subscription.next_quantity or subscription.quantity,
                "term_end": _day(subscription.term_end),
                "renews_on": _day(subscription.renews_on),
                "changes": ", ".join(scheduled_changes_text(subscription)),
                "url": settings.SITE_URL + (url or subscription_url(subscription)),
                **extra,
            },
        )


def sweep_renewal_reminders(*, today: date | None = None) -> int:
    """Renewal (auto-renew on) or expiry (auto-renew off, suspended) notices 30 and 7 days before the term
    end, to the seller's Global admins and Admin agents and the customer's Global admins; each once per
    term, claimed by a conditional UPDATE of its column."""
    today = today or timezone.localdate()
    sent = 0
    for days in REMINDER_DAYS:
        column = f"reminded_{days}_for"
        due = Subscription.objects.filter(status__in=LIVE, term_end__gte=today, term_end__lte=today + timedelta(days))
        due = due.exclude(**{column: F("term_end")})
        if days == 30:  # monthly terms get the 7-day notice only; a term within 7 days gets that one
            due = due.exclude(term=Offer.Term.MONTHLY).filter(term_end__gt=today + timedelta(7))
        for pk, term_end in due.values_list("pk", "term_end")[:1000]:
            with transaction.atomic():
                claimed = (
                    Subscription.objects.filter(pk=pk, term_end=term_end, status__in=LIVE)
                    .exclude(**{column: term_end})
                    .update(**{column: term_end})
                )
                if not claimed:
                    continue
                subscription = Subscription.objects.select_related("offer", "customer", "partner").get(pk=pk)
                renews = subscription.auto_renew and subscription.status == Subscription.Status.ACTIVE
                template = "subscription_renewal_reminder" if renews else "subscription_expiry_notice"
                for user, language in _partner_recipients(subscription.partner):
                    _email(user, language, subscription, template=template)
                for user, language in _customer_recipients(subscription.customer):
                    _email(user, language, subscription, template=template,
                           url=reverse("customers:partner-relationships"))  # fmt: skip
                audit_record(code="partnerhub.subscription.renewal_reminder_sent", organization=subscription.partner,
                             target=subscription, data={"days": days, "renews": renews})  # fmt: skip
                sent += 1
    return sent


# --- upgrades ----------------------------------------------------------------------------------------------


def upgrade_targets(subscription: Subscription) -> list[Offer]:
    """The higher offers of the subscription's family sold to its customer, with its term."""
    from .orders import offers_for

    offer = subscription.offer
    if not offer.family:
        return []
    customer = subscription.customer
    offers = offers_for(country=customer.country.code, region=customer.csp_region, currency=subscription.currency)  # type: ignore[attr-defined]
    return [
        target
        for target in offers.filter(family=offer.family, family_rank__gt=offer.family_rank)
        if subscription.term in target.terms_sold
    ]


def subscription_upgrade(
    *, subscription: Subscription, actor: User, offer: Offer, organization: Organization | None = None
) -> Subscription:
    """A full upgrade: a new subscription to the higher `offer` replaces this one with its quantity, term,
    billing frequency, term end and cancellation window, at the target's current price; this one is closed as
    Upgraded (linked to the new one), and the new term records the credit of its remaining term. Upgrading
    again to the same offer answers the same new subscription."""
    from .orders import offers_for

    require_seller(subscription.partner)
    require_agreement_in_force(subscription.partner)
    now, today = timezone.now(), timezone.localdate()
    with transaction.atomic():
        old = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("offer", "customer", "partner", "order", "upgraded_to")
            .get(pk=subscription.pk)
        )
        if old.status == Subscription.Status.UPGRADED and old.upgraded_to and old.upgraded_to.offer_id == offer.pk:
            return old.upgraded_to
        if acting_role(old, organization) != "seller":
            error = CustomersError(
                _("A partner can't upgrade a subscription sold by another partner."), code="not_seller_of_subscription"
            )
            error.status = 403  # type: ignore[attr-defined]
            raise error
        source = old.offer
        if old.status != Subscription.Status.ACTIVE:
            raise CustomersError(_("Only an active subscription can be upgraded."), field="offer", code="not_active")
        if old.term_end < today:
            raise CustomersError(_("This subscription's renewal is being processed: try again in a few minutes."),
                                 code="renewal_pending")  # fmt: skip
        if not source.family or offer.family != source.family:
            raise CustomersError(
                _("%(target)s isn't in the same offer family as %(offer)s.")
                % {"target": offer.name, "offer": source.name},
                field="offer",
                code="different_family",
            )
        if offer.family_rank <= source.family_rank:
            raise CustomersError(
                _("%(target)s isn't a higher offer than %(offer)s: only upgrades are allowed during a term.")
                % {"target": offer.name, "offer": source.name},
                field="offer",
                code="not_higher",
            )
        customer = old.customer
        sold = offers_for(country=customer.country.code, region=customer.csp_region, currency=old.currency)  # type: ignore[attr-defined]
        target = sold.filter(pk=offer.pk).first()
        if target is None:
            raise CustomersError(
                _("%(offer)s isn't sold to customers in this country.") % {"offer": offer.name}, field="offer"
            )
        if old.term not in target.terms_sold:
            raise CustomersError(
                _("%(offer)s isn't sold with the %(term)s term.") % {"offer": offer.name, "term": term_label(old.term)},
                field="offer",
                code="term_not_sold",
            )
        if not target.minimum_quantity <= old.quantity <= target.maximum_quantity:
            raise CustomersError(
                _("%(offer)s is sold in quantities from %(min)s to %(max)s.")
                % {"offer": offer.name, "min": target.minimum_quantity, "max": target.maximum_quantity},
                field="offer",
                code="2002",
            )
        if target.customer_limit is not None:
            held = Subscription.objects.filter(customer=customer, offer=target, status__in=LIVE).count()
            if held + 1 > target.customer_limit:
                raise CustomersError(
                    _("A customer can hold at most %(limit)s subscription(s) to %(offer)s.")
                    % {"limit": target.customer_limit, "offer": offer.name},
                    field="offer",
                    code="customer_limit",
                )
        remaining = (old.term_end - today).days + 1
        length = (old.term_end - old.term_start).days + 1
        credit = (old.unit_price * old.quantity * Decimal(remaining) / Decimal(length)).quantize(CENT, ROUND_HALF_UP)
        new = Subscription.objects.create(
            customer=customer, partner=old.partner, offer=target, order=old.order, friendly_name=old.friendly_name,
            quantity=old.quantity, auto_renew=old.auto_renew, partner_of_record=old.partner_of_record,
            reseller=old.reseller, support_contact=old.support_contact, unit_price=target.unit_price,  # type: ignore[attr-defined]  # offers_for annotates it
            currency=old.currency, created_at=now, term=old.term, billing_frequency=old.billing_frequency,
            term_start=today, term_end=old.term_end, term_started_at=old.term_started_at,
            last_increase_at=old.last_increase_at, updated_at=now,
        )  # fmt: skip
        SubscriptionTerm.objects.create(
            subscription=new, customer=customer, partner=old.partner, reseller=old.reseller,
            kind=SubscriptionTerm.Kind.UPGRADE, start=today, end=new.term_end, term=new.term,
            billing_frequency=new.billing_frequency, quantity=new.quantity, unit_price=new.unit_price,
            currency=new.currency, credit=credit, replaced=old, created_at=now,
        )  # fmt: skip
        old.move_to(Subscription.Status.UPGRADED)
        old.upgraded_to, old.ended_at, old.auto_renew, old.updated_at = new, now, False, now
        old.end_reason = (_("Upgraded to %(offer)s.") % {"offer": target.name})[:300]
        old.next_quantity, old.next_term, old.next_billing_frequency = None, "", ""
        old.save()
        data = {"to": str(new.public_id), "offer": target.sku, "credit": str(credit)}
        audit_both_sides(old, code="partnerhub.subscription.upgraded", actor=actor, organization=organization,
                         data=data)  # fmt: skip
        audit_both_sides(new, code="partnerhub.subscription.created_by_upgrade", actor=actor,
                         organization=organization, data={"from": str(old.public_id)})  # fmt: skip
    return new


def notify_customer_admins(customer: Organization, *, title: str, url: str) -> None:
    for seat in Membership.objects.global_admins().filter(organization=customer).select_related("user"):
        notification_create(user=seat.user, organization=customer, title=title, url=url)
