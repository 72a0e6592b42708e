"""The outbox's bodies at rest: sealed (encrypted) while they may still be sent, redacted once sent.

An email body carries live secrets: password-reset keys, sign-up confirmations, invitation and
contact-verification links. The outbox row is the only place they are kept outside the recipient's
mailbox, so a row must not give them to whoever reads the table (a leaked backup, a SQL injection as
the app role, a replica) or to staff browsing the admin.

- `SealedTextField` encrypts what it stores with Fernet (AES-128-CBC + HMAC-SHA256) under
  OUTBOX_ENCRYPTION_KEYS; the key never sits in the database. The ORM hands the code the plain text,
  so the sending task (and only code holding the settings) reads it.
- Once an email is sent, the sending code replaces its bodies with `redact_text` / `redact_html`
  copies: every link that could carry a secret loses its path and query. From then on no live
  token is in the row at all, encrypted or not.
- The admin shows the redacted rendering only, for unsent rows too.

Key rotation is in docs/outbox-secrets.md.
"""

from __future__ import annotations

import base64
import functools
import re
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.crypto import salted_hmac

PREFIX = "fernet:"
# In OUTBOX_ENCRYPTION_KEYS, this word stands for the keys derived from SECRET_KEY (and each of
# SECRET_KEY_FALLBACKS): the default, so a deployment needs no new secret.
DERIVED = "derived"
_KEY_SALT = "partnerhub.core.outbox_sealing"

# What a masked link ends with, after its scheme, host and first path segment.
MASK = "…[link removed]"


class UnreadableBody(str):
    """A body sealed with a key this server no longer has: shown as a notice, never sent."""


UNREADABLE_NOTICE = "[This body was sealed with a key that is not in OUTBOX_ENCRYPTION_KEYS.]"


def _derived_keys() -> list[bytes]:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [
        base64.urlsafe_b64encode(salted_hmac(_KEY_SALT, "fernet", secret=secret, algorithm="sha256").digest())
        for secret in secrets
    ]


@functools.lru_cache(maxsize=8)
def _keys(configured: tuple[str, ...], secrets: tuple[str, ...]) -> tuple[Fernet, ...]:
    del secrets  # part of the cache key only: the derived keys change with SECRET_KEY
    keys: list[Fernet] = []
    for position, entry in enumerate(configured or (DERIVED,)):
        entry = entry.strip()
        if entry == DERIVED:
            keys.extend(Fernet(key) for key in _derived_keys())
            continue
        try:
            keys.append(Fernet(entry.encode()))
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"OUTBOX_ENCRYPTION_KEYS: entry {position + 1} is not a Fernet key (32 url-safe base64-encoded "
                f"bytes; make one with `python -c 'from cryptography.fernet import Fernet; "
                f"print(Fernet.generate_key().decode())'`) nor the word '{DERIVED}'."
            ) from None
    if not keys:
        raise ImproperlyConfigured("OUTBOX_ENCRYPTION_KEYS names no key.")
    return tuple(keys)


def _configured_keys() -> tuple[Fernet, ...]:
    configured = tuple(getattr(settings, "OUTBOX_ENCRYPTION_KEYS", None) or ())
    secrets = (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", []))
    return _keys(configured, secrets)


def fernet() -> MultiFernet:
    """The first key encrypts, every key decrypts."""
    return MultiFernet(list(_configured_keys()))


def seal(plain: str) -> str:
    if not plain:
        return ""
    return PREFIX + fernet().encrypt(plain.encode()).decode("ascii")


def unseal(stored: str) -> str:
    """The plain text of a stored value; a value written without the prefix (by hand) is returned as is."""
    if not stored or not stored.startswith(PREFIX):
        return stored
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
    except InvalidToken:
        return UnreadableBody(UNREADABLE_NOTICE)


def is_sealed_with_current_key(stored: str) -> bool:
    """Whether `stored` is encrypted under the first key (what `outbox_reseal` needs to know)."""
    if not stored:
        return True
    if not stored.startswith(PREFIX):
        return False
    token = stored[len(PREFIX) :].encode("ascii")
    try:
        _configured_keys()[0].decrypt(token)
    except InvalidToken:
        return False
    return True


class SealedTextField(models.TextField):
    """A TextField stored encrypted (see the module docstring); reads and writes plain text in Python.

    Not searchable nor filterable by content in SQL, by design."""

    def from_db_value(self, value, expression, connection):
        return value if value is None else unseal(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        if isinstance(value, UnreadableBody):
            raise ValueError("An unreadable sealed body cannot be stored again.")
        return seal(value)  # whatever it starts with: a body that reads "fernet:…" is sealed like any other


# --- redaction ----------------------------------------------------------------------------------

# A link as the templates write them: absolute, ending at whitespace, a quote, a tag or the mask.
_URL = re.compile(r"https?://[^\s<>\"'`…]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"
# A first path segment is kept only when it reads as a word (accounts, invitations, partnership);
# anything that could be a token (digits, capitals, underscores, long) goes with the rest.
_WORD_SEGMENT = re.compile(r"[a-z][a-z-]{0,29}")
_ID_SEGMENT = re.compile(r"[0-9]{1,12}")


def _site_netloc() -> str:
    return urlsplit(settings.SITE_URL).netloc.lower()


def _is_plain_page(parts) -> bool:
    """A link of this site whose path is only words and numbers (object ids), with no query: no secret in it.

    Every token PartnerHub puts in a link (invitation and verification tokens, allauth's keys, signed
    values) has capitals, digits mixed with letters, underscores or colons, or is longer than a word."""
    if parts.query or parts.netloc.lower() != _site_netloc():
        return False
    return all(
        _WORD_SEGMENT.fullmatch(segment) or _ID_SEGMENT.fullmatch(segment)
        for segment in parts.path.split("/")
        if segment
    )


def _mask_url(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    if (path == "/" and not parts.query and not parts.fragment) or _is_plain_page(parts):
        return url
    first = path.strip("/").split("/", 1)[0]
    kept = f"/{first}/" if first and _WORD_SEGMENT.fullmatch(first) else "/"
    return f"{parts.scheme}://{parts.netloc}{kept}{MASK}"


def _redact(text: str) -> str:
    def replace(match: re.Match) -> str:
        url = match.group(0)
        if text.startswith(MASK, match.end()):  # masked already: redaction is idempotent
            return url
        trailing = ""
        while url and url[-1] in _TRAILING:
            trailing = url[-1] + trailing
            url = url[:-1]
        return _mask_url(url) + trailing

    return _URL.sub(replace, text)


def redact_text(text: str) -> str:
    """`text` with every link that may carry a secret cut to its scheme, host and first path segment."""
    return _redact(text or "")


def redact_html(html: str) -> str:
    """The same for HTML: attribute values and link texts alike (a quote or a tag ends a link)."""
    return _redact(html or "")


def split_masked_links(text: str) -> list[tuple[str, bool]]:
    """`text` cut into (part, is a masked link) pieces, so a page can link the rest and not the stubs."""
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in _URL.finditer(text):
        if text.startswith(MASK, match.end()):
            pieces.append((text[last : match.start()], False))
            pieces.append((match.group(0) + MASK, True))
            last = match.end() + len(MASK)
    pieces.append((text[last:], False))
    return [piece for piece in pieces if piece[0]]
