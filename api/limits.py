"""The API's request budget: per organization and per client, N requests a minute (API_REQUESTS_PER_MINUTE, or
staff's ApiLimit for the organization), counted in Redis so that every web process spends one budget.

A fixed one-minute window per budget: two INCRs and two EXPIREs in one round trip. Over budget, the call is
answered 429 with `Retry-After` (seconds to the window's end); every answer carries the IETF draft's
`RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`. With Redis down the budget is not enforced
(logged): the API stays up, as the pages do with the cache (core.cache.ResilientRedisCache).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings
from django.core.cache import cache as django_cache
from rest_framework.throttling import BaseThrottle

from .models import ApiLimit

logger = logging.getLogger(__name__)
WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Budget:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.API_RATELIMIT_REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def _namespace() -> str:
    """Keys are per database (and per API_RATELIMIT_NAMESPACE: the test suite's is one per process and run), so
    that two databases on one Redis never share a budget."""
    return f"{settings.API_RATELIMIT_NAMESPACE}:{settings.DATABASES['default']['NAME']}"


def requests_per_minute(organization_id: int) -> int:
    """Staff's figure for the organization, else the default; cached a minute (an admin change applies
    within one window)."""
    key = f"api-limit:{organization_id}"
    limit = django_cache.get(key)
    if limit is None:
        limit = (
            ApiLimit.objects.filter(organization_id=organization_id)
            .values_list("requests_per_minute", flat=True)
            .first()
            or settings.API_REQUESTS_PER_MINUTE
        )
        django_cache.set(key, limit, WINDOW_SECONDS)
    return int(limit)


def spend(*, organization_id: int, client_id: int, now: float | None = None) -> tuple[bool, Budget]:
    """Count one request against both budgets; (allowed, what is left of the tighter one)."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    reset = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
    limit = requests_per_minute(organization_id)
    keys = [f"{_namespace()}:org:{organization_id}:{window}", f"{_namespace()}:client:{client_id}:{window}"]
    try:
        pipe = _redis().pipeline(transaction=False)
        for key in keys:
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS * 2)
        used = max(int(count) for count in pipe.execute()[::2])
    except redis.RedisError:
        logger.warning("API request budget not enforced: Redis unavailable", exc_info=True)
        return True, Budget(limit=limit, remaining=limit, reset=reset)
    return used <= limit, Budget(limit=limit, remaining=max(0, limit - used), reset=reset)


class RequestBudget(BaseThrottle):
    """DRF's throttle hook: spends the calling client's budgets; the view adds the headers."""

    def allow_request(self, request, view) -> bool:
        client = getattr(request, "api_client", None)
        if client is None:
            return True
        allowed, budget = spend(organization_id=client.organization_id, client_id=client.pk)
        request.budget = budget
        self.budget = budget
        return allowed

    def wait(self) -> float | None:
        return float(self.budget.reset)


def budget_headers(budget: Budget) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(budget.limit),
        "RateLimit-Remaining": str(budget.remaining),
        "RateLimit-Reset": str(budget.reset),
    }
