"""Print the current two-step verification code of the demo users (their shared demo secret)."""

from __future__ import annotations

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management.base import BaseCommand

from .seed_demo import demo_totp_secret


class Command(BaseCommand):
    help = "Print the demo users' current authenticator-app code (valid for the rest of its 30 seconds)."

    def handle(self, *args, **options) -> None:
        now = time.time()
        code = format_hotp_value(hotp_value(demo_totp_secret(), int(now) // 30))
        self.stdout.write(f"{code}  (valid {30 - int(now) % 30} more seconds)")
