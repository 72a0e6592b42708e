"""`manage.py demo_totp`: the codes a demo user types after the password, and what a second sign-in needs."""

from __future__ import annotations

import datetime

import time_machine
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, validate_totp_code
from django.core.management import call_command

from demo.world import demo_totp_secret

# 10 s into a 30 s window: the current code has 20 s left.
MOMENT = datetime.datetime(2030, 1, 1, 12, 0, 10, tzinfo=datetime.UTC)


def _code(moment: datetime.datetime) -> str:
    return format_hotp_value(hotp_value(demo_totp_secret(), int(moment.timestamp()) // 30))


@time_machine.travel(MOMENT, tick=False)
def test_demo_totp_prints_the_current_code_its_time_left_and_that_it_works_once(capsys):
    call_command("demo_totp")
    current, following = capsys.readouterr().out.splitlines()

    assert current == f"{_code(MOMENT)}  (valid 20 more seconds; each user can sign in with it once)"
    assert following.startswith(f"{_code(MOMENT + datetime.timedelta(seconds=20))}  (the next code, valid from 20 ")


def test_the_printed_next_code_is_accepted_when_its_window_starts(capsys):
    with time_machine.travel(MOMENT, tick=False):
        call_command("demo_totp")
        following = capsys.readouterr().out.splitlines()[1].split()[0]
        assert not validate_totp_code(demo_totp_secret(), following)  # not yet

    with time_machine.travel(MOMENT + datetime.timedelta(seconds=20), tick=False):
        assert validate_totp_code(demo_totp_secret(), following)
