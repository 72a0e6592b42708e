import pytest

from tests.browser.helpers import CSP_VIOLATIONS, DOCUMENTS, PAGE_PROBLEMS, WatchedBrowser, replay_problems


@pytest.fixture
def browser(browser):
    """The session's Chromium; every context a journey opens from it is watched (tests/browser/helpers.py)."""
    return WatchedBrowser(browser)


@pytest.fixture(autouse=True)
def _every_page_checked(browser):
    """Every journey runs under the real Content-Security-Policy: nothing on its pages may be blocked. Every
    page it loads is well formed (no nested form, no duplicate id, no unlabelled control), fits a 390 px
    screen and has no serious or critical accessibility violation (tests/browser/helpers.py)."""
    CSP_VIOLATIONS.clear()
    PAGE_PROBLEMS.clear()
    DOCUMENTS.clear()
    yield
    assert CSP_VIOLATIONS == []
    problems = PAGE_PROBLEMS + replay_problems(browser, DOCUMENTS)
    DOCUMENTS.clear()
    assert problems == [], "\n".join(problems)
