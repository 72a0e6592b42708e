"""What every browser journey does: open a page, sign in, and (with UPDATE_SCREENSHOTS=1) refresh the
README's screenshots — and, on every page it loads, the checks no journey has to ask for.

Every browser context a journey opens is watched (tests/browser/conftest.py hands journeys a `browser` that
watches the contexts it creates): each HTML document it receives is run through tests/pagecheck.py on the raw
body, and kept; at the end of the test each kept page is shown again, exactly as it was received: axe-core must
find no serious or critical WCAG 2.1 AA violation at the desktop width and at 390 px with the navbar menu
closed and opened, and at 390 px the page must fit the viewport. The autouse fixture of
tests/browser/conftest.py fails the test on any problem, as it does on a CSP violation.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError

from tests.pagecheck import iso_dates_shown, page_problems

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 720}  # Playwright's default, the journeys' own
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILING_IMPACTS = {"serious", "critical"}


# Console errors that say the Content-Security-Policy blocked something, from every page of the current test
# (tests/browser/conftest.py fails the test on any).
CSP_VIOLATIONS: list[str] = []
# What tests/pagecheck.py, the 390 px width check and axe found on the pages of the current test.
PAGE_PROBLEMS: list[str] = []


@dataclass(frozen=True)
class Document:
    """An HTML page as the browser received it."""

    url: str
    status: int
    headers: dict
    body: bytes


DOCUMENTS: list[Document] = []


def _watch_csp(message) -> None:
    if message.type == "error" and "Content Security Policy" in message.text:
        CSP_VIOLATIONS.append(message.text)


def _keep_document(response) -> None:
    """Check the raw body of each HTML page the browser receives (redirects have none), and keep it."""
    request = response.request
    if request.resource_type != "document" or 300 <= response.status < 400 or not response.url.startswith("http"):
        return  # a redirect has no page; chrome-extension:// is Chromium's PDF viewer
    if not response.headers.get("content-type", "").startswith("text/html"):
        return
    try:
        body = response.body()
    except PlaywrightError:
        # The journey moved on before the body was read and Chromium dropped it: a GET is asked again, with
        # the same cookies; a POST can't be, and its page goes unchecked.
        if request.method != "GET":
            return
        body = request.frame.page.context.request.get(response.url, max_redirects=0).body()
    problems = page_problems(body)
    if not urlsplit(response.url).path.startswith("/admin/"):
        problems += iso_dates_shown(body)  # one localized date format on the portal's pages
    PAGE_PROBLEMS.extend(f"{response.url} ({response.status}): {problem}" for problem in problems)
    DOCUMENTS.append(Document(response.url, response.status, response.headers, body))


def watch(context):
    """Watch a browser context: CSP violations in its consoles, the HTML of every page it loads."""
    if not getattr(context, "_partnerhub_watched", False):
        context._partnerhub_watched = True
        context.on("console", _watch_csp)
        context.on("response", _keep_document)
    return context


def watched(page):
    """A page whose context is watched (see `watch`)."""
    watch(page.context)
    return page


def new_page(browser, **context):
    page = watch(browser.new_context(**{"locale": "en-US", **context})).new_page()
    page.set_default_timeout(10_000)
    return page


def sign_in_on(page, base: str, email: str, password: str = PASSWORD):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    return page


def sign_in(browser, base: str, email: str, password: str = PASSWORD, **context):
    """A fresh browser context, signed in."""
    return sign_in_on(new_page(browser, **context), base, email, password)


def shot(page, name: str) -> None:
    """With UPDATE_SCREENSHOTS=1, refresh the README's screenshots from this journey."""
    if os.environ.get("UPDATE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


class WatchedBrowser:
    """The session's Chromium, whose every new context (also through `new_page`) is watched."""

    def __init__(self, browser):
        self._browser = browser

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def new_context(self, **options):
        return watch(self._browser.new_context(**options))

    def new_page(self, **options):
        context = self.new_context(**options)
        page = context.new_page()
        page.set_default_timeout(10_000)
        # Closing the page closes its context, as Browser.new_page does.
        page.on("close", lambda _page: context.close())
        return page


# --- the pages again, at the desktop width and at 390 px -------------------------------------------------------------

# What changes between two renderings of the same page and says nothing about its layout.
_VOLATILE = re.compile(rb'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": "|nonce=")[^"]*')


def _distinct(documents: list[Document]) -> list[Document]:
    seen, distinct = set(), []
    for document in documents:
        key = hashlib.sha256(document.url.split("?")[0].encode() + _VOLATILE.sub(rb"\1", document.body)).digest()
        if key not in seen:
            seen.add(key)
            distinct.append(document)
    return distinct


def _axe_problems(page, where: str) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    return [
        f"{where}: axe {violation['impact']} {violation['id']} ({violation['help']}): "
        + "; ".join(node["html"][:160] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in AXE_FAILING_IMPACTS
    ]


# The outermost elements that stick out of the viewport, to say what makes a page too wide.
_WIDEST = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const out = [...document.body.querySelectorAll("*")].filter(
    (el) => el.getBoundingClientRect().right > width + 1 && !clipped(el)
  );
  const outermost = out.filter((el) => !out.includes(el.parentElement));
  return outermost.slice(0, 3).map((el) => el.outerHTML.slice(0, 160)).join(" | ");
}"""


def _replay(document: Document, headers: dict):
    def fulfill(route):
        route.fulfill(status=document.status, headers=headers, body=document.body)

    return fulfill


def replay_problems(browser, documents: list[Document]) -> list[str]:
    """Each page again, as received: axe at the journey's desktop width; at 390 px, wider than the screen or
    axe violations, menu closed and open. Static files load from the live server; the page itself is never
    requested again, so one-time pages (a temporary password, a used link) are checked as the journey saw
    them. Django's admin, the operator's desktop tool, gets the html5lib checks only."""
    pages = [document for document in _distinct(documents) if not urlsplit(document.url).path.startswith("/admin/")]
    return _replayed(browser, pages, DESKTOP, phone=False) + _replayed(browser, pages, PHONE, phone=True)


def _show(page, document: Document) -> str | None:
    """Show a kept page in `page`; why it couldn't be, or None."""
    headers = {name: value for name, value in document.headers.items() if name.lower() != "set-cookie"}
    url = document.url.split("#")[0]
    page.route(url, _replay(document, headers), times=1)
    try:
        page.goto(url, wait_until="load")
    except PlaywrightError as exc:
        return exc.message
    finally:
        with contextlib.suppress(PlaywrightError):
            page.unroute(url)
    return None


def _replayed(browser, documents: list[Document], viewport: dict, *, phone: bool) -> list[str]:
    problems: list[str] = []
    context = browser.new_context(viewport=viewport, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        menus_checked: set[bytes] = set()
        for document in documents:
            where = f"{document.url} ({document.status}) at {viewport['width']} px"
            if failure := _show(page, document):
                problems.append(f"{where}: could not be shown again ({failure})")
                continue
            if not phone:
                problems += _axe_problems(page, where)
                continue
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:
                culprits = page.evaluate(_WIDEST)
                problems.append(f"{where}: the page is {width} px wide and scrolls sideways ({culprits})")
            problems += _axe_problems(page, where)
            toggler = page.locator(".navbar-toggler")
            navbar = page.locator("nav.navbar").first
            # One check per navbar (signed out, partner, customer…), not per page: it differs only in values.
            menu = re.sub(rb'value="[^"]*"', b"", navbar.inner_html().encode()) if navbar.count() else b""
            if toggler.count() and toggler.is_visible() and menu not in menus_checked:
                menus_checked.add(menu)
                toggler.click()
                page.locator(".navbar-collapse.show").wait_for()
                problems += _axe_problems(page, f"{where}, menu open")
    finally:
        context.close()
    return problems
