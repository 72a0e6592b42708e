"""The API endpoints a bench run measures, in one table: each a GET as one principal's API client (a bearer token
from the real token endpoint), scored like the pages against the one-query ceiling in the same round.

To measure an endpoint, its row must say `on=True`. A row with `on=False` names a route that does not exist yet
("needs route"): once it does, flip that row's `on` and nothing else — no reseed is needed, the seed's manifest
already has each principal's API client and the facts the paths use (`{search_term}`, `{reseller_id}`, …).

An enabled endpoint must answer the 200 JSON asked for (a list: with at least one item). Anything else — a 404
(the route is missing), a 401/403 (token, roles), a 429 (the budget), a redirect, a problem document — stops the
run naming the endpoint, the URL and the status; nothing is ever skipped or counted as throughput.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import quote

from bench.load import client
from bench.load.endpoints import Endpoint
from bench.load.stack import log

JSON = "application/json"
DEEP_PAGE_FOLLOWS = 39  # as the pages' whale deep page: 39 `next` links from the first page


@dataclass(frozen=True)
class ApiEndpoint:
    name: str
    principal: str  # "provider" (a normal provider), "whale" (the largest tenant) or "reseller"
    path: str  # may use the manifest's api.facts (URL-quoted): {search_term}, {reseller_id} (its organization's
    # id), {reseller_tenant_id}, {reseller_partner_id} (its location partner ID)
    on: bool = True  # False: the route does not exist yet ("needs route"); flip it to measure
    lists: bool = False  # a cursor-paged list: `{"items": [...], "next": ...}` with at least one item
    follow_next: int = 0  # follow the JSON `next` link this many times (a deep page)
    page: str = ""  # the manifest's page that shows the same list: the report puts their ratios side by side


# fmt: off
API_ENDPOINTS: list[ApiEndpoint] = [
    ApiEndpoint("api_organization", "provider", "/api/v1/organization"),
    # customers: cursor pagination, ?q= search, ?reseller= filter (the reseller's organization id)
    ApiEndpoint("api_customer_list", "provider", "/api/v1/customers", lists=True, page="customer_list"),
    ApiEndpoint("api_customer_list_whale", "whale", "/api/v1/customers", lists=True,
                page="customer_list_whale"),
    ApiEndpoint("api_customer_list_whale_deep", "whale", "/api/v1/customers", lists=True,
                follow_next=DEEP_PAGE_FOLLOWS, page="customer_list_whale_deep"),
    ApiEndpoint("api_customer_search", "provider", "/api/v1/customers?q={search_term}", lists=True,
                page="customer_search"),
    ApiEndpoint("api_customer_list_by_reseller", "provider", "/api/v1/customers?reseller={reseller_id}",
                lists=True),
    ApiEndpoint("api_customer_list_reseller", "reseller", "/api/v1/customers", lists=True),
    ApiEndpoint("api_subscription_list", "provider", "/api/v1/subscriptions", lists=True),
    ApiEndpoint("api_order_list", "provider", "/api/v1/orders", lists=True),
    ApiEndpoint("api_indirect_resellers", "provider", "/api/v1/relationships?type=indirect-resellers",
                lists=True, page="reseller_list"),
]
# fmt: on


def by_name() -> dict[str, ApiEndpoint]:
    return {spec.name: spec for spec in API_ENDPOINTS}


def chosen(only_endpoints: list[str] | None) -> list[ApiEndpoint]:
    """The enabled rows (those named by --endpoints, when given). Naming a row that needs its route is an error."""
    only = set(only_endpoints or [])
    off = sorted(name for name in only if name in by_name() and not by_name()[name].on)
    if off:
        raise RuntimeError(f"{', '.join(off)}: needs route (on=False in bench/load/api_endpoints.py); "
                           "flip its `on` once the route exists")  # fmt: skip
    return [spec for spec in API_ENDPOINTS if spec.on and (not only or spec.name in only)]


def callers(manifest: dict, specs: list[ApiEndpoint]) -> dict[str, client.ApiCaller]:
    """The seeded API client of each principal these endpoints use (credentials from the manifest)."""
    clients = (manifest.get("api") or {}).get("clients") or {}
    out = {}
    for name in sorted({spec.principal for spec in specs}):
        seeded = clients.get(name)
        if not seeded:
            raise RuntimeError(f"the manifest has no API client for {name}: seeded before the API; run with --reseed")
        out[name] = client.ApiCaller(name, seeded["client_id"], seeded["client_secret"], seeded.get("organization_id"))
    return out


def resolve_api(
    port: int, manifest: dict, warnings: list[str], only_endpoints: list[str] | None
) -> tuple[list[Endpoint], dict[str, client.ApiCaller]]:
    """The enabled API endpoints, each asked once with a fresh token: the 200 JSON asked for, or the run stops."""
    specs = chosen(only_endpoints)
    api = manifest.get("api") or {}
    facts = api.get("facts") or {}
    tokens = callers(manifest, specs)
    for caller in tokens.values():
        started = time.monotonic()
        caller.fetch_token(port)
        log(f"API client of {caller.name} ({caller.client_id}): token from {client.TOKEN_PATH} (client credentials, "
            f"HTTP Basic) in {time.monotonic() - started:.2f}s, lives {caller.lifetime}s")  # fmt: skip
    endpoints = []
    for spec in specs:
        caller = tokens[spec.principal]
        try:
            path = spec.path.format(**{key: quote(str(value), safe="") for key, value in facts.items()})
        except KeyError as missing:
            raise RuntimeError(f"{spec.name}: the manifest's api.facts has no {missing}: run with --reseed") from None
        if spec.follow_next:
            path = follow_next(port, caller, spec, path, warnings)
        endpoint = Endpoint(spec.name, principal=None, path=path, port=port, api=caller, content_type=JSON,
                            page=spec.page or None)  # fmt: skip
        response = caller.get(port, path)
        endpoint.status, endpoint.bytes = response.status, len(response.body)
        check_answer(spec, path, response)
        endpoint.rate_limit = response.headers.get("RateLimit-Limit")
        expected_limit = api.get("requests_per_minute")
        if expected_limit and endpoint.rate_limit != str(expected_limit):
            raise RuntimeError(
                f"{spec.name}: RateLimit-Limit {endpoint.rate_limit!r}, not the bench tenants' {expected_limit}/min "
                "(staff's ApiLimit row, seeded): the budget would answer 429 under load"
            )
        endpoints.append(endpoint)
        log(f"{spec.name}: GET {path} as {spec.principal}'s API client → {response.status} "
            f"{client.content_type(response)}, RateLimit-Limit {endpoint.rate_limit}")  # fmt: skip
    return endpoints, tokens


def check_answer(spec: ApiEndpoint, path: str, response: client.Response) -> dict:
    """The 200 JSON asked for (a list with items), or raise naming the endpoint, URL and status."""
    if response.status == 404:
        raise client.UnexpectedResponse(
            f"{spec.name} (before the run: the route is missing, or the tenant's data is; an enabled endpoint must "
            "exist — set on=False in bench/load/api_endpoints.py only if the route really is not there)",
            "GET", path, 404, client.content_type(response),
        )  # fmt: skip
    if response.status != 200 or not client.content_type(response).startswith(JSON):
        raise client.UnexpectedResponse(f"{spec.name} (before the run; {client.content_type(response)}: "
                                        f"{response.text[:200]})", "GET", path, response.status,
                                        response.location)  # fmt: skip
    try:
        body = json.loads(response.body)
    except ValueError:
        raise client.UnexpectedResponse(f"{spec.name} (before the run: 200 but not JSON)", "GET", path, 200) from None
    if spec.lists and not (isinstance(body, dict) and isinstance(body.get("items"), list) and body["items"]):
        raise client.UnexpectedResponse(f"{spec.name} (before the run: a list with no items, the seeded tenant has "
                                        f"some; keys {sorted(body) if isinstance(body, dict) else type(body)})",
                                        "GET", path, 200)  # fmt: skip
    return body


def follow_next(port: int, caller: client.ApiCaller, spec: ApiEndpoint, path: str, warnings: list[str]) -> str:
    current = path
    for hop in range(spec.follow_next):
        body = check_answer(spec, current, caller.get(port, current))
        following = body.get("next")
        if not following:
            warnings.append(f"{spec.name}: only {hop} next links from {path} (wanted {spec.follow_next}); "
                            f"measuring {current}")  # fmt: skip
            log(f"WARNING: {warnings[-1]}")
            return current
        current = client.api_path(following)
    return current
