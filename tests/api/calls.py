"""Calling the API as a partner's system does: a client made by a Global admin, a token from the token
endpoint (client credentials over HTTP Basic), then bearer calls through Django's test client."""

from __future__ import annotations

import base64
import json
from typing import Any

from django.test import Client

from api.services import api_client_create
from partnerhub.accounts.models import Role


class Api:
    """A signed-in API caller: `api.get("/api/v1/customers")` → the response, `.json()` for the body."""

    def __init__(self, client_obj, secret: str, token: str) -> None:
        self.client = client_obj  # the ApiClient row
        self.secret = secret
        self.token = token
        self.http = Client()

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        return self.http.get(path, params or {}, headers=self._headers(headers))

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None):
        return self.http.post(path, json.dumps(body if body is not None else {}), content_type="application/json",
                              headers=self._headers(headers))  # fmt: skip

    def patch(self, path: str, body: Any = None, headers: dict[str, str] | None = None):
        return self.http.patch(path, json.dumps(body if body is not None else {}), content_type="application/json",
                               headers=self._headers(headers))  # fmt: skip

    def delete(self, path: str, headers: dict[str, str] | None = None):
        return self.http.delete(path, headers=self._headers(headers))


def request_token(client_id: str, secret: str, http: Client | None = None, **extra):
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return (http or Client()).post(
        "/api/oauth/token/", {"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}, **extra
    )


def api_for(membership, roles=(Role.GLOBAL_ADMIN,), name: str = "ERP", **options) -> Api:
    """An API caller for `membership`'s organization, created by that (Global admin) member."""
    client_obj, secret = api_client_create(
        organization=membership.organization, actor=membership.user, name=name, roles=list(roles), **options
    )
    response = request_token(client_obj.client_id, secret)
    assert response.status_code == 200, response.content
    return Api(client_obj, secret, response.json()["access_token"])


def reset_budgets() -> None:
    """Forget every request budget of this test database: a rerun within two minutes reuses the same ids."""
    from api import limits

    store = limits._redis()
    for key in store.scan_iter(f"{limits._namespace()}:*"):
        store.delete(key)
