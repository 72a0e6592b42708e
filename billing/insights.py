"""Insights: what an organization billed and was billed, its seats, what renews or expires soon and what is
overdue, each aggregated in SQL (one query per chart, whatever the size of the tenant).

A Scope says whose rows count: an organization's (revenue: charge lines it issued; cost: lines it received),
or the whole program for staff (revenue: the vendor's lines; cost: every partner tier's lines)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from customers.models import Subscription, SubscriptionTerm

from .models import ZERO, ChargeLine, Invoice

TOP = 10
MONTHS = 12
HORIZON_DAYS = 90


@dataclass(frozen=True)
class Scope:
    revenue: Q  # charge lines that are revenue
    cost: Q  # charge lines that are cost
    subscriptions: Q  # subscriptions (and their terms) that count
    issued: Q  # invoices owed to it
    owed: Q  # invoices it owes
    program: bool = False

    @classmethod
    def organization(cls, organization_id: int) -> Scope:
        return cls(
            revenue=Q(issuer_id=organization_id),
            cost=Q(recipient_id=organization_id),
            subscriptions=Q(partner_id=organization_id) | Q(reseller_id=organization_id),
            issued=Q(issuer_id=organization_id),
            owed=Q(recipient_id=organization_id),
        )

    @classmethod
    def whole_program(cls) -> Scope:
        return cls(revenue=Q(issuer=None), cost=Q(issuer__isnull=False), subscriptions=Q(), issued=Q(issuer=None),
                   owed=Q(issuer__isnull=False), program=True)  # fmt: skip


@dataclass
class Chart:
    """One chart's numbers: row labels, one column per series, and a unit (a currency or a count)."""

    slug: str
    title: str
    labels: list[str]
    series: list[tuple[str, list[Decimal]]]
    unit: str = ""
    horizontal: bool = False
    notes: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[str, list[Decimal]]]:
        return [(label, [values[i] for _name, values in self.series]) for i, label in enumerate(self.labels)]


def month_starts(today: date, months: int = MONTHS) -> list[date]:
    first = today.replace(day=1)
    result = []
    for _month in range(months):
        result.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return result[::-1]


def month_end(start: date) -> date:
    return ((start + timedelta(days=32)).replace(day=1)) - timedelta(days=1)


def currencies(scope: Scope) -> list[str]:
    return sorted(
        set(ChargeLine.objects.filter(scope.revenue | scope.cost).values_list("currency", flat=True).distinct()[:20])
    )


def revenue_and_cost(scope: Scope, *, currency: str, today: date) -> Chart:
    months = month_starts(today)
    rows = (
        ChargeLine.objects.filter(
            scope.revenue | scope.cost, currency=currency, event_on__gte=months[0], event_on__lte=today
        )  # fmt: skip
        .annotate(month=TruncMonth("event_on"))
        .values("month")
        .annotate(revenue=Sum("subtotal", filter=scope.revenue), cost=Sum("subtotal", filter=scope.cost))
        .order_by("month")
    )
    by_month: dict[date, Any] = {row["month"]: row for row in rows}
    revenue = [by_month.get(month, {}).get("revenue") or ZERO for month in months]
    cost = [by_month.get(month, {}).get("cost") or ZERO for month in months]
    names = (_("Vendor revenue"), _("Partner tiers")) if scope.program else (_("Revenue"), _("Cost"))
    return Chart("revenue-cost", str(_("Revenue and cost by month")), [m.strftime("%Y-%m") for m in months],
                 [(str(names[0]), revenue), (str(names[1]), cost)], unit=currency)  # fmt: skip


def _top(queryset, key: str, name: str, *, currency: str, today: date) -> tuple[list[str], list[Decimal]]:
    since = month_starts(today)[0]
    lines = queryset.filter(currency=currency, event_on__gte=since, event_on__lte=today)
    top = list(lines.values(key, name).annotate(total=Sum("subtotal")).order_by("-total", key)[:TOP])
    everything = lines.aggregate(total=Sum("subtotal"))["total"] or ZERO
    labels = [row[name] or "—" for row in top]
    values = [row["total"] or ZERO for row in top]
    others = everything - sum(values, ZERO)
    if others:
        labels.append(str(_("Others")))
        values.append(others)
    return labels, values


def revenue_by_recipient(scope: Scope, *, currency: str, today: date) -> Chart:
    labels, values = _top(ChargeLine.objects.filter(scope.revenue), "recipient_id", "recipient__legal_name",
                          currency=currency, today=today)  # fmt: skip
    return Chart("revenue-by-recipient", str(_("Revenue by reseller or customer (12 months)")), labels,
                 [(str(_("Revenue")), values)], unit=currency, horizontal=True)  # fmt: skip


def revenue_by_offer(scope: Scope, *, currency: str, today: date) -> Chart:
    labels, values = _top(ChargeLine.objects.filter(scope.revenue), "offer_id", "offer__name", currency=currency,
                          today=today)  # fmt: skip
    return Chart("revenue-by-offer", str(_("Revenue by offer (12 months)")), labels, [(str(_("Revenue")), values)],
                 unit=currency, horizontal=True)  # fmt: skip


def seats(scope: Scope, *, today: date) -> Chart:
    """Licences in force at each month end: the quantity of every term running that day (one query, one
    conditional sum per month), not counting subscriptions cancelled before it."""
    months = month_starts(today)
    ends = [min(month_end(month), today) for month in months]
    terms = SubscriptionTerm.objects.filter(scope.subscriptions, start__lte=today, end__gte=months[0])
    sums = terms.aggregate(
        **{
            f"m{i}": Sum(
                "quantity",
                filter=Q(start__lte=end, end__gte=end)
                & (Q(subscription__cancelled_at=None) | Q(subscription__cancelled_at__date__gt=end)),
            )
            for i, end in enumerate(ends)
        }
    )
    values = [Decimal(sums[f"m{i}"] or 0) for i in range(len(ends))]
    return Chart("seats", str(_("Seats at each month end")), [m.strftime("%Y-%m") for m in months],
                 [(str(_("Seats")), values)])  # fmt: skip


def renewals(scope: Scope, *, today: date) -> Chart:
    """Live subscriptions whose term ends in the next 90 days, by week: renewing (auto-renew on) or expiring."""
    rows = (
        Subscription.objects.filter(
            scope.subscriptions,
            status__in=(Subscription.Status.ACTIVE, Subscription.Status.SUSPENDED),
            term_end__gte=today,
            term_end__lte=today + timedelta(days=HORIZON_DAYS),
        )
        .annotate(week=TruncWeek("term_end"))
        .values("week")
        .annotate(renewing=Count("pk", filter=Q(auto_renew=True)), expiring=Count("pk", filter=Q(auto_renew=False)))
        .order_by("week")
    )
    by_week: dict[date, Any] = {row["week"]: row for row in rows}
    first = today - timedelta(days=today.weekday())
    weeks = [first + timedelta(weeks=i) for i in range(HORIZON_DAYS // 7 + 1)]
    renewing = [Decimal(by_week.get(week, {}).get("renewing") or 0) for week in weeks]
    expiring = [Decimal(by_week.get(week, {}).get("expiring") or 0) for week in weeks]
    return Chart("renewals", str(_("Renewals and expiries in the next 90 days (by week)")),
                 [formats.date_format(week, "MONTH_DAY_FORMAT") for week in weeks],
                 [(str(_("Renewing")), renewing), (str(_("Expiring")), expiring)])  # fmt: skip


BUCKETS = ((0, 30), (31, 60), (61, None))


def overdue(scope: Scope, *, currency: str, today: date) -> Chart:
    """Open invoices past due, by days overdue: owed to the organization and owed by it."""
    left = F("total") - F("paid_amount")
    invoices = Invoice.objects.filter(
        scope.issued | scope.owed, kind=Invoice.Kind.INVOICE, status=Invoice.Status.OPEN, currency=currency,
        due_on__lt=today,
    )  # fmt: skip
    aggregates = {}
    for side, q in (("in", scope.issued), ("out", scope.owed)):
        for i, (low, high) in enumerate(BUCKETS):
            band = Q(due_on__lte=today - timedelta(days=max(low, 1)))
            if high is not None:
                band &= Q(due_on__gte=today - timedelta(days=high))
            aggregates[f"{side}{i}"] = Sum(left, filter=q & band)
    sums = invoices.aggregate(**aggregates)
    labels = [str(_("0–30 days")), str(_("31–60 days")), str(_("Over 60 days"))]
    names = (_("Owed to the vendor"), _("Owed between partners")) if scope.program else (_("Owed to you"),
                                                                                        _("You owe"))  # fmt: skip
    return Chart("overdue", str(_("Overdue balance")), labels,
                 [(str(names[0]), [sums[f"in{i}"] or ZERO for i in range(3)]),
                  (str(names[1]), [sums[f"out{i}"] or ZERO for i in range(3)])], unit=currency)  # fmt: skip


CHARTS = ("revenue-cost", "revenue-by-recipient", "revenue-by-offer", "seats", "renewals", "overdue")


def charts(scope: Scope, *, currency: str, today: date) -> list[Chart]:
    return [
        revenue_and_cost(scope, currency=currency, today=today),
        revenue_by_recipient(scope, currency=currency, today=today),
        revenue_by_offer(scope, currency=currency, today=today),
        seats(scope, today=today),
        renewals(scope, today=today),
        overdue(scope, currency=currency, today=today),
    ]


def chart(scope: Scope, slug: str, *, currency: str, today: date) -> Chart | None:
    builders = {
        "revenue-cost": lambda: revenue_and_cost(scope, currency=currency, today=today),
        "revenue-by-recipient": lambda: revenue_by_recipient(scope, currency=currency, today=today),
        "revenue-by-offer": lambda: revenue_by_offer(scope, currency=currency, today=today),
        "seats": lambda: seats(scope, today=today),
        "renewals": lambda: renewals(scope, today=today),
        "overdue": lambda: overdue(scope, currency=currency, today=today),
    }
    builder = builders.get(slug)
    return builder() if builder else None
