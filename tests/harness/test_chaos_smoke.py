"""`make chaos` in miniature, so that it cannot rot unseen: the real bench/chaos/run.py with gunicorn, a Celery worker
and beat as the app role, its two principals signed in with two steps, and the two scenarios the two-step rule
once broke: F3 (Redis down while invitations are made over HTTP) and F7 (a gunicorn worker killed during
accepts), and F9 (webhooks: the Celery worker killed mid-delivery, the receiver down then answering 503), each at
a tiny scale with the sweeps and the webhook retries shortened. It asserts the ledgers and the answers, not
timing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from .conftest import harness_env, run_harness

pytestmark = pytest.mark.xdist_group("harness")  # one at a time: both start servers and run collectstatic


def _server_logs(logs: Path) -> str:
    """The last lines of the Celery worker's and beat's logs: why a queued email was late, should it be."""
    tails = []
    for name in ("celery-worker.log", "celery-beat.log"):
        path = logs / name
        if path.exists():
            tails.append(f"\n--- {name} (end) ---\n" + path.read_text(errors="replace")[-6000:])
    return "".join(tails)


def test_chaos_f3_f7_and_f9_pass_as_the_app_role_with_two_step_principals(scratch_database, tmp_path):
    env = harness_env(
        tmp_path,
        CHAOS_DATABASE_URL=scratch_database,
        CHAOS_DATA_DIR=str(tmp_path / "data"),
        CHAOS_SWEEP_SECONDS="2",  # a Redis that came back empty is recovered by the sweep: soon, in the smoke
        OUTBOX_STALE_AFTER_SECONDS="3",
        WEBHOOK_RETRY_DELAYS="1,1,2,2,2,2,2,2,2",  # a receiver down 3 s, then 503 for 2 s: well within 10 attempts
        WEBHOOK_TIMEOUT_SECONDS="3",  # a killed delivery's lease: 2 × 3 + 30 s
    )
    argv = ["bench/chaos/run.py", "--only", "F3", "F7", "F9", "--seed-factor", "0.01", "--f3-invitations", "4",
            "--f3-outage", "3", "--f7-accepts", "12", "--f7-kills", "1", "--report-dir", str(tmp_path),
            "--f9-events", "12", "--f9-produce", "12", "--f9-kills", "1", "--f9-hold", "2", "--f9-outage", "3",
            "--f9-unavailable", "2"]  # fmt: skip
    log = tmp_path / "chaos.log"
    done = run_harness(argv, env, log, timeout=420)
    output = log.read_text()
    assert done.returncode == 0, output[-4000:] + _server_logs(tmp_path / "data" / "logs")

    report = json.loads((tmp_path / "report.json").read_text())
    database = report["database"]
    assert database["app_url_role"] == settings.DATABASE_APP_ROLE
    assert database["connections"].keys() == {settings.DATABASE_APP_ROLE}
    assert not any(role["bypasses_rls"] for role in database["connections"].values())
    assert database["sign_in"] == "password + two-step code (TOTP)"
    f3, f7, f9 = report["scenarios"]
    assert (f3["id"], f3["pass"], f3["http_success"]) == ("F3", True, "4/4")
    assert f3["ledger"]["expected"] == 4
    assert f3["ledger"]["lost"] == 0
    assert f3["ledger"]["duplicates"] == 0
    assert f3["http"]["unexpected"] == 0
    assert f3["http"]["statuses"] == {"302": 8}
    assert (f7["id"], f7["pass"], f7["after_retry"]) == ("F7", True, {"accepted": 12})
    assert f7["http"]["unexpected"] == 0
    assert f7["http"]["5xx"] == 0
    # F9: every event reached the receiver with a valid signature; the only duplicates are deliveries the receiver
    # had kept when the worker was killed before it could hear the answer; nothing left pending, nothing failed.
    assert (f9["id"], f9["pass"], f9["created"]) == ("F9", True, {"created": 12, "errors": 0})
    webhooks = f9["ledger"]
    assert (webhooks["expected"], webhooks["delivered_unique"], webhooks["lost"]) == (12, 12, 0)
    assert webhooks["rows"] == {"delivered": 12}
    assert f9["killed_in_flight"] >= 1
    assert webhooks["duplicates"] <= f9["killed_in_flight"]
    assert webhooks["duplicated_outside_kills"] == 0
    assert webhooks["unexpected_ids"] == 0
    assert "bad_signatures" not in webhooks["receiver"]
    assert webhooks["endpoint_active"] is True
    assert webhooks["attempt_outcomes"]["ok"] == 12
    assert report["ok"] is True
