"""`make bench` in miniature, so that it cannot rot unseen: the real bench/load/run.py, its sign-in, its checks and its
report, on a tiny world (seed factor 0.002) and one page (the customer list, with the ceiling and hello), a
handful of requests each. It asserts what the run did, never how fast (the machine is shared)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from .conftest import harness_env, run_harness

pytestmark = pytest.mark.xdist_group("harness")  # one at a time: both start servers and run collectstatic


def test_the_bench_serves_as_the_app_role_signs_in_with_two_steps_and_gets_only_the_pages_asked_for(
    scratch_database, tmp_path
):
    env = harness_env(tmp_path, BENCH_DATABASE_URL=scratch_database, BENCH_DATA_DIR=str(tmp_path / "data"))
    argv = ["bench/load/run.py", "--scales", "1", "--seed-factor", "0.002", "--endpoints", "customer_list",
            "--rounds", "1", "--duration", "1", "--warmup", "1", "--db-requests", "3", "--latency-duration", "1",
            "--output-dir", str(tmp_path)]  # fmt: skip
    log = tmp_path / "bench.log"
    done = run_harness(argv, env, log, timeout=240)
    output = log.read_text()
    assert done.returncode == 0, output[-4000:]

    report = json.loads((tmp_path / "report.json").read_text())
    scale = report["scales"]["1"]
    # Served as the app's own role, which cannot skip row-level security; the owner only migrated and seeded.
    assert scale["database"]["app_url_role"] == settings.DATABASE_APP_ROLE
    assert scale["database"]["connections"].keys() == {settings.DATABASE_APP_ROLE}
    assert not any(role["bypasses_rls"] for role in scale["database"]["connections"].values())
    # Signed in through the two-step step, each principal the bench used.
    assert scale["database"]["sign_in"] == "password + two-step code (TOTP)"
    assert "signed in provider" in output
    assert "with password and two-step code" in output
    assert "with password only" not in output
    # Every request answered the page asked for: the DB-truth pass and wrk's rounds saw only 200s.
    endpoints = scale["endpoints"]
    assert set(endpoints) == {"ceiling", "hello", "customer_list"}
    for name in ("ceiling", "customer_list"):
        assert endpoints[name]["db"]["statuses"] == {"200": 3}, name
        assert endpoints[name]["rounds"][0]["requests"] > 0, name
        assert endpoints[name]["errors"] == 0, name
    assert endpoints["customer_list"]["check_status"] == 200
