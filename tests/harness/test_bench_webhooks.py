"""`make bench-webhooks` in miniature, so that it cannot rot unseen: the real bench/load/webhooks.py on a copy of the
test database, a handful of test events made through the services as the app role, a real prefork Celery worker
delivering them through the SSRF-checked egress to the bench's receiver, which verifies every signature with
`standardwebhooks`. It asserts that every event arrived exactly once, never how fast (the machine is shared)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from .conftest import harness_env, run_harness

pytestmark = pytest.mark.xdist_group("harness")  # one at a time: each starts servers

EVENTS = 12


def test_every_webhook_event_reaches_the_receiver_once_signed_as_the_app_role(scratch_database, tmp_path):
    env = harness_env(tmp_path, BENCH_DATABASE_URL=scratch_database, BENCH_DATA_DIR=str(tmp_path / "data"))
    output_file = tmp_path / "report-webhooks.json"
    argv = ["bench/load/webhooks.py", "--n", str(EVENTS), "--concurrency", "2", "--output", str(output_file)]
    log = tmp_path / "webhooks.log"
    done = run_harness(argv, env, log, timeout=240)
    output = log.read_text()
    assert done.returncode == 0, output[-4000:]

    report = json.loads(output_file.read_text())
    assert report["ok"] is True
    (run,) = report["runs"]
    # Every event the services made arrived verified, once; nothing else arrived; every row says delivered.
    assert (run["n"], run["delivered"], run["lost"], run["duplicates"], run["unexpected"]) == (EVENTS, EVENTS, 0, 0, 0)
    assert run["rejected_signatures"] == 0
    assert run["delivery_rows"] == {"delivered": EVENTS}
    assert (run["attempts"], run["failed_attempts"]) == (EVENTS, 0)
    assert run["deliveries_per_s"] > 0
    # The worker delivered as the app role, which cannot skip row-level security.
    assert set(run["database_roles"]) == {settings.DATABASE_APP_ROLE}
    assert not any(role["bypasses_rls"] for role in run["database_roles"].values())
    text = output_file.with_suffix(".md").read_text()
    assert "Result: PASS" in text
    assert report["target_deliveries_per_s"] == 300
    assert "| deliveries/s | target |" in text  # the target beside the measured rate, met or "(missed)"
