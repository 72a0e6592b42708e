"""The URL patterns of the project as the resolver knows them, and how each is instantiated with a tenant's
objects (for the sweep: B's)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.urls import URLPattern, URLResolver, get_resolver

from partnerhub.core.invitations import hash_token

# Patterns mounted by third-party apps, and the REST API (its own callers and tests); the matrix covers each mount
# with one explicit rule.
THIRD_PARTY_PREFIXES = ("admin/", "accounts/", "api/")


def resolver_patterns(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "") -> Iterator[str]:
    """Every URL pattern's full route string, walking includes recursively."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            yield from resolver_patterns(pattern, prefix + str(pattern.pattern), inner or namespace)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _pk(what: str) -> Callable:
    return lambda tenant: tenant.objects[what].pk


def _hash(what: str) -> Callable:
    """A token pattern is probed with the stored SHA-256 of the tenant's token: what a database leak would give
    an attacker. The token itself is a bearer capability (reliability.md §7.4 tests it: one email, one use)."""
    return lambda tenant: hash_token(tenant.objects[what]) if what in tenant.objects else "0" * 64


def _billing_profile(tenant) -> int:
    from billing.models import BillingProfile

    return BillingProfile.objects.get(issuer=tenant.provider, recipient=tenant.reseller).pk


# route -> how to fill its parameters from a tenant's objects. Every project pattern with a parameter is here
# (test_authz_matrix checks it), so a new id-taking URL cannot be left out of the sweep.
OBJECT_PARAMETERS: dict[str, dict[str, Callable]] = {
    "settings/users/<int:pk>/": {"pk": _pk("membership")},
    "settings/users/<int:pk>/remove/": {"pk": _pk("membership")},
    "settings/users/invitations/<int:pk>/resend/": {"pk": _pk("user_invitation")},
    "settings/users/invitations/<int:pk>/revoke/": {"pk": _pk("user_invitation")},
    "invitations/<str:token>/": {"token": _hash("user_invitation_token")},
    # A signed claim, stored nowhere: probed with a forged one (the signature is what the test of the link checks).
    "account/recovery-email/<str:token>/": {"token": lambda t: f"{t.users['customer'].pk}:forged:signature"},
    "settings/legal/<int:pk>/update/": {"pk": _pk("enrollment")},
    "settings/legal/<int:pk>/resend-email/": {"pk": _pk("enrollment")},
    "settings/legal/<int:pk>/support-plan/": {"pk": _pk("enrollment")},
    "settings/legal/<int:pk>/transition/": {"pk": _pk("enrollment")},
    "settings/legal/cases/<int:pk>/fix/": {"pk": _pk("case")},
    "settings/legal/documents/<int:pk>/": {"pk": _pk("document")},
    "verify-contact/<str:token>/": {"token": _hash("contact_token")},
    "settings/agreements/acceptances/<int:pk>/": {"pk": _pk("acceptance")},
    "directory/<int:pk>/logo/": {"pk": _pk("listing")},
    "partners/resellers/<int:pk>/remove/": {"pk": _pk("partnership")},
    "partners/resellers/invitations/<int:pk>/draft/": {"pk": _pk("partnership_invitation")},
    "partners/resellers/invitations/<int:pk>/resend/": {"pk": _pk("partnership_invitation")},
    "partners/resellers/invitations/<int:pk>/revoke/": {"pk": _pk("partnership_invitation")},
    "partners/providers/<int:pk>/remove/": {"pk": _pk("partnership")},
    "partners/providers/<int:pk>/admin-access/": {"pk": _pk("partnership")},
    "partnership/<str:token>/": {"token": _hash("partnership_token")},
    "customers/invitations/<int:pk>/draft/": {"pk": _pk("customer_invitation")},
    "customers/invitations/<int:pk>/resend/": {"pk": _pk("customer_invitation")},
    "customers/invitations/<int:pk>/revoke/": {"pk": _pk("customer_invitation")},
    "customers/<uuid:tenant_id>/": {"tenant_id": lambda t: t.objects["customer"].tenant_id},
    "customers/<uuid:tenant_id>/agreement/": {"tenant_id": lambda t: t.objects["customer"].tenant_id},
    "customers/<uuid:tenant_id>/subscriptions/new/": {"tenant_id": lambda t: t.objects["customer"].tenant_id},
    "customers/<uuid:tenant_id>/subscriptions/export/": {"tenant_id": lambda t: t.objects["customer"].tenant_id},
    "customers/<uuid:tenant_id>/subscriptions/<uuid:public_id>/": {
        "tenant_id": lambda t: t.objects["customer"].tenant_id,
        "public_id": lambda t: t.objects["subscription"].public_id,
    },
    "customers/<uuid:tenant_id>/remove/": {"tenant_id": lambda t: t.objects["customer"].tenant_id},
    "customers/<uuid:tenant_id>/users/": {"tenant_id": lambda t: t.objects["customer"].tenant_id},
    "customers/<uuid:tenant_id>/users/<int:pk>/reset-password/": {
        "tenant_id": lambda t: t.objects["customer"].tenant_id,
        "pk": lambda t: t.users["customer"].pk,
    },
    "partners/providers/<int:pk>/customers/": {"pk": _pk("partnership")},
    "customer/partners/<int:pk>/remove-roles/": {"pk": _pk("customer_relationship")},
    # admin relationships (access/)
    "customers/<uuid:tenant_id>/admin-relationships/": {"tenant_id": lambda t: t.objects["customer"].tenant_id},
    "customers/<uuid:tenant_id>/admin-relationships/new/": {"tenant_id": lambda t: t.objects["customer"].tenant_id},
    "customers/<uuid:tenant_id>/admin-relationships/<uuid:public_id>/": {
        "tenant_id": lambda t: t.objects["customer"].tenant_id,
        "public_id": lambda t: t.objects["admin_relationship"].public_id,
    },
    "customers/<uuid:tenant_id>/users/new/": {"tenant_id": lambda t: t.objects["customer"].tenant_id},
    "customers/<uuid:tenant_id>/users/<int:pk>/licences/": {
        "tenant_id": lambda t: t.objects["customer"].tenant_id,
        "pk": lambda t: t.users["customer"].pk,
    },
    "customers/<uuid:tenant_id>/account-subscriptions/": {"tenant_id": lambda t: t.objects["customer"].tenant_id},
    "customer/admin-relationships/<uuid:public_id>/": {
        "public_id": lambda t: t.objects["admin_relationship"].public_id
    },
    "admin-relationship-approval/<str:token>/": {"token": _hash("admin_relationship_token")},
    "customer-invitation/<str:token>/": {"token": _hash("customer_invitation_token")},
    "notifications/<int:pk>/open/": {"pk": _pk("notification")},
    "settings/api/<int:pk>/": {"pk": _pk("api_client")},
    "settings/api/<int:pk>/created/": {"pk": _pk("api_client")},
    "settings/api/<int:pk>/revoke/": {"pk": _pk("api_client")},
    "exports/<uuid:public_id>/": {"public_id": lambda t: t.objects["export_job"].public_id},
    "exports/<uuid:public_id>/download/": {"public_id": lambda t: t.objects["export_job"].public_id},
    "settings/api/webhooks/<int:pk>/": {"pk": _pk("webhook_endpoint")},
    "settings/api/webhooks/<int:pk>/edit/": {"pk": _pk("webhook_endpoint")},
    "settings/api/webhooks/<int:pk>/delete/": {"pk": _pk("webhook_endpoint")},
    "settings/api/webhooks/<int:pk>/toggle/": {"pk": _pk("webhook_endpoint")},
    "settings/api/webhooks/<int:pk>/rotate/": {"pk": _pk("webhook_endpoint")},
    "settings/api/webhooks/<int:pk>/test/": {"pk": _pk("webhook_endpoint")},
    # billing: B's provider's account of its reseller (accounts receivable)
    "billing/accounts/<int:pk>/": {"pk": _billing_profile},
    "billing/accounts/<int:pk>/terms/": {"pk": _billing_profile},
    "billing/accounts/<int:pk>/payments/": {"pk": _billing_profile},
    "billing/accounts/<int:pk>/block/": {"pk": _billing_profile},
    "billing/accounts/<int:pk>/unblock/": {"pk": _billing_profile},
    # transfers
    "transfers/<uuid:public_id>/": {"public_id": lambda t: t.objects["transfer"].public_id},
    "transfers/<uuid:public_id>/accept/": {"public_id": lambda t: t.objects["transfer"].public_id},
    "transfers/<uuid:public_id>/decline/": {"public_id": lambda t: t.objects["transfer"].public_id},
    "transfers/<uuid:public_id>/cancel/": {"public_id": lambda t: t.objects["transfer"].public_id},
    "customers/<uuid:tenant_id>/transfer/": {"tenant_id": lambda t: t.objects["customer"].tenant_id},
    # billing: invoices
    "billing/invoices/<uuid:public_id>/": {"public_id": lambda t: t.objects["invoice"].public_id},
    "billing/invoices/<uuid:public_id>/pdf/": {"public_id": lambda t: t.objects["invoice"].public_id},
    "billing/invoices/<uuid:public_id>/reconciliation/": {"public_id": lambda t: t.objects["invoice"].public_id},
    "billing/invoices/<uuid:public_id>/credit-notes/": {"public_id": lambda t: t.objects["invoice"].public_id},
    "settings/api/webhooks/<int:pk>/deliveries/<int:delivery_pk>/redeliver/": {
        "pk": _pk("webhook_endpoint"),
        "delivery_pk": _pk("webhook_delivery"),
    },
    # the provider's admin access to a reseller's account (issue 18), and the reseller's page of a provider
    "partners/resellers/<int:pk>/account/": {"pk": _pk("partnership")},
    "partners/resellers/<int:pk>/account/users/<int:user_pk>/reset-password/": {
        "pk": _pk("partnership"),
        "user_pk": lambda t: t.users["reseller"].pk,
    },
    "partners/resellers/<int:pk>/account/invitations/<int:invitation_pk>/resend/": {
        "pk": _pk("partnership"),
        "invitation_pk": _pk("user_invitation"),
    },
    "partners/providers/<int:pk>/": {"pk": _pk("partnership")},
    # billing: B's provider's price rule and tax rate (the world's billing step)
    "billing/prices/rules/<int:pk>/delete/": {"pk": lambda t: _billing_pk("PriceRule", t)},
    "billing/prices/tax/<int:pk>/": {"pk": lambda t: _billing_pk("TaxRate", t)},
    "billing/prices/tax/<int:pk>/delete/": {"pk": lambda t: _billing_pk("TaxRate", t)},
}

# Patterns whose parameter is not a tenant's object: a choice, or a row every partner may read.
NON_TENANT_PARAMETERS: dict[str, dict[str, Callable]] = {
    "programs/csp/enroll/<str:program>/": {"program": lambda world: "indirect_reseller"},
    "settings/agreements/versions/<int:pk>/document/": {"pk": lambda world: world.mpa.pk},
    "billing/insights/<slug:chart>.csv": {"chart": lambda world: "seats"},
}


def _billing_pk(model: str, tenant) -> int:
    from django.apps import apps

    return apps.get_model("billing", model).objects.filter(issuer=tenant.provider).values_list("pk", flat=True)[0]


def fill(route: str, values: dict) -> str:
    """The path of `route` with its <converter:name> parameters replaced."""
    path = route
    for name, value in values.items():
        start = path.index("<")
        end = path.index(">", start)
        assert path[start:end].endswith(name), (route, name)
        path = path[:start] + str(value) + path[end + 1 :]
    assert "<" not in path, route
    return "/" + path


def cross_tenant_path(route: str, tenant) -> str:
    return fill(route, {name: make(tenant) for name, make in OBJECT_PARAMETERS[route].items()})


def plain_path(route: str, world) -> str:
    if route in NON_TENANT_PARAMETERS:
        return fill(route, {name: make(world) for name, make in NON_TENANT_PARAMETERS[route].items()})
    return fill(route, {})
