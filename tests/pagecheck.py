"""What every rendered HTML page must be, checked on the raw response body: no nested <form>, no duplicate
`id`, a label for every form control.

A nested form never reaches the DOM (browsers and html5lib's tree builder both drop the inner start tag),
so `page.content()` can't show it: it is html5lib's parse error on the raw body that tells. The browser
journeys (tests/browser/helpers.py) and the isolation crawl (tests/security/test_isolation_sweep.py) run
every page they load through `page_problems`.
"""

from __future__ import annotations

import re
from collections import Counter

import html5lib

# Inputs a person types into or picks: each needs an accessible name. Buttons name themselves.
UNLABELLED_OK = {"hidden", "submit", "button", "image", "reset"}
LABEL_ATTRIBUTES = ("aria-label", "title")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
NOT_SHOWN = {"script", "style", "template"}


def page_problems(body: bytes | str) -> list[str]:
    """Every problem of one page, as sentences; an empty list for a good page."""
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    document = parser.parse(body)
    problems = [
        f"line {line}: a <form> inside another <form> (the browser drops it; its buttons submit the outer form)"
        for (line, _column), code, data in parser.errors
        if code == "unexpected-start-tag" and data.get("name") == "form"
    ]
    problems += [
        f"line {line}: an element repeats an attribute"
        for (line, _column), code, _data in parser.errors
        if code == "duplicate-attribute"
    ]
    elements = list(document.iter())
    ids = Counter(element.get("id") for element in elements if element.get("id"))
    problems += [f"id {value!r} is used {count} times" for value, count in sorted(ids.items()) if count > 1]
    problems += [f"{_describe(control)} has no label" for control in _unlabelled(document, elements, set(ids))]
    return problems


def _unlabelled(document, elements, ids: set[str]):
    labelled_for = {label.get("for") for label in elements if label.tag == "label" and label.get("for")}
    inside_label = {
        id(control) for label in elements if label.tag == "label" for control in label.iter() if control is not label
    }
    for control in elements:
        if not _is_control(control):
            continue
        if control.get("id") and control.get("id") in labelled_for:
            continue
        if id(control) in inside_label:
            continue
        if any((control.get(name) or "").strip() for name in LABEL_ATTRIBUTES):
            continue
        labelledby = (control.get("aria-labelledby") or "").split()
        if labelledby and all(ref in ids for ref in labelledby):
            continue
        yield control


def _is_control(element) -> bool:
    if element.tag in ("select", "textarea"):
        return True
    return element.tag == "input" and (element.get("type") or "text").lower() not in UNLABELLED_OK


def _describe(element) -> str:
    attributes = " ".join(f'{name}="{element.get(name)}"' for name in ("type", "name", "id") if element.get(name))
    return f"<{element.tag} {attributes}>".replace(" >", ">")


def iso_dates_shown(body: bytes | str) -> list[str]:
    """Dates a person reads written as ISO 8601 (2026-12-03) where the page shows the localized format
    ("Dec. 3, 2026"); attribute values, form values among them, don't count."""
    document = html5lib.HTMLParser(namespaceHTMLElements=False).parse(body)
    parents = {child: parent for parent in document.iter() for child in parent}
    texts = []
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag not in NOT_SHOWN and element.tag != "textarea":
            texts.append(element.text or "")
        parent = parents.get(element)
        if parent is not None and parent.tag not in NOT_SHOWN:
            texts.append(element.tail or "")
    return [f"an ISO date is shown: {text.strip()[:120]!r}" for text in texts if ISO_DATE.search(text)]
