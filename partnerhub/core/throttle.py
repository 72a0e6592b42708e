"""Throttles: how often an organization (or a user, or a sign-in source) may do a named thing.

Every limit has a name and lives in `RATES` below, with the reason for its number; `settings.THROTTLE_RATES`
overrides any of them (`{"partner_email_send": "2/m"}`) or adds new ones. A rate is one or more steps,
`"20/h,100/d"`: each step is its own window, so a burst is stopped by the short step and a steady abuser by
the long one (for sign-in, that staircase is the backoff).

Counting is a fixed window per step in the Django cache (Redis; `partnerhub/core/cache.py`): the key names
the action, the scope and the window's number, `cache.add` creates it with the window's lifetime and
`cache.incr` counts atomically in Redis, so two requests racing never read the same count (no
read-modify-write). The price of fixed windows is an edge: up to twice a step's amount can pass within a
short span across a window boundary; every number below is chosen with room for that.

A request past a step is refused *before* the view runs, so it changes nothing and sends nothing, and its own
hit is taken back so that refused requests don't push the window further. Views use the `@throttle(...)`
decorator, placed directly above the view (under the guards, so only a permitted request of the organization
counts); the answer is `429.html` naming what was limited and when to try again, with `Retry-After`.

While Redis is unreachable the limits let requests through (logged): sessions and email work from the
database during an outage (`make chaos` F3), and refusing every invitation for its length is worse than
an unthrottled minute.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

logger = logging.getLogger(__name__)

# action → rate. Steps: N/s, N/m, N/h or N/d, optionally with a number of units ("5/10m"). The reason says
# why a real partner never meets the number and an abuser does.
RATES: dict[str, str] = {
    # "Send from PartnerHub" (partnership and customer invitation drafts): text the partner chose, to any
    # address. A partner invites a few resellers or customers a day; 20 an hour and 100 a day is a campaign.
    "partner_email_send": "20/h,100/d",
    # "Add location": a new location partner ID. Organizations have a handful of business locations in a
    # lifetime; 10 an hour or 30 a day is a script minting partner IDs.
    "location_add": "10/h,30/d",
    # "Verify a partner ID": a provider checks a reseller before naming it; 60 an hour, 300 a day is
    # a day of onboarding, and far from walking the sequential number space.
    "partner_id_lookup": "60/h,300/d",
    # New partnership, customer and user invitations and their resends (each makes a row, most an email).
    # Onboarding a whole team or a reseller network fits; a flood of links does not.
    "invitation_create": "30/h,200/d",
    # A new customer (tenant, admin user, agreement, welcome email) through the five-step wizard, which takes
    # minutes a customer: 30 an hour is a fast typist, more is a script.
    "customer_create": "30/h,200/d",
    # Orders and subscription changes: a busy sales desk, not a loop.
    "order_submit": "60/h,500/d",
    "subscription_change": "120/h,1000/d",
    # CSV exports: each reads the whole customer list, a big one runs for minutes on a worker.
    "export": "20/h,100/d",
    # Temporary passwords of a customer's users: a helpdesk resets a few; every reset emails the user.
    "customer_password_reset": "20/h,100/d",
    # Verification email to the primary contact again, and "ask the Global admins to sign": a reminder now and
    # then, not a mail bomb at the contact's inbox.
    "reminder_email": "5/h,20/d",
    # Enrolment, legal details, Fix now documents, support plan, program change, listing change request:
    # rare steps of the partner's life, each a verification case, a document or a message to staff.
    "enrollment_change": "20/h,60/d",
    # "Create your company account": per user (there is no organization yet); nobody founds more a day.
    "organization_create": "5/h,10/d",
    # Sign-in (partnerhub/accounts/adapter.py; docs/sign-in-limits.md). Failed passwords for one account from
    # one address: a stepped backoff (5 in 5 minutes, then 10 an hour, then 20 a day) that bounds guessing
    # without touching the owner elsewhere.
    "sign_in_failed_ip_account": "5/5m,10/h,20/d",
    # Failed passwords from one address over accounts it has never signed in to (credential stuffing); an
    # office's own users, known at that address, are not counted against it.
    "sign_in_failed_ip": "30/10m,100/d",
    # Failed passwords for one account from addresses it never signed in from (a botnet on one account): the
    # owner at a known address is not stopped by it; a password reset clears it.
    "sign_in_failed_account": "50/h,200/d",
}

# What the 429 page says was limited: "You've reached the limit for %(what)s." (context: these phrases
# stand inside that sentence, unlike the same words as model names).
LABELS = {
    "partner_email_send": pgettext_lazy("throttled", "emails sent from PartnerHub"),
    "location_add": pgettext_lazy("throttled", "new locations"),
    "partner_id_lookup": pgettext_lazy("throttled", "partner ID lookups"),
    "invitation_create": pgettext_lazy("throttled", "invitations"),
    "customer_create": pgettext_lazy("throttled", "new customers"),
    "order_submit": pgettext_lazy("throttled", "orders"),
    "subscription_change": pgettext_lazy("throttled", "subscription changes"),
    "export": pgettext_lazy("throttled", "exports"),
    "customer_password_reset": pgettext_lazy("throttled", "password resets"),
    "reminder_email": pgettext_lazy("throttled", "reminder emails"),
    "enrollment_change": pgettext_lazy("throttled", "enrolment changes"),
    "organization_create": pgettext_lazy("throttled", "new company accounts"),
    "sign_in_failed_ip_account": pgettext_lazy("throttled", "sign-in attempts"),
    "sign_in_failed_ip": pgettext_lazy("throttled", "sign-in attempts"),
    "sign_in_failed_account": pgettext_lazy("throttled", "sign-in attempts"),
}

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Step:
    amount: int
    seconds: int


def parse_rate(rate: str) -> tuple[Step, ...]:
    """ "20/h,100/d" → (Step(20, 3600), Step(100, 86400)); "5/10m" is 5 per 600 seconds."""
    steps = []
    for part in rate.split(","):
        amount, _slash, period = part.strip().partition("/")
        count = period[:-1] or "1"
        if not amount.isdigit() or not count.isdigit() or period[-1:] not in _UNITS or int(count) < 1:
            raise ValueError(f"bad throttle rate {rate!r}")
        steps.append(Step(int(amount), int(count) * _UNITS[period[-1]]))
    return tuple(steps)


def rate_of(action: str) -> tuple[Step, ...]:
    """The steps of `action`: settings.THROTTLE_RATES first, then RATES (an unknown action is a bug)."""
    overrides = getattr(settings, "THROTTLE_RATES", None) or {}
    return parse_rate(overrides.get(action) or RATES[action])


def clock() -> float:
    """Seconds since the epoch: time.time(), which time-machine moves; a browser test, whose live server can't
    have its clock frozen, replaces this function."""
    return time.time()


class Throttled(Exception):
    """`action` refused for `retry_after` more seconds."""

    def __init__(self, action: str, retry_after: int) -> None:
        super().__init__(action, retry_after)
        self.action = action
        self.retry_after = retry_after


@dataclass
class Usage:
    """The counters one allowed hit incremented, so that it can be taken back (a sign-in that succeeded)."""

    keys: list[str]

    def rollback(self) -> None:
        for key in self.keys:
            with contextlib.suppress(ValueError):  # the window ended (or Redis is down): nothing to take back
                cache.decr(key)


def _key(action: str, scope: str, step: Step, window: int) -> str:
    return f"throttle:{action}:{scope}:{step.seconds}:{window}"


def _increment(key: str, seconds: int) -> int | None:
    """Count one hit atomically; None when the cache can't count (Redis unreachable)."""
    try:
        cache.add(key, 0, timeout=seconds + 1)
        return cache.incr(key)
    except ValueError:  # added and expired in between, or Redis down: try once more, then give up
        try:
            cache.add(key, 0, timeout=seconds + 1)
            return cache.incr(key)
        except ValueError:
            logger.warning("throttle: cache unavailable, %s not counted", key)
            return None


def hit(action: str, scope: str) -> Usage:
    """Count one hit of `action` for `scope` in every step; raise Throttled (having counted nothing) when a step
    is full, with the wait until every full step has room again. `scope` names who is counted ("org:12",
    "user:7", "ip:203.0.113.9|account:…")."""
    now = clock()
    taken = Usage(keys=[])
    waits = []
    for step in rate_of(action):
        window = int(now // step.seconds)
        key = _key(action, scope, step, window)
        count = _increment(key, step.seconds)
        if count is None:
            continue
        taken.keys.append(key)
        if count > step.amount:
            waits.append(math.ceil((window + 1) * step.seconds - now))
    if waits:
        taken.rollback()
        raise Throttled(action, max(1, *waits))
    return taken


def check(action: str, scope: str) -> None:
    """Raise Throttled if `action` is refused for `scope` now, counting nothing."""
    now = clock()
    waits = []
    for step in rate_of(action):
        window = int(now // step.seconds)
        if (cache.get(_key(action, scope, step, window)) or 0) >= step.amount:
            waits.append(math.ceil((window + 1) * step.seconds - now))
    if waits:
        raise Throttled(action, max(1, *waits))


def clear(action: str, scope: str) -> None:
    """Forget `scope`'s current windows of `action` (a password reset clears the account's failures)."""
    now = clock()
    cache.delete_many([_key(action, scope, step, int(now // step.seconds)) for step in rate_of(action)])


def enabled() -> bool:
    """RATELIMIT_ENABLE off (only `make bench`, whose load is one organization) turns the throttles off."""
    return getattr(settings, "RATELIMIT_ENABLE", True)


def request_scope(request) -> str | None:
    """Who a request counts against: its acting organization, else its user; None when anonymous."""
    organization = getattr(request, "organization", None)
    if organization is not None:
        return f"org:{organization.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def _wait_text(seconds: int) -> str:
    if seconds < 120:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    if seconds < 2 * 3600:
        minutes = math.ceil(seconds / 60)
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = math.ceil(seconds / 3600)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def throttled_message(exc: Throttled) -> str:
    """What the 429 page says (includes/throttled.html), as plain text: the API's problem detail."""
    what = LABELS.get(exc.action)
    limited = (
        _("You've reached the limit for %(what)s. Nothing was changed or sent.") % {"what": what}
        if what
        else _("You've sent too many requests in a short time. Nothing was changed or sent.")
    )
    return f"{limited} " + _("Try again in %(wait)s.") % {"wait": _wait_text(exc.retry_after)}


def throttled_response(request, exc: Throttled):
    """429 with the page (or, for htmx, the page's message alone) and Retry-After."""
    context = {"throttled_what": LABELS.get(exc.action), "throttled_wait": _wait_text(exc.retry_after)}
    template = "includes/throttled.html" if getattr(request, "htmx", False) else "429.html"
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def throttle(action: str, *, methods: tuple[str, ...] = ("POST",), only_if: Callable | None = None):
    """Count each `methods` request of the view (and, with `only_if`, only those it accepts) against the
    acting organization (or the user where there is none); past the rate, 429 without running the view."""
    rate_of(action)  # a typo in the action name fails at import, not at the first request

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            scope = request_scope(request)
            counts = request.method in methods and (only_if is None or only_if(request))
            if scope is not None and counts and enabled():
                try:
                    hit(action, scope)
                except Throttled as exc:
                    return throttled_response(request, exc)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def throttle_submission(request) -> bool:
    """A lookup form sent (GET with a query, or POST), not the empty page: `only_if` of search-like views."""
    return request.method == "POST" or bool(request.GET)
