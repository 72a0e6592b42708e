"""Business days follow each country's weekend and public holidays."""

from datetime import UTC, datetime

import pytest

from partnerhub.core.business_days import add_business_days, business_days_between, is_business_day


@pytest.mark.parametrize(
    ("start", "days", "country", "expected"),
    [
        # France: Thursday 24 Dec 2026, Christmas (Fri) then the weekend → Monday 28.
        (datetime(2026, 12, 24, 15, 0, tzinfo=UTC), 1, "FR", datetime(2026, 12, 28, 15, 0, tzinfo=UTC)),
        # …and five days also skip New Year's Day (Friday 1 Jan 2027).
        (datetime(2026, 12, 24, 15, 0, tzinfo=UTC), 5, "FR", datetime(2027, 1, 4, 15, 0, tzinfo=UTC)),
        # France: Wednesday 13 May 2026, Ascension Thursday 14 → Friday 15.
        (datetime(2026, 5, 13, 9, 0, tzinfo=UTC), 1, "FR", datetime(2026, 5, 15, 9, 0, tzinfo=UTC)),
        # United States: Wednesday before Thanksgiving → Friday.
        (datetime(2026, 11, 25, 9, 0, tzinfo=UTC), 1, "US", datetime(2026, 11, 27, 9, 0, tzinfo=UTC)),
        # United States: Friday 3 July 2026 is the observed Independence Day; Thursday 2 + 1 → Monday 6.
        (datetime(2026, 7, 2, 9, 0, tzinfo=UTC), 1, "US", datetime(2026, 7, 6, 9, 0, tzinfo=UTC)),
        # Started on a Saturday: the count begins on Monday.
        (datetime(2026, 11, 28, 9, 0, tzinfo=UTC), 1, "US", datetime(2026, 11, 30, 9, 0, tzinfo=UTC)),
        # Saudi Arabia: Friday/Saturday weekend; Thursday + 1 → Sunday.
        (datetime(2026, 11, 26, 9, 0, tzinfo=UTC), 1, "SA", datetime(2026, 11, 29, 9, 0, tzinfo=UTC)),
    ],
)
def test_add_business_days(start, days, country, expected):
    assert add_business_days(start, days, country) == expected


def test_weekends_differ_by_country():
    friday = datetime(2026, 11, 27).date()
    sunday = datetime(2026, 11, 29).date()

    assert is_business_day(friday, "FR")
    assert not is_business_day(friday, "SA")
    assert not is_business_day(sunday, "FR")
    assert is_business_day(sunday, "SA")


def test_a_market_the_holidays_package_lacks_falls_back_to_weekends():
    # Bouvet Island is a CSP market (Europe) with no holiday calendar.
    assert add_business_days(datetime(2026, 11, 27, 9, 0, tzinfo=UTC), 1, "BV") == datetime(
        2026, 11, 30, 9, 0, tzinfo=UTC
    )


def test_business_days_between():
    assert business_days_between(datetime(2026, 12, 24, tzinfo=UTC), datetime(2027, 1, 4, tzinfo=UTC), "FR") == 5
    assert business_days_between(datetime(2027, 1, 4, tzinfo=UTC), datetime(2026, 12, 24, tzinfo=UTC), "FR") == 0
