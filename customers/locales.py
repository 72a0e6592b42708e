"""A customer's culture (`fr-CA`) and language (`pl`) as a reader says them, in the page's language."""

from __future__ import annotations

from django.utils.text import capfirst
from django.utils.translation import get_language_info
from django_countries import countries


def language_name(code: str) -> str:
    """`pl` → "Polish" ("Polonais" on a French page); an unknown code stays as it is."""
    try:
        return str(capfirst(get_language_info(code.lower())["name_translated"]))
    except KeyError:
        return code


def culture_name(code: str) -> str:
    """`en-US` → "English (United States)" ("Anglais (États-Unis)" on a French page)."""
    language, _, country = code.partition("-")
    name = language_name(language)
    country_name = countries.name(country.upper()) if country else ""
    return f"{name} ({country_name})" if country_name else name
