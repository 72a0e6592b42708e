"""Company-name and tenant-domain rules for new customers (domain.md §6.1, "validate names and addresses")."""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.utils.translation import gettext as _

# Legal-form abbreviations: fine inside a name ("Contoso Ltd"), refused standing alone.
RESTRICTED_ABBREVIATIONS = frozenset(
    {
        "llc", "inc", "ltd", "gmbh", "pty ltd", "pvt ltd", "sarl", "kft", "zrt", "ooo", "plc", "sdn bhd", "corp",
        "corporation", "limited", "incorporated", "l.l.c.", "c.p.a.", "wll", "lda", "co", "company", "sa", "ag",
        "bv", "nv", "srl", "spa", "ab", "as", "oy", "sas", "inc.", "ltd.", "corp.", "co.",
    }
)  # fmt: skip
# ccTLD-looking endings that are also common words or legal forms, so not flagged.
ALLOWED_ENDINGS = frozenset({".co", ".ag", ".sa", ".as", ".ab", ".in", ".it", ".ltd", ".inc"})
TLD_ENDING = re.compile(r"\.(com|net|org|edu|gov|club|io|info|biz|app|dev|shop|online|site|xyz|[a-z]{2})$", re.I)
DOMAIN_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,25}[a-z0-9])?$")


def company_name_errors(name: str) -> str | None:
    """Why a customer's company name is refused, or None."""
    text = (name or "").strip()
    letters = [ch for ch in text if unicodedata.category(ch)[0] in "LN"]
    if not text:
        return _("Enter the company's legal name.")
    if len(text) == 1:
        return _("A company name can't be a single character. Enter the legal name as in official documents.")
    if not letters:
        return _("A company name can't be only special characters. Enter the legal name as in official documents.")
    if text.casefold() in RESTRICTED_ABBREVIATIONS:
        return _(
            "“%(name)s” is a legal form, not a company name. Enter the full legal name, for example “Contoso %(name)s”."
        ) % {"name": text}
    return None


def company_name_warning(name: str) -> str | None:
    """A name that is allowed but looks wrong (a web address, “999”, “1 2 3”)."""
    text = (name or "").strip()
    lowered = text.casefold()
    suspicious = (
        (TLD_ENDING.search(lowered) and not any(lowered.endswith(ending) for ending in ALLOWED_ENDINGS))
        or re.fullmatch(r"(.)\1{2,}", lowered.replace(" ", ""))
        or re.fullmatch(r"(\S\s+){2,}\S", text)
    )
    if suspicious:
        return _(
            "Please make sure your company name is correct. Your company name is used to approve your account creation."
        )
    return None


def domain_for(prefix: str) -> str:
    return f"{prefix}.{settings.CUSTOMER_DOMAIN_SUFFIX}"


def domain_prefix_error(prefix: str) -> str | None:
    """Why a domain prefix can't be used (its shape only; availability is checked against the database)."""
    if not prefix:
        return _("Choose a domain name for the customer's account.")
    if not DOMAIN_PREFIX.fullmatch(prefix):
        return _(
            "Use 2 to 27 lowercase letters, digits or hyphens, starting and ending with a letter or digit "
            "(for example “contosofoods”)."
        )
    return None
