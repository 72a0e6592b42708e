"""A plain HTTP client for the harness's own requests: signing in, resolving URLs, the sequential DB-truth pass.

Standard library only (http.client): the load itself comes from wrk and from loadgen.py.
"""

from __future__ import annotations

import html
import http.client
import re
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


def sign_in(port: int, *, name: str, email: str, password: str, organization_id: int | None = None) -> Principal:
    """Through the real allauth form (CSRF and all), then act for `organization_id` if given."""
    principal = Principal(name=name, email=email, organization_id=organization_id)
    page = principal.get(port, "/accounts/login/")
    if page.status != 200:
        raise SignInError(f"{name}: GET /accounts/login/ answered {page.status}")
    match = _CSRF_INPUT.search(page.text)
    if not match:
        raise SignInError(f"{name}: no csrfmiddlewaretoken on the sign-in page")
    token = match.group(1) or match.group(2)
    done = principal.post(
        port, "/accounts/login/", {"csrfmiddlewaretoken": token, "login": email, "password": password}
    )
    if done.status != 302 or "sessionid" not in principal.cookies:
        hint = re.sub(
            r"\s+", " ", " ".join(re.findall(r'class="[^"]*(?:invalid|error|alert)[^"]*"[^>]*>([^<]+)', done.text))
        )
        raise SignInError(f"{name} ({email}): sign-in answered {done.status} {done.location} {hint[:300]}".rstrip())
    if urlparse(done.location).path.startswith(("/accounts/confirm-email", "/accounts/2fa", "/accounts/password")):
        raise SignInError(f"{name} ({email}): sign-in stopped at {done.location}")
    if organization_id is not None:
        switched = principal.post(port, "/organization/switch/", {"organization": str(organization_id)})
        if switched.status != 302:
            raise SignInError(f"{name}: switching to organization {organization_id} answered {switched.status}")
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
