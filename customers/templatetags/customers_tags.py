"""Customer facts shown on the lower apps' pages (their templates load this; their code never imports us)."""

from django import template

from customers import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def reseller_customer_counts(context, page) -> dict[int, int]:
    """{reseller id: customers the acting provider associated with it}, for one page of resellers (one query)."""
    provider = context["request"].organization
    return selectors.customer_counts_by_reseller(
        provider=provider, reseller_pks=[relationship.reseller_id for relationship in page]
    )


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key, 0)


@register.simple_tag
def support_contact_details(subscriptions) -> dict[int, dict[str, str]]:
    """{organization id: {"email", "phone"}}: what each designated support contact gave at enrolment, for the
    customer's subscriptions table (one query)."""
    return selectors.support_contact_details(list(subscriptions))
