"""Reads of customers, always through the acting organization's relationships: another tenant's
customer, subscription or invitation is simply not found (404)."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Count, Exists, F, Func, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import cached_property

from agreements.models import CustomerAgreementAcceptance
from enrollment.models import ProgramEnrollment
from partnerhub.accounts.models import Organization
from partnerhub.core import pagination, rls
from partnerhub.core.scoping import scoped
from relationships.models import PartnerRelationship

from .models import CustomerInvitation, CustomerRelationship, Order, OrderLine, Subscription

# Customer lists are keyset-paged in this order; the indexes (partner, status, customer_name, id) and
# (partner, reseller, status, customer_name, id) end with these columns.
CUSTOMER_LIST_KEYS = ("customer_name", "id")
# What a customer list row shows (and the export writes): a narrow SELECT, three small model instances per row.
CUSTOMER_LIST_COLUMNS = (
    "customer_name", "kind", "delegated_admin", "created_at", "partner_id",
    "customer__tenant_id", "customer__primary_domain", "reseller__legal_name",
)  # fmt: skip


class CappedPaginator(Paginator):  # type: ignore[type-arg]  # Paginator[T] fails at run time
    """Counts at most COUNT_CAP + 1 rows (the list shows "1,000+"), for lists that stay short per tenant (a
    customer's subscriptions, sent invitations); a list that can hold a million rows is keyset-paged instead
    (partnerhub.core.pagination)."""

    # A page number from the URL beyond which every page is empty anyway: `?page=10**23` would overflow
    # PostgreSQL's bigint OFFSET.
    MAX_PAGE = 1_000_000

    @cached_property
    def count(self) -> int:
        return self.object_list[: pagination.COUNT_CAP + 1].count()  # type: ignore[attr-defined,no-any-return]  # a QuerySet

    @property
    def capped(self) -> bool:
        return self.count > pagination.COUNT_CAP

    def validate_number(self, number: int | float | str) -> int:
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        return min(max(number, 1), self.MAX_PAGE)

    def page(self, number: Any) -> Page[Any]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        page: Page[Any] = self._get_page(rows[: self.per_page], number, self)  # type: ignore[attr-defined]  # not in the stubs
        page.has_following = len(rows) > self.per_page  # type: ignore[attr-defined]  # an extra for the template
        return page

    def get_page(self, number: Any) -> Page[Any]:
        return self.page(number)


def customer_list(
    *, partner: Organization, query: str = "", reseller_pk: int | None = None
) -> QuerySet[CustomerRelationship]:
    """The partner's active customer relationships, by company name (index: partner, status, name, id)."""
    relationships = (
        scoped(CustomerRelationship.objects, partner=partner)
        .filter(status=CustomerRelationship.Status.ACTIVE)
        .select_related("customer", "reseller")
        .only(*CUSTOMER_LIST_COLUMNS)
    )
    if reseller_pk:
        relationships = relationships.filter(reseller=reseller_pk)
    if query := query.strip():
        if _looks_like_uuid(query):
            relationships = relationships.filter(customer__tenant_id=query)
        else:
            relationships = relationships.filter(search_matches(partner=partner, query=query))
    return relationships.order_by("customer_name", "id")


# The relationships whose name or domain has a word starting with each typed word (migration customers 0007):
# one range of the words table's primary key (partner, word) per typed word, for this tenant only.
#
# Both ends of the range come from a materialized CTE's columns: under row-level security only a leakproof
# condition may enter the index ahead of the policy, and `word < w || chr(1114111)` calls textcat and chr, which
# are not leakproof. Written inline, only `word >= w` bounded the index scan and the other end was a filter: a
# search for "alpine" read every word of the tenant's from "alpine" to the end of the alphabet (40,000 for a
# 10,000-customer whale: make bench's customer_search_whale at 0.14x the ceiling).
SEARCH_SQL = """
WITH typed (w, upper) AS MATERIALIZED (
  SELECT w, w || chr(1114111) FROM unnest(customers_search_words(%s)) AS w
)
SELECT s.relationship_id
FROM typed
JOIN customers_customersearchword s ON s.partner_id = %s AND s.word >= typed.w AND s.word < typed.upper
GROUP BY s.relationship_id
HAVING count(DISTINCT typed.w) = (SELECT count(*) FROM typed)
"""


def search_matches(*, partner: Organization, query: str) -> Func:
    """Every typed word starts a word of the customer's name or domain, in any order. Text with no word in it
    (punctuation only) matches nothing.

    `id = ANY (ARRAY(…))`, not `id IN (…)`: the matches are gathered once (an InitPlan) and fetched by primary
    key, then sorted. As a semi-join the planner walked the whale's list index in name order and joined every
    row's organizations before testing it (32 ms a page at 10,000 customers, all of them read for a word none
    has: make bench, customer_search_whale_none)."""
    matches = RawSQL(f"(ARRAY({SEARCH_SQL}))", [query, partner.pk])  # noqa: S611 - constant SQL, values bound
    # The relationship's id through F(), not a spelled-out table name: as a subquery (a page's keys picked by
    # keyset_page(narrow=True)) the table is aliased, and a spelled-out name would test the outer query's row.
    return AnyOf(F("id"), matches)


class AnyOf(Func):
    """`expression = ANY (array)`, a condition for filter()."""

    template = "%(expressions)s"
    arg_joiner = " = ANY "
    output_field = BooleanField()


def _looks_like_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


# The reseller filter lists at most this many resellers by name; a provider with more narrows them by name.
RESELLER_CHOICES = 50


def partnered_resellers(
    *, provider: Organization, name: str = "", selected: int | None = None
) -> tuple[list[Organization], bool]:
    """The resellers a provider can filter its customers by (those it is in partnership with): the first
    RESELLER_CHOICES by name, starting with `name` if given, and whether there are more. The `selected` one is
    always among them when it is a partner (one more query, only when it isn't on that first page): a whale's
    filter costs the same as a small provider's, not one option per reseller (performance.md)."""
    relationships = PartnerRelationship.objects.filter(provider=provider, status=PartnerRelationship.Status.ACTIVE)
    named = relationships.filter(reseller__legal_name__istartswith=name) if name else relationships
    first = [
        relationship.reseller
        for relationship in named.select_related("reseller")
        .only("reseller__legal_name")
        .order_by("reseller__legal_name", "reseller_id")[: RESELLER_CHOICES + 1]
    ]
    more = len(first) > RESELLER_CHOICES
    resellers = first[:RESELLER_CHOICES]
    if selected is not None and all(reseller.pk != selected for reseller in resellers):
        chosen = relationships.filter(reseller=selected).select_related("reseller").only("reseller__legal_name")
        resellers += [relationship.reseller for relationship in chosen]
    return resellers, more


def shared_customer_list(*, reseller: Organization, provider_pk: int) -> QuerySet[CustomerRelationship]:
    """A reseller's view of the customers a given provider associated with it ("View customers")."""
    return (
        scoped(CustomerRelationship.objects, reseller=reseller)
        .filter(partner=provider_pk, status=CustomerRelationship.Status.ACTIVE)
        .select_related("customer")
        .only("customer_name", "created_at", "customer__tenant_id", "customer__primary_domain")
        .order_by("customer_name", "id")
    )


def relationship_get(
    *, partner: Organization, tenant_id: str | uuid.UUID, with_activity: bool = False
) -> CustomerRelationship:
    """The acting partner's active relationship with one customer, or 404. `with_activity` adds
    `has_active_subscriptions` in the same query (the customer's page and the removal page show it), and
    `partner_selling`: whether the partner sells now (ProgramEnrollment.objects.selling(), the service's rule)."""
    relationships = CustomerRelationship.objects.select_related(
        "customer", "customer__customer_profile", "reseller", "partner"
    )
    if with_activity:
        active = _active_subscriptions(partner=OuterRef("partner"), customer=OuterRef("customer"))
        selling = ProgramEnrollment.objects.selling().filter(organization=OuterRef("partner"))
        relationships = relationships.annotate(has_active_subscriptions=Exists(active), partner_selling=Exists(selling))
    return get_object_or_404(
        scoped(relationships, partner=partner),
        customer__tenant_id=tenant_id,
        status=CustomerRelationship.Status.ACTIVE,
    )


def selling_relationship_get(*, partner: Organization, tenant_id: str | uuid.UUID) -> CustomerRelationship:
    """The relationship through which the partner sells to the customer (orders, the customer agreement): 404
    for another tenant's customer, PermissionDenied when the partner is only its indirect reseller."""
    relationship = relationship_get(partner=partner, tenant_id=tenant_id)
    if relationship.kind == CustomerRelationship.Kind.INDIRECT_RESELLER:
        raise PermissionDenied
    return relationship


def customer_partners(*, customer: Organization) -> QuerySet[CustomerRelationship]:
    """The customer's partners (its Partner relationships page)."""
    return (
        scoped(CustomerRelationship.objects, customer=customer)
        .filter(status=CustomerRelationship.Status.ACTIVE)
        .select_related("partner", "reseller")
        .order_by("partner__legal_name", "id")
    )


def customer_partner_get(*, customer: Organization, pk: int) -> CustomerRelationship:
    return get_object_or_404(
        scoped(CustomerRelationship.objects.select_related("partner", "customer"), customer=customer),
        pk=pk,
        status=CustomerRelationship.Status.ACTIVE,
    )


def visible_subscriptions(*, relationship: CustomerRelationship) -> QuerySet[Subscription]:
    """What a partner sees of a customer's subscriptions: those it sold, or is the reseller of record of."""
    partner = relationship.partner_id
    return (
        scoped(Subscription.objects, Q(partner=partner) | Q(reseller=partner), customer=relationship.customer_id)
        .select_related("offer", "partner_of_record", "support_contact", "partner", "upgraded_to")
        .order_by("-created_at", "-id")
    )


def subscription_table_rows(*, relationship: CustomerRelationship) -> QuerySet[Subscription]:
    """`visible_subscriptions` with only the related rows the customer page's table shows (offer, partner of
    record, support contact): the partner and the upgrade are two more model instances per row that it never
    reads."""
    return (
        visible_subscriptions(relationship=relationship)
        .select_related(None)
        .select_related("offer", "partner_of_record", "support_contact")
    )


def partner_subscriptions(*, partner: Organization, status: str = "") -> QuerySet[Subscription]:
    """Every subscription the partner sees, across its customers: what `visible_subscriptions` shows on each
    customer's page (sold by it, or it is the reseller of record), for the customers it has an active
    relationship with."""
    related = CustomerRelationship.objects.filter(
        partner=partner, customer=OuterRef("customer"), status=CustomerRelationship.Status.ACTIVE
    )
    subscriptions = (
        scoped(Subscription.objects, Q(partner=partner) | Q(reseller=partner))
        .filter(Exists(related))
        .select_related("offer", "partner_of_record", "support_contact", "partner", "upgraded_to")
    )
    if status:
        subscriptions = subscriptions.filter(status=status)
    return subscriptions.order_by("-created_at", "-id")


def partner_subscription_get(*, partner: Organization, public_id: str | uuid.UUID) -> Subscription:
    """One subscription the partner sees (`partner_subscriptions`), by its subscription ID, or 404."""
    return get_object_or_404(partner_subscriptions(partner=partner).select_related("customer"), public_id=public_id)


def alignable_subscriptions(*, customer: Organization) -> list[Subscription]:
    """The customer's active subscriptions a new one may be aligned to end with (co-terminosity)."""
    return list(
        scoped(Subscription.objects, customer=customer)
        .filter(status=Subscription.Status.ACTIVE, term_end__gte=timezone.localdate())
        .select_related("offer")
        .order_by("term_end", "pk")[:50]
    )


def upgraded_from(*, subscription: Subscription) -> Subscription | None:
    """The subscription this one replaced by an upgrade, if any (its parties are this one's)."""
    return Subscription.objects.filter(upgraded_to=subscription).select_related("offer").first()


def subscription_role(*, subscription: Subscription, organization: Organization) -> str | None:
    """ "seller" for the partner that sold the subscription, "reseller" for its reseller of record, else None."""
    if subscription.partner_id == organization.pk:
        return "seller"
    if subscription.reseller_id is not None and subscription.reseller_id == organization.pk:
        return "reseller"
    return None


def may_manage_subscription(*, subscription: Subscription, organization: Organization) -> bool:
    """The partner that sold a subscription manages it; so does its reseller of record, within the same rules,
    for the quantity, friendly name, auto-renew, scheduled changes and cancellation (the services check)."""
    return subscription_role(subscription=subscription, organization=organization) is not None


@rls.elevated("support-contact-details")  # the contact details a partner gave at enrolment, for its customers
def support_contact_details(subscriptions: list[Subscription]) -> dict[int, dict[str, str]]:
    """The support email and phone each designated support contact gave at enrolment (its most recent open
    enrolment), by organization: what the customer's subscriptions table shows."""
    pks = {subscription.support_contact_id for subscription in subscriptions if subscription.support_contact_id}
    details: dict[int, dict[str, str]] = {}
    enrollments = (
        ProgramEnrollment.objects.open()
        .filter(organization__in=pks)
        .order_by("organization", "-pk")
        .values_list("organization", "support_email", "support_phone")
    )
    for organization, email, phone in enrollments:
        details.setdefault(organization, {"email": email, "phone": str(phone or "")})
    return details


def order_list(*, partner: Organization, customer_pk: int | None = None) -> QuerySet[Order]:
    """The orders the partner placed, newest first, with their lines (offer, partner of record, subscription)."""
    lines = OrderLine.objects.select_related("offer", "partner_of_record", "subscription").order_by("line_number")
    orders = (
        scoped(Order.objects, partner=partner)
        .select_related("customer")
        .prefetch_related(Prefetch("lines", queryset=lines))
    )
    if customer_pk is not None:
        orders = orders.filter(customer=customer_pk)
    return orders.order_by("-number")


def order_get(*, partner: Organization, pk: int) -> Order:
    return get_object_or_404(order_list(partner=partner), pk=pk)


def customer_subscriptions(*, customer: Organization) -> QuerySet[Subscription]:
    """The customer's subscriptions, newest first (its Partner relationships page)."""
    return (
        scoped(Subscription.objects, customer=customer)
        .select_related("offer", "partner", "partner_of_record", "support_contact")
        .order_by("-created_at", "-id")
    )


def subscription_get(*, relationship: CustomerRelationship, public_id: str | uuid.UUID) -> Subscription:
    subscriptions = visible_subscriptions(relationship=relationship).select_related("order")
    return get_object_or_404(subscriptions, public_id=public_id)


def agreement_acceptances(*, customer: Organization) -> QuerySet[CustomerAgreementAcceptance]:
    return (
        scoped(CustomerAgreementAcceptance.objects, customer=customer)
        .select_related("version", "partner")
        .order_by("-created_at", "-id")
    )


def invitation_list(*, sender: Organization) -> QuerySet[CustomerInvitation]:
    return (
        scoped(CustomerInvitation.objects, sent_by=sender)
        .select_related("partner", "reseller", "customer")
        .order_by("-created_at")
    )


def invitation_of_sender(*, sender: Organization, pk: int) -> CustomerInvitation:
    return get_object_or_404(
        scoped(CustomerInvitation.objects.select_related("partner", "reseller"), sent_by=sender), pk=pk
    )


def invitation_by_token(*, token: str) -> CustomerInvitation | None:
    return CustomerInvitation.objects.select_related("partner", "reseller", "sent_by").from_link(token).first()


def customer_counts_by_reseller(*, provider: Organization, reseller_pks: list[int]) -> dict[int, int]:
    """How many of the provider's customers each reseller is associated with (one query)."""
    rows = (
        CustomerRelationship.objects.filter(
            partner=provider, reseller__in=reseller_pks, status=CustomerRelationship.Status.ACTIVE
        )
        .values("reseller")
        .annotate(n=Count("pk"))
    )
    return {row["reseller"]: row["n"] for row in rows}


def _active_subscriptions(*, partner: int | OuterRef, customer: int | OuterRef) -> QuerySet[Subscription]:
    return Subscription.objects.filter(
        Q(partner=partner) | Q(reseller=partner), customer=customer, status=Subscription.Status.ACTIVE
    )


def has_active_subscriptions(*, relationship: CustomerRelationship) -> bool:
    """Whether a subscription the partner sold (or resells) is still active: the relationship can't end yet."""
    return _active_subscriptions(partner=relationship.partner_id, customer=relationship.customer_id).exists()
