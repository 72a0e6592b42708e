"""`make bench-billing` in miniature, so that it cannot rot unseen: the real bench/load/billing.py on a copy of the
test database, seeded by its owner, its purchases rated and invoiced by `manage.py bench_billing` as the app role
under production's settings. It asserts who ran it and what the report says, never how fast (the machine is
shared); tests/bench/test_bench_billing.py checks the invoices themselves."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from .conftest import harness_env, run_harness

pytestmark = pytest.mark.xdist_group("harness")  # one at a time: each starts servers


def test_the_billing_run_is_measured_as_the_app_role_with_its_targets(scratch_database, tmp_path):
    env = harness_env(tmp_path, BENCH_DATABASE_URL=scratch_database)
    output_file = tmp_path / "report-billing.json"
    argv = ["bench/load/billing.py", "--factor", "0.002", "--sizes", "15", "45", "--output", str(output_file)]
    log = tmp_path / "billing.log"
    done = run_harness(argv, env, log, timeout=240)
    output = log.read_text()
    assert done.returncode == 0, output[-4000:]

    report = json.loads(output_file.read_text())
    assert report["database_role"] == {"name": settings.DATABASE_APP_ROLE, "bypasses_rls": False}
    assert [result["subscriptions"] for result in report["results"]] == [15, 45]
    assert all(result["lines"] >= result["subscriptions"] and result["invoices"] for result in report["results"])
    assert [target["target"] for target in report["targets"]] == [
        "invoiced lines/s (slowest size)",
        "run peak, largest size / smallest",
    ]
    text = output_file.with_suffix(".md").read_text()
    assert f"Database role: `{settings.DATABASE_APP_ROLE}` (under row-level security)" in text
