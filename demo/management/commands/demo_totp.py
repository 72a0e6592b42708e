"""Print the demo users' two-step verification codes (their shared demo secret): the current one and the next."""

from __future__ import annotations

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management.base import BaseCommand

from demo.world import demo_totp_secret


class Command(BaseCommand):
    help = (
        "Print the demo users' current authenticator-app code and the next one. Each code signs a user in "
        "once: a code already used is refused until the next one starts."
    )

    def handle(self, *args, **options) -> None:
        period = app_settings.TOTP_PERIOD
        now = int(time.time())
        counter, left = now // period, period - now % period
        secret = demo_totp_secret()
        current = format_hotp_value(hotp_value(secret, counter))
        following = format_hotp_value(hotp_value(secret, counter + 1))
        # allauth refuses a code a second time for the same user within its window (replay protection), so
        # signing in twice in a row with the code above fails: the next one is what the second sign-in needs.
        self.stdout.write(f"{current}  (valid {left} more seconds; each user can sign in with it once)")
        self.stdout.write(f"{following}  (the next code, valid from {left} seconds from now for {period} seconds)")
