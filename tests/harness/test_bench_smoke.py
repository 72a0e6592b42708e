"""`make bench` in miniature, so that it cannot rot unseen: the real bench/load/run.py, its sign-in, its checks and its
report, on a tiny world (seed factor 0.002), one page (the customer list, with the ceiling and hello) and one API
endpoint (its client's token from the token endpoint), a handful of requests each. It asserts what the run did,
never how fast (the machine is shared)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from bench.load.api_endpoints import by_name

from .conftest import harness_env, run_harness

API_ENDPOINT = "api_organization"  # the API row of bench/load/api_endpoints.py that exists on every branch
pytestmark = pytest.mark.xdist_group("harness")  # one at a time: both start servers and run collectstatic


def test_the_bench_serves_as_the_app_role_signs_in_with_two_steps_and_gets_only_the_answers_asked_for(
    scratch_database, tmp_path
):
    api_endpoint = by_name()[API_ENDPOINT]
    assert api_endpoint.on, f"{API_ENDPOINT} is the smoke's API endpoint: it must be enabled"
    env = harness_env(tmp_path, BENCH_DATABASE_URL=scratch_database, BENCH_DATA_DIR=str(tmp_path / "data"))
    argv = ["bench/load/run.py", "--scales", "1", "--seed-factor", "0.002", "--endpoints", "customer_list",
            API_ENDPOINT, "--rounds", "1", "--duration", "1", "--warmup", "1", "--db-requests", "3",
            "--latency-duration", "1", "--output-dir", str(tmp_path)]  # fmt: skip
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
    assert set(endpoints) == {"ceiling", "hello", "customer_list", API_ENDPOINT}
    for name in ("ceiling", "customer_list", API_ENDPOINT):
        assert endpoints[name]["db"]["statuses"] == {"200": 3}, name
        assert endpoints[name]["rounds"][0]["requests"] > 0, name
        assert endpoints[name]["ratio_median"] is not None, name
        assert endpoints[name]["latency"]["completed"] > 0, name
        assert endpoints[name]["errors"] == 0, name
    assert endpoints["customer_list"]["check_status"] == 200
    # The API endpoint: called with the provider's seeded client's bearer token from the real token endpoint
    # (client credentials over HTTP Basic), its 200 JSON checked on every answer, under staff's bench budget.
    api = endpoints[API_ENDPOINT]
    assert (api["api"], api["principal"], api["check_status"]) == (True, "provider", 200)
    assert "token from /api/oauth/token/ (client credentials, HTTP Basic)" in output
    assert scale["api"]["clients"]["provider"]["tokens_fetched"] >= 1
    assert api["rate_limit_per_minute"] == str(scale["api"]["requests_per_minute"])
    assert "## API endpoints" in (tmp_path / "report.md").read_text()
