"""CSP regional markets: which region and currency each country belongs to.

Source: reference/domain.md §8 ("Your company's location determines your market"), which follows
Microsoft's regional authorization overview of 17 Aug 2023. A country that is not listed there
(Russia, Belarus, Iran …) is not a CSP market: PartnerHub refuses organizations located in it.

Where the source leaves the currency blank (Vatican City, Saint Kitts and Nevis, Bosnia and
Herzegovina, North Macedonia, the Palestinian Authority) we bill in the region's currency: EUR for
the Vatican, USD for the others. Brazil bills new-commerce offers in BRL, which is what we sell.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries import countries


class CspRegion(models.TextChoices):
    AFRICA = "africa", _("Africa")
    ASIA_PACIFIC = "asia_pacific", _("Asia and Pacific")
    AUSTRALIA = "australia", _("Australia")
    BRAZIL = "brazil", _("Brazil")
    CANADA = "canada", _("Canada")
    CHINA = "china", _("China")
    EUROPE = "europe", _("Europe")
    INDIA = "india", _("India")
    JAPAN = "japan", _("Japan")
    KOREA = "korea", _("Korea, Republic of")
    LATIN_AMERICA = "latam", _("Latin America and the Caribbean")
    MIDDLE_EAST_EUROPE = "mea", _("Middle East, Central Europe and Eastern Europe")
    NEW_ZEALAND = "new_zealand", _("New Zealand")
    TAIWAN = "taiwan", _("Taiwan")
    UNITED_STATES = "united_states", _("United States")


# region -> currency -> ISO 3166-1 alpha-2 codes (XK = Kosovo, see COUNTRIES_OVERRIDE)
_MARKETS: dict[str, dict[str, str]] = {
    CspRegion.AFRICA: {
        "USD": "AO BJ BW BF BI CM CV CF TD KM CG CD CI DJ GQ ER ET PF GA GM GH GN GW KE LR MG MW ML MU YT "
        "NA NC NE NG RE RW ST SN SC SL SO SS SH TZ TG UG ZM",
    },
    CspRegion.ASIA_PACIFIC: {"USD": "BD BT BN KH HK ID LA MO MY MV MM NP PH SG LK TH TL VN"},
    CspRegion.AUSTRALIA: {"AUD": "AU CX CC CK FJ TF HM KI MH FM NR NU NF PW PG PN SB TK TO TV WF"},
    CspRegion.BRAZIL: {"BRL": "BR"},
    CspRegion.CANADA: {"CAD": "CA PM"},
    CspRegion.CHINA: {"CNY": "CN"},
    CspRegion.EUROPE: {
        "EUR": "AX AD AT BE BV BG HR CY CZ EE FI FR DE GR GL HU IS IE IT LV LI LT LU MT MC NL PL PT RO SM SK SI ES VA",
        "DKK": "DK FO",
        "GBP": "GI GG IM JE GB",
        "NOK": "NO SJ",
        "SEK": "SE",
        "CHF": "CH",
    },
    CspRegion.INDIA: {"INR": "IN"},
    CspRegion.JAPAN: {"JPY": "JP"},
    CspRegion.KOREA: {"KRW": "KR"},
    CspRegion.LATIN_AMERICA: {
        "USD": "AI AQ AG AR AW BS BB BZ BM BO BQ VG KY CL CO CR CW DM DO EC SV FK GF GD GP GT GY HT HN JM "
        "MQ MX MS NI PA PY PE PR BL LC MF VC SX GS SR TT TC UY VE VI KN",
    },
    CspRegion.MIDDLE_EAST_EUROPE: {
        "USD": "AF AL DZ AM AZ BH IO EG GE IQ IL JO KZ XK KW KG LB LS LY MR MD MN ME MA MZ OM PK QA SA RS "
        "ZA SZ TJ TN TR TM UA AE UZ YE ZW BA MK PS",
    },
    CspRegion.NEW_ZEALAND: {"NZD": "NZ WS VU"},
    CspRegion.TAIWAN: {"TWD": "TW"},
    CspRegion.UNITED_STATES: {"USD": "US AS GU MP UM"},
}


@dataclass(frozen=True)
class Market:
    country: str
    region: CspRegion
    currency: str


MARKETS: dict[str, Market] = {
    code: Market(country=code, region=CspRegion(region), currency=currency)
    for region, by_currency in _MARKETS.items()
    for currency, codes in by_currency.items()
    for code in codes.split()
}

CURRENCIES = sorted({market.currency for market in MARKETS.values()})


class MarketUnavailable(LookupError):
    """The country is not a CSP market."""

    def __init__(self, country_code: str) -> None:
        self.country_code = country_code
        name = dict(countries).get(country_code, country_code)
        self.message = _("PartnerHub is not available in %(country)s.") % {"country": name}
        super().__init__(self.message)


def market_for(country_code: str) -> Market:
    """The CSP region and currency of a country, or MarketUnavailable."""
    try:
        return MARKETS[str(country_code).upper()]
    except KeyError:
        raise MarketUnavailable(str(country_code).upper()) from None
