"""Per-request facts that services record without taking the request as an argument."""

from contextvars import ContextVar

client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


class RequestContextMiddleware:
    """Remembers the client's IP address for the audit trail while a request is served."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = client_ip.set(request.META.get("REMOTE_ADDR") or None)
        try:
            return self.get_response(request)
        finally:
            client_ip.reset(token)
