"""Every country of domain.md §8 maps to its CSP region and currency; others are refused by name."""

import pytest

from partnerhub.core.regions import MARKETS, MarketUnavailable, market_for

# Transcribed from reference/domain.md §8 (regional authorization overview, 17 Aug 2023): the
# document's own country names, with the ISO 3166-1 code each one means.
SECTION_8 = {
    ("africa", "USD"): {
        "Angola": "AO", "Benin": "BJ", "Botswana": "BW", "Burkina Faso": "BF", "Burundi": "BI", "Cameroon": "CM",
        "Cabo Verde": "CV", "Central African Republic": "CF", "Chad": "TD", "Comoros": "KM", "Congo": "CG",
        "Congo (DRC)": "CD", "Côte d'Ivoire": "CI", "Djibouti": "DJ", "Equatorial Guinea": "GQ", "Eritrea": "ER",
        "Ethiopia": "ET", "French Polynesia": "PF", "Gabon": "GA", "Gambia": "GM", "Ghana": "GH", "Guinea": "GN",
        "Guinea-Bissau": "GW", "Kenya": "KE", "Liberia": "LR", "Madagascar": "MG", "Malawi": "MW", "Mali": "ML",
        "Mauritius": "MU", "Mayotte": "YT", "Namibia": "NA", "New Caledonia": "NC", "Niger": "NE", "Nigeria": "NG",
        "Reunion": "RE", "Rwanda": "RW", "São Tomé and Príncipe": "ST", "Senegal": "SN", "Seychelles": "SC",
        "Sierra Leone": "SL", "Somalia": "SO", "South Sudan": "SS", "St Helena/Ascension/Tristan da Cunha": "SH",
        "Tanzania": "TZ", "Togo": "TG", "Uganda": "UG", "Zambia": "ZM",
    },
    ("asia_pacific", "USD"): {
        "Bangladesh": "BD", "Bhutan": "BT", "Brunei Darussalam": "BN", "Cambodia": "KH", "Hong Kong SAR": "HK",
        "Indonesia": "ID", "Laos": "LA", "Macao SAR": "MO", "Malaysia": "MY", "Maldives": "MV", "Myanmar": "MM",
        "Nepal": "NP", "Philippines": "PH", "Singapore": "SG", "Sri Lanka": "LK", "Thailand": "TH",
        "Timor-Leste": "TL", "Vietnam": "VN",
    },
    ("australia", "AUD"): {
        "Australia": "AU", "Christmas Island": "CX", "Cocos (Keeling) Islands": "CC", "Cook Islands": "CK",
        "Fiji": "FJ", "French Southern Territories": "TF", "Heard Island and McDonald Islands": "HM",
        "Kiribati": "KI", "Marshall Islands": "MH", "Micronesia": "FM", "Nauru": "NR", "Niue": "NU",
        "Norfolk Island": "NF", "Palau": "PW", "Papua New Guinea": "PG", "Pitcairn Islands": "PN",
        "Solomon Islands": "SB", "Tokelau": "TK", "Tonga": "TO", "Tuvalu": "TV", "Wallis and Futuna": "WF",
    },
    ("brazil", "BRL"): {"Brazil": "BR"},
    ("canada", "CAD"): {"Canada": "CA", "Saint Pierre and Miquelon": "PM"},
    ("china", "CNY"): {"China": "CN"},
    ("europe", "EUR"): {
        "Åland Islands": "AX", "Andorra": "AD", "Austria": "AT", "Belgium": "BE", "Bouvet Island": "BV",
        "Bulgaria": "BG", "Croatia": "HR", "Cyprus": "CY", "Czech Republic": "CZ", "Estonia": "EE", "Finland": "FI",
        "France": "FR", "Germany": "DE", "Greece": "GR", "Greenland": "GL", "Hungary": "HU", "Iceland": "IS",
        "Ireland": "IE", "Italy": "IT", "Latvia": "LV", "Liechtenstein": "LI", "Lithuania": "LT", "Luxembourg": "LU",
        "Malta": "MT", "Monaco": "MC", "Netherlands": "NL", "Poland": "PL", "Portugal": "PT", "Romania": "RO",
        "San Marino": "SM", "Slovakia": "SK", "Slovenia": "SI", "Spain": "ES",
        "Vatican City": "VA",  # currency blank in the source: billed in EUR
    },
    ("europe", "DKK"): {"Denmark": "DK", "Faroe Islands": "FO"},
    ("europe", "GBP"): {"Gibraltar": "GI", "Guernsey": "GG", "Isle of Man": "IM", "Jersey": "JE", "UK": "GB"},
    ("europe", "NOK"): {"Norway": "NO", "Svalbard and Jan Mayen": "SJ"},
    ("europe", "SEK"): {"Sweden": "SE"},
    ("europe", "CHF"): {"Switzerland": "CH"},
    ("india", "INR"): {"India": "IN"},
    ("japan", "JPY"): {"Japan": "JP"},
    ("korea", "KRW"): {"Korea": "KR"},
    ("latam", "USD"): {
        "Anguilla": "AI", "Antarctica": "AQ", "Antigua and Barbuda": "AG", "Argentina": "AR", "Aruba": "AW",
        "Bahamas": "BS", "Barbados": "BB", "Belize": "BZ", "Bermuda": "BM", "Bolivia": "BO", "Bonaire": "BQ",
        "British Virgin Islands": "VG", "Cayman Islands": "KY", "Chile": "CL", "Colombia": "CO", "Costa Rica": "CR",
        "Curaçao": "CW", "Dominica": "DM", "Dominican Republic": "DO", "Ecuador": "EC", "El Salvador": "SV",
        "Falkland Islands": "FK", "French Guiana": "GF", "Grenada": "GD", "Guadeloupe": "GP", "Guatemala": "GT",
        "Guyana": "GY", "Haiti": "HT", "Honduras": "HN", "Jamaica": "JM", "Martinique": "MQ", "Mexico": "MX",
        "Montserrat": "MS", "Nicaragua": "NI", "Panama": "PA", "Paraguay": "PY", "Peru": "PE", "Puerto Rico": "PR",
        "Saba": "BQ", "Saint Barthélemy": "BL", "Saint Lucia": "LC", "Saint Martin": "MF",
        "Saint Vincent and the Grenadines": "VC", "Sint Eustatius": "BQ", "Sint Maarten": "SX",
        "South Georgia and South Sandwich Islands": "GS", "Suriname": "SR", "Trinidad and Tobago": "TT",
        "Turks and Caicos Islands": "TC", "Uruguay": "UY", "Venezuela": "VE", "US Virgin Islands": "VI",
        "Saint Kitts and Nevis": "KN",  # currency blank in the source: billed in USD like the region
    },
    ("mea", "USD"): {
        "Afghanistan": "AF", "Albania": "AL", "Algeria": "DZ", "Armenia": "AM", "Azerbaijan": "AZ", "Bahrain": "BH",
        "British Indian Ocean Territory": "IO", "Egypt": "EG", "Georgia": "GE", "Iraq": "IQ", "Israel": "IL",
        "Jordan": "JO", "Kazakhstan": "KZ", "Kosovo": "XK", "Kuwait": "KW", "Kyrgyzstan": "KG", "Lebanon": "LB",
        "Lesotho": "LS", "Libya": "LY", "Mauritania": "MR", "Moldova": "MD", "Mongolia": "MN", "Montenegro": "ME",
        "Morocco": "MA", "Mozambique": "MZ", "Oman": "OM", "Pakistan": "PK", "Qatar": "QA", "Saudi Arabia": "SA",
        "Serbia": "RS", "South Africa": "ZA", "Swaziland": "SZ", "Tajikistan": "TJ", "Tunisia": "TN",
        "Türkiye": "TR", "Turkmenistan": "TM", "Ukraine": "UA", "United Arab Emirates": "AE", "Uzbekistan": "UZ",
        "Yemen": "YE", "Zimbabwe": "ZW",
        # currency blank in the source: billed in USD like the region
        "Bosnia and Herzegovina": "BA", "North Macedonia": "MK", "Palestinian Authority": "PS",
    },
    ("new_zealand", "NZD"): {"New Zealand": "NZ", "Samoa": "WS", "Vanuatu": "VU"},
    ("taiwan", "TWD"): {"Taiwan": "TW"},
    ("united_states", "USD"): {
        "United States": "US", "American Samoa": "AS", "Guam": "GU", "Northern Mariana Islands": "MP",
        "U.S. Outlying Islands": "UM",
    },
}  # fmt: skip

CASES = [
    pytest.param(code, region, currency, id=f"{name}")
    for (region, currency), countries in SECTION_8.items()
    for name, code in countries.items()
]


@pytest.mark.parametrize(("code", "region", "currency"), CASES)
def test_every_listed_country_maps_to_its_region_and_currency(code, region, currency):
    market = market_for(code)

    assert (market.region, market.currency) == (region, currency)


def test_the_data_module_lists_nothing_that_section_8_does_not():
    listed = {code for countries in SECTION_8.values() for code in countries.values()}

    assert set(MARKETS) == listed


@pytest.mark.parametrize(("code", "name"), [("RU", "Russia"), ("BY", "Belarus"), ("CU", "Cuba"), ("SY", "Syria")])
def test_unlisted_country_has_a_clear_error(code, name):
    with pytest.raises(MarketUnavailable) as error:
        market_for(code)

    assert str(error.value.message) == f"PartnerHub is not available in {name}."
