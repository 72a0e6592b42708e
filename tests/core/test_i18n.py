"""French ships complete: every message of the catalogue is translated and compiled."""

import gettext
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale" / "fr" / "LC_MESSAGES"
SOURCE_DIRS = ["partnerhub", "enrollment", "agreements", "relationships", "customers", "templates", "locale"]


def _entries(po: str):
    """(msgid, msgstr) pairs of a .po file, joining continued lines."""
    entries, current, key = [], {}, None
    for line in [*po.splitlines(), ""]:
        if line.startswith(("msgctxt ", "msgid ", "msgstr ", "msgid_plural ", "msgstr[")):
            key, _, value = line.partition(" ")
            if key in ("msgctxt", "msgid") and current and "msgid" in current:
                entries.append(current)
                current = {}
            current[key] = value.strip()[1:-1]
        elif line.startswith('"') and key:
            current[key] += line.strip()[1:-1]
    if current:
        entries.append(current)
    return entries


def test_every_french_message_is_translated():
    entries = _entries((LOCALE / "django.po").read_text())

    untranslated = [e["msgid"] for e in entries if e["msgid"] and not (e.get("msgstr") or e.get("msgstr[0]"))]
    assert len(entries) > 200
    assert untranslated == []
    assert "#, fuzzy" not in (LOCALE / "django.po").read_text()


def test_compiled_catalogue_matches_the_source():
    """The committed .mo says what the .po says (a clone's file times prove nothing)."""
    with (LOCALE / "django.mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    for entry in _entries((LOCALE / "django.po").read_text()):
        if entry["msgid"] and "msgstr" in entry:
            expected = entry["msgstr"].encode().decode("unicode_escape").encode("latin-1").decode()
            msgid = entry["msgid"].encode().decode("unicode_escape").encode("latin-1").decode()
            if "msgctxt" in entry:
                assert catalogue.pgettext(entry["msgctxt"], msgid) == expected
            else:
                assert catalogue.gettext(msgid) == expected


@pytest.mark.django_db
def test_the_catalogue_covers_every_string_in_the_code(tmp_path, settings, monkeypatch):
    """makemessages, run on a copy of the sources, finds nothing new: no English string ships untranslated."""
    assert shutil.which("xgettext"), "GNU gettext is needed (apt-get install gettext)"
    for name in SOURCE_DIRS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)  # makemessages walks the current directory

    call_command("makemessages", locale=["fr"], no_obsolete=True, verbosity=0)

    entries = _entries((tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text())
    missing = [e["msgid"] for e in entries if e["msgid"] and not (e.get("msgstr") or e.get("msgstr[0]"))]
    assert missing == [], f"untranslated: {missing[:10]}"
