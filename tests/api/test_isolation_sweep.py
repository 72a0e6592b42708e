"""The API's tenant-isolation sweep (issue 17, "How it is tested"): every operation of the OpenAPI document, called
by tenant A's clients of every role, with tenant B's ids in its path, its query filters and its body.

Tenants A and B are the page sweep's world (tests/security/world.py): each an active provider with a reseller
partner, customers with orders and subscriptions, invitations, notifications, every text a canary. The sweep
asserts, for every request:
- never a 5xx;
- an id of B in the path answers 404, exactly as an id that never existed; any other refusal (403 for a role,
  400 for a body) must be the same for an id that never existed, so that it says nothing about B's object;
- no 2xx shows B: none of its canaries, tenant IDs, subscription IDs or partner ID numbers;
- a write that names B's object in a documented field is refused;
- a refused write changes no row (the call log and the idempotency record, kept for every call, excepted).
The counts (operations, requests, leaks) are printed for the closing note (`-s` shows them).
"""

from __future__ import annotations

import itertools
import uuid
from collections import Counter

import pytest
from django.test import Client

from partnerhub.accounts.models import Membership, Role
from tests.api import sweep
from tests.api.calls import api_for
from tests.api.openapi import document, operations
from tests.security.world import build_world, leaks

pytestmark = pytest.mark.django_db(transaction=False)

ROLES = {
    "Global admin": [Role.GLOBAL_ADMIN],
    "Admin agent": [Role.ADMIN_AGENT],
    "Sales agent": [Role.SALES_AGENT],
    "Helpdesk agent": [Role.HELPDESK_AGENT],
    "Billing admin": [Role.BILLING_ADMIN],
}
# Rows every call writes, refused or not: the call log; and the answer kept for an Idempotency-Key's replay.
WRITTEN_BY_EVERY_CALL = {"api_apicall", "api_idempotencyrecord"}
NEVER = "0" * 8  # the form of an id no object has: a fresh UUID or this number


def _never(value: str) -> str:
    try:
        uuid.UUID(value)
    except ValueError:
        return "2147480000"
    return str(uuid.uuid4())


def _seat(user, organization) -> Membership:
    return Membership.objects.get(user=user, organization=organization)


class Sweep:
    def __init__(self, world, snapshot) -> None:
        self.a = sweep.complete(world.tenants["a"])
        self.b = sweep.complete(world.tenants["b"])
        self.snapshot = snapshot
        self.tables = self._tables()
        self.b_identifiers = sweep.identifiers(self.b)
        self.counts: Counter[str] = Counter()
        self.problems: list[str] = []
        self.leaks: list[str] = []
        self.guessed: set[str] = set()

    def _tables(self) -> dict:
        return {table: row for table, row in self.snapshot().items() if table not in WRITTEN_BY_EVERY_CALL}

    def send(self, api, method: str, path: str, params=None, body=None):
        self.counts["requests"] += 1
        headers = {"Authorization": f"Bearer {api.token}"}
        if method == "get":
            return api.http.get(path, params or {}, headers=headers)
        if method == "delete":
            return api.http.delete(path, headers=headers)
        headers["Idempotency-Key"] = str(uuid.uuid4())
        return getattr(api.http, method)(path, body, content_type="application/json", headers=headers)

    def shows_b(self, response, asked: str) -> list[str]:
        """B's canaries and identifiers in the body, except those the request itself carried (`asked`): a
        lookup names the id it was asked about."""
        text = response.content.decode(errors="replace")
        return leaks(text, "b", echoed=asked) + sorted(v for v in self.b_identifiers if v in text and v not in asked)

    def check(self, who: str, method: str, path: str, response, *, strict: bool, never_status: int | None,
              names_b: bool, where: str = "") -> None:  # fmt: skip
        label = f"{who}: {method.upper()} {path}{where} -> {response.status_code}"
        status = response.status_code
        if status >= 500:  # noqa: PLR2004
            self.problems.append(f"{label}: a server error")
        if 200 <= status < 300:  # noqa: PLR2004
            shown = self.shows_b(response, asked=f"{path}{where}")
            if shown:
                self.leaks.append(f"{label}: shows tenant B's {', '.join(shown[:5])}")
            elif strict or names_b:
                self.leaks.append(f"{label}: accepted tenant B's object")
        elif strict and status != 404 and status != never_status:  # noqa: PLR2004
            self.problems.append(f"{label}, but {never_status} for an id that never existed: B's object is told apart")
        if method != "get":
            tables = self._tables()
            if status >= 400 and tables != self.tables:  # noqa: PLR2004
                changed = sorted(t for t in tables if tables[t] != self.tables.get(t))
                self.problems.append(f"{label}: refused, yet rows changed in {changed}")
            self.tables = tables


def sweep_api(table_snapshot) -> tuple[Sweep, list[str]]:
    """The sweep over every operation the served document describes: (its findings, the unreachable routes)."""
    world = build_world()
    run = Sweep(world, table_snapshot)
    a, b = run.a, run.b
    admin = _seat(a.users["global_admin"], a.provider)
    admin.roles = [role for roles in ROLES.values() for role in roles]  # a client's roles are at most its creator's
    admin.save(update_fields=["roles"])
    callers = {role: api_for(admin, roles=roles, name=f"Sweep {role}") for role, roles in ROLES.items()}
    callers["Reseller's Global admin"] = api_for(_seat(a.users["reseller"], a.reseller), name="Sweep reseller")
    b.objects["api_client"] = api_for(_seat(b.users["global_admin"], b.provider), name="B's ERP").client
    for api in callers.values():
        api.http = Client(raise_request_exception=False)  # a crash is a 500 to count, not an exception
    run.tables = run._tables()
    doc = document()
    unreachable: list[str] = []

    for method, path, operation in operations(doc):
        run.counts["operations"] += 1
        item = doc["paths"][path]
        path_parameters = sweep.parameters(doc, item, operation, "path")
        by_design = path in sweep.CROSS_TENANT_BY_DESIGN
        bodies = sweep.bodies(doc, operation, b) if method in ("post", "put", "patch") else [None]
        if path_parameters:
            filled = {}  # name -> (B's values, A's values)
            for parameter in path_parameters:
                name, form = parameter["name"], sweep.form_of(parameter.get("schema", {}))
                what = sweep.object_for(path, name)
                if what is None:
                    run.guessed.add(f"{path} {{{name}}}")
                filled[name] = (sweep.values(b, what, form), sweep.values(a, what, form) if what else [])
            variants = [dict(zip(filled, combo, strict=True)) for combo in
                        itertools.product(*(theirs for theirs, _ in filled.values()))]  # fmt: skip
            if len(filled) > 1:  # one of B's inside A's own: /customers/{A's}/subscriptions/{B's}
                for name in filled:
                    ours = {other: mine[0] for other, (_, mine) in filled.items() if other != name and mine}
                    if len(ours) == len(filled) - 1:
                        variants += [{**ours, name: value} for value in filled[name][0]]
            mapped = all(sweep.object_for(path, name) for name in filled)
            if method == "get" and mapped and all(mine for _, mine in filled.values()):
                own = sweep.fill(path, {name: mine[0] for name, (_, mine) in filled.items()})
                response = run.send(callers["Global admin"], "get", own)
                if response.status_code != 200:  # noqa: PLR2004
                    unreachable.append(f"GET {own} -> {response.status_code}")
            for who, api in callers.items():
                for body in bodies:
                    never_path = sweep.fill(path, {n: _never(v[0][0]) if v[0] else NEVER for n, v in filled.items()})
                    never_status = run.send(api, method, never_path, body=body).status_code
                    for variant in variants:
                        target = sweep.fill(path, variant)
                        response = run.send(api, method, target, body=body)
                        run.check(who, method, target, response, strict=not by_design, never_status=never_status,
                                  names_b=False, where=f" {body}" if body else "")  # fmt: skip
        elif method == "get":
            probes: list[dict] = [{}]
            for parameter in sweep.parameters(doc, item, operation, "query"):
                what = sweep.field_object(parameter["name"])
                if what:
                    form = sweep.form_of(parameter.get("schema", {}))
                    probes += [{parameter["name"]: value} for value in sweep.values(b, what, form)]
            for name in ("customer", "reseller"):  # undeclared filters too: ignored or refused, never B's rows
                probes += [{name: value} for value in sweep.values(b, name, "uuid") + sweep.values(b, name, "integer")]
            for who, api in callers.items():
                for params in probes:
                    response = run.send(api, "get", path, params=params)
                    run.check(who, "get", path, response, strict=False, never_status=None, names_b=False,
                              where=f"?{params}" if params else "")  # fmt: skip
        else:
            declared = {field for body in bodies[:1] if isinstance(body, dict) for field in body}
            names_b = any(sweep.field_object(field) for field in declared) and not by_design
            for who, api in callers.items():
                for index, body in enumerate(bodies):
                    response = run.send(api, method, path, body=body)
                    run.check(who, method, path, response, strict=False, never_status=None,
                              names_b=names_b and index == 0, where=f" {body}")  # fmt: skip

    return run, unreachable


def test_no_api_operation_shows_or_touches_another_tenants_objects(settings, table_snapshot):
    settings.API_REQUESTS_PER_MINUTE = 1_000_000  # the sweep is not what the budget is for

    run, unreachable = sweep_api(table_snapshot)

    callers = [*ROLES, "Reseller's Global admin"]
    print(
        f"\nAPI isolation sweep: {run.counts['operations']} operations x {len(callers)} clients "
        f"({', '.join(callers)}): {run.counts['requests']} requests, {len(run.leaks)} leaks, "
        f"{len(run.problems)} other problems; segments guessed: {sorted(run.guessed) or 'none'}"
    )
    assert run.counts["operations"] > 0
    assert run.leaks == [], "\n".join(run.leaks[:50])
    assert run.problems == [], "\n".join(run.problems[:50])
    assert unreachable == [], (
        "The sweep's ids don't reach these routes with the caller's own objects: its 404s for B prove "
        "nothing. Extend tests/api/sweep.py OBJECTS:\n" + "\n".join(unreachable)
    )


def test_the_sweep_finds_a_leak_a_told_apart_id_and_a_refused_write_that_wrote(settings, table_snapshot):
    settings.API_REQUESTS_PER_MINUTE = 1_000_000
    settings.ROOT_URLCONF = "tests.api.leaky_urls"

    run, _unreachable = sweep_api(table_snapshot)

    assert any("GET /api/v1/probe-leak/" in leak and "canary-b-" in leak for leak in run.leaks), run.leaks
    assert any("GET /api/v1/probe-oracle/" in p and "told apart" in p for p in run.problems), run.problems
    assert any("POST /api/v1/probe-write" in p and "rows changed in" in p and "notification" in p
               for p in run.problems), run.problems  # fmt: skip
    assert not any("/api/v1/organization" in finding for finding in run.leaks + run.problems)
