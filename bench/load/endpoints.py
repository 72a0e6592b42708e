"""The pages a bench run measures: each endpoint (a GET page, or a POST drawing single-use paths from a pool,
or a GET of the API with a bearer token: bench/load/api_endpoints.py), the gunicorn worker configuration, and how
the seed's manifest becomes signed-in principals and checked endpoints.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlparse

from bench.load import client, loadgen
from bench.load.stack import DATA, log

CEILING_PATH = "/__bench/ceiling/"
HELLO_PATH = "/__bench/hello/"
TMP = DATA / "tmp"


@dataclass
class Pool:
    """Single-use request paths (invitation links); each may be POSTed once."""

    source: Path
    remaining: list[str]
    initial: int = 0

    @classmethod
    def load(cls, path: Path) -> Pool:
        lines = [line.strip() for line in path.read_text().splitlines() if line.strip()]
        return cls(path, lines, len(lines))

    def pop(self) -> str | None:
        return self.remaining.pop(0) if self.remaining else None

    def write_slice(self, count: int, name: str) -> tuple[Path, list[str]]:
        lines = self.remaining[:count]
        TMP.mkdir(parents=True, exist_ok=True)
        path = TMP / f"{name}.paths"
        path.write_text("\n".join(lines) + "\n")
        return path, lines

    def consume(self, lines: list[str], sent_per_thread: list[dict], threads: int) -> int:
        """Drop what wrk's threads handed out: thread t took lines t, t+T, … in order (see pool.lua)."""
        used: set[int] = set()
        for row in sent_per_thread:
            indexes = list(range(int(row["thread"]), len(lines), threads))[: int(row["sent"])]
            used.update(indexes)
        if not sent_per_thread:  # no report from wrk: assume the whole slice is spent
            used = set(range(len(lines)))
        spent = {lines[i] for i in used}
        self.remaining = [line for line in self.remaining if line not in spent]
        return len(spent)


@dataclass
class Endpoint:
    name: str
    method: str = "GET"
    principal: client.Principal | None = None
    path: str | None = None
    pool: Pool | None = None
    form: dict[str, str] = field(default_factory=dict)
    expect_redirect: str | None = None  # a POST's answer: a redirect to this page; a GET's: 200
    port: int = 0
    context_only: bool = False  # hello: reported, never a target
    api: client.ApiCaller | None = None  # an API endpoint: its client's bearer token instead of a session
    content_type: str | None = None  # the answer's Content-Type must start with this (the API's JSON)
    rate_limit: str | None = None  # an API endpoint's RateLimit-Limit, as its probe answered
    page: str | None = None  # an API endpoint: the page that shows the same list, compared in the report
    status: int | None = None
    bytes: int | None = None
    last_rps: float | None = None
    _n: int = 0

    @property
    def cookie(self) -> str:
        return self.principal.cookie_header if self.principal else ""

    def _xff(self) -> str:
        self._n += 1
        return f"172.{16 + hash(self.name) % 16}.{self._n // 256 % 256}.{self._n % 256}"

    def authorization(self, seconds: float) -> str:
        """An API endpoint's `Authorization` value, with a token that outlives `seconds` more; "" for a page."""
        return self.api.ensure(self.port, seconds) if self.api else ""

    def prepare(self, seconds: float) -> None:
        """Before `seconds` of requests made one by one (open loop): a token for all of them if tokens live that
        long, so that no token is fetched mid-run (else `request()` fetches the next one when needed)."""
        if self.api:
            self.api.ensure(self.port, seconds, strict=False)

    def request(self, _: int = 0) -> loadgen.Request | None:
        headers = {"X-Forwarded-For": self._xff()}
        if self.method == "GET":
            if self.cookie:
                headers["Cookie"] = self.cookie
            if self.api:  # a new token when this one is about to expire (the open-loop runs last minutes)
                headers |= {"Authorization": self.api.authorization(self.port), "Accept": "application/json"}
            return loadgen.Request("GET", self.path or "/", headers)
        path = self.pool.pop() if self.pool else None
        if path is None:
            return None
        headers |= self.principal.headers(self.port) | {"Content-Type": "application/x-www-form-urlencoded"}
        return loadgen.Request("POST", path, headers, urlencode(self.form).encode())

    def accepts(self, status: int, location: str = "", content_type: str = "") -> bool:
        """The answer the harness asked for: a GET's page (200; the API's: 200 JSON), or a POST's redirect to
        `expect_redirect`."""
        if self.expect_redirect is None:
            return status == 200 and (not self.content_type or content_type.startswith(self.content_type))
        return status in (302, 303) and urlparse(location).path.startswith(self.expect_redirect)

    def check(self, what: str, method: str, path: str, status: int, location: str = "", content_type: str = "") -> None:
        if not self.accepts(status, location, content_type):
            if status == 200 and self.content_type:
                what = f"{what}: {content_type or 'no Content-Type'}, not {self.content_type}"
            raise client.UnexpectedResponse(f"{self.name} ({what})", method, path, status, location)

    def describe(self) -> dict:
        out = {"method": self.method, "principal": self.principal.name if self.principal else None}
        if self.api:
            out |= {"api": True, "principal": self.api.name, "auth": "bearer token (client credentials)",
                    "rate_limit_per_minute": self.rate_limit, "page": self.page}  # fmt: skip
        if self.path:
            out["path"] = self.path
        if self.pool:
            sample = (self.pool.remaining or [""])[0].rstrip("/").rsplit("/", 1)[0]
            out |= {"paths_file": str(self.pool.source), "pool_size": self.pool.initial,
                    "pool_pattern": f"{sample}/… ×{self.pool.initial} single-use"}  # fmt: skip
        if self.status is not None:
            out |= {"check_status": self.status, "bytes": self.bytes}
        return out


@dataclass
class WorkerConfig:
    kind: str = "sync"
    workers: int = 2
    threads: int = 1

    @property
    def label(self) -> str:
        return f"gthread {self.workers}×{self.threads}" if self.kind == "gthread" else f"sync ×{self.workers}"


def sign_in_all(port: int, manifest: dict, only_endpoints: list[str] | None) -> dict[str, client.Principal]:
    """Each principal the chosen endpoints (and the ceiling) need, signed in through the real forms."""
    only = set(only_endpoints or [])
    wanted = {spec.get("principal") for spec in manifest["endpoints"] if not only or spec["name"] in only}
    wanted |= {"provider"}  # the ceiling's
    principals = {}
    for name in sorted(p for p in wanted if p):
        spec = manifest["principals"][name]
        started = time.monotonic()
        principals[name] = client.sign_in(
            port, name=name, email=spec["email"], password=manifest["password"],
            organization_id=spec.get("organization_id"), totp_secret=manifest.get("totp_secret"),
        )  # fmt: skip
        two_step = " with password and two-step code" if manifest.get("totp_secret") else " with password only"
        log(f"signed in {name} ({spec['email']}){two_step} in {time.monotonic() - started:.2f}s")
    return principals


def resolve(
    port: int,
    manifest: dict,
    principals: dict[str, client.Principal],
    warnings: list[str],
    only_endpoints: list[str] | None,
) -> list[Endpoint]:
    """The manifest's endpoints, each asked once: it must answer the page asked for before anything is measured."""
    endpoints = []
    only = set(only_endpoints or [])
    for spec in manifest["endpoints"]:
        if only and spec["name"] not in only:
            continue
        principal = principals.get(spec.get("principal") or "")
        endpoint = Endpoint(spec["name"], spec.get("method", "GET").upper(), principal, port=port)
        if endpoint.method == "GET":
            path = spec["path"]
            if spec.get("follow_next"):
                path = follow_next(port, principal, path, int(spec["follow_next"]), spec["name"], warnings)
            endpoint.path = path
            response = principal.get(port, path) if principal else client.fetch(port, "GET", path)
            endpoint.status, endpoint.bytes = response.status, len(response.body)
        else:
            endpoint.pool = Pool.load(Path(spec["paths_file"]))
            endpoint.form = {k: str(v) for k, v in (spec.get("form") or {}).items()}
            if not spec.get("expect_redirect"):
                raise RuntimeError(f"{spec['name']}: the manifest names no expect_redirect for the POST (reseed)")
            endpoint.expect_redirect = spec["expect_redirect"]
            probe = endpoint.request()
            if probe is None:
                raise RuntimeError(f"{spec['name']}: the pool {spec['paths_file']} is empty")
            path = probe.path
            response = client.fetch(port, "POST", probe.path, headers=probe.headers, body=probe.body)
            endpoint.status, endpoint.bytes = response.status, len(response.body)
        # Before anything is measured: the page asked for, or the run stops here, naming what came back.
        endpoint.check("before the run", endpoint.method, path, response.status, response.location)
        endpoints.append(endpoint)
        log(f"{endpoint.name}: {endpoint.method} {endpoint.path or endpoint.pool.source} → {endpoint.status}")
    return endpoints


def follow_next(port: int, principal, path: str, hops: int, name: str, warnings: list[str]) -> str:
    current = path
    for hop in range(hops):
        response = principal.get(port, current) if principal else client.fetch(port, "GET", current)
        client.expect(response, f"{name} (following rel=next)", "GET", current)
        following = client.next_link(response.text, current)
        if following is None:
            if hop == 0:
                fallback = f"{path}{'&' if '?' in path else '?'}page={hops + 1}"
                warnings.append(f'{name}: {path} has no <a rel="next"> link; measuring {fallback} instead')
                log(f"WARNING: {warnings[-1]}")
                return fallback
            warnings.append(f"{name}: only {hop} next links from {path} (wanted {hops}); measuring {current}")
            return current
        current = following
    return current
