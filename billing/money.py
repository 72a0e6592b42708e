"""Money: `Decimal` only, rounded per line to the currency's minor unit (ISO 4217), and daily proration that
telescopes, so the pieces of a period always add up to the period's price to the minor unit.

Catalogue prices (`customers.OfferPrice`) are per licence per month; a billing cycle's price is the monthly
price times the months of the cycle (1 monthly, 12 annual, 36 triennial)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 currencies whose minor unit is not the cent (the markets PartnerHub sells in and a few more).
MINOR_UNITS: dict[str, int] = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0, "HUF": 2, "BHD": 3, "KWD": 3}
UNIT_PRICE_PLACES = Decimal("0.000001")  # unit prices keep six decimals (commerce.md §6.4)


def minor_unit(currency: str) -> int:
    return MINOR_UNITS.get(currency.upper(), 2)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Half up to the currency's minor unit: 12.345 EUR → 12.35, 1234.5 JPY → 1235."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def round_unit(amount: Decimal) -> Decimal:
    return amount.quantize(UNIT_PRICE_PLACES, rounding=ROUND_HALF_UP)


def days_between(first: date, last: date) -> int:
    """Days from `first` to `last`, both included."""
    return (last - first).days + 1


def prorate(total: Decimal, cycle_start: date, cycle_end: date, first: date, last: date, currency: str) -> Decimal:
    """The share of `total` (the price of the whole cycle) for the days `first`..`last` of the cycle, rounded.

    The share is the rounded cumulative amount at `last` minus the rounded cumulative amount the day before
    `first`: cut a cycle into any number of pieces and their amounts add up to `total` exactly (to the minor
    unit), which per-piece rounding would not promise."""
    if first < cycle_start or last > cycle_end or last < first:
        raise ValueError(f"{first}..{last} is not inside the cycle {cycle_start}..{cycle_end}")
    length = Decimal(days_between(cycle_start, cycle_end))
    upto_last = round_money(total * Decimal(days_between(cycle_start, last)) / length, currency)
    before_first = round_money(total * Decimal((first - cycle_start).days) / length, currency)
    return upto_last - before_first
