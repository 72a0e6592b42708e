import pytest

from tests.browser.helpers import CSP_VIOLATIONS


@pytest.fixture(autouse=True)
def _no_csp_violations():
    """Every journey runs under the real Content-Security-Policy: nothing on its pages may be blocked."""
    CSP_VIOLATIONS.clear()
    yield
    assert CSP_VIOLATIONS == []
