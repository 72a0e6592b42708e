"""Idle and absolute session lifetimes (ASVS 7.3.1/7.3.2).

Django's own expiry is sliding: every session save pushes it back by SESSION_COOKIE_AGE. So the session
carries two timestamps of its own: when the user signed in (the absolute limit counts from it) and when
they were last seen (the idle limit). "Last seen" is written at most once per
SESSION_ACTIVITY_RESOLUTION_SECONDS, so an ordinary page costs no session write (a cached_db save is a
cache write plus an SQL UPDATE); the idle limit is therefore exact to within that resolution.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

SIGNED_IN_AT = "partnerhub_signed_in_at"
LAST_SEEN_AT = "partnerhub_last_seen_at"


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
