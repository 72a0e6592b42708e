"""How the API isolation sweep (test_isolation_sweep.py) fills an operation with the other tenant's ids.

Everything comes from the OpenAPI document: the routes, their path parameters (and whether each is a UUID or a
number), their query filters and their request bodies. The only thing named here is which object of a tenant a
path segment or a field stands for (`OBJECTS`): a small dict to extend when a resource is added. A segment it
doesn't know is filled with every object of the other tenant whose id has the parameter's form, so a new route
is swept even before anyone adds it here (the test prints the segments it guessed for).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from customers.models import Order, Subscription
from enrollment.models import PartnerId
from tests.security.world import Tenant

# path segment, query parameter or body field (without `_id`) -> the tenant's object it names
OBJECTS: dict[str, str] = {
    "customers": "customer",
    "customer": "customer",
    "orders": "order",
    "order": "order",
    "subscriptions": "subscription",
    "subscription": "subscription",
    "customer-invitations": "customer_invitation",
    "relationships": "partnership",
    "relationship": "partnership",
    "partnership-invitations": "partnership_invitation",
    "invitation": "partnership_invitation",
    "partner-ids": "partner_id",
    "partner_id": "partner_id",
    "notifications": "notification",
    "users": "membership",
    "reseller": "reseller",
    "provider": "provider",
    "partner": "provider",
    "organization": "provider",
    "tenant": "provider",
    "api-clients": "api_client",
    "webhooks": "webhook_endpoint",
    "webhook-endpoints": "webhook_endpoint",
    "endpoints": "webhook_endpoint",
    "admin-relationships": "admin_relationship",  # access/
    "transfers": "transfer",
    "transfer": "transfer",
    "accounts": "billing_profile",  # billing: accounts receivable
    "invoices": "invoice",  # billing
    "invoice": "invoice",
}
# Routes whose purpose is to answer about another organization's object: only "no 5xx, no private field" holds.
CROSS_TENANT_BY_DESIGN = {
    "/api/v1/partner-ids/{number}/status": "the partner-ID lookup answers about any partner's ID (issue 17 §2)",
}
# Fields a tampering body sets to the other tenant's ids beside the operation's own.
TAMPER_FIELDS = ("organization", "organization_id", "partner", "partner_id", "provider", "reseller", "reseller_id",
                 "customer", "customer_id", "tenant_id", "subscription", "order", "relationship", "id")  # fmt: skip
_UUID_ATTRIBUTES = ("tenant_id", "public_id", "uuid")


def complete(tenant: Tenant) -> Tenant:
    """The world's objects, plus those the API names that the page sweep didn't need."""
    customer = tenant.objects["customer"]
    tenant.objects.setdefault("order", Order.objects.filter(customer=customer).order_by("pk").first())
    tenant.objects.setdefault("partner_id", PartnerId.objects.filter(organization=tenant.provider).first())
    tenant.objects.setdefault("reseller", tenant.reseller)
    tenant.objects.setdefault("provider", tenant.provider)
    from billing.models import BillingProfile

    tenant.objects.setdefault(
        "billing_profile", BillingProfile.objects.filter(issuer=tenant.provider, recipient=tenant.reseller).first()
    )
    return tenant


def id_forms(obj: Any) -> dict[str, str]:
    """{"uuid": ..., "integer": ..., "number": ...} as far as the object has them."""
    forms: dict[str, str] = {}
    if obj is None:
        return forms
    for attribute in _UUID_ATTRIBUTES:
        value = getattr(obj, attribute, None)
        if isinstance(value, uuid.UUID):
            forms["uuid"] = str(value)
            break
    if getattr(obj, "pk", None) is not None:
        forms["integer"] = str(obj.pk)
    if isinstance(getattr(obj, "number", None), int):
        forms["number"] = str(obj.number)
    return forms


def form_of(schema: dict) -> str:
    """What kind of id a parameter's schema asks for."""
    if schema.get("format") == "uuid":
        return "uuid"
    if schema.get("type") == "integer" or "integer" in (schema.get("type") or []):
        return "integer"
    return "any"


def values(tenant: Tenant, what: str | None, form: str) -> list[str]:
    """The tenant's id(s) for `what` (None: every object it has) in the form a parameter asks for."""
    objects = [tenant.objects.get(what)] if what else list(tenant.objects.values())
    found: list[str] = []
    for obj in objects:
        forms = id_forms(obj)
        if what == "partner_id" and "number" in forms:  # a partner ID is named by its number
            forms = {"integer": forms["number"], "any": forms["number"]}
        chosen = forms.get(form) or (forms.get("uuid") or forms.get("integer") if form == "any" else None)
        if chosen and chosen not in found:
            found.append(chosen)
    return found


def segment_before(path: str, name: str) -> str:
    parts = path.strip("/").split("/")
    index = parts.index("{" + name + "}")
    return parts[index - 1] if index else ""


def object_for(path: str, name: str) -> str | None:
    """Which object a path parameter names: by the segment before it, else by its own name."""
    segment = segment_before(path, name)
    return OBJECTS.get(segment) or OBJECTS.get(name.removesuffix("_id")) or OBJECTS.get(name)


def field_object(name: str) -> str | None:
    return OBJECTS.get(name) or OBJECTS.get(name.removesuffix("_id"))


def resolve(doc: dict, node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = doc["components"][kind][name]
    return node


def parameters(doc: dict, path_item: dict, operation: dict, where: str) -> list[dict]:
    listed = [resolve(doc, p) for p in path_item.get("parameters", []) + operation.get("parameters", [])]
    return [p for p in listed if p.get("in") == where]


def fill(path: str, given: dict[str, str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: given[m.group(1)], path)


def sample(doc: dict, schema: Any, name: str, other: Tenant, depth: int = 0) -> Any:
    """A plausible value for a body field; a field naming an object gets the other tenant's id."""
    schema = resolve(doc, schema) or {}
    for combinator in ("allOf", "oneOf", "anyOf"):
        if combinator in schema:
            options = [resolve(doc, s) for s in schema[combinator]]
            options = [s for s in options if s.get("type") != "null"] or options
            return sample(doc, options[0], name, other, depth)
    what = field_object(name)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if what and kind in ("string", "integer", None):
        found = values(other, what, form_of(schema))
        if found:
            return int(found[0]) if kind == "integer" else found[0]
    if "enum" in schema:
        return next((value for value in schema["enum"] if value is not None), None)
    if kind == "object" or "properties" in schema:
        if depth > 3:  # noqa: PLR2004
            return {}
        return {key: sample(doc, sub, key, other, depth + 1) for key, sub in schema.get("properties", {}).items()
                if not resolve(doc, sub).get("readOnly")}  # fmt: skip
    if kind == "array":
        return [sample(doc, schema.get("items", {}), name, other, depth + 1)]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    return {
        "email": "sweep@example.com", "uuid": str(uuid.uuid4()), "date": "2026-12-01", "date-time":
        "2026-12-01T00:00:00Z", "uri": "https://example.com/", "ipv4": "192.0.2.1",
    }.get(schema.get("format", ""), "sweep")  # fmt: skip


def bodies(doc: dict, operation: dict, other: Tenant) -> list[dict]:
    """The operation's body with its object fields set to the other tenant's ids, and with tampering fields."""
    content = resolve(doc, operation.get("requestBody", {})).get("content", {})
    schema = next((media["schema"] for kind, media in content.items() if "json" in kind), None)
    base = sample(doc, schema, "", other) if schema is not None else {}
    if not isinstance(base, dict):
        return [base]
    tampered = dict(base)
    for field in TAMPER_FIELDS:
        found = values(other, field_object(field), "uuid") or values(other, field_object(field), "integer")
        tampered.setdefault(field, found[0] if found else "0")
    return [base, tampered]


def identifiers(tenant: Tenant) -> set[str]:
    """What names a tenant's objects in a response: every canary of its text fields is searched separately;
    these are its UUIDs (organizations' tenant IDs, subscriptions' IDs) and partner ID numbers."""
    found = {str(org.tenant_id) for org in tenant.organizations()}
    found |= {str(pid) for pid in Subscription.objects.filter(customer__in=tenant.customers)
              .values_list("public_id", flat=True)}  # fmt: skip
    found |= {str(n) for n in PartnerId.objects.filter(organization__in=[tenant.provider, tenant.reseller])
              .values_list("number", flat=True)}  # fmt: skip
    return found
