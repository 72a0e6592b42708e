"""The bench's API path, quickly, against a live server: a seeded-like client gets its token at the real token
endpoint and the JSON asked for; an enabled endpoint that answers 404, a budget that would refuse the load, a
row that still needs its route and a token that would expire mid-run each stop the run instead of being measured
or skipped."""

from __future__ import annotations

import json

import pytest

from api.services import api_client_create
from bench.load import api_endpoints, client
from bench.load.api_endpoints import ApiEndpoint, resolve_api
from partnerhub.accounts.models import Role


@pytest.fixture
def port(live_server) -> int:
    return int(live_server.url.rsplit(":", 1)[1])


@pytest.fixture
def manifest(admin_member) -> dict:
    """What seed_bench writes for the API: the provider principal's client and the budget's figure."""
    made, secret = api_client_create(
        organization=admin_member.organization, actor=admin_member.user, name="Bench", roles=[Role.GLOBAL_ADMIN]
    )
    return {"api": {"clients": {"provider": {"client_id": made.client_id, "client_secret": secret,
                                             "organization_id": admin_member.organization_id}},
                    "requests_per_minute": None, "facts": {}}}  # fmt: skip


def table(monkeypatch, *rows: ApiEndpoint) -> None:
    monkeypatch.setattr(api_endpoints, "API_ENDPOINTS", list(rows))


def test_the_client_gets_a_token_and_only_a_200_json_is_the_answer_asked_for(port, manifest, monkeypatch):
    table(monkeypatch, ApiEndpoint("api_organization", "provider", "/api/v1/organization"))

    endpoints, callers = resolve_api(port, manifest, [], None)

    (endpoint,) = endpoints
    assert callers["provider"].tokens_fetched == 1
    assert endpoint.status == 200
    request = endpoint.request()
    assert request.headers["Authorization"] == f"Bearer {callers['provider'].token}"
    answer = client.fetch(port, "GET", request.path, headers=request.headers)
    assert json.loads(answer.body)["id"] == manifest["api"]["clients"]["provider"]["organization_id"]
    assert endpoint.accepts(200, "", "application/json")
    assert not endpoint.accepts(200, "", "text/html; charset=utf-8")  # a page where JSON was asked for
    assert not endpoint.accepts(401, "", "application/problem+json")
    assert not endpoint.accepts(302, "/accounts/login/", "")
    unauthenticated = client.fetch(port, "GET", request.path)
    assert not endpoint.accepts(unauthenticated.status, "", client.content_type(unauthenticated))


def test_an_enabled_endpoint_that_answers_404_stops_the_run(port, manifest, monkeypatch):
    table(monkeypatch, ApiEndpoint("api_nowhere", "provider", "/api/v1/nowhere"))

    with pytest.raises(client.UnexpectedResponse, match="route is missing") as raised:
        resolve_api(port, manifest, [], None)
    assert (raised.value.path, raised.value.status) == ("/api/v1/nowhere", 404)


def test_a_budget_that_would_refuse_the_load_stops_the_run(port, manifest, monkeypatch):
    """The seed gives the bench organizations staff's high limit; an organization on the default is refused."""
    table(monkeypatch, ApiEndpoint("api_organization", "provider", "/api/v1/organization"))
    manifest["api"]["requests_per_minute"] = 100_000_000

    with pytest.raises(RuntimeError, match="the budget would answer 429"):
        resolve_api(port, manifest, [], None)


def test_a_row_that_needs_its_route_cannot_be_asked_for_and_is_not_measured(monkeypatch):
    table(
        monkeypatch,
        ApiEndpoint("api_organization", "provider", "/api/v1/organization"),
        ApiEndpoint("api_later", "provider", "/api/v1/later", on=False),
    )

    assert [spec.name for spec in api_endpoints.chosen(None)] == ["api_organization"]
    with pytest.raises(RuntimeError, match="api_later: needs route"):
        api_endpoints.chosen(["api_later"])


def test_a_token_is_renewed_before_it_expires_and_one_too_short_for_a_wrk_run_is_refused(monkeypatch):
    clock = {"now": 1000.0}
    issued = []
    monkeypatch.setattr(client.time, "monotonic", lambda: clock["now"])

    def token_endpoint(port, method, path, **kwargs):
        issued.append(path)
        body = json.dumps({"access_token": f"t{len(issued)}", "token_type": "Bearer", "expires_in": 900}).encode()
        return client.Response(200, _headers(), body)

    monkeypatch.setattr(client, "fetch", token_endpoint)
    caller = client.ApiCaller("provider", "id", "secret")

    assert caller.ensure(1, 20) == "Bearer t1"
    clock["now"] += 850  # 50 s left: enough for a 20 s run and its 30 s margin, not for a 60 s one
    assert caller.ensure(1, 20) == "Bearer t1"
    assert caller.ensure(1, 60) == "Bearer t2"
    with pytest.raises(client.TokenError, match="tokens live 900 s"):
        caller.ensure(1, 1200)
    assert caller.ensure(1, 1200, strict=False) == "Bearer t4"  # one by one: the next token comes when needed
    assert issued == [client.TOKEN_PATH] * 4  # t3 was fetched, then found too short


def _headers():
    import email.message

    return email.message.Message()


class _Pages:
    """A stand-in for an API client walking a cursor-paged list: page n links to page n + 1, up to `last`."""

    def __init__(self, last: int, items: bool = True) -> None:
        self.last, self.items, self.asked = last, items, []

    def get(self, port: int, path: str) -> client.Response:
        self.asked.append(path)
        page = int(path.rsplit("=", 1)[1]) if "cursor=" in path else 1
        following = f"http://127.0.0.1:{port}/api/v1/things?cursor={page + 1}" if page < self.last else None
        body = {"items": [{"id": page}] if self.items else [], "next": following, "previous": None}
        headers = _headers()
        headers["Content-Type"] = "application/json"
        return client.Response(200, headers, json.dumps(body).encode())


def test_a_deep_page_follows_the_json_next_links_and_says_when_there_are_fewer():
    spec = ApiEndpoint("api_things_deep", "provider", "/api/v1/things", lists=True, follow_next=3)
    warnings: list[str] = []

    assert api_endpoints.follow_next(8000, _Pages(last=10), spec, "/api/v1/things", warnings) == (
        "/api/v1/things?cursor=4"
    )
    assert warnings == []
    assert api_endpoints.follow_next(8000, _Pages(last=2), spec, "/api/v1/things", warnings) == (
        "/api/v1/things?cursor=2"
    )
    assert warnings == ["api_things_deep: only 1 next links from /api/v1/things (wanted 3); measuring "
                        "/api/v1/things?cursor=2"]  # fmt: skip


def test_a_list_without_items_is_not_the_answer_asked_for():
    spec = ApiEndpoint("api_things", "provider", "/api/v1/things", lists=True)

    with pytest.raises(client.UnexpectedResponse, match="a list with no items"):
        api_endpoints.check_answer(spec, "/api/v1/things", _Pages(last=1, items=False).get(8000, "/api/v1/things"))
