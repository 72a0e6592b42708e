"""No list page reads a tenant table from start to end: every SELECT a list page runs (its page, its count,
its lookups) is planned with an index when sequential scans are priced out.

The world is small, so PostgreSQL would rightly prefer a sequential scan of its few pages; with
`enable_seqscan = off` a Seq Scan remains in a plan only when no index can serve the query at all, which is
what would hurt at a million rows. (A condition on a later column of an index is also an "Index Cond" in
PostgreSQL's plans, so an index entered without its leading column is not caught here; `make bench` measures
those pages at a million rows.)

A plan is only as deterministic as the statistics it is made from. The planner reads `pg_statistic` and
`pg_class.reltuples`, which are whatever the last ANALYZE (autovacuum's, after some earlier test filled and
emptied a table) left behind: with another test's statistics a tenant filter can look unselective and an
ORDER BY … LIMIT be planned as a walk of the primary key, with no index condition. So the world is committed
and the tenant tables are vacuumed and analyzed (as their owner: the app role may not) before any plan is
read: the statistics are then those of this world alone, on every run, alone or after the whole suite.
"""

from __future__ import annotations

import json
import re

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from partnerhub.accounts.models import Organization
from tests.customers.bulk import gather_statistics
from tests.customers.world import pages


def tenant_tables() -> set[str]:
    """Tables whose rows belong to an organization: every model with a relation to Organization."""
    return {
        model._meta.db_table
        for model in apps.get_models()
        if any(
            field.is_relation and field.concrete and field.related_model is Organization
            for field in model._meta.get_fields()
        )
    }


FULL_SCANS = {"Seq Scan", "Index Scan", "Index Only Scan"}
PRICED_OUT = ("enable_seqscan", "enable_mergejoin", "enable_hashjoin")


def seq_scans(plan: dict, tables: set[str], hashed: frozenset[str] | None = None) -> list[str]:
    """Tenant tables read from end to end: a Seq Scan, or an index walked whole (no Index Cond), which is
    what PostgreSQL falls back to when sequential scans are priced out and no index fits the filter.

    One exception, the hash join's twin that no setting prices out: an EXISTS planned as a *hashed*
    SubPlan reads the index that serves it once, whole, into a hash table (chosen for a small table; a
    missing index there is still a Seq Scan, and still caught)."""
    if hashed is None:
        hashed = frozenset(re.findall(r"hashed (SubPlan \d+)", json.dumps(plan)))
    found = []
    walked = plan.get("Node Type") in FULL_SCANS and "Index Cond" not in plan
    if walked and plan.get("Node Type") != "Seq Scan" and plan.get("Subplan Name") in hashed:
        walked = False
    full = plan.get("Node Type") == "Seq Scan" or walked
    if full and plan.get("Relation Name") in tables:
        found.append(f"{plan['Node Type']} on {plan['Relation Name']}")
    for child in plan.get("Plans", []):
        found.extend(seq_scans(child, tables, hashed))
    return found


def explain(sql: str) -> dict:
    with transaction.atomic(), connection.cursor() as cursor:  # SET LOCAL lasts this transaction
        # Sequential scans, and the merge and hash joins that read a whole side, priced out: what remains is
        # what an index can serve, as at a million rows.
        for setting in PRICED_OUT:
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN (VERBOSE, FORMAT JSON) {sql}")  # VERBOSE: the outputs name hashed SubPlans
        (plan,) = cursor.fetchone()
        for setting in PRICED_OUT:
            cursor.execute(f"SET LOCAL {setting} = on")
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def test_the_tenant_tables_are_found():
    tables = tenant_tables()
    assert {"customers_customerrelationship", "customers_subscription", "accounts_membership"} <= tables
    assert "accounts_organization" not in tables


def test_no_list_page_plans_a_sequential_scan_over_a_tenant_table(transactional_db, world):
    w = world(25, 2)  # committed (transactional_db), so that the owner's ANALYZE sees it
    tables = tenant_tables()
    gather_statistics(tables)
    problems = []
    explained = 0
    for key, principal, url, _marker, _times in pages(w, 25):
        client = w[principal]
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            explained += 1
            problems.extend(f"{key}: {scan}\n    {sql}" for scan in seq_scans(explain(sql), tables))
    assert explained > 40  # the pages' queries were really looked at
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT id FROM customers_customerrelationship WHERE kind = 'direct'", "customers_customerrelationship"),
        ("SELECT id FROM customers_customerrelationship WHERE partner_id = 1 AND status = 'active'", None),
    ],
)
def test_the_check_catches_a_filter_without_an_index(db, sql, expected):
    """The detector itself: a filter no index leads with is a full scan even with seq scans priced out."""
    found = seq_scans(explain(sql), tenant_tables())
    assert [scan.split(" on ")[1] for scan in found] == ([expected] if expected else [])
