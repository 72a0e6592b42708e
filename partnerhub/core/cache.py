"""The Redis cache, degraded instead of broken while Redis is unreachable.

Nothing the portal keeps in the cache is the only copy: sessions are written through to PostgreSQL
(`cached_db`), allauth's rate-limit history and the page caches can be rebuilt. So when Redis is down a
read is a miss and a write is skipped, with a warning, and the request goes on from the database, instead
of every page answering 500 until Redis is back (`make chaos`, F3). `incr` raises ValueError as for a
missing key, so django-ratelimit's per-IP limits fail closed (429) during an outage rather than open.
"""

from __future__ import annotations

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

_UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


def _degrade(fallback):
    """Run the cache operation; if Redis can't be reached, log it and return `fallback(*args, **kwargs)`."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except _UNREACHABLE as exc:
                logger.warning("cache: Redis unreachable, %s skipped: %s", method.__name__, exc)
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


def _missing_counter(*args, **kwargs):
    raise ValueError("the cache is unreachable")


class ResilientRedisCache(RedisCache):
    add = _degrade(lambda *a, **k: False)(RedisCache.add)
    get = _degrade(lambda key, default=None, version=None: default)(RedisCache.get)
    set = _degrade(lambda *a, **k: None)(RedisCache.set)
    touch = _degrade(lambda *a, **k: False)(RedisCache.touch)
    delete = _degrade(lambda *a, **k: False)(RedisCache.delete)
    get_many = _degrade(lambda *a, **k: {})(RedisCache.get_many)
    has_key = _degrade(lambda *a, **k: False)(RedisCache.has_key)
    incr = _degrade(_missing_counter)(RedisCache.incr)
    set_many = _degrade(lambda data, *a, **k: list(data))(RedisCache.set_many)
    delete_many = _degrade(lambda *a, **k: None)(RedisCache.delete_many)
    clear = _degrade(lambda *a, **k: False)(RedisCache.clear)
