"""The Redis cache degrades to misses while Redis is unreachable (make chaos F3 found every page 500)."""

import socket

import pytest
from django.conf import settings
from django.core.cache import caches

from partnerhub.accounts.sessions import SessionStore
from partnerhub.core.cache import ResilientRedisCache


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens here once the socket is closed


@pytest.fixture
def unreachable():
    return ResilientRedisCache(f"redis://127.0.0.1:{_closed_port()}/0", {})


def test_reads_miss_and_writes_are_skipped_while_redis_is_down(unreachable):
    assert unreachable.get("k", "default") == "default"
    assert unreachable.get_many(["a", "b"]) == {}
    assert "k" not in unreachable
    assert unreachable.add("k", 1) is False
    unreachable.set("k", 1)  # no exception
    unreachable.set_many({"a": 1})
    unreachable.delete("k")
    with pytest.raises(ValueError, match="unreachable"):  # django-ratelimit then fails closed
        unreachable.incr("k")


def test_works_as_the_redis_cache_when_redis_is_up():
    cache = ResilientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "test-resilient"})
    cache.set("k", {"v": 1}, 30)
    assert cache.get("k") == {"v": 1}
    cache.delete("n")
    assert cache.add("n", 1) is True
    assert cache.incr("n") == 2
    cache.delete_many(["k", "n"])


@pytest.mark.django_db
def test_a_cached_db_session_survives_redis_being_down(unreachable, monkeypatch):
    monkeypatch.setitem(caches._settings, "default", {})  # keep Django from rebuilding the alias
    monkeypatch.setattr(caches._connections, "default", unreachable, raising=False)
    session = SessionStore()
    session["user"] = "megan"
    session.save()  # written to PostgreSQL; the cache write is skipped
    assert SessionStore(session.session_key)["user"] == "megan"  # read back from PostgreSQL
