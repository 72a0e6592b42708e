"""The one way a webhook leaves PartnerHub: an SSRF-safe POST (issue 17 §7).

- The host is resolved at delivery time, and every address it resolves to must be public (`is_global`, not
  multicast): loopback, private, link-local (169.254.169.254, the cloud metadata service), shared, reserved
  and IPv4-mapped private addresses are refused. Checking at registration alone would let DNS rebinding
  through, so registration checks the form of the URL and this checks the address.
- The connection goes to the checked address itself (urllib3 pool on the IP), with the hostname kept for
  TLS (SNI and certificate check) and the `Host` header: a second resolution cannot swap the address.
- No redirect is followed (a 3xx is a failure, as Standard Webhooks says), the body is bounded by
  WEBHOOK_MAX_PAYLOAD_BYTES, each attempt by WEBHOOK_TIMEOUT_SECONDS, and at most RESPONSE_READ_BYTES of the
  answer are read.

WEBHOOK_ALLOW_PRIVATE_ADDRESSES (tests, local demos) allows private addresses and plain http."""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

RESPONSE_READ_BYTES = 4096
USER_AGENT = "PartnerHub-Webhooks/1.0"


class EgressRefused(Exception):
    """The URL or the address it resolves to may not be called; the message says why (shown in the log)."""


@dataclass
class Answer:
    status: int | None
    headers: dict[str, str]
    excerpt: str
    error: str
    duration_ms: int


def allow_private() -> bool:
    return bool(settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES)


def check_url(url: str) -> str:
    """The URL's form, at registration and before each attempt: https (http only where private addresses are
    allowed), a hostname, no credentials; an IP literal must be public. Returns the URL stripped."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise EgressRefused(_("Enter a valid URL.")) from None
    schemes = ("https", "http") if allow_private() else ("https",)
    if parts.scheme not in schemes:
        raise EgressRefused(_("Webhook URLs must use https://."))
    if not parts.hostname:
        raise EgressRefused(_("The URL has no host name."))
    if parts.username or parts.password:
        raise EgressRefused(_("Don't put a user name or password in the URL; verify the signature instead."))
    if port == 0:
        raise EgressRefused(_("Enter a valid URL."))
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        literal = None
    if literal is not None:
        check_address(literal)
    return url


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    if not allow_private() and not is_public(address):
        raise EgressRefused(_("%(address)s is not a public address.") % {"address": address})


def resolve(host: str, port: int) -> str:
    """The one address to connect to: every address of the host must pass (a rebinding set of one public and
    one private address is refused), and the first is used."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise EgressRefused(_("%(host)s could not be resolved (%(error)s).") % {"host": host, "error": exc}) from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise EgressRefused(_("%(host)s could not be resolved.") % {"host": host})
    for address in addresses:
        check_address(address)
    return str(addresses[0])


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to `url` once; never raises for what the network or the receiver does (see Answer)."""
    started = time.monotonic()

    def answer(status=None, response_headers=None, excerpt="", error="") -> Answer:
        elapsed = int((time.monotonic() - started) * 1000)
        return Answer(status, response_headers or {}, excerpt, error[:500], elapsed)

    if len(body) > settings.WEBHOOK_MAX_PAYLOAD_BYTES:
        return answer(error=f"payload of {len(body)} bytes exceeds {settings.WEBHOOK_MAX_PAYLOAD_BYTES}")
    try:
        url = check_url(url)
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = resolve(host, port)
    except EgressRefused as refused:
        return answer(error=str(refused))
    timeout = urllib3.Timeout(connect=min(5, settings.WEBHOOK_TIMEOUT_SECONDS), read=settings.WEBHOOK_TIMEOUT_SECONDS)
    pool: urllib3.HTTPConnectionPool
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address, port, timeout=timeout, retries=False, maxsize=1, server_hostname=host, assert_hostname=host,
            cert_reqs="CERT_REQUIRED", ca_certs=settings.WEBHOOK_CA_BUNDLE or None,
        )  # fmt: skip
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if parts.port is None else f"[{host}]:{parts.port}"
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    request_headers = {
        **headers,
        "Host": host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    try:
        response = pool.urlopen(
            "POST", target, body=body, headers=request_headers, redirect=False, retries=False,
            preload_content=False, assert_same_host=False,
        )  # fmt: skip
        try:
            raw = response.read(RESPONSE_READ_BYTES, decode_content=False) or b""
        finally:
            response.release_conn()
            response.close()
        excerpt = raw[:500].decode("utf-8", "replace")
        headers_lower = {key.lower(): value for key, value in response.headers.items()}
        return answer(status=response.status, response_headers=headers_lower, excerpt=excerpt)
    except Exception as exc:  # timeouts, refused connections, TLS errors: recorded, retried
        return answer(error=f"{type(exc).__name__}: {exc}")
    finally:
        pool.close()
