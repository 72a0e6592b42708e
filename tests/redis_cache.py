"""The real Redis cache for a test (tests/settings use a per-process cache that each test clears).

Each test gets its own key prefix, so parallel workers and earlier tests never share a counter, and its
keys are deleted afterwards (never FLUSHDB: other workers use the same Redis database)."""

from __future__ import annotations

import uuid

import pytest
import redis

from partnerhub.settings.base import _redis_db


@pytest.fixture
def redis_cache(settings):
    location = _redis_db(settings.REDIS_URL, 1)
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "partnerhub.core.cache.ResilientRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": prefix,
        }
    }
    yield location
    client = redis.Redis.from_url(location)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
