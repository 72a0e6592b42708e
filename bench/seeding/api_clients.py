"""The bench principals' API clients: one per organization, made by its Global admin through the app's own service
(`api.services.api_client_create`: the OAuth application with its hashed secret, the service user's seat), and
staff's API limit for those organizations, so that the load test is not answered 429 while every call still
spends the Redis-backed budget.
"""

from __future__ import annotations

from api.models import ApiLimit
from api.services import api_client_create
from bench.seeding.principals import Principal
from partnerhub.accounts.models import Role

API_PRINCIPALS = ("provider", "whale", "reseller")  # a normal provider, the whale tenant, an indirect reseller
API_CLIENT_NAME = "Bench load test"
# Staff's figure (ApiLimit) for the bench organizations: far above what two cores can serve (the default, 500 a
# minute, is Partner Center's and would answer 429 within the first second of wrk), so the budget never refuses,
# yet each call still counts against it in Redis and answers with its RateLimit-* headers.
BENCH_API_REQUESTS_PER_MINUTE = 100_000_000


def api_clients_create(principals: dict[str, Principal]) -> dict:
    """Each API principal's client (roles: Global admin, as its creator) and staff's limit for its organization;
    what the manifest records: the clients' ids and secrets (shown this once, stored hashed), and the limit."""
    clients = {}
    for key in API_PRINCIPALS:
        principal = principals[key]
        client, secret = api_client_create(
            organization=principal.organization, actor=principal.user, name=API_CLIENT_NAME, roles=[Role.GLOBAL_ADMIN]
        )
        ApiLimit.objects.update_or_create(
            organization=principal.organization,
            defaults={
                "requests_per_minute": BENCH_API_REQUESTS_PER_MINUTE,
                "note": "make bench: the load test's clients, far above the default",
            },  # fmt: skip
        )
        clients[key] = {"client_id": client.client_id, "client_secret": secret,
                        "organization_id": principal.organization.pk}  # fmt: skip
    return {
        "clients": clients,
        "requests_per_minute": BENCH_API_REQUESTS_PER_MINUTE,
        "budget": "staff's ApiLimit row for each bench organization (the default is API_REQUESTS_PER_MINUTE)",
    }
