"""Every list page runs exactly its budgeted number of SQL queries (tests/budgets.py), whether it shows 1 row or
25, whether each row has 1 child or 10, with 50 other tenants' rows in the same tables (the world of
tests/customers/world.py, built once per combination; every page is requested as the principal who sees it).
"""

from __future__ import annotations

import pytest

from tests.budgets import PAGE_QUERY_BUDGET
from tests.customers.world import _listed, pages


@pytest.mark.parametrize("children", [1, 10])
@pytest.mark.parametrize("rows", [1, 25])
def test_every_list_page_runs_its_budget_whatever_the_data(world, django_assert_num_queries, rows, children):
    w = world(rows, children)
    for key, principal, url, marker, times in pages(w, rows):
        client = w[principal]
        client.get(url)  # warm: the first request of a session may write it; budgets are for the steady state
        with django_assert_num_queries(PAGE_QUERY_BUDGET[key], info=key):
            response = client.get(url)
        assert response.status_code == 200, (key, response.status_code)
        html = response.content.decode()
        if times is None:
            assert marker in html, (key, marker)
        else:
            listed = _listed(html, key)
            assert listed.count(marker) == times, (key, listed.count(marker), times)
