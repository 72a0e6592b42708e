"""The Content-Security-Policy header (Django 5.2 has none built in; SecurityMiddleware sends the others)."""

from __future__ import annotations

from django.conf import settings


def content_security_policy(*, frame_ancestors: str) -> str:
    """Scripts only from our own static files (no inline script, no eval); inline `style=` attributes are
    allowed (templates and htmx's indicator styles use them). No plugins, no <base>, never framed by others."""
    policy = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "frame-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": frame_ancestors,
    }
    return "; ".join(f"{directive} {value}" for directive, value in policy.items())


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every response that does not set its own.

    A response that allows same-origin framing (`X-Frame-Options: SAMEORIGIN`, the agreement PDF in the
    signing page) gets `frame-ancestors 'self'`; every other response `frame-ancestors 'none'`.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = "Content-Security-Policy-Report-Only" if settings.CSP_REPORT_ONLY else "Content-Security-Policy"
        self.deny = content_security_policy(frame_ancestors="'none'")
        self.same_origin = content_security_policy(frame_ancestors="'self'")

    def __call__(self, request):
        response = self.get_response(request)
        if self.header not in response:
            framable = response.get("X-Frame-Options", "").upper() == "SAMEORIGIN"
            response[self.header] = self.same_origin if framable else self.deny
        return response
