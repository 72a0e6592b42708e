"""Idle and absolute session lifetimes (ASVS 7.3.1/7.3.2).

Django's own expiry is sliding: every session save pushes it back by SESSION_COOKIE_AGE. So the session
carries two timestamps of its own: when the user signed in (the absolute limit counts from it) and when
they were last seen (the idle limit). "Last seen" is written at most once per
SESSION_ACTIVITY_RESOLUTION_SECONDS, so an ordinary page costs no session write (a cached_db save is a
cache write plus an SQL UPDATE); the idle limit is therefore exact to within that resolution.

It is also the session engine (SESSION_ENGINE = "partnerhub.accounts.sessions"): cached_db, with the database
reached only through functions keyed by the session key (see SessionStore).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.base import CreateError, UpdateError
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore
from django.db import connection
from django.dispatch import receiver

SIGNED_IN_AT = "partnerhub_signed_in_at"
LAST_SEEN_AT = "partnerhub_last_seen_at"

logger = logging.getLogger("django.contrib.sessions")


@receiver(user_logged_in, dispatch_uid="accounts.session_timestamps")
def stamp_session_at_sign_in(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


def session_expired(session, now: float) -> bool:
    """Idle longer than SESSION_IDLE_TIMEOUT_SECONDS, or signed in longer ago than SESSION_COOKIE_AGE."""
    signed_in_at = session.get(SIGNED_IN_AT)
    last_seen_at = session.get(LAST_SEEN_AT, signed_in_at)
    if signed_in_at is not None and now - signed_in_at >= settings.SESSION_COOKIE_AGE:
        return True
    idle = settings.SESSION_IDLE_TIMEOUT_SECONDS
    return bool(idle) and last_seen_at is not None and now - last_seen_at >= idle


class SessionTimeoutMiddleware:
    """Signs out a session past its idle or absolute limit before anything reads the user.

    Placed after AuthenticationMiddleware: `request.user` is lazy, and the session is read from the
    cache, so checking costs no query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SIGNED_IN_AT in session or LAST_SEEN_AT in session or "_auth_user_id" in session:
            now = time.time()
            if session_expired(session, now):
                logout(request)  # deletes the session server-side and cycles the key
            else:
                if SIGNED_IN_AT not in session:  # a session from before this middleware: count from now
                    session[SIGNED_IN_AT] = int(now)
                last_seen_at = session.get(LAST_SEEN_AT)
                if last_seen_at is None or now - last_seen_at >= settings.SESSION_ACTIVITY_RESOLUTION_SECONDS:
                    session[LAST_SEEN_AT] = int(now)
        return self.get_response(request)


# --- the session store: the session key is the capability ------------------------------------------------


class SessionStore(CachedDbStore):
    """Django's cached_db store whose database half goes through SECURITY DEFINER functions keyed by the
    session key (accounts migration 0006): the app's role has no privilege on django_session, so no SQL it
    runs can list, read or rewrite another person's session; holding a key opens that session only, as
    holding an invitation link opens that invitation. The cache half is Django's own."""

    def _get_session_from_db(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT session_data, expire_date FROM partnerhub_session_load(%s)", [self.session_key])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0], expire_date=row[1])

    def exists(self, session_key):
        if session_key and (self.cache_key_prefix + session_key) in self._cache:
            return True
        with connection.cursor() as cursor:
            cursor.execute("SELECT partnerhub_session_exists(%s)", [session_key])
            return bool(cursor.fetchone()[0])

    def save(self, must_create=False):
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT partnerhub_session_save(%s, %s, %s, %s)",
                [self._get_or_create_session_key(), self.encode(data), self.get_expiry_date(), must_create],
            )
            written = cursor.fetchone()[0]
        if not written:
            raise CreateError if must_create else UpdateError
        try:
            self._cache.set(self.cache_key, self._session, self.get_expiry_age())
        except Exception:
            logger.exception("Error saving to cache (%s)", self._cache)

    def delete(self, session_key=None):
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        with connection.cursor() as cursor:
            cursor.execute("SELECT partnerhub_session_delete(%s)", [session_key])
        self._cache.delete(self.cache_key_prefix + session_key)

    @classmethod
    def clear_expired(cls):
        """`manage.py clearsessions`: expired rows go, whoever runs it (the owner or the app's role)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT partnerhub_session_clear_expired()")
