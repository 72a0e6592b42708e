"""A plain HTTP client for the harness's own requests: signing in, resolving URLs, the sequential DB-truth pass.

Standard library only (http.client): the load itself comes from wrk and from loadgen.py.

The principals are Global admins and sign in as production asks them to: password, then the two-step code of
their authenticator app, computed here from the secret the seed gave it (RFC 6238, as allauth checks it). Their
organizations' API clients (seeded through the app's own service) get access tokens as an integrator's system
does: OAuth 2.0 client credentials over HTTP Basic at the token endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import http.client
import json
import re
import struct
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urljoin, urlparse


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


def fetch(
    port: int, method: str, path: str, *, headers: dict[str, str] | None = None, body: bytes | None = None,
    timeout: float = 60,
) -> Response:  # fmt: skip
    """One request on a fresh connection to 127.0.0.1:port (gunicorn's sync workers close it anyway)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        # X-Forwarded-For: the bench runs the app with RATELIMIT_IP_META_KEY=HTTP_X_FORWARDED_FOR (see run.py).
        base = {"Host": f"127.0.0.1:{port}", "X-Forwarded-For": "127.0.0.1"}
        conn.request(method, path, body=body, headers=base | (headers or {}))
        raw = conn.getresponse()
        return Response(raw.status, raw.headers, raw.read())
    finally:
        conn.close()


@dataclass
class Principal:
    """A signed-in user of the bench: their cookies, sent by every request made as them."""

    name: str
    email: str = ""
    organization_id: int | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    def absorb(self, response: Response) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for key, morsel in jar.items():
                if morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"]):
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{key}={value}" for key, value in sorted(self.cookies.items()))

    @property
    def csrftoken(self) -> str:
        return self.cookies.get("csrftoken", "")

    def headers(self, port: int) -> dict[str, str]:
        headers = {"Cookie": self.cookie_header} if self.cookies else {}
        if self.csrftoken:
            headers |= {"X-CSRFToken": self.csrftoken, "Referer": f"http://127.0.0.1:{port}/"}
        return headers

    def get(self, port: int, path: str) -> Response:
        response = fetch(port, "GET", path, headers={"Cookie": self.cookie_header} if self.cookies else {})
        self.absorb(response)
        return response

    def post(self, port: int, path: str, form: dict[str, str]) -> Response:
        body = urlencode(form).encode()
        headers = self.headers(port) | {"Content-Type": "application/x-www-form-urlencoded"}
        response = fetch(port, "POST", path, headers=headers, body=body)
        self.absorb(response)
        return response


_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"|value="([^"]+)"\s+name="csrfmiddlewaretoken"')


class SignInError(RuntimeError):
    pass


class UnexpectedResponse(RuntimeError):
    """An answer the harness did not ask for: a non-2xx, or a redirect that is not the page requested."""

    def __init__(self, what: str, method: str, path: str, status: int, location: str = "") -> None:
        self.method, self.path, self.status, self.location = method, path, status, location
        where = f" → Location: {location}" if location else ""
        super().__init__(f"{what}: {method} {path} answered {status}{where}")


def expect(response: Response, what: str, method: str, path: str, *, redirect_to: str | None = None) -> Response:
    """`response` must be a 2xx, or (when `redirect_to` is given) a 302/303 to that path (prefix); else raise."""
    if redirect_to is None:
        if 200 <= response.status < 300:
            return response
    elif response.status in (302, 303) and urlparse(response.location).path.startswith(redirect_to):
        return response
    raise UnexpectedResponse(what, method, path, response.status, response.location)


# --- two-step verification ----------------------------------------------------------------------------------

TOTP_PERIOD = 30  # allauth's MFA_TOTP_PERIOD and MFA_TOTP_DIGITS defaults, which the project keeps
TOTP_DIGITS = 6
_last_counter: dict[str, int] = {}  # per email: a code signs a user in once (allauth's replay protection)


def totp_code(secret: str, counter: int, digits: int = TOTP_DIGITS) -> str:
    """RFC 6238 / 4226 with SHA-1: what an authenticator app shows for `counter` (= unix time // period)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def fresh_totp(email: str, secret: str, period: int = TOTP_PERIOD) -> str:
    """The current code, unless this user already signed in with it: then wait for the next one."""
    counter = int(time.time()) // period
    if counter <= _last_counter.get(email, -1):
        time.sleep((counter + 1) * period - time.time() + 0.05)
        counter = int(time.time()) // period
    _last_counter[email] = counter
    return totp_code(secret, counter)


LOGIN = "/accounts/login/"
TWO_STEP = "/accounts/2fa/authenticate/"
HOME = "/"


def _form_errors(text: str) -> str:
    errors = re.findall(r'class="[^"]*(?:invalid|error|alert)[^"]*"[^>]*>([^<]+)', text)
    return re.sub(r"\s+", " ", " ".join(errors))[:300]


def _csrf(page: Response, who: str, path: str) -> str:
    match = _CSRF_INPUT.search(page.text)
    if not match:
        raise SignInError(f"{who}: no csrfmiddlewaretoken on {path}")
    return match.group(1) or match.group(2)


def sign_in(
    port: int, *, name: str, email: str, password: str, organization_id: int | None = None,
    totp_secret: str | None = None,
) -> Principal:  # fmt: skip
    """Through the real allauth forms (CSRF and all): password, then the authenticator app's code when
    `totp_secret` is given; then act for `organization_id` if given. Every step must answer what a person
    signing in would see, and the home page must then open (200): anything else raises, naming the step."""
    who = f"{name} ({email})"
    principal = Principal(name=name, email=email, organization_id=organization_id)
    page = principal.get(port, LOGIN)
    if page.status != 200:
        raise SignInError(f"{who}: GET {LOGIN} answered {page.status} {page.location}".rstrip())
    done = principal.post(port, LOGIN, {"csrfmiddlewaretoken": _csrf(page, who, LOGIN), "login": email,
                                        "password": password})  # fmt: skip
    step = urlparse(done.location).path if done.status in (302, 303) else ""
    if not step:
        raise SignInError(f"{who}: POST {LOGIN} answered {done.status} {_form_errors(done.text)}".rstrip())
    if totp_secret:
        if step != TWO_STEP:
            raise SignInError(f"{who}: POST {LOGIN} → {done.status} {done.location}, expected the two-step step "
                              f"{TWO_STEP} (has the seed given this user an authenticator?)")  # fmt: skip
        form = principal.get(port, TWO_STEP)
        if form.status != 200:
            raise SignInError(f"{who}: GET {TWO_STEP} answered {form.status} {form.location}".rstrip())
        code = fresh_totp(email, totp_secret)
        done = principal.post(port, TWO_STEP, {"csrfmiddlewaretoken": _csrf(form, who, TWO_STEP), "code": code})
        if done.status not in (302, 303):
            raise SignInError(f"{who}: POST {TWO_STEP} (code {code}) answered {done.status} "
                              f"{_form_errors(done.text)}".rstrip())  # fmt: skip
        step = urlparse(done.location).path
    if "sessionid" not in principal.cookies or step.startswith(("/accounts/", "/settings/security")):
        raise SignInError(f"{who}: sign-in stopped at {done.status} {done.location}")
    if organization_id is not None:
        switched = principal.post(port, "/organization/switch/", {"organization": str(organization_id)})
        if switched.status not in (302, 303) or urlparse(switched.location).path.startswith("/accounts/"):
            raise SignInError(f"{name}: switching to organization {organization_id} answered {switched.status} "
                              f"{switched.location}".rstrip())  # fmt: skip
    home = principal.get(port, HOME)
    if home.status != 200:
        raise SignInError(f"{who}: signed in, but GET {HOME} answered {home.status} {home.location}".rstrip())
    return principal


_NEXT_LINK = re.compile(r"<a\b[^>]*>", re.IGNORECASE)
_REL_NEXT = re.compile(r"""\brel\s*=\s*["'][^"']*\bnext\b""", re.IGNORECASE)
_HREF = re.compile(r"""\bhref\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def next_link(page_html: str, base: str) -> str | None:
    """The href of the page's `<a rel="next">` (attributes in any order), as an absolute path."""
    for tag in _NEXT_LINK.findall(page_html):
        if _REL_NEXT.search(tag):
            href = _HREF.search(tag)
            if href:
                absolute = urljoin(base, html.unescape(href.group(1)))
                parsed = urlparse(absolute)
                return parsed.path + (f"?{parsed.query}" if parsed.query else "")
    return None


def looks_like_sign_in(response: Response) -> bool:
    return response.status in (301, 302) and "/accounts/login/" in response.location


# --- the API's callers ----------------------------------------------------------------------------------------

TOKEN_PATH = "/api/oauth/token/"  # noqa: S105 - the token endpoint's path
TOKEN_MARGIN = 30.0  # seconds: a token is fetched again when it has less than this left beyond what a run needs


class TokenError(SignInError):
    pass


@dataclass
class ApiCaller:
    """A seeded API client of a principal's organization: its credentials, and the bearer token of the moment.

    `ensure(port, seconds)` before a measurement that cannot change its headers mid-way (wrk): the token must
    outlive it. Requests made one by one (DB truth, the open-loop runs) call `authorization(port)`, which fetches
    a new token when the current one is about to expire. Each fetch goes through the real token endpoint."""

    name: str
    client_id: str
    client_secret: str
    organization_id: int | None = None
    token: str = ""
    expires_at: float = 0.0  # time.monotonic()
    lifetime: int = 0  # the token endpoint's expires_in
    tokens_fetched: int = 0

    def fetch_token(self, port: int) -> str:
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        started = time.monotonic()
        response = fetch(port, "POST", TOKEN_PATH, body=b"grant_type=client_credentials", headers={
            "Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
        who = f"API client of {self.name} ({self.client_id})"
        if response.status != 200:
            raise TokenError(f"{who}: POST {TOKEN_PATH} answered {response.status} {response.location} "
                             f"{response.text[:300]}".rstrip())  # fmt: skip
        try:
            body = json.loads(response.body)
        except ValueError:
            raise TokenError(f"{who}: POST {TOKEN_PATH} answered 200 but not JSON: {response.text[:300]}") from None
        if str(body.get("token_type", "")).lower() != "bearer" or not body.get("access_token"):
            raise TokenError(f"{who}: POST {TOKEN_PATH} answered no bearer token: {sorted(body)}")
        self.token = body["access_token"]
        self.lifetime = int(body.get("expires_in") or 0)
        self.expires_at = started + self.lifetime
        self.tokens_fetched += 1
        return self.token

    def remaining(self) -> float:
        return self.expires_at - time.monotonic() if self.token else 0.0

    def ensure(self, port: int, seconds: float, *, strict: bool = True) -> str:
        """A token that outlives `seconds` more (a fresh one if needed); the `Authorization` header's value.
        `strict`: raise if even a fresh token cannot (wrk sends one header for its whole run); otherwise the
        requests made one by one fetch the next token when this one runs out."""
        if self.remaining() < seconds + TOKEN_MARGIN:
            self.fetch_token(port)
            if strict and self.remaining() < seconds + TOKEN_MARGIN:
                raise TokenError(
                    f"API client of {self.name}: tokens live {self.lifetime} s, less than the {seconds:.0f} s "
                    f"(+{TOKEN_MARGIN:.0f} s) a measurement needs; shorten it or raise API_TOKEN_SECONDS"
                )
        return f"Bearer {self.token}"

    def authorization(self, port: int) -> str:
        return self.ensure(port, 0)

    def get(self, port: int, path: str) -> Response:
        return fetch(port, "GET", path, headers={"Authorization": self.authorization(port),
                                                 "Accept": "application/json"})  # fmt: skip

    def describe(self) -> dict:
        return {"client_id": self.client_id, "organization_id": self.organization_id,
                "token_lifetime_s": self.lifetime, "tokens_fetched": self.tokens_fetched}  # fmt: skip


def content_type(response: Response) -> str:
    return response.headers.get("Content-Type", "")


def api_path(url: str) -> str:
    """A `next` link of the API (an absolute URL) as the path and query the harness requests."""
    parsed = urlparse(url)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")
