"""Business days in a country: its weekend and its public holidays, from the `holidays` package.

Deadlines of multi-day workflows (verification SLAs, reminders) are computed here once and stored
on the row; beat sweeps compare them with the clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

import holidays

DEFAULT_WEEKEND = frozenset({5, 6})  # Saturday, Sunday


@lru_cache(maxsize=512)
def _calendar(country: str, year: int) -> holidays.HolidayBase:
    """The country's holidays for a few years around `year` (a window fits in it)."""
    try:
        return holidays.country_holidays(country, years=range(year - 1, year + 3))
    except NotImplementedError:  # a market the package doesn't know: weekends only
        calendar = holidays.HolidayBase()
        calendar.weekend = set(DEFAULT_WEEKEND)
        return calendar


def is_business_day(day, country: str) -> bool:
    return _calendar(country, day.year).is_working_day(day)


def add_business_days(start: datetime, days: int, country: str) -> datetime:
    """The moment `days` business days after `start`, same time of day (UTC).

    Started on a weekend or holiday, the count begins with the next business day: Friday 18:00 + 1
    business day is Monday 18:00; Saturday + 1 is Monday too… then Tuesday for Saturday + 2.
    """
    start = start.astimezone(UTC)
    calendar = _calendar(country, start.year)
    day = calendar.get_nth_working_day(start.date(), days)
    return datetime.combine(day, start.timetz())


def business_days_between(start: datetime, end: datetime, country: str) -> int:
    """Whole business days from `start` to `end` (0 when `end` is not later)."""
    if end <= start:
        return 0
    calendar = _calendar(country, start.year)
    return calendar.get_working_days_count(start.date() + timedelta(days=1), end.date())
