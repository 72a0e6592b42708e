"""Company registration ID numbers: which countries require one, what it is called, its shape.

Source: reference/domain.md §2.8. Mandatory for partners doing business with customers in, and for
customers located in, the countries below; the same list is used for partners and customers.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

REGISTRATION_ID_REQUIRED = {
    "AM": _("INN, VAT number or public service number"),
    "AZ": _("TIN or INN"),
    "BY": _("UNP (nine characters)"),
    "BR": _("CNPJ"),
    "HU": _("TIN"),
    "IN": _("Tax ID or PAN"),
    "IQ": _("TIN"),
    "KZ": _("BIN or IIN"),
    "KG": _("INN"),
    "MD": _("IDNO or IDNP"),
    "MM": _("TIN"),
    "PL": _("TIN or PESEL"),
    "RU": _("INN"),
    "SA": _("TIN"),
    "ZA": _("TRN"),
    "SS": _("TIN"),
    "TJ": _("INN, EIN or KPP"),
    "TH": _("TIN"),
    "TR": _("TIN or NIN"),
    "UA": _("EGRPOU / EDRPOU"),
    "AE": _("Tax ID or VAT number"),
    "UZ": _("TIN / INN"),
    "VE": _("RIF"),
    "VN": _("TIN"),
}

# Shapes used by the automatic pre-check staff see; a mismatch is a hint, not a refusal.
_PATTERNS = {
    "BR": r"\d{2}\.?\d{3}\.?\d{3}/?\d{4}-?\d{2}",  # CNPJ
    "IN": r"[A-Z]{5}\d{4}[A-Z]|\d{2}[A-Z]{5}\d{4}[A-Z]\d[A-Z\d]{2}",  # PAN or GSTIN
    "BY": r"[\dA-Z]{9}",
    "UA": r"\d{8}|\d{10}",
    "PL": r"\d{10}|\d{11}",
    "HU": r"\d{8}-?\d-?\d{2}|\d{10}",
    "RU": r"\d{10}|\d{12}",
    "KZ": r"\d{12}",
}
_DEFAULT_PATTERN = r"[A-Z\d][A-Z\d\-./ ]{3,30}"


def registration_required(country: str) -> bool:
    return str(country).upper() in REGISTRATION_ID_REQUIRED


def registration_label(country: str) -> str:
    return str(REGISTRATION_ID_REQUIRED.get(str(country).upper(), _("Company registration number")))


def registration_format_ok(country: str, number: str) -> bool:
    pattern = _PATTERNS.get(str(country).upper(), _DEFAULT_PATTERN)
    return re.fullmatch(pattern, number.strip().upper()) is not None
